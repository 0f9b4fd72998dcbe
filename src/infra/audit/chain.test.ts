import { describe, expect, it } from 'vitest';
import { auditHash, findChainBreak, GENESIS_HASH, parseAuditKeys, type AuditContent, type AuditKeyring, type ChainPosition } from './chain.js';

const keyring: AuditKeyring = parseAuditKeys(`k1:${Buffer.alloc(32, 1).toString('base64')},k2:${Buffer.alloc(32, 2).toString('base64')}`);
type Row = AuditContent & { prev_hash: string; hash: string; key_id: string | null };

/** n records; those from `keyedFrom` on are keyed with k2. */
function chain(n: number, keyedFrom = 1): Row[] {
  const out: Row[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const c: AuditContent = {
      seq, at: 1_700_000_000_000 + seq, user_id: seq % 3 === 0 ? null : seq, username: `u${seq}`, ip: '127.0.0.1',
      action: 'user.update', object_type: 'user', object_id: String(seq), result: 'success', details: '{"a":1}',
    };
    const keyId = seq >= keyedFrom ? 'k2' : null;
    const hash = auditHash(prev, c, keyId ? keyring.keys.get(keyId)! : null);
    out.push({ ...c, prev_hash: prev, hash, key_id: keyId });
    prev = hash;
  }
  return out;
}
const start = (): ChainPosition => ({ prev: GENESIS_HASH, seq: 1, keyed: false });

describe('audit hash chain', () => {
  it('accepts an intact chain, keyed, unkeyed, or keyed from some record on', () => {
    expect(findChainBreak(chain(10), start(), keyring)).toBeNull();
    expect(findChainBreak(chain(10, 99), start(), keyring)).toBeNull();
    const at = start();
    expect(findChainBreak(chain(10, 4), at, keyring)).toBeNull();
    expect(at).toMatchObject({ seq: 11, keyed: true });
  });
  it('names the first edited record', () => {
    const records = chain(10);
    records[6] = { ...records[6]!, details: '{"a":2}' };
    expect(findChainBreak(records, start(), keyring)).toEqual({ seq: 7, reason: 'hash_mismatch' });
  });
  it('detects a record re-hashed after editing through the next link', () => {
    const records = chain(10, 99);
    const edited = { ...records[3]!, ip: '10.0.0.1' };
    edited.hash = auditHash(edited.prev_hash, edited);
    records[3] = edited;
    expect(findChainBreak(records, start(), keyring)).toEqual({ seq: 5, reason: 'prev_hash_mismatch' });
  });
  it('refuses a keyed chain rewritten without the key, even consistently to the end', () => {
    const records = chain(10);
    let prev = GENESIS_HASH;
    const forged = records.map((r, i) => {
      const edited = { ...r, ip: i === 3 ? '10.0.0.1' : r.ip, prev_hash: prev };
      edited.hash = auditHash(prev, edited, Buffer.alloc(32, 9));
      prev = edited.hash;
      return edited;
    });
    expect(findChainBreak(forged, start(), keyring)).toEqual({ seq: 1, reason: 'hash_mismatch' });
    const downgraded = records.map((r) => ({ ...r }));
    downgraded[5] = { ...downgraded[5]!, key_id: null, hash: auditHash(downgraded[5]!.prev_hash, downgraded[5]!) };
    expect(findChainBreak(downgraded, start(), keyring)).toEqual({ seq: 6, reason: 'unkeyed_after_keyed' });
    const unknown = records.map((r) => ({ ...r }));
    unknown[2] = { ...unknown[2]!, key_id: 'k9' };
    expect(findChainBreak(unknown, start(), keyring)).toEqual({ seq: 3, reason: 'unknown_key' });
  });
  it('detects a removed record', () => {
    const records = chain(10);
    records.splice(2, 1);
    expect(findChainBreak(records, start(), keyring)).toEqual({ seq: 3, reason: 'sequence_gap' });
  });
  it('does not depend on whether numbers come back as strings', () => {
    const [r] = chain(1);
    const asStrings = { ...r!, seq: '1' as unknown as number, at: String(r!.at) as unknown as number };
    expect(auditHash(GENESIS_HASH, asStrings, keyring.keys.get('k2')!)).toBe(r!.hash);
  });
  it('parses keys and refuses short, duplicate or unknown active ones', () => {
    const b = (n: number, len = 32) => Buffer.alloc(len, n).toString('base64');
    expect(parseAuditKeys(`a:${b(1)},b:${b(2)}`).activeId).toBe('b');
    expect(parseAuditKeys(`a:${b(1)},b:${b(2)}`, 'a').activeId).toBe('a');
    expect(() => parseAuditKeys(`a:${b(1, 16)}`)).toThrow(/32 bytes/);
    expect(() => parseAuditKeys(`a:${b(1)},a:${b(2)}`)).toThrow(/twice/);
    expect(() => parseAuditKeys(`a:${b(1)}`, 'z')).toThrow(/not among/);
    expect(() => parseAuditKeys('')).toThrow(/no audit key/);
  });
});
