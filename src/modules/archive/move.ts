/**
 * The move (docs/archive.md, "The protocol"): due cases leave the business
 * store for the archive store in batches. Per batch:
 *
 * 1. copy the case rows (incident, timeline, departments, links it owns,
 *    file links, search tokens) into the archive in one archive transaction,
 *    replacing any earlier copy of the same ids, marked unconfirmed
 *    (`moved = 0`);
 * 2. delete them from the business store in one business transaction that
 *    re-reads each case and keeps any that changed since the copy
 *    (`rules/protocol.ts` deletable);
 * 3. confirm the deleted ones in the archive (`moved = 1`) and drop the
 *    copies of the kept ones.
 *
 * A run cut short anywhere leaves at most unconfirmed copies, which the next
 * run settles first (`settleLeftovers`): confirmed when the business row is
 * gone, dropped when it is still there. Ids are the keys on both sides, so a
 * retry never doubles a row, and readers of the archive see only confirmed
 * cases, so no case is ever shown twice.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { AppDb } from '../../database.js';
import { bulkInsert } from '../../infra/db/insert.js';
import { acquireLease, releaseLease } from '../incidents/sweep.js';
import { documentTokens } from '../incidents/search-index.js';
import { archiveCutoff, ARCHIVED_STATUSES, deletable, settleLeftovers } from './rules/protocol.js';
import type { ArchiveStore } from './store.js';

export const ARCHIVE_LEASE = 'archive-move';
/** The lease outlives one batch by far; it is renewed after each. */
const LEASE_TTL_MS = 5 * 60_000;
const IN_CHUNK = 500;

export interface MoveOptions {
  olderThanDays: number;
  /** Cases per batch. */
  batch?: number;
  now?: number;
  /** Stop after this many batches (a bounded run; the next run goes on). */
  maxBatches?: number;
  onBatch?: (done: MoveResult) => void;
  /** Tests: called between the archive commit and the business delete (a failure there is the crash the protocol survives). */
  afterCopy?: (ids: readonly number[]) => Promise<void>;
}

export interface MoveResult {
  /** Cases now in the archive and gone from the business store. */
  moved: number;
  events: number;
  files: number;
  /** Copied but changed meanwhile, so left in the business store. */
  kept: number;
  batches: number;
  /** Leftovers of an earlier run cut short: confirmed, dropped. */
  settled: { confirmed: number; dropped: number };
  cutoff: number;
}

export class ArchiveBusyError extends Error {
  constructor() {
    super('another archive move holds the lease');
  }
}

const INCIDENT_COLUMNS = [
  'id', 'code', 'status', 'grid_code', 'category_code', 'lead_department_code', 'channel', 'description', 'address',
  'reported_at', 'closed_at', 'updated_at', 'business_row', 'tokens', 'moved', 'archived_at',
] as const;
const EVENT_COLUMNS = ['id', 'incident_id', 'seq', 'action', 'from_status', 'to_status', 'actor_user_id', 'actor_role', 'note', 'attachments', 'data', 'at'] as const;
const DEPARTMENT_COLUMNS = ['incident_id', 'department_code', 'role'] as const;
const LINK_COLUMNS = ['id', 'incident_id', 'linked_incident_id', 'kind', 'data', 'created_by', 'created_at'] as const;
const FILE_COLUMNS = ['incident_id', 'hash', 'event_seq', 'kind', 'created_at', 'public'] as const;

type Row = Record<string, unknown>;

