import { sql, type Expression, type SqlBool, type Transaction } from 'kysely';
import { likeContains } from '../../infra/db/like.js';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, auditAlone, type AuditActor } from '../../infra/audit/audit.js';
import {
  checkPasswordPolicy,
  dummyPasswordHash,
  generatePassword,
  hashPassword,
  verifyPassword,
  type PasswordPolicy,
} from '../../infra/auth/passwords.js';
import type { AuthCache, Principal } from '../../infra/auth/principal.js';
import { scopeCovers, type Scope, type ScopeDirectory, type ScopeEntry } from '../../infra/auth/scope.js';
import { createSession, revokeSession, revokeUserSessions, type SessionPolicy } from '../../infra/auth/sessions.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import { fromFlag, fromJson, insertedId, toFlag, toIso, toJson } from '../../infra/db/values.js';
import { BUILTIN_ROLES, PERMISSION_CODES } from './catalogue.js';
import './messages.js';

export interface AccountSettings {
  password: PasswordPolicy;
  session: SessionPolicy;
  lockoutThreshold: number;
  lockoutMs: number;
  /** How many previous passwords may not be reused. */
  passwordHistory: number;
}

export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

export interface RoleView {
  code: string;
  name: string;
  nameEn: string;
  builtin: boolean;
  permissions: string[];
}

export interface AssignmentView {
  id: number;
  role: string;
  roleName: string;
  roleNameEn: string;
  scope: { kind: Scope['kind']; code: string; name: string };
}

export interface AdminUserView {
  id: number;
  username: string;
  displayName: string;
  status: 'active' | 'disabled';
  lockedUntil: string | null;
  mustChangePassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  assignments: AssignmentView[];
}

export class AccountService {
  constructor(
    private readonly db: AppDb,
    private readonly settings: AccountSettings,
    private readonly scopes: ScopeDirectory,
    private readonly authCache: AuthCache,
  ) {}

