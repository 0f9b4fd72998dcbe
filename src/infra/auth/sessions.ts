import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AnyKysely } from '../db/database.js';
import type { AuthTables } from './tables.js';

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createSession(
  anyDb: AnyKysely,
  userId: number,
  meta: { ip: string; userAgent: string },
  policy: SessionPolicy,
  now = Date.now(),
): Promise<{ token: string; id: string }> {
  const db = anyDb as Kysely<AuthTables>;
  const token = randomBytes(32).toString('base64url');
  const id = hashToken(token);
  await db
    .insertInto('sessions')
    .values({
      id,
      user_id: userId,
      created_at: now,
      last_seen_at: now,
      expires_at: now + policy.absoluteMs,
      ip: meta.ip.slice(0, 64),
      user_agent: meta.userAgent.slice(0, 255),
      revoked_at: null,
    })
    .execute();
  return { token, id };
}

export type SessionLookup = { status: 'ok'; id: string; userId: number; expiresAt: number } | { status: 'missing' } | { status: 'expired' };

/** Touches at most once a minute, so an active console does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

export async function resolveSession(
  anyDb: AnyKysely,
  token: string,
  policy: SessionPolicy,
  now = Date.now(),
): Promise<SessionLookup> {
  const db = anyDb as Kysely<AuthTables>;
  const id = hashToken(token);
  const s = await db
    .selectFrom('sessions')
    .select(['id', 'user_id', 'last_seen_at', 'expires_at', 'revoked_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!s || s.revoked_at != null) return { status: 'missing' };
  if (now >= Number(s.expires_at) || now - Number(s.last_seen_at) >= policy.idleMs) return { status: 'expired' };
  if (now - Number(s.last_seen_at) >= TOUCH_EVERY_MS) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
  }
  return { status: 'ok', id, userId: s.user_id, expiresAt: Number(s.expires_at) };
}

export async function revokeSession(
  anyDb: AnyKysely, id: string, now = Date.now()): Promise<void> {
  const db = anyDb as Kysely<AuthTables>;
  await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

export async function revokeUserSessions(
  anyDb: AnyKysely,
  userId: number,
  now = Date.now(),
  exceptId?: string,
): Promise<void> {
  const db = anyDb as Kysely<AuthTables>;
  let q = db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (exceptId) q = q.where('id', '!=', exceptId);
  await q.execute();
}
