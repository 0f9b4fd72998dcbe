import { describe, expect, it } from 'vitest';
import { auditHash, findChainBreak, GENESIS_HASH, type AuditContent } from './chain.js';

function chain(n: number) {
  const out: Array<AuditContent & { prev_hash: string; hash: string }> = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const c: AuditContent = {
      seq, at: 1_700_000_000_000 + seq, user_id: seq % 3 === 0 ? null : seq, username: `u${seq}`, ip: '127.0.0.1',
      action: 'user.update', object_type: 'user', object_id: String(seq), result: 'success', details: '{"a":1}',
    };
    const hash = auditHash(prev, c);
    out.push({ ...c, prev_hash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('audit hash chain', () => {
  it('accepts an intact chain', () => {
    expect(findChainBreak(chain(10), GENESIS_HASH, 1)).toBeNull();
  });
  it('names the first edited record', () => {
    const records = chain(10);
    records[6] = { ...records[6]!, details: '{"a":2}' };
    expect(findChainBreak(records, GENESIS_HASH, 1)).toEqual({ seq: 7, reason: 'hash_mismatch' });
  });
  it('detects a record re-hashed after editing through the next link', () => {
    const records = chain(10);
    const edited = { ...records[3]!, ip: '10.0.0.1' };
    edited.hash = auditHash(edited.prev_hash, edited);
    records[3] = edited;
    expect(findChainBreak(records, GENESIS_HASH, 1)).toEqual({ seq: 5, reason: 'prev_hash_mismatch' });
  });
  it('detects a removed record', () => {
    const records = chain(10);
    records.splice(2, 1);
    expect(findChainBreak(records, GENESIS_HASH, 1)).toEqual({ seq: 3, reason: 'sequence_gap' });
  });
  it('does not depend on whether numbers come back as strings', () => {
    const [r] = chain(1);
    const asStrings = { ...r!, seq: '1' as unknown as number, at: String(r!.at) as unknown as number };
    expect(auditHash(GENESIS_HASH, asStrings)).toBe(r!.hash);
  });
});
