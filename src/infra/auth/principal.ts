import type { Kysely } from 'kysely';
import type { AnyKysely } from '../db/database.js';
import { fromFlag, fromJson } from '../db/values.js';
import type { Scope } from './scope.js';
import type { AuthTables } from './tables.js';

export interface Assignment {
  id: number;
  role: string;
  scope: Scope;
}

/** Who is calling, with what they may do and where. */
export class Principal {
  readonly permissions: ReadonlySet<string>;

  constructor(
    readonly userId: number,
    readonly username: string,
    readonly displayName: string,
    readonly assignments: readonly Assignment[],
    private readonly rolePermissions: ReadonlyMap<string, readonly string[]>,
    readonly mustChangePassword = false,
    readonly passwordExpired = false,
    readonly sessionId: string | null = null,
    readonly locale: string = 'zh-CN',
  ) {
    this.permissions = new Set(assignments.flatMap((a) => rolePermissions.get(a.role) ?? []));
  }

  can(permission: string): boolean {
    return this.permissions.has(permission);
  }

  /** The scopes in which this caller holds a permission (the data-layer filter input). */
  scopesFor(permission: string): Scope[] {
    return this.assignments.filter((a) => (this.rolePermissions.get(a.role) ?? []).includes(permission)).map((a) => a.scope);
  }

  get roles(): string[] {
    return [...new Set(this.assignments.map((a) => a.role))];
  }
}

/**
 * What every request needs to know about its caller, kept briefly: the role →
 * permissions map, and the principal of each recently seen session token (so
 * a busy client does not read its session, user and role assignments on every
 * request). Account, role and session writes on this node clear it at once
 * (AccountService calls invalidate()); other nodes see them within the TTLs.
 */
export class AuthCache {
  private roles: { at: number; map: Map<string, string[]> } | null = null;
  private readonly principals = new Map<string, { principal: Principal; until: number }>();
  /** Bumped by invalidate(), so a principal read before a change is not kept after it. */
  private generation = 0;

  constructor(
    private readonly rolesTtlMs = 5000,
    private readonly principalTtlMs = 2000,
    private readonly maxPrincipals = 10_000,
  ) {}

  invalidate(): void {
    this.generation++;
    this.roles = null;
    this.principals.clear();
  }

  /** Pass to keepPrincipal: taken before reading the session and the user. */
  get version(): number {
    return this.generation;
  }

  async roleMap(anyDb: AnyKysely): Promise<Map<string, string[]>> {
    const db = anyDb as Kysely<AuthTables>;
    if (this.roles && Date.now() - this.roles.at < this.rolesTtlMs) return this.roles.map;
    const rows = await db.selectFrom('roles').select(['code', 'permissions']).execute();
    const map = new Map(rows.map((r) => [r.code, fromJson<string[]>(r.permissions, [])]));
    this.roles = { at: Date.now(), map };
    return map;
  }

  /** The principal last resolved for this session token, while fresh. */
  principal(token: string, now = Date.now()): Principal | undefined {
    const entry = this.principals.get(token);
    if (!entry) return undefined;
    if (now < entry.until) return entry.principal;
    this.principals.delete(token);
    return undefined;
  }

  /** Keeps a resolved principal, never past its session's absolute expiry, unless the cache was cleared since `version`. */
  keepPrincipal(token: string, principal: Principal, sessionExpiresAt: number, version: number, now = Date.now()): void {
    if (version !== this.generation) return;
    // Expired entries go first; a flood of distinct tokens only restarts the cache.
    if (this.principals.size >= this.maxPrincipals) {
      for (const [key, entry] of this.principals) if (now >= entry.until) this.principals.delete(key);
      if (this.principals.size >= this.maxPrincipals) this.principals.clear();
    }
    this.principals.set(token, { principal, until: Math.min(now + this.principalTtlMs, sessionExpiresAt) });
  }
}

export async function loadPrincipal(
  anyDb: AnyKysely,
  cache: AuthCache,
  userId: number,
  opts: { sessionId?: string | null; passwordMaxAgeDays: number; now?: number },
): Promise<Principal | null> {
  const db = anyDb as Kysely<AuthTables>;
  const user = await db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'status', 'must_change_password', 'password_changed_at', 'locale'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user || user.status !== 'active') return null;
  const rows = await db
    .selectFrom('role_assignments')
    .select(['id', 'role_code', 'scope_kind', 'scope_code'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
  const now = opts.now ?? Date.now();
  const expired = opts.passwordMaxAgeDays > 0 && now - Number(user.password_changed_at) > opts.passwordMaxAgeDays * 86_400_000;
  return new Principal(
    user.id,
    user.username,
    user.display_name,
    rows.map((r) => ({ id: r.id, role: r.role_code, scope: { kind: r.scope_kind, code: r.scope_code } as Scope })),
    await cache.roleMap(db),
    fromFlag(user.must_change_password),
    expired,
    opts.sessionId ?? null,
    user.locale,
  );
}
