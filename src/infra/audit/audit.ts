import { CompiledQuery, type Kysely } from 'kysely';
import type { AnyKysely } from '../db/database.js';
import { deferred } from '../db/mysql-driver.js';
import { anchorIsValid, type AuditAnchor } from './anchors.js';
import { auditHash, findChainBreak, type AuditKeyring, type ChainBreak, type ChainPosition } from './chain.js';
import type { AuditTables } from './tables.js';

export interface AuditActor {
  userId: number | null;
  username: string | null;
  ip: string | null;
}

export interface AuditEntry {
  action: string;
  objectType?: string | null;
  objectId?: string | number | null;
  result?: 'success' | 'failure';
  details?: Record<string, unknown>;
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, username: 'system', ip: null };

// Every write appends a record, so these four statements are written once as SQL (the same on both
// dialects) rather than built with the query builder on each call, which cost more CPU than running them.
// The bump travels with the read that follows it, and the record and the new head with the next
// statement or the commit (one round trip each on MySQL instead of four).
export const BUMP_HEAD = deferred(CompiledQuery.raw('update audit_head set seq = seq + 1 where id = 1'));
const READ_HEAD = CompiledQuery.raw('select seq, hash from audit_head where id = 1');
const INSERT_RECORD =
  'insert into audit_log (seq, at, user_id, username, ip, action, object_type, object_id, result, details, prev_hash, hash, key_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * The keyring of each open database, found from any of its transactions: Kysely
 * shares one adapter object between an instance and its transactions. Binding
 * it once at start spares the many callers of appendAudit from carrying the keys.
 */
const keyrings = new WeakMap<object, AuditKeyring>();

export function bindAuditKeyring(db: AnyKysely, keyring: AuditKeyring): void {
  keyrings.set(db.getExecutor().adapter, keyring);
}

export function auditKeyringOf(db: AnyKysely): AuditKeyring {
  const keyring = keyrings.get(db.getExecutor().adapter);
  if (!keyring) throw new Error('no audit keyring is bound to this database (openPlatform binds it)');
  return keyring;
}
const SET_HEAD_HASH = 'update audit_head set hash = ? where id = 1';

/**
 * Appends one record inside the caller's transaction, so the record exists
 * exactly when the change does. Bumping audit_head first takes its row lock
 * (InnoDB) or the write lock (SQLite), which serializes appenders on both
 * dialects without dialect-specific SQL.
 */
export async function appendAudit(
  tx: AnyKysely,
  actor: AuditActor,
  entry: AuditEntry,
  now: number = Date.now(),
  /**
   * The head as the caller read it after running BUMP_HEAD itself in this
   * transaction (with other hot rows, in one round trip: the intake's day
   * counter), so the row is locked over one round trip fewer.
   */
  bumped?: { seq: number | string; hash: string },
): Promise<number> {
  const keyring = auditKeyringOf(tx);
  let head = bumped;
  if (!head) {
    await tx.executeQuery(BUMP_HEAD);
    head = (await tx.executeQuery<{ seq: number | string; hash: string }>(READ_HEAD)).rows[0];
  }
  if (!head) throw new Error('audit_head row missing');
  const record = {
    seq: Number(head.seq),
    at: now,
    user_id: actor.userId,
    username: actor.username,
    ip: actor.ip,
    action: entry.action,
    object_type: entry.objectType ?? null,
    object_id: entry.objectId == null ? null : String(entry.objectId),
    result: entry.result ?? 'success',
    details: JSON.stringify(entry.details ?? {}),
  } as const;
  const hash = auditHash(head.hash, record, keyring.keys.get(keyring.activeId)!);
  await tx.executeQuery(deferred(CompiledQuery.raw(INSERT_RECORD, [
    record.seq, record.at, record.user_id, record.username, record.ip, record.action, record.object_type, record.object_id,
    record.result, record.details, head.hash, hash, keyring.activeId,
  ])));
  await tx.executeQuery(deferred(CompiledQuery.raw(SET_HEAD_HASH, [hash])));
  return record.seq;
}

