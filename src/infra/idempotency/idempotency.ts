import { createHash } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import type { AnyKysely } from '../db/database.js';
import { deferred } from '../db/mysql-driver.js';
import { AppError, defineMessages } from '../http/errors.js';
import type { IdempotencyTables } from './tables.js';

/**
 * Idempotent effects (DESIGN.md "Promises we keep"): the key row is written
 * in the SAME transaction as the effect, so it exists exactly when the effect
 * does. The same key with the same payload replays the first response; with a
 * different payload it answers 422 IDEMPOTENCY_KEY_REUSED; while the first
 * request is still running it answers 409 IDEMPOTENCY_IN_FLIGHT.
 *
 * In flight: on the same node a second request for a key whose first request
 * is still running is refused at once with 409 from an in-process table. On
 * another node both run, and the key row, inserted at the end of each
 * effect's transaction, lets only one commit: the other's insert fails on the
 * primary key, its whole transaction rolls back, and it replays the winner's
 * response. A row is never committed as 'in_flight' (that would cost a second
 * commit per create and leave orphans after a crash); the status column is
 * kept so a future two-phase mode for long effects needs no migration.
 *
 * Knows no domain: callers name their operation and hand in a transaction.
 */
export interface IdempotentResponse {
  status: number;
  body: unknown;
}

export interface IdempotencyRequest {
  /** e.g. 'POST /api/incidents'; keys are per operation and per user. */
  operation: string;
  userId: number;
  key: string;
  /** The request payload; its canonical JSON is hashed. */
  payload: unknown;
}

export type Transact<Tx> = <R>(fn: (tx: Tx) => Promise<R>) => Promise<R>;

export const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9._:-]{8,128}$/;

defineMessages({
  IDEMPOTENCY_KEY_REUSED: {
    'zh-CN': '幂等键已用于内容不同的请求',
    en: 'This Idempotency-Key was already used with a different request',
  },
  IDEMPOTENCY_IN_FLIGHT: {
    'zh-CN': '相同幂等键的请求仍在处理中，请稍后重试',
    en: 'A request with this Idempotency-Key is still in progress; retry later',
  },
  IDEMPOTENCY_KEY_INVALID: {
    'zh-CN': '幂等键格式不正确（8–128 位字母、数字或 ._:-）',
    en: 'Idempotency-Key must be 8–128 letters, digits or ._:-',
  },
});

/** JSON with object keys sorted, so equal payloads hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function requestHash(operation: string, payload: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(canonicalJson(payload)).digest('hex');
}

/** A duplicate-key error on either dialect. */
export function isDuplicateKeyError(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown } | null;
  if (!e) return false;
  return (
    e.code === 'ER_DUP_ENTRY' ||
    e.errno === 1062 ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

const inFlight = new Set<string>();

function flightKey(r: IdempotencyRequest): string {
  return `${r.operation}\u0000${r.userId}\u0000${r.key}`;
}

// Looked up and written once per idempotent request: plain SQL, the same on both dialects, costs less
// CPU than building the query each time.
const FIND_STORED =
  'select request_hash, status, response_status, response_body from idempotency_keys where operation = ? and user_id = ? and idem_key = ?';
const STORE =
  'insert into idempotency_keys (operation, user_id, idem_key, request_hash, status, response_status, response_body, created_at, completed_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)';

interface StoredKey {
  request_hash: string;
  status: string;
  response_status: number | null;
  response_body: string | null;
}

async function findStored(db: AnyKysely, r: IdempotencyRequest): Promise<StoredKey | undefined> {
  const { rows } = await db.executeQuery<StoredKey>(CompiledQuery.raw(FIND_STORED, [r.operation, r.userId, r.key]));
  return rows[0];
}

function replayOf(
  stored: StoredKey,
  hash: string,
): IdempotentResponse & { replayed: true } {
  if (stored.request_hash !== hash) throw new AppError(422, 'IDEMPOTENCY_KEY_REUSED');
  if (stored.status !== 'done' || stored.response_status == null) throw new AppError(409, 'IDEMPOTENCY_IN_FLIGHT');
  return { status: Number(stored.response_status), body: JSON.parse(stored.response_body ?? 'null') as unknown, replayed: true };
}

/**
 * Runs `effect` once per (operation, user, key). `reader` is where a stored key
 * is looked up (the primary: a replica may not have it yet); `transact` opens
 * the transaction the effect and the key row share. Errors thrown by the
 * effect roll both back, so a retry after a refusal runs again.
 */
export async function runIdempotent<Tx extends AnyKysely>(
  reader: AnyKysely,
  transact: Transact<Tx>,
  request: IdempotencyRequest,
  effect: (tx: Tx) => Promise<IdempotentResponse>,
  now: () => number = Date.now,
): Promise<IdempotentResponse & { replayed: boolean }> {
  if (!IDEMPOTENCY_KEY_RE.test(request.key)) throw new AppError(400, 'IDEMPOTENCY_KEY_INVALID');
  const hash = requestHash(request.operation, request.payload);
  const existing = await findStored(reader, request);
  if (existing) return replayOf(existing, hash);

  const fk = flightKey(request);
  if (inFlight.has(fk)) throw new AppError(409, 'IDEMPOTENCY_IN_FLIGHT');
  inFlight.add(fk);
  try {
    return await transact(async (tx) => {
      const response = await effect(tx);
      // Written last, in one statement: a concurrent commit of the same key on another node makes this
      // insert fail with a duplicate, which rolls the whole effect back (and the winner is replayed below).
      // On MySQL it goes with the COMMIT, which then does not run.
      const at = now();
      await tx.executeQuery(deferred(CompiledQuery.raw(STORE, [
        request.operation, request.userId, request.key, hash, 'done', response.status, JSON.stringify(response.body ?? null), at, at,
      ])));
      return { ...response, replayed: false };
    });
  } catch (err) {
    // Another node committed the same key first: replay its result.
    if (isDuplicateKeyError(err)) {
      const stored = await findStored(reader, request);
      if (stored) return replayOf(stored, hash);
    }
    throw err;
  } finally {
    inFlight.delete(fk);
  }
}

/** Deletes keys older than the retention window (clients retry within minutes, not days). */
export async function purgeIdempotencyKeys(db: AnyKysely, olderThanMs: number, now = Date.now()): Promise<number> {
  const result = await (db as Kysely<IdempotencyTables>)
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', now - olderThanMs)
    .executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
