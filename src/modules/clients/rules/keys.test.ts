import { describe, expect, it } from 'vitest';
import { hashKey, keyMatches, keyPrefix, newKey } from './keys.js';

describe('API client keys', () => {
  it('finds a fresh key by its prefix and matches only its own hash', () => {
    const a = newKey();
    const b = newKey();
    expect(keyPrefix(a.key)).toBe(a.prefix);
    expect(keyMatches(a.key, a.hash)).toBe(true);
    expect(keyMatches(b.key, a.hash)).toBe(false);
    expect(a.hash).toBe(hashKey(a.key));
  });

  it('rejects malformed keys before any lookup', () => {
    expect(keyPrefix(undefined)).toBeNull();
    expect(keyPrefix('')).toBeNull();
    expect(keyPrefix('cgk_zzzzzzzzzzzz_' + 'a'.repeat(32))).toBeNull();
    expect(keyPrefix(newKey().key + 'x')).toBeNull();
  });
});
