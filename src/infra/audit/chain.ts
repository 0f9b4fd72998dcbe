import { createHash } from 'node:crypto';

/** The hash the first record links to. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditContent {
  seq: number;
  at: number;
  user_id: number | null;
  username: string | null;
  ip: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  result: string;
  details: string;
}

/**
 * hash = SHA-256(prev_hash || canonical content). The content is serialized
 * as a JSON array in a fixed field order so the hash never depends on how a
 * driver orders columns.
 */
export function auditHash(prevHash: string, c: AuditContent): string {
  const canonical = JSON.stringify([
    Number(c.seq),
    Number(c.at),
    c.user_id == null ? null : Number(c.user_id),
    c.username,
    c.ip,
    c.action,
    c.object_type,
    c.object_id,
    c.result,
    c.details,
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

export type ChainBreak = { seq: number; reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' };

/** Checks consecutive records; `expectedPrev` is the hash the first one must link to. */
export function findChainBreak(
  records: Iterable<AuditContent & { prev_hash: string; hash: string }>,
  expectedPrev: string,
  expectedSeq: number,
): ChainBreak | null {
  let prev = expectedPrev;
  let seq = expectedSeq;
  for (const r of records) {
    if (Number(r.seq) !== seq) return { seq, reason: 'sequence_gap' };
    if (r.prev_hash !== prev) return { seq: Number(r.seq), reason: 'prev_hash_mismatch' };
    if (auditHash(r.prev_hash, r) !== r.hash) return { seq: Number(r.seq), reason: 'hash_mismatch' };
    prev = r.hash;
    seq += 1;
  }
  return null;
}
