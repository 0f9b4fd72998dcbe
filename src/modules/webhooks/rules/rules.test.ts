import { describe, expect, it } from 'vitest';
import { canSeeLiveEvent } from '../../command/live.js';
import { backoffMs } from './backoff.js';
import { subscriptionWants, urlProblem } from './match.js';
import { sign, signatureHeader, verifySignature } from './signing.js';

describe('webhook backoff', () => {
  const policy = { baseMs: 1000, capMs: 3_600_000 };
  it('doubles per failure between half and the whole step', () => {
    expect(backoffMs(1, policy, () => 0)).toBe(500);
    expect(backoffMs(1, policy, () => 1)).toBe(1000);
    expect(backoffMs(4, policy, () => 0)).toBe(4000);
    expect(backoffMs(4, policy, () => 1)).toBe(8000);
  });
  it('stops at the cap, however many failures', () => {
    expect(backoffMs(13, policy, () => 1)).toBe(3_600_000);
    expect(backoffMs(500, policy, () => 1)).toBe(3_600_000);
    expect(backoffMs(500, policy, () => 0)).toBe(1_800_000);
  });
  it('spreads the pauses (jitter)', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffMs(6, policy)));
    expect(seen.size).toBeGreaterThan(10);
    for (const v of seen) expect(v).toBeGreaterThanOrEqual(16_000);
  });
});

describe('webhook signing', () => {
  const body = '{"events":[{"id":"1"}]}';
  it('verifies a signed body within the tolerance, and nothing else', () => {
    const header = signatureHeader(['whsec_a'], 1_700_000_000, body);
    expect(header).toBe(`t=1700000000,v1=${sign('whsec_a', 1_700_000_000, body)}`);
    expect(verifySignature(header, body, 'whsec_a', 1_700_000_100)).toBe(true);
    expect(verifySignature(header, body.replace('1', '2'), 'whsec_a', 1_700_000_100)).toBe(false);
    expect(verifySignature(header, body, 'whsec_b', 1_700_000_100)).toBe(false);
    expect(verifySignature(header, body, 'whsec_a', 1_700_000_301)).toBe(false);
    expect(verifySignature(header.replace('t=1700000000', 't=1700000050'), body, 'whsec_a', 1_700_000_100)).toBe(false);
    expect(verifySignature(undefined, body, 'whsec_a', 1_700_000_000)).toBe(false);
    expect(verifySignature('t=x,v1=zz', body, 'whsec_a', 1_700_000_000)).toBe(false);
  });
  it('signs with the old and the new secret during a rotation', () => {
    const header = signatureHeader(['whsec_new', 'whsec_old'], 1_700_000_000, body);
    expect(verifySignature(header, body, 'whsec_new', 1_700_000_000)).toBe(true);
    expect(verifySignature(header, body, 'whsec_old', 1_700_000_000)).toBe(true);
  });
});

describe('webhook subscription filter', () => {
  const e = { action: 'dispatch', channel: 'hotline_12345', gridCode: '360102001001', departmentCodes: ['D1'] };
  const scopes = [{ kind: 'grid' as const, code: '360102001' }];
  it('takes the event types, the channels and the grid scope', () => {
    expect(subscriptionWants({ eventTypes: ['dispatch'], channels: [], scopes }, e, canSeeLiveEvent)).toBe(true);
    expect(subscriptionWants({ eventTypes: ['close'], channels: [], scopes }, e, canSeeLiveEvent)).toBe(false);
    expect(subscriptionWants({ eventTypes: ['dispatch'], channels: ['citizen'], scopes }, e, canSeeLiveEvent)).toBe(false);
    expect(subscriptionWants({ eventTypes: ['dispatch'], channels: ['hotline_12345'], scopes }, e, canSeeLiveEvent)).toBe(true);
    expect(subscriptionWants({ eventTypes: ['dispatch'], channels: [], scopes: [{ kind: 'grid', code: '360102002' }] }, e, canSeeLiveEvent)).toBe(false);
  });
  it('refuses receiver URLs that are not https unless http is allowed', () => {
    expect(urlProblem('https://example.org/hook', false)).toBeNull();
    expect(urlProblem('http://127.0.0.1:9000/hook', false)).toBe('must be https://');
    expect(urlProblem('http://127.0.0.1:9000/hook', true)).toBeNull();
    expect(urlProblem('ftp://x', true)).not.toBeNull();
    expect(urlProblem('https://u:p@example.org', false)).not.toBeNull();
    expect(urlProblem('nope', false)).not.toBeNull();
  });
});
