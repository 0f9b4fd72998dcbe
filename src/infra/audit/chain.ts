import { createHash, createHmac } from 'node:crypto';

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
 * The HMAC keys of the chain, kept outside the database: whoever can rewrite
 * the table cannot recompute a keyed link. Old keys stay for verification.
 */
export interface AuditKeyring {
  activeId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * hash = HMAC-SHA256(key, prev_hash || canonical content), or plain SHA-256
 * for records written before the chain was keyed (key null). The content is
 * serialized as a JSON array in a fixed field order so the hash never depends
 * on how a driver orders columns.
 */
export function auditHash(prevHash: string, c: AuditContent, key: Buffer | null = null): string {
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
  const h = key ? createHmac('sha256', key) : createHash('sha256');
  return h.update(prevHash).update('\n').update(canonical).digest('hex');
}

export type ChainBreak = {
  seq: number;
  reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' | 'unknown_key' | 'unkeyed_after_keyed' | 'anchor_mismatch' | 'anchor_invalid';
};

/** Where a walk of the chain stands: the hash and seq the next record must link to, and whether keyed records began. */
export interface ChainPosition {
  prev: string;
  seq: number;
  keyed: boolean;
}

/**
 * Checks consecutive records from `at`, and moves `at` past the ones that
 * hold. Once a keyed record appears, an unkeyed one after it is a break: a
 * rewrite cannot fall back to the unkeyed form.
 */
export function findChainBreak(
  records: Iterable<AuditContent & { prev_hash: string; hash: string; key_id: string | null }>,
  at: ChainPosition,
  keyring: AuditKeyring,
): ChainBreak | null {
  for (const r of records) {
    if (Number(r.seq) !== at.seq) return { seq: at.seq, reason: 'sequence_gap' };
    if (r.prev_hash !== at.prev) return { seq: at.seq, reason: 'prev_hash_mismatch' };
    let key: Buffer | null = null;
    if (r.key_id != null) {
      key = keyring.keys.get(r.key_id) ?? null;
      if (!key) return { seq: at.seq, reason: 'unknown_key' };
    } else if (at.keyed) {
      return { seq: at.seq, reason: 'unkeyed_after_keyed' };
    }
    if (auditHash(r.prev_hash, r, key) !== r.hash) return { seq: at.seq, reason: 'hash_mismatch' };
    at.prev = r.hash;
    at.seq += 1;
    at.keyed ||= key !== null;
  }
  return null;
}

/** Parses "id:base64,id2:base64" into a keyring (keys of at least 32 bytes); the active key is the last unless named. */
export function parseAuditKeys(spec: string, activeId?: string): AuditKeyring {
  const keys = new Map<string, Buffer>();
  for (const part of spec.split(',').map((x) => x.trim()).filter(Boolean)) {
    const colon = part.indexOf(':');
    const id = colon > 0 ? part.slice(0, colon) : '';
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(id)) throw new Error(`audit key "${part.slice(0, 20)}…": expected id:base64 with an id of 1–16 letters, digits, - or _`);
    const key = Buffer.from(part.slice(colon + 1).replace(/=+$/, ''), 'base64url');
    if (key.length < 32) throw new Error(`audit key ${id}: at least 32 bytes`);
    if (keys.has(id)) throw new Error(`audit key ${id} is listed twice`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new Error('no audit key given');
  const active = activeId ?? [...keys.keys()].at(-1)!;
  if (!keys.has(active)) throw new Error(`the active audit key ${active} is not among the keys`);
  return { activeId: active, keys };
}
