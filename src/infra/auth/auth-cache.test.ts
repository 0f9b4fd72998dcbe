import { describe, expect, it } from 'vitest';
import { AuthCache, Principal } from './principal.js';

const someone = new Principal(7, 'someone', 'Someone', [], new Map());

describe('AuthCache principals', () => {
  it('keeps a principal for its TTL, never past the session expiry', () => {
    const cache = new AuthCache(5000, 2000);
    cache.keepPrincipal('t1', someone, 10_000_000, cache.version, 1_000);
    expect(cache.principal('t1', 2_999)).toBe(someone);
    expect(cache.principal('t1', 3_000)).toBeUndefined();
    cache.keepPrincipal('t2', someone, 1_500, cache.version, 1_000);
    expect(cache.principal('t2', 1_499)).toBe(someone);
    expect(cache.principal('t2', 1_500)).toBeUndefined();
  });

  it('forgets everything on invalidate, and refuses a principal read before it', () => {
    const cache = new AuthCache();
    const before = cache.version;
    cache.keepPrincipal('t1', someone, Number.MAX_SAFE_INTEGER, before);
    cache.invalidate();
    expect(cache.principal('t1')).toBeUndefined();
    cache.keepPrincipal('t1', someone, Number.MAX_SAFE_INTEGER, before);
    expect(cache.principal('t1')).toBeUndefined();
    cache.keepPrincipal('t1', someone, Number.MAX_SAFE_INTEGER, cache.version);
    expect(cache.principal('t1')).toBe(someone);
  });

  it('stays bounded under many distinct tokens', () => {
    const cache = new AuthCache(5000, 2000, 3);
    for (let i = 0; i < 10; i++) cache.keepPrincipal(`t${i}`, someone, Number.MAX_SAFE_INTEGER, cache.version, 0);
    const kept = Array.from({ length: 10 }, (_, i) => cache.principal(`t${i}`, 1)).filter(Boolean);
    expect(kept.length).toBeLessThanOrEqual(3);
    expect(cache.principal('t9', 1)).toBe(someone);
  });
});
