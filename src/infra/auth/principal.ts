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
 * Role → permissions, cached briefly because every request needs it; role
 * edits on this node invalidate at once, other nodes within the TTL.
 */
export class RoleCache {
  private cached: { at: number; map: Map<string, string[]> } | null = null;
  constructor(private readonly ttlMs = 5000) {}

  invalidate(): void {
    this.cached = null;
  }

  async get(
  anyDb: AnyKysely): Promise<Map<string, string[]>> {
    const db = anyDb as Kysely<AuthTables>;
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.map;
    const rows = await db.selectFrom('roles').select(['code', 'permissions']).execute();
    const map = new Map(rows.map((r) => [r.code, fromJson<string[]>(r.permissions, [])]));
    this.cached = { at: Date.now(), map };
    return map;
  }
}

export async function loadPrincipal(
  anyDb: AnyKysely,
  roles: RoleCache,
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
    await roles.get(db),
    fromFlag(user.must_change_password),
    expired,
    opts.sessionId ?? null,
    user.locale,
  );
}