  /**
   * A write to accounts, roles or sessions: the cached principals and role
   * permissions are cleared once it has committed (or failed), so the next
   * request reads the change.
   */
  private async changeAuth<T>(fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(fn);
    } finally {
      this.authCache.invalidate();
    }
  }

  // ---- sessions -------------------------------------------------------------

  async login(
    rawUsername: string,
    password: string,
    meta: { ip: string; userAgent: string },
    now = Date.now(),
  ): Promise<{ token: string; userId: number }> {
    const username = normalizeUsername(rawUsername);
    const actor: AuditActor = { userId: null, username, ip: meta.ip };
    const user = await this.db.primary
      .selectFrom('users')
      .select(['id', 'password_hash', 'status', 'failed_logins', 'locked_until'])
      .where('username', '=', username)
      .executeTakeFirst();
    if (!user) {
      // Spend the same time as a real check so usernames cannot be probed by timing.
      await verifyPassword(password, await dummyPasswordHash());
      await auditAlone(this.db.primary, actor, { action: 'auth.login', result: 'failure', details: { reason: 'unknown_user' } });
      throw new AppError(401, 'AUTH_INVALID_CREDENTIALS');
    }
    const known: AuditActor = { ...actor, userId: user.id };
    // The password is checked even while locked, and a lock answers like a wrong password: neither the
    // answer nor its time tells a prober that the account exists (the lock itself still holds).
    const ok = await verifyPassword(password, user.password_hash);
    if (user.locked_until != null && Number(user.locked_until) > now) {
      await auditAlone(this.db.primary, known, {
        action: 'auth.login', objectType: 'user', objectId: user.id, result: 'failure', details: { reason: 'locked' },
      });
      throw new AppError(401, 'AUTH_INVALID_CREDENTIALS');
    }
    if (!ok) {
      const failures = Number(user.failed_logins) + 1;
      const lock = failures >= this.settings.lockoutThreshold;
      const lockedUntil = now + this.settings.lockoutMs;
      await this.changeAuth(async (tx) => {
        await tx
          .updateTable('users')
          .set(lock ? { failed_logins: 0, locked_until: lockedUntil, updated_at: now } : { failed_logins: failures, updated_at: now })
          .where('id', '=', user.id)
          .execute();
        await appendAudit(tx, known, {
          action: 'auth.login', objectType: 'user', objectId: user.id, result: 'failure',
          details: { reason: 'wrong_password', failures },
        }, now);
        if (lock) {
          await appendAudit(tx, known, {
            action: 'auth.lock', objectType: 'user', objectId: user.id,
            details: { until: toIso(lockedUntil), failures, minutes: this.settings.lockoutMs / 60_000 },
          }, now);
        }
      });
      throw new AppError(401, 'AUTH_INVALID_CREDENTIALS');
    }
    if (user.status !== 'active') {
      await auditAlone(this.db.primary, known, {
        action: 'auth.login', objectType: 'user', objectId: user.id, result: 'failure', details: { reason: 'disabled' },
      });
      throw new AppError(403, 'ACCOUNT_DISABLED');
    }
    return this.db.transaction(async (tx) => {
      await tx.updateTable('users').set({ failed_logins: 0, locked_until: null, last_login_at: now, updated_at: now }).where('id', '=', user.id).execute();
      const session = await createSession(tx, user.id, meta, this.settings.session, now);
      await appendAudit(tx, known, { action: 'auth.login', objectType: 'user', objectId: user.id }, now);
      return { token: session.token, userId: user.id };
    });
  }

  async logout(principal: Principal, ip: string): Promise<void> {
    await this.changeAuth(async (tx) => {
      if (principal.sessionId) await revokeSession(tx, principal.sessionId);
      await appendAudit(tx, { userId: principal.userId, username: principal.username, ip }, {
        action: 'auth.logout', objectType: 'user', objectId: principal.userId,
      });
    });
  }

  async changeOwnPassword(principal: Principal, current: string, next: string, ip: string, now = Date.now()): Promise<void> {
    const user = await this.db.primary
      .selectFrom('users')
      .select(['id', 'username', 'password_hash'])
      .where('id', '=', principal.userId)
      .executeTakeFirstOrThrow();
    const actor = { userId: user.id, username: user.username, ip };
    if (!(await verifyPassword(current, user.password_hash))) {
      await auditAlone(this.db.primary, actor, {
        action: 'auth.password_change', objectType: 'user', objectId: user.id, result: 'failure', details: { reason: 'wrong_current' },
      });
      throw new AppError(401, 'AUTH_INVALID_CREDENTIALS');
    }
    const violations: string[] = checkPasswordPolicy(next, user.username, this.settings.password);
    if (await this.isRecentPassword(user.id, user.password_hash, next)) violations.push('reused');
    if (violations.length > 0) throw new AppError(400, 'PASSWORD_POLICY', { violations });
    const hash = await hashPassword(next);
    await this.changeAuth(async (tx) => {
      await this.storePassword(tx, user.id, user.password_hash, hash, false, now);
      await revokeUserSessions(tx, user.id, now, principal.sessionId ?? undefined);
      await appendAudit(tx, actor, { action: 'auth.password_change', objectType: 'user', objectId: user.id }, now);
    });
  }

  async setLocale(userId: number, locale: 'zh-CN' | 'en'): Promise<void> {
    await this.db.primary.updateTable('users').set({ locale, updated_at: Date.now() }).where('id', '=', userId).execute();
    this.authCache.invalidate();
  }

  private async isRecentPassword(userId: number, currentHash: string, candidate: string): Promise<boolean> {
    const history = await this.db.primary
      .selectFrom('password_history')
      .select('password_hash')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(this.settings.passwordHistory)
      .execute();
    for (const h of [currentHash, ...history.map((r) => r.password_hash)]) {
      if (await verifyPassword(candidate, h)) return true;
    }
    return false;
  }

  private async storePassword(
    tx: Transaction<Database>,
    userId: number,
    oldHash: string,
    newHash: string,
    mustChange: boolean,
    now: number,
  ): Promise<void> {
    await tx.insertInto('password_history').values({ user_id: userId, password_hash: oldHash, created_at: now }).execute();
    await tx
      .updateTable('users')
      .set({ password_hash: newHash, password_changed_at: now, must_change_password: toFlag(mustChange), updated_at: now })
      .where('id', '=', userId)
      .execute();
  }

  // ---- users (admin) ----------------------------------------------------------

  /** Admins see the users that hold at least one assignment inside their own users.manage scopes. */
  private visibleUserIds(principal: Principal) {
    const scopes = principal.scopesFor('users.manage');
    const districtWide = scopes.some((s) => s.kind === 'grid' && s.code.length === 6);
    return { scopes, districtWide };
  }

  private async assertUserVisible(principal: Principal, userId: number): Promise<void> {
    const { scopes, districtWide } = this.visibleUserIds(principal);
    const exists = await this.db.primary.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
    if (!exists) throw notFound('user');
    if (districtWide) return;
    const rows = await this.db.primary.selectFrom('role_assignments').select(['scope_kind', 'scope_code']).where('user_id', '=', userId).execute();
    const visible = rows.some((r) => scopes.some((s) => scopeCovers(s, { kind: r.scope_kind, code: r.scope_code } as Scope)));
    if (!visible) throw notFound('user');
  }

  async listUsers(
    principal: Principal,
    q: { query?: string | undefined; page: number; pageSize: number },
  ): Promise<{ items: AdminUserView[]; total: number }> {
    const { scopes, districtWide } = this.visibleUserIds(principal);
    const db = this.db.reader(principal.userId);
    let base = db.selectFrom('users');
    if (q.query) {
      // Taken literally: gw_test01 is found by "gw_test" (an underscore is no wildcard); usernames are stored lower-cased.
      const text = q.query.trim();
      base = base.where((eb) => eb.or([likeContains(eb.ref('username'), text.toLowerCase()), likeContains(eb.ref('display_name'), text)]));
    }
    if (!districtWide) {
      base = base.where((eb) =>
        eb.exists(
          eb
            .selectFrom('role_assignments as ra')
            .select('ra.id')
            .whereRef('ra.user_id', '=', 'users.id')
            .where((e2) => {
              const ors: Expression<SqlBool>[] = scopes.map((s) =>
                s.kind === 'grid'
                  ? e2.and([e2('ra.scope_kind', '=', 'grid'), e2('ra.scope_code', 'like', `${s.code}%`)])
                  : e2.and([e2('ra.scope_kind', '=', 'department'), e2('ra.scope_code', '=', s.code)]),
              );
              return ors.length === 0 ? sql<SqlBool>`1 = 0` : e2.or(ors);
            }),
        ),
      );
    }
    const total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base
      .selectAll('users')
      .orderBy('users.id')
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize)
      .execute();
    const items = await this.views(rows.map((r) => r.id), db);
    return { items, total };
  }

  async getUser(principal: Principal, userId: number): Promise<AdminUserView> {
    await this.assertUserVisible(principal, userId);
    const [view] = await this.views([userId], this.db.primary);
    if (!view) throw notFound('user');
    return view;
  }

  async userView(userId: number): Promise<AdminUserView> {
    const [view] = await this.views([userId], this.db.primary);
    if (!view) throw notFound('user');
    return view;
  }

  private async views(ids: number[], db = this.db.primary): Promise<AdminUserView[]> {
    if (ids.length === 0) return [];
    const users = await db.selectFrom('users').selectAll().where('id', 'in', ids).orderBy('id').execute();
    const assignments = await db
      .selectFrom('role_assignments as ra')
      .innerJoin('roles as r', 'r.code', 'ra.role_code')
      .select(['ra.id', 'ra.user_id', 'ra.role_code', 'ra.scope_kind', 'ra.scope_code', 'r.name', 'r.name_en'])
      .where('ra.user_id', 'in', ids)
      .orderBy('ra.id')
      .execute();
    const names = new Map<string, string>();
    for (const a of assignments) {
      const key = `${a.scope_kind}:${a.scope_code}`;
      if (!names.has(key)) {
        const entry = await this.scopes.describe({ kind: a.scope_kind, code: a.scope_code } as Scope);
        names.set(key, entry?.name ?? a.scope_code);
      }
    }
    const now = Date.now();
    return users.map((u) => ({
      id: u.id,
      username: u.username,
      displayName: u.display_name,
      status: u.status,
      lockedUntil: u.locked_until != null && Number(u.locked_until) > now ? toIso(u.locked_until) : null,
      mustChangePassword: fromFlag(u.must_change_password),
      lastLoginAt: toIso(u.last_login_at),
      createdAt: toIso(u.created_at)!,
      assignments: assignments
        .filter((a) => a.user_id === u.id)
        .map((a) => ({
          id: a.id,
          role: a.role_code,
          roleName: a.name,
          roleNameEn: a.name_en,
          scope: { kind: a.scope_kind, code: a.scope_code, name: names.get(`${a.scope_kind}:${a.scope_code}`) ?? a.scope_code },
        })),
    }));
  }

  /**
   * Creates a user. Without a password one is generated and returned once;
   * either way a password set by someone else must be changed at first login
   * unless `mustChange` is false (service accounts, the demo).
   */
  async createUser(
    actor: AuditActor,
    input: { username: string; displayName: string; password?: string | undefined; mustChange?: boolean },
    now = Date.now(),
  ): Promise<{ userId: number; generatedPassword?: string }> {
    const username = normalizeUsername(input.username);
    if (!USERNAME_RE.test(username)) throw new AppError(400, 'USERNAME_INVALID');
    const generated = input.password === undefined ? generatePassword() : undefined;
    const password = input.password ?? generated!;
    const violations = checkPasswordPolicy(password, username, this.settings.password);
    if (violations.length > 0) throw new AppError(400, 'PASSWORD_POLICY', { violations });
    const taken = await this.db.primary.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    if (taken) throw new AppError(409, 'USERNAME_TAKEN');
    const hash = await hashPassword(password);
    const userId = await this.changeAuth(async (tx) => {
      const id = insertedId(
        await tx
          .insertInto('users')
          .values({
            username,
            display_name: input.displayName.trim() || username,
            password_hash: hash,
            password_changed_at: now,
            must_change_password: toFlag(input.mustChange ?? true),
            status: 'active',
            failed_logins: 0,
            locked_until: null,
            last_login_at: null,
            locale: 'zh-CN',
            created_at: now,
            updated_at: now,
          })
          .executeTakeFirstOrThrow(),
      );
      await appendAudit(tx, actor, { action: 'user.create', objectType: 'user', objectId: id, details: { username } }, now);
      return id;
    });
    this.db.noteWrite(actor.userId);
    return generated === undefined ? { userId } : { userId, generatedPassword: generated };
  }

  async updateUser(
    principal: Principal,
    actor: AuditActor,
    userId: number,
    patch: { displayName?: string | undefined; status?: 'active' | 'disabled' | undefined },
    now = Date.now(),
  ): Promise<void> {
    await this.assertUserVisible(principal, userId);
    if (patch.status === 'disabled' && userId === principal.userId) throw new AppError(400, 'CANNOT_CHANGE_SELF');
    await this.changeAuth(async (tx) => {
      const set: { display_name?: string; status?: 'active' | 'disabled'; updated_at: number } = { updated_at: now };
      if (patch.displayName !== undefined) set.display_name = patch.displayName.trim();
      if (patch.status !== undefined) set.status = patch.status;
      await tx.updateTable('users').set(set).where('id', '=', userId).execute();
      if (patch.status === 'disabled') await revokeUserSessions(tx, userId, now);
      await appendAudit(tx, actor, { action: 'user.update', objectType: 'user', objectId: userId, details: { ...patch } }, now);
    });
    this.db.noteWrite(actor.userId);
  }

  /** Used by the console (scope-checked) and the CLI (principal null: operator on the host). */
  async setLock(principal: Principal | null, actor: AuditActor, userId: number, locked: boolean, now = Date.now()): Promise<void> {
    if (principal) await this.assertUserVisible(principal, userId);
    await this.changeAuth(async (tx) => {
      await tx
        .updateTable('users')
        .set(locked ? { locked_until: now + 100 * 365 * 86_400_000, updated_at: now } : { locked_until: null, failed_logins: 0, updated_at: now })
        .where('id', '=', userId)
        .execute();
      if (locked) await revokeUserSessions(tx, userId, now);
      await appendAudit(tx, actor, { action: locked ? 'user.lock' : 'user.unlock', objectType: 'user', objectId: userId }, now);
    });
    this.db.noteWrite(actor.userId);
  }

  async setPassword(
    principal: Principal | null,
    actor: AuditActor,
    userId: number,
    password: string | undefined,
    mustChange = true,
    now = Date.now(),
  ): Promise<{ generatedPassword?: string }> {
    if (principal) await this.assertUserVisible(principal, userId);
    const user = await this.db.primary.selectFrom('users').select(['id', 'username', 'password_hash']).where('id', '=', userId).executeTakeFirst();
    if (!user) throw notFound('user');
    const generated = password === undefined ? generatePassword() : undefined;
    const next = password ?? generated!;
    const violations = checkPasswordPolicy(next, user.username, this.settings.password);
    if (violations.length > 0) throw new AppError(400, 'PASSWORD_POLICY', { violations });
    const hash = await hashPassword(next);
    await this.changeAuth(async (tx) => {
      await this.storePassword(tx, userId, user.password_hash, hash, mustChange, now);
      await tx.updateTable('users').set({ locked_until: null, failed_logins: 0 }).where('id', '=', userId).execute();
      await revokeUserSessions(tx, userId, now);
      await appendAudit(tx, actor, { action: 'user.reset_password', objectType: 'user', objectId: userId }, now);
    });
    this.db.noteWrite(actor.userId);
    return generated === undefined ? {} : { generatedPassword: generated };
  }

  async findUserId(username: string): Promise<number | null> {
    const row = await this.db.primary.selectFrom('users').select('id').where('username', '=', normalizeUsername(username)).executeTakeFirst();
    return row?.id ?? null;
  }

  // ---- assignments --------------------------------------------------------------

  async resolveScope(kind: Scope['kind'] | undefined, code: string): Promise<ScopeEntry> {
    const kinds: Scope['kind'][] = kind ? [kind] : /^\d+$/.test(code) ? ['grid'] : ['department'];
    for (const k of kinds) {
      const entry = await this.scopes.describe({ kind: k, code } as Scope);
      if (entry) return entry;
    }
    throw new AppError(400, 'SCOPE_UNKNOWN', { code });
  }

  async grant(
    principal: Principal | null,
    actor: AuditActor,
    userId: number,
    role: string,
    scope: Scope,
    now = Date.now(),
  ): Promise<void> {
    if (principal) {
      await this.assertUserVisible(principal, userId);
      if (!principal.scopesFor('users.manage').some((s) => scopeCovers(s, scope))) throw new AppError(403, 'SCOPE_OUTSIDE_YOURS');
    }
    const roleRow = await this.db.primary.selectFrom('roles').select('code').where('code', '=', role).executeTakeFirst();
    if (!roleRow) throw new AppError(400, 'ROLE_UNKNOWN', { role });
    await this.resolveScope(scope.kind, scope.code);
    const existing = await this.db.primary
      .selectFrom('role_assignments')
      .select('id')
      .where('user_id', '=', userId)
      .where('role_code', '=', role)
      .where('scope_kind', '=', scope.kind)
      .where('scope_code', '=', scope.code)
      .executeTakeFirst();
    if (existing) throw new AppError(409, 'ASSIGNMENT_EXISTS');
    await this.changeAuth(async (tx) => {
      await tx
        .insertInto('role_assignments')
        .values({ user_id: userId, role_code: role, scope_kind: scope.kind, scope_code: scope.code, created_at: now, created_by: actor.userId })
        .execute();
      await appendAudit(tx, actor, { action: 'permission.grant', objectType: 'user', objectId: userId, details: { role, scope } }, now);
    });
    this.db.noteWrite(actor.userId);
  }

  async revoke(principal: Principal, actor: AuditActor, userId: number, assignmentId: number, now = Date.now()): Promise<void> {
    await this.assertUserVisible(principal, userId);
    const a = await this.db.primary
      .selectFrom('role_assignments')
      .selectAll()
      .where('id', '=', assignmentId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!a) throw notFound('assignment');
    const scope = { kind: a.scope_kind, code: a.scope_code } as Scope;
    if (!principal.scopesFor('users.manage').some((s) => scopeCovers(s, scope))) throw notFound('assignment');
    if (userId === principal.userId && a.role_code === 'admin') throw new AppError(400, 'CANNOT_CHANGE_SELF');
    await this.changeAuth(async (tx) => {
      await tx.deleteFrom('role_assignments').where('id', '=', assignmentId).execute();
      await appendAudit(tx, actor, {
        action: 'permission.revoke', objectType: 'user', objectId: userId, details: { role: a.role_code, scope },
      }, now);
    });
    this.db.noteWrite(actor.userId);
  }

  // ---- roles ------------------------------------------------------------------------

  async listRoles(): Promise<RoleView[]> {
    const rows = await this.db.primary.selectFrom('roles').selectAll().orderBy('builtin', 'desc').orderBy('code').execute();
    return rows.map((r) => ({
      code: r.code, name: r.name, nameEn: r.name_en, builtin: fromFlag(r.builtin), permissions: fromJson<string[]>(r.permissions, []),
    }));
  }

  private checkPermissions(permissions: string[]): void {
    const unknown = permissions.filter((x) => !PERMISSION_CODES.has(x));
    if (unknown.length > 0) throw new AppError(400, 'PERMISSION_UNKNOWN', { unknown });
  }

  async createRole(actor: AuditActor, input: RoleView, now = Date.now()): Promise<void> {
    this.checkPermissions(input.permissions);
    const exists = await this.db.primary.selectFrom('roles').select('code').where('code', '=', input.code).executeTakeFirst();
    if (exists) throw new AppError(409, 'ROLE_EXISTS');
    await this.changeAuth(async (tx) => {
      await tx
        .insertInto('roles')
        .values({
          code: input.code, name: input.name, name_en: input.nameEn, builtin: 0,
          permissions: toJson([...new Set(input.permissions)].sort()), created_at: now, updated_at: now,
        })
        .execute();
      await appendAudit(tx, actor, { action: 'role.create', objectType: 'role', objectId: input.code, details: { permissions: input.permissions } }, now);
    });
  }

  async updateRole(actor: AuditActor, code: string, input: Omit<RoleView, 'code' | 'builtin'>, now = Date.now()): Promise<void> {
    this.checkPermissions(input.permissions);
    const before = await this.db.primary.selectFrom('roles').selectAll().where('code', '=', code).executeTakeFirst();
    if (!before) throw notFound('role');
    await this.changeAuth(async (tx) => {
      await tx
        .updateTable('roles')
        .set({ name: input.name, name_en: input.nameEn, permissions: toJson([...new Set(input.permissions)].sort()), updated_at: now })
        .where('code', '=', code)
        .execute();
      await appendAudit(tx, actor, {
        action: 'role.update', objectType: 'role', objectId: code,
        details: { before: fromJson<string[]>(before.permissions, []), after: input.permissions },
      }, now);
    });
  }

  async deleteRole(actor: AuditActor, code: string, now = Date.now()): Promise<void> {
    const role = await this.db.primary.selectFrom('roles').selectAll().where('code', '=', code).executeTakeFirst();
    if (!role) throw notFound('role');
    if (fromFlag(role.builtin)) throw new AppError(400, 'ROLE_BUILTIN');
    const used = await this.db.primary.selectFrom('role_assignments').select('id').where('role_code', '=', code).executeTakeFirst();
    if (used) throw new AppError(409, 'ROLE_IN_USE');
    await this.changeAuth(async (tx) => {
      await tx.deleteFrom('roles').where('code', '=', code).execute();
      await appendAudit(tx, actor, { action: 'role.delete', objectType: 'role', objectId: code }, now);
    });
  }
}

/** Seeds built-in roles that do not exist yet; edits to existing ones are kept. */
export async function seedBuiltinRoles(db: AppDb, now = Date.now()): Promise<void> {
  const existing = new Set((await db.primary.selectFrom('roles').select('code').execute()).map((r) => r.code));
  const missing = BUILTIN_ROLES.filter((r) => !existing.has(r.code));
  if (missing.length === 0) return;
  await db.primary
    .insertInto('roles')
    .values(missing.map((r) => ({
      code: r.code, name: r.name, name_en: r.nameEn, builtin: 1 as const,
      permissions: toJson([...r.permissions].sort()), created_at: now, updated_at: now,
    })))
    .execute();
}