function chunks<T>(xs: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Rows of `table` whose `column` is one of `ids`, read in chunks. */
async function rowsIn(db: Kysely<unknown>, table: string, column: string, ids: readonly number[]): Promise<Row[]> {
  const out: Row[] = [];
  for (const part of chunks(ids)) {
    const r = await sql<Row>`select * from ${sql.table(table)} where ${sql.ref(column)} in (${sql.join(part)})`.execute(db);
    out.push(...r.rows);
  }
  return out;
}

async function deleteIn(db: Kysely<unknown>, table: string, column: string, ids: readonly number[]): Promise<void> {
  for (const part of chunks(ids)) await sql`delete from ${sql.table(table)} where ${sql.ref(column)} in (${sql.join(part)})`.execute(db);
}

const values = (rows: readonly Row[], columns: readonly string[]) => rows.map((r) => columns.map((c) => r[c] ?? null));

/** Removes every archive row of these cases (a copy to be replaced, or one to drop). */
async function dropCopies(tx: Kysely<unknown>, ids: readonly number[]): Promise<void> {
  await deleteIn(tx, 'archive_incident_files', 'incident_id', ids);
  await deleteIn(tx, 'archive_incident_links', 'incident_id', ids);
  await deleteIn(tx, 'archive_incident_departments', 'incident_id', ids);
  await deleteIn(tx, 'archive_incident_events', 'incident_id', ids);
  await deleteIn(tx, 'archive_incidents', 'id', ids);
}

/** Settles the copies a run cut short left unconfirmed (see the protocol above). */
export async function settle(business: AppDb, archive: ArchiveStore): Promise<{ confirmed: number; dropped: number }> {
  const a = archive.db.primary as unknown as Kysely<unknown>;
  const rows = await sql<{ id: number }>`select id from archive_incidents where moved = 0 order by id`.execute(a);
  const unconfirmed = rows.rows.map((r) => Number(r.id));
  if (unconfirmed.length === 0) return { confirmed: 0, dropped: 0 };
  const present = new Set<number>();
  for (const part of chunks(unconfirmed)) {
    const found = await business.primary.selectFrom('incidents').select('id').where('id', 'in', part).execute();
    for (const f of found) present.add(Number(f.id));
  }
  const { confirm, drop } = settleLeftovers(unconfirmed, present);
  await archive.db.transaction(async (tx) => {
    const k = tx as unknown as Kysely<unknown>;
    for (const part of chunks(confirm)) await sql`update archive_incidents set moved = 1 where id in (${sql.join(part)})`.execute(k);
    await dropCopies(k, drop);
  });
  return { confirmed: confirm.length, dropped: drop.length };
}

/**
 * Moves the cases due (final and unchanged for `olderThanDays`) in batches,
 * holding the `archive-move` lease so one node runs it at a time. Throws
 * ArchiveBusyError when another run holds the lease.
 */
export async function moveDueCases(business: AppDb, archive: ArchiveStore, options: MoveOptions): Promise<MoveResult> {
  const now = options.now ?? Date.now();
  const batch = Math.max(1, Math.floor(options.batch ?? 1000));
  const cutoff = archiveCutoff(now, options.olderThanDays);
  const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  await archive.ensureReady();
  if (!(await acquireLease(business, ARCHIVE_LEASE, holder, LEASE_TTL_MS))) throw new ArchiveBusyError();
  const result: MoveResult = { moved: 0, events: 0, files: 0, kept: 0, batches: 0, settled: { confirmed: 0, dropped: 0 }, cutoff };
  try {
    result.settled = await settle(business, archive);
    const b = business.primary as unknown as Kysely<unknown>;
    let after = 0;
    while (options.maxBatches === undefined || result.batches < options.maxBatches) {
      const due = await business.primary
        .selectFrom('incidents')
        .select(['id', 'version'])
        .where('id', '>', after)
        // `+status`: walk the primary key from `after`; the status index would read every final case and sort them, each batch.
        .where(sql<string>`+${sql.ref('status')}`, 'in', [...ARCHIVED_STATUSES])
        .where('updated_at', '<', cutoff)
        .orderBy('id')
        .limit(batch)
        .execute();
      if (due.length === 0) break;
      after = Number(due[due.length - 1]!.id);
      const copied = due.map((d) => ({ id: Number(d.id), version: Number(d.version) }));
      const ids = copied.map((c) => c.id);
      const counts = await copyBatch(b, archive, ids, now);
      await options.afterCopy?.(ids);
      const gone = await deleteBatch(business, copied);
      const goneSet = new Set(gone);
      const keep = ids.filter((id) => !goneSet.has(id));
      await archive.db.transaction(async (tx) => {
        const k = tx as unknown as Kysely<unknown>;
        for (const part of chunks(gone)) await sql`update archive_incidents set moved = 1 where id in (${sql.join(part)})`.execute(k);
        await dropCopies(k, keep);
      });
      result.moved += gone.length;
      result.kept += keep.length;
      result.events += gone.reduce((s, id) => s + (counts.events.get(id) ?? 0), 0);
      result.files += gone.reduce((s, id) => s + (counts.files.get(id) ?? 0), 0);
      result.batches++;
      options.onBatch?.(result);
      if (!(await acquireLease(business, ARCHIVE_LEASE, holder, LEASE_TTL_MS))) throw new ArchiveBusyError();
    }
    return result;
  } finally {
    await releaseLease(business, ARCHIVE_LEASE, holder).catch(() => undefined);
  }
}

/** Step 1: the batch's rows into the archive, replacing earlier copies, unconfirmed. Answers each case's event and file counts. */
async function copyBatch(b: Kysely<unknown>, archive: ArchiveStore, ids: readonly number[], now: number): Promise<{ events: Map<number, number>; files: Map<number, number> }> {
  const [incidents, events, departments, links, files] = await Promise.all([
    rowsIn(b, 'incidents', 'id', ids),
    rowsIn(b, 'incident_events', 'incident_id', ids),
    rowsIn(b, 'incident_departments', 'incident_id', ids),
    rowsIn(b, 'incident_links', 'incident_id', ids),
    rowsIn(b, 'incident_files', 'incident_id', ids),
  ]);
  const archived = incidents.map((r) => ({
    ...r,
    business_row: JSON.stringify(r),
    // The business index is contentless (FTS5): its tokens are made again by the same function, from the same text.
    tokens: documentTokens({ id: Number(r.id), code: String(r.code), description: String(r.description), address: (r.address as string | null) ?? null, gridCode: String(r.grid_code) }),
    moved: 0,
    archived_at: now,
  }));
  await archive.db.transaction(async (tx) => {
    const k = tx as unknown as Kysely<unknown>;
    await dropCopies(k, ids);
    await bulkInsert(k, 'archive_incidents', INCIDENT_COLUMNS, values(archived, INCIDENT_COLUMNS));
    await bulkInsert(k, 'archive_incident_events', EVENT_COLUMNS, values(events, EVENT_COLUMNS));
    await bulkInsert(k, 'archive_incident_departments', DEPARTMENT_COLUMNS, values(departments, DEPARTMENT_COLUMNS));
    await bulkInsert(k, 'archive_incident_links', LINK_COLUMNS, values(links, LINK_COLUMNS));
    await bulkInsert(k, 'archive_incident_files', FILE_COLUMNS, values(files, FILE_COLUMNS));
  });
  const count = (rows: Row[]) => {
    const m = new Map<number, number>();
    for (const r of rows) m.set(Number(r.incident_id), (m.get(Number(r.incident_id)) ?? 0) + 1);
    return m;
  };
  return { events: count(events), files: count(files) };
}

/** Step 2: in one business transaction, re-read the copied cases and delete those still final at the copied version. Answers their ids. */
async function deleteBatch(business: AppDb, copied: readonly { id: number; version: number }[]): Promise<number[]> {
  const ids = copied.map((c) => c.id);
  return business.transaction(async (tx) => {
    const k = tx as unknown as Kysely<unknown>;
    const current: { id: number; version: number; status: string }[] = [];
    for (const part of chunks(ids)) {
      // MySQL: lock the rows, so an action committing meanwhile either lands before (and is seen) or waits and finds the case gone (409).
      const lock = business.dialect === 'mysql' ? sql` for update` : sql``;
      const r = await sql<{ id: number; version: number; status: string }>`select id, version, status from incidents where id in (${sql.join(part)})${lock}`.execute(k);
      current.push(...r.rows);
    }
    const gone = deletable(copied, current);
    await deleteIn(k, 'incident_files', 'incident_id', gone);
    // The department tasks live in the case's state, which the archive keeps; their business mirror goes with the case.
    await deleteIn(k, 'incident_tasks', 'incident_id', gone);
    await deleteIn(k, 'incident_links', 'incident_id', gone);
    await deleteIn(k, 'incident_departments', 'incident_id', gone);
    await deleteIn(k, 'incident_events', 'incident_id', gone);
    await deleteIn(k, 'incident_search', business.dialect === 'sqlite' ? 'rowid' : 'incident_id', gone);
    await deleteIn(k, 'incidents', 'id', gone);
    return gone;
  });
}