/** Appends a record in its own transaction (for events with no other change, e.g. a failed login). */
export async function auditAlone(db: AnyKysely, actor: AuditActor, entry: AuditEntry): Promise<number> {
  return db.transaction().execute((tx) => appendAudit(tx, actor, entry));
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  /** Exported anchors that lay within the kept chain and matched it. */
  anchorsChecked: number;
  firstBroken: ChainBreak | null;
}

/**
 * Walks the chain in pages with the database's keyring, checks that the head
 * matches the last record (so truncating the tail is detected too), and that
 * every exported anchor past the pruned part names a record of the chain with
 * its hash (so a tail cut off together with the head is detected as well).
 */
export async function verifyAuditChain(anyDb: AnyKysely, anchors: readonly AuditAnchor[] = [], pageSize = 5000): Promise<VerifyResult> {
  const db = anyDb as Kysely<AuditTables>;
  const keyring = auditKeyringOf(anyDb);
  const pruned = await db.selectFrom('audit_anchor').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  const at: ChainPosition = { prev: pruned.hash, seq: Number(pruned.seq) + 1, keyed: false };
  let anchorsChecked = 0;
  const fail = (firstBroken: ChainBreak) => ({ ok: false, records: at.seq - Number(pruned.seq) - 1, anchorsChecked, firstBroken });
  const forged = anchors.find((a) => !anchorIsValid(keyring, a));
  if (forged) return fail({ seq: forged.seq, reason: 'anchor_invalid' });
  const expected = new Map<number, string>();
  for (const a of anchors) if (a.seq > Number(pruned.seq)) expected.set(a.seq, a.hash);
  for (;;) {
    const page = await db.selectFrom('audit_log').selectAll().where('seq', '>=', at.seq).orderBy('seq').limit(pageSize).execute();
    if (page.length === 0) break;
    const from = at.seq;
    const broken = findChainBreak(page, at, keyring);
    // An anchor that disagrees with a record before the chain broke is the earlier finding.
    for (const r of page) {
      const seq = Number(r.seq);
      if (seq >= at.seq || seq < from) break;
      const hash = expected.get(seq);
      if (hash === undefined) continue;
      if (hash !== r.hash) return fail({ seq, reason: 'anchor_mismatch' });
      anchorsChecked++;
      expected.delete(seq);
    }
    if (broken) return fail(broken);
  }
  const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  if (Number(head.seq) !== at.seq - 1 || head.hash !== at.prev) return fail({ seq: at.seq, reason: 'sequence_gap' });
  // Anchors past the end: records the database no longer has.
  if (expected.size > 0) return fail({ seq: Math.min(...expected.keys()), reason: 'anchor_mismatch' });
  return { ok: true, records: at.seq - Number(pruned.seq) - 1, anchorsChecked, firstBroken: null };
}

/**
 * Removes records older than the retention period (at least 180 days, MLPS
 * level 2). The last removed record's seq and hash become the anchor, so the
 * remaining chain still verifies, and the pruning itself is audited.
 */
export async function pruneAudit(anyDb: AnyKysely, actor: AuditActor, retentionDays: number, now = Date.now()): Promise<number> {
  if (retentionDays < 180) throw new Error('audit retention must be at least 180 days');
  const db = anyDb as Kysely<AuditTables>;
  return db.transaction().execute(async (tx) => {
    const cutoff = now - retentionDays * 86_400_000;
    const last = await tx.selectFrom('audit_log').select(['seq', 'hash']).where('at', '<', cutoff).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    if (!last) return 0;
    const removed = await tx.deleteFrom('audit_log').where('seq', '<=', last.seq).executeTakeFirst();
    await tx.updateTable('audit_anchor').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).execute();
    const count = Number(removed.numDeletedRows);
    await appendAudit(tx, actor, { action: 'audit.prune', details: { removed: count, throughSeq: Number(last.seq), retentionDays } }, now);
    return count;
  });
}
