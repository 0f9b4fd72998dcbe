import { describe, expect, it } from 'vitest';
import { canonicalJson, IDEMPOTENCY_KEY_RE, isDuplicateKeyError, requestHash } from './idempotency.js';

describe('idempotency helpers', () => {
  it('hashes equal payloads equally whatever the key order, and different ones differently', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(canonicalJson({ a: 1, skip: undefined })).toBe('{"a":1}');
    expect(requestHash('op', { a: 1, b: 2 })).toBe(requestHash('op', { b: 2, a: 1 }));
    expect(requestHash('op', { a: 1 })).not.toBe(requestHash('op', { a: 2 }));
    expect(requestHash('op1', { a: 1 })).not.toBe(requestHash('op2', { a: 1 }));
  });

  it('accepts reasonable keys only', () => {
    expect(IDEMPOTENCY_KEY_RE.test('550e8400-e29b-41d4-a716-446655440000')).toBe(true);
    expect(IDEMPOTENCY_KEY_RE.test('short')).toBe(false);
    expect(IDEMPOTENCY_KEY_RE.test('has space in it')).toBe(false);
  });

  it('recognises duplicate-key errors of both dialects', () => {
    expect(isDuplicateKeyError({ code: 'ER_DUP_ENTRY', errno: 1062 })).toBe(true);
    expect(isDuplicateKeyError({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })).toBe(true);
    expect(isDuplicateKeyError({ code: 'SQLITE_BUSY' })).toBe(false);
    expect(isDuplicateKeyError(null)).toBe(false);
  });
});
