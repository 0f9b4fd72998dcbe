/**
 * Teams (队伍): one per community grid in the "1+4" form, one full-time
 * patrol worker and part-time members of configurable roles; members with
 * or without an account; the unit grids each member patrols (grid_workers
 * rows); the team's duty rota with its exceptions. Reads are filtered by
 * the caller's workforce.read scopes, writes by workforce.manage.
 */
import { sql, type Kysely, type Selectable, type SqlBool, type Transaction } from 'kysely';
import type { Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { DISTRICT_CODE_LENGTH, gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { likeContains } from '../../infra/db/values.js';
import { AppError, conflict, forbidden, notFound } from '../../infra/http/errors.js';
import { defaultRota, parseRota, type WorkforceContext } from './context.js';
import { todayYmd } from './rules/dates.js';
import { formatHhmm, parseHhmm, patternProblem, type Rota, type Shift } from './rules/rota.js';
import { SettingsSchema, type WorkforceSettings } from './settings.js';
import type { TeamMemberTable, TeamRoleTable, TeamTable } from './tables.js';

/** A rota as the API speaks it: shifts as 'HH:MM'. */
export interface RotaText {
  weekly: ({ start: string; end: string } | null)[];
  followCalendar: boolean;
}

export interface TeamRoleView {
  code: string;
  name: string;
  nameEn: string;
  kind: 'full_time' | 'part_time';
  sort: number;
  status: 'active' | 'retired';
}

export interface MemberView {
  id: number;
  userId: number | null;
  username: string | null;
  name: string;
  roleCode: string;
  roleName: string;
  kind: 'full_time' | 'part_time';
  grids: { code: string; name: string }[];
  rota: RotaText | null;
  fromDate: string;
  toDate: string | null;
  version: number;
}

export interface TeamSummary {
  id: number;
  name: string;
  communityCode: string;
  communityName: string;
  streetCode: string;
  streetName: string;
  fullTime: number;
  partTime: number;
  /** The team has the configured shape ("1+4"). */
  complete: boolean;
  fullTimeNames: string[];
  version: number;
}

export interface TeamDetail extends TeamSummary {
  rota: RotaText;
  members: MemberView[];
  target: { fullTime: number; partTime: number };
}

export interface ExceptionView {
  id: number;
  memberId: number | null;
  memberName: string | null;
  date: string;
  shift: { start: string; end: string } | null;
  note: string;
}

export interface MemberInput {
  userId?: number | undefined;
  name?: string | undefined;
  roleCode: string;
  gridCodes: string[];
  fromDate?: string | undefined;
}

type TeamRow = Selectable<TeamTable>;
type MemberRow = Selectable<TeamMemberTable>;
type RoleRow = Selectable<TeamRoleTable>;

export function rotaText(rota: Rota): RotaText {
  return { weekly: rota.weekly.map((s) => (s ? { start: formatHhmm(s.start), end: formatHhmm(s.end) } : null)), followCalendar: rota.followCalendar };
}

/** The API's rota as stored; 422 ROTA_INVALID when a shift is malformed. */
export function rotaOf(text: RotaText): Rota {
  const weekly = text.weekly.map((s): Shift | null => {
    if (s === null) return null;
    const start = parseHhmm(s.start);
    const end = parseHhmm(s.end === '24:00' ? '00:00' : s.end);
    if (start === null || end === null) throw new AppError(422, 'ROTA_INVALID');
    return { start, end: s.end === '24:00' ? 1440 : end };
  });
  if (patternProblem(weekly) !== null) throw new AppError(422, 'ROTA_INVALID', { problem: patternProblem(weekly) });
  return { weekly, followCalendar: text.followCalendar };
}

function roleView(r: RoleRow): TeamRoleView {
  return { code: r.code, name: r.name, nameEn: r.name_en, kind: r.kind, sort: Number(r.sort), status: r.status };
}

export class TeamService {
  constructor(private readonly ctx: WorkforceContext) {}

  private get db() {
    return this.ctx.db;
  }

  // ---- roles and settings --------------------------------------------------------

  async roles(): Promise<TeamRoleView[]> {
    const rows = await this.db.primary.selectFrom('team_roles').selectAll().orderBy('sort').orderBy('code').execute();
    return rows.map(roleView);
  }

  /** Creates or updates a team role; retiring one that members hold is refused. */
  async saveRole(principal: Principal, actor: AuditActor, code: string, input: Omit<TeamRoleView, 'code'>, now = Date.now()): Promise<TeamRoleView> {
    requireDistrict(principal, 'workforce.configure');
    await this.db.transaction(async (tx) => {
      const existing = await tx.selectFrom('team_roles').selectAll().where('code', '=', code).executeTakeFirst();
      if (existing && input.status === 'retired' && existing.status === 'active') {
        const held = await tx.selectFrom('team_members').select('id').where('role_code', '=', code).where('to_date', 'is', null).limit(1).executeTakeFirst();
        if (held) throw new AppError(409, 'TEAM_ROLE_IN_USE', { code });
      }
      const values = { name: input.name, name_en: input.nameEn, kind: input.kind, sort: input.sort, status: input.status, updated_at: now };
      if (existing) await tx.updateTable('team_roles').set(values).where('code', '=', code).execute();
      else await tx.insertInto('team_roles').values({ code, ...values, created_at: now }).execute();
      await appendAudit(tx, actor, { action: existing ? 'team_role.update' : 'team_role.create', objectType: 'team_role', objectId: code, details: { ...input } }, now);
    });
    this.db.noteWrite(actor.userId);
    return roleView((await this.db.primary.selectFrom('team_roles').selectAll().where('code', '=', code).executeTakeFirstOrThrow()));
  }

  async saveSettings(principal: Principal, actor: AuditActor, input: unknown, version: number, now = Date.now()): Promise<{ settings: WorkforceSettings; version: number }> {
    requireDistrict(principal, 'workforce.configure');
    const settings = SettingsSchema.parse(input);
    await this.db.transaction(async (tx) => {
      const updated = await tx.updateTable('workforce_settings').set({ settings: JSON.stringify(settings), version: version + 1, updated_at: now })
        .where('id', '=', 1).where('version', '=', version).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw conflict();
      await appendAudit(tx, actor, { action: 'workforce.settings', objectType: 'workforce_settings', objectId: 1, details: { ...settings } }, now);
    });
    this.ctx.invalidateSettings();
    this.db.noteWrite(actor.userId);
    return { settings, version: version + 1 };
  }

  async settingsWithVersion(): Promise<{ settings: WorkforceSettings; version: number }> {
    const row = await this.db.primary.selectFrom('workforce_settings').select(['version']).where('id', '=', 1).executeTakeFirst();
    return { settings: await this.ctx.settings(), version: Number(row?.version ?? 1) };
  }

  // ---- teams -------------------------------------------------------------------------

  async list(principal: Principal, filter: { grid?: string | undefined; q?: string | undefined }): Promise<TeamSummary[]> {
    const scopes = principal.scopesFor('workforce.read');
    if (scopes.length === 0) return [];
    const db = this.db.reader(principal.userId);
    let q = db.selectFrom('teams').selectAll().where((eb) => scopeFilter(eb, scopes, { grid: 'teams.community_code' }));
    if (filter.grid) q = q.where((eb) => scopeFilter(eb, [{ kind: 'grid', code: filter.grid! }], { grid: 'teams.community_code' }));
    const text = filter.q?.trim();
    if (text) q = q.where((eb) => eb.or([contains('teams.name', text), contains('teams.community_code', text)]));
    const rows = await q.orderBy('community_code').execute();
    return this.summaries(db, rows);
  }

  private async summaries(db: Kysely<Database>, rows: readonly TeamRow[]): Promise<TeamSummary[]> {
    if (rows.length === 0) return [];
    const settings = await this.ctx.settings();
    const names = await gridNames(db, rows.flatMap((r) => [r.community_code, r.community_code.slice(0, 9)]));
    const members = await db.selectFrom('team_members')
      .innerJoin('team_roles', 'team_roles.code', 'team_members.role_code')
      .leftJoin('users', 'users.id', 'team_members.user_id')
      .select(['team_members.team_id', 'team_members.name', 'users.display_name', 'team_roles.kind'])
      .where('team_members.team_id', 'in', rows.map((r) => r.id))
      .where('team_members.to_date', 'is', null)
      .execute();
    return rows.map((r) => {
      const own = members.filter((m) => Number(m.team_id) === r.id);
      const full = own.filter((m) => m.kind === 'full_time');
      const part = own.length - full.length;
      return {
        id: r.id, name: r.name, communityCode: r.community_code, communityName: names.get(r.community_code) ?? r.community_code,
        streetCode: r.community_code.slice(0, 9), streetName: names.get(r.community_code.slice(0, 9)) ?? r.community_code.slice(0, 9),
        fullTime: full.length, partTime: part, complete: full.length === settings.team.fullTime && part >= settings.team.partTime,
        fullTimeNames: full.map((m) => m.display_name ?? m.name), version: Number(r.version),
      };
    });
  }

  /** A team the caller may read (or, with `write`, manage); 404 otherwise. */
  private async team(db: Kysely<Database>, principal: Principal, id: number, write = false): Promise<TeamRow> {
    const row = await db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !gridInScope(row.community_code, principal.scopesFor('workforce.read'))) throw notFound('team');
    if (write && !gridInScope(row.community_code, principal.scopesFor('workforce.manage'))) throw notFound('team');
    return row;
  }

  async detail(principal: Principal, id: number, primary = false): Promise<TeamDetail> {
    const db = primary ? this.db.primary : this.db.reader(principal.userId);
    const row = await this.team(db, principal, id);
    const [summary] = await this.summaries(db, [row]);
    const settings = await this.ctx.settings();
    const members = await db.selectFrom('team_members')
      .innerJoin('team_roles', 'team_roles.code', 'team_members.role_code')
      .leftJoin('users', 'users.id', 'team_members.user_id')
      .select([
        'team_members.id', 'team_members.user_id', 'team_members.name', 'team_members.role_code', 'team_members.rota', 'team_members.from_date',
        'team_members.to_date', 'team_members.version', 'team_roles.name as role_name', 'team_roles.kind', 'team_roles.sort', 'users.username', 'users.display_name',
      ])
      .where('team_members.team_id', '=', id)
      .where('team_members.to_date', 'is', null)
      .orderBy('team_roles.sort')
      .orderBy('team_members.id')
      .execute();
    const grids = await this.memberGrids(db, row.community_code, members.map((m) => ({ id: m.id, user_id: m.user_id })));
    return {
      ...summary!,
      rota: rotaText(parseRota(row.rota) ?? defaultRota(settings)),
      target: settings.team,
      members: members.map((m) => ({
        id: m.id, userId: m.user_id, username: m.username ?? null, name: m.display_name ?? m.name, roleCode: m.role_code, roleName: m.role_name, kind: m.kind,
        grids: grids.get(m.id) ?? [], rota: m.rota ? rotaText(parseRota(m.rota)!) : null, fromDate: m.from_date, toDate: m.to_date, version: Number(m.version),
      })),
    };
  }

  /** The current unit grids of each member (by account inside the community, or by member id). */
  private async memberGrids(db: Kysely<Database>, community: string, members: readonly { id: number; user_id: number | null }[]): Promise<Map<number, { code: string; name: string }[]>> {
    const out = new Map<number, { code: string; name: string }[]>();
    if (members.length === 0) return out;
    const users = members.filter((m) => m.user_id !== null).map((m) => m.user_id!);
    const rows = await db.selectFrom('grid_workers')
      .innerJoin('grids', 'grids.code', 'grid_workers.grid_code')
      .select(['grid_workers.user_id', 'grid_workers.member_id', 'grids.code', 'grids.name'])
      .where('grid_workers.to_date', 'is', null)
      .where((eb) => eb.or([
        eb('grid_workers.member_id', 'in', members.map((m) => m.id)),
        ...(users.length > 0 ? [eb.and([eb('grid_workers.user_id', 'in', users), scopeFilter(eb, [{ kind: 'grid', code: community }], { grid: 'grid_workers.grid_code' })])] : []),
      ]))
      .orderBy('grids.code')
      .execute();
    for (const m of members) {
      const mine = rows.filter((r) => (m.user_id !== null ? r.user_id === m.user_id : Number(r.member_id) === m.id));
      const seen = new Set<string>();
      out.set(m.id, mine.filter((r) => !seen.has(r.code) && seen.add(r.code)).map((r) => ({ code: r.code, name: r.name })));
    }
    return out;
  }

  async create(principal: Principal, actor: AuditActor, input: { communityCode: string; name?: string | undefined }, now = Date.now()): Promise<TeamDetail> {
    const grid = await this.db.primary.selectFrom('grids').select(['code', 'name', 'level', 'status']).where('code', '=', input.communityCode).executeTakeFirst();
    if (!grid || !gridInScope(grid.code, principal.scopesFor('workforce.manage'))) throw notFound('grid');
    if (grid.level !== 'community' || grid.status !== 'active') throw new AppError(422, 'TEAM_NOT_COMMUNITY', { level: grid.level });
    const settings = await this.ctx.settings();
    const name = input.name?.trim() || `${grid.name}网格队伍`;
    const id = await this.db.transaction(async (tx) => {
      const existing = await tx.selectFrom('teams').select('id').where('community_code', '=', grid.code).executeTakeFirst();
      if (existing) throw new AppError(409, 'TEAM_EXISTS', { teamId: existing.id });
      const result = await tx.insertInto('teams').values({
        community_code: grid.code, name, rota: JSON.stringify(defaultRota(settings)), created_at: now, updated_at: now, version: 1,
      }).executeTakeFirstOrThrow();
      const teamId = Number(result.insertId);
      await appendAudit(tx, actor, { action: 'team.create', objectType: 'team', objectId: teamId, details: { communityCode: grid.code, name } }, now);
      return teamId;
    });
    this.db.noteWrite(actor.userId);
    return this.detail(principal, id, true);
  }

  async rename(principal: Principal, actor: AuditActor, id: number, input: { name: string; version: number }, now = Date.now()): Promise<TeamDetail> {
    const team = await this.team(this.db.primary, principal, id, true);
    await this.db.transaction(async (tx) => {
      await bumpTeam(tx, team.id, input.version, now, { name: input.name.trim() });
      await appendAudit(tx, actor, { action: 'team.update', objectType: 'team', objectId: id, details: { name: input.name.trim() } }, now);
    });
    this.db.noteWrite(actor.userId);
    return this.detail(principal, id, true);
  }

  // ---- members -----------------------------------------------------------------------

  private async activeRole(db: Kysely<Database>, code: string): Promise<RoleRow> {
    const role = await db.selectFrom('team_roles').selectAll().where('code', '=', code).executeTakeFirst();
    if (!role || role.status !== 'active') throw new AppError(422, 'TEAM_ROLE_UNKNOWN', { roleCode: code });
    return role;
  }

  /** Unit grids of the community, active; 422 for any other code. */
  private async communityUnits(db: Kysely<Database>, community: string, codes: readonly string[]): Promise<string[]> {
    const unique = [...new Set(codes)];
    if (unique.length === 0) return [];
    const rows = await db.selectFrom('grids').select('code').where('code', 'in', unique).where('level', '=', 'unit').where('status', '=', 'active').where('parent_code', '=', community).execute();
    const ok = new Set(rows.map((r) => r.code));
    const bad = unique.filter((c) => !ok.has(c));
    if (bad.length > 0) throw new AppError(422, 'TEAM_MEMBER_GRID_OUTSIDE', { gridCodes: bad });
    return unique.sort();
  }

  private async checkFullTime(tx: Kysely<Database>, teamId: number, role: RoleRow, exceptMember: number | null): Promise<void> {
    if (role.kind !== 'full_time') return;
    const settings = await this.ctx.settings();
    const rows = await tx.selectFrom('team_members').innerJoin('team_roles', 'team_roles.code', 'team_members.role_code').select('team_members.id')
      .where('team_members.team_id', '=', teamId).where('team_members.to_date', 'is', null).where('team_roles.kind', '=', 'full_time').execute();
    if (rows.filter((r) => r.id !== exceptMember).length >= settings.team.fullTime) throw new AppError(409, 'TEAM_FULL_TIME_TAKEN', { limit: settings.team.fullTime });
  }

  async addMember(principal: Principal, actor: AuditActor, teamId: number, input: MemberInput, now = Date.now()): Promise<TeamDetail> {
    const team = await this.team(this.db.primary, principal, teamId, true);
    const role = await this.activeRole(this.db.primary, input.roleCode);
    const grids = await this.communityUnits(this.db.primary, team.community_code, input.gridCodes);
    const cal = await this.ctx.calendar();
    const day = input.fromDate ?? todayYmd(cal, now);
    let name = input.name?.trim() ?? '';
    if (input.userId !== undefined) {
      const user = await this.db.primary.selectFrom('users').select(['display_name', 'status']).where('id', '=', input.userId).executeTakeFirst();
      if (!user || user.status !== 'active') throw new AppError(422, 'TEAM_MEMBER_USER_UNKNOWN', { userId: input.userId });
      name = user.display_name;
    } else if (!name) {
      throw new AppError(422, 'TEAM_MEMBER_NAME_REQUIRED');
    }
    await this.db.transaction(async (tx) => {
      await bumpTeam(tx, teamId, null, now);
      if (input.userId !== undefined) {
        const other = await tx.selectFrom('team_members').select('team_id').where('user_id', '=', input.userId).where('to_date', 'is', null).executeTakeFirst();
        if (other) throw new AppError(409, Number(other.team_id) === teamId ? 'TEAM_MEMBER_DUPLICATE' : 'TEAM_MEMBER_OTHER_TEAM', { teamId: Number(other.team_id) });
      }
      await this.checkFullTime(tx, teamId, role, null);
      const result = await tx.insertInto('team_members').values({
        team_id: teamId, user_id: input.userId ?? null, name, role_code: role.code, rota: null, from_date: day, to_date: null, created_at: now, updated_at: now, version: 1,
      }).executeTakeFirstOrThrow();
      const memberId = Number(result.insertId);
      await syncGrids(tx, team.community_code, { id: memberId, user_id: input.userId ?? null }, grids, role.kind, day, now);
      await appendAudit(tx, actor, {
        action: 'team.member.add', objectType: 'team', objectId: teamId,
        details: { memberId, userId: input.userId ?? null, name, roleCode: role.code, gridCodes: grids },
      }, now);
    });
    this.db.noteWrite(actor.userId);
    return this.detail(principal, teamId, true);
  }

  async updateMember(
    principal: Principal, actor: AuditActor, teamId: number, memberId: number,
    input: { version: number; roleCode?: string | undefined; name?: string | undefined; gridCodes?: string[] | undefined; rota?: RotaText | null | undefined },
    now = Date.now(),
  ): Promise<TeamDetail> {
    const team = await this.team(this.db.primary, principal, teamId, true);
    const member = await this.member(this.db.primary, teamId, memberId);
    const role = await this.activeRole(this.db.primary, input.roleCode ?? member.role_code);
    const grids = input.gridCodes === undefined ? undefined : await this.communityUnits(this.db.primary, team.community_code, input.gridCodes);
    const rota = input.rota === undefined ? undefined : input.rota === null ? null : rotaOf(input.rota);
    if (input.name !== undefined && member.user_id === null && !input.name.trim()) throw new AppError(422, 'TEAM_MEMBER_NAME_REQUIRED');
    const cal = await this.ctx.calendar();
    const day = todayYmd(cal, now);
    await this.db.transaction(async (tx) => {
      const updated = await tx.updateTable('team_members').set({
        role_code: role.code,
        ...(input.name !== undefined && member.user_id === null ? { name: input.name.trim() } : {}),
        ...(rota !== undefined ? { rota: rota === null ? null : JSON.stringify(rota) } : {}),
        version: input.version + 1, updated_at: now,
      }).where('id', '=', memberId).where('version', '=', input.version).where('to_date', 'is', null).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw conflict({ currentVersion: member.version });
      await bumpTeam(tx, teamId, null, now);
      await this.checkFullTime(tx, teamId, role, memberId);
      const kindChanged = role.code !== member.role_code;
      if (grids !== undefined || kindChanged) {
        const current = grids ?? (await this.memberGrids(tx, team.community_code, [member])).get(memberId)!.map((g) => g.code);
        await syncGrids(tx, team.community_code, member, current, role.kind, day, now);
      }
      await appendAudit(tx, actor, {
        action: 'team.member.update', objectType: 'team', objectId: teamId,
        details: { memberId, roleCode: role.code, ...(grids ? { gridCodes: grids } : {}), ...(rota !== undefined ? { rota: rota === null ? null : rotaText(rota) } : {}) },
      }, now);
    });
    this.db.noteWrite(actor.userId);
    return this.detail(principal, teamId, true);
  }

  /** Ends a membership (and its grid assignments in the community); the row stays for the history. */
  async removeMember(principal: Principal, actor: AuditActor, teamId: number, memberId: number, now = Date.now()): Promise<TeamDetail> {
    const team = await this.team(this.db.primary, principal, teamId, true);
    const member = await this.member(this.db.primary, teamId, memberId);
    const cal = await this.ctx.calendar();
    const day = todayYmd(cal, now);
    await this.db.transaction(async (tx) => {
      await tx.updateTable('team_members').set({ to_date: day, updated_at: now, version: Number(member.version) + 1 }).where('id', '=', memberId).where('to_date', 'is', null).execute();
      await syncGrids(tx, team.community_code, member, [], 'part_time', day, now);
      await bumpTeam(tx, teamId, null, now);
      await appendAudit(tx, actor, { action: 'team.member.remove', objectType: 'team', objectId: teamId, details: { memberId, userId: member.user_id, name: member.name } }, now);
    });
    this.db.noteWrite(actor.userId);
    return this.detail(principal, teamId, true);
  }

  private async member(db: Kysely<Database>, teamId: number, memberId: number): Promise<MemberRow> {
    const row = await db.selectFrom('team_members').selectAll().where('id', '=', memberId).where('team_id', '=', teamId).where('to_date', 'is', null).executeTakeFirst();
    if (!row) throw notFound('team_member');
    return row;
  }

  /** Accounts that could join the team: active users with any role in a scope inside or over the community, in no team yet. */
  async candidates(principal: Principal, teamId: number, q: string | undefined, limit: number): Promise<{ userId: number; username: string; displayName: string }[]> {
    const team = await this.team(this.db.primary, principal, teamId, true);
    const code = team.community_code;
    const ancestors = [code.slice(0, 6), code.slice(0, 9), code];
    let query = this.db.reader(principal.userId).selectFrom('role_assignments')
      .innerJoin('users', 'users.id', 'role_assignments.user_id')
      .select(['users.id', 'users.username', 'users.display_name'])
      .where('users.status', '=', 'active')
      .where('role_assignments.scope_kind', '=', 'grid')
      .where((eb) => eb.or([scopeFilter(eb, [{ kind: 'grid', code }], { grid: 'role_assignments.scope_code' }), eb('role_assignments.scope_code', 'in', ancestors)]))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('team_members').select('team_members.id').whereRef('team_members.user_id', '=', 'users.id').where('team_members.to_date', 'is', null))));
    const text = q?.trim();
    if (text) query = query.where((eb) => eb.or([contains('users.username', text), contains('users.display_name', text)]));
    const rows = await query.orderBy('users.username').limit(limit * 3).execute();
    const seen = new Set<number>();
    return rows.filter((r) => !seen.has(r.id) && seen.add(r.id)).slice(0, limit).map((r) => ({ userId: r.id, username: r.username, displayName: r.display_name }));
  }

  // ---- rota ----------------------------------------------------------------------------

  async rota(principal: Principal, teamId: number, from: string, to: string): Promise<{ teamId: number; rota: RotaText; version: number; exceptions: ExceptionView[] }> {
    const db = this.db.reader(principal.userId);
    const team = await this.team(db, principal, teamId);
    const settings = await this.ctx.settings();
    const rows = await db.selectFrom('rota_exceptions')
      .leftJoin('team_members', 'team_members.id', 'rota_exceptions.member_id')
      .leftJoin('users', 'users.id', 'team_members.user_id')
      .select(['rota_exceptions.id', 'rota_exceptions.member_id', 'rota_exceptions.date', 'rota_exceptions.shift_start', 'rota_exceptions.shift_end', 'rota_exceptions.note', 'team_members.name', 'users.display_name'])
      .where('rota_exceptions.team_id', '=', teamId)
      .where('rota_exceptions.date', '>=', from)
      .where('rota_exceptions.date', '<=', to)
      .orderBy('rota_exceptions.date')
      .orderBy('rota_exceptions.id')
      .execute();
    return {
      teamId,
      rota: rotaText(parseRota(team.rota) ?? defaultRota(settings)),
      version: Number(team.version),
      exceptions: rows.map((r) => ({
        id: r.id, memberId: r.member_id, memberName: r.member_id === null ? null : (r.display_name ?? r.name ?? null), date: r.date,
        shift: r.shift_start === null || r.shift_end === null ? null : { start: formatHhmm(Number(r.shift_start)), end: formatHhmm(Number(r.shift_end)) }, note: r.note,
      })),
    };
  }

  async putRota(principal: Principal, actor: AuditActor, teamId: number, input: RotaText & { version: number }, now = Date.now()): Promise<TeamDetail> {
    await this.team(this.db.primary, principal, teamId, true);
    const rota = rotaOf(input);
    await this.db.transaction(async (tx) => {
      await bumpTeam(tx, teamId, input.version, now, { rota: JSON.stringify(rota) });
      await appendAudit(tx, actor, { action: 'team.rota', objectType: 'team', objectId: teamId, details: { rota: rotaText(rota) } }, now);
    });
    this.db.noteWrite(actor.userId);
    return this.detail(principal, teamId, true);
  }

  async addException(
    principal: Principal, actor: AuditActor, teamId: number,
    input: { date: string; memberId?: number | null | undefined; shift: { start: string; end: string } | null; note?: string | undefined },
    now = Date.now(),
  ): Promise<ExceptionView> {
    await this.team(this.db.primary, principal, teamId, true);
    if (input.memberId != null) await this.member(this.db.primary, teamId, input.memberId);
    const shift = input.shift === null ? null : rotaOf({ weekly: [input.shift, null, null, null, null, null, null], followCalendar: false }).weekly[0]!;
    const id = await this.db.transaction(async (tx) => {
      const result = await tx.insertInto('rota_exceptions').values({
        team_id: teamId, member_id: input.memberId ?? null, date: input.date, shift_start: shift?.start ?? null, shift_end: shift?.end ?? null,
        note: input.note?.trim() ?? '', created_by: actor.userId, created_at: now,
      }).executeTakeFirstOrThrow();
      const exceptionId = Number(result.insertId);
      await bumpTeam(tx, teamId, null, now);
      await appendAudit(tx, actor, { action: 'team.rota_exception.add', objectType: 'team', objectId: teamId, details: { exceptionId, date: input.date, memberId: input.memberId ?? null, shift: input.shift } }, now);
      return exceptionId;
    });
    this.db.noteWrite(actor.userId);
    const all = await this.rota(principal, teamId, input.date, input.date);
    return all.exceptions.find((e) => e.id === id)!;
  }

  async removeException(principal: Principal, actor: AuditActor, teamId: number, exceptionId: number, now = Date.now()): Promise<void> {
    await this.team(this.db.primary, principal, teamId, true);
    await this.db.transaction(async (tx) => {
      const row = await tx.selectFrom('rota_exceptions').selectAll().where('id', '=', exceptionId).where('team_id', '=', teamId).executeTakeFirst();
      if (!row) throw notFound('rota_exception');
      await tx.deleteFrom('rota_exceptions').where('id', '=', exceptionId).execute();
      await bumpTeam(tx, teamId, null, now);
      await appendAudit(tx, actor, { action: 'team.rota_exception.remove', objectType: 'team', objectId: teamId, details: { exceptionId, date: row.date, memberId: row.member_id } }, now);
    });
    this.db.noteWrite(actor.userId);
  }

  // ---- workers for pickers ----------------------------------------------------------------

  /** Workers in the caller's scope (patrolling a grid in it now, or members of a team in it), for the replay's picker. */
  async workers(principal: Principal, filter: { grid?: string | undefined; q?: string | undefined }, limit: number): Promise<{ userId: number; displayName: string; username: string; communityCode: string | null; communityName: string | null }[]> {
    const scopes: Scope[] = principal.scopesFor('workforce.read');
    if (scopes.length === 0) return [];
    const db = this.db.reader(principal.userId);
    const text = filter.q?.trim();
    let byGrid = db.selectFrom('grid_workers').innerJoin('users', 'users.id', 'grid_workers.user_id')
      .select(['users.id', 'users.username', 'users.display_name', 'grid_workers.grid_code'])
      .where('grid_workers.to_date', 'is', null)
      .where('users.status', '=', 'active')
      .where((eb) => scopeFilter(eb, scopes, { grid: 'grid_workers.grid_code' }));
    if (filter.grid) byGrid = byGrid.where((eb) => scopeFilter(eb, [{ kind: 'grid', code: filter.grid! }], { grid: 'grid_workers.grid_code' }));
    if (text) byGrid = byGrid.where((eb) => eb.or([contains('users.username', text), contains('users.display_name', text)]));
    const rows = await byGrid.orderBy('grid_workers.grid_code').limit(limit * 10).execute();
    const names = await gridNames(db, [...new Set(rows.map((r) => r.grid_code.slice(0, 12)))]);
    const seen = new Set<number>();
    const out: { userId: number; displayName: string; username: string; communityCode: string | null; communityName: string | null }[] = [];
    for (const r of rows) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      const community = r.grid_code.slice(0, 12);
      out.push({ userId: r.id, displayName: r.display_name, username: r.username, communityCode: community, communityName: names.get(community) ?? null });
      if (out.length >= limit) break;
    }
    return out;
  }
}

/** A substring match that takes % and _ in the text literally, on both databases. */
function contains(column: string, text: string) {
  return sql<SqlBool>`${sql.ref(column)} like ${likeContains(text)} escape '!'`;
}

/** Names of grid codes. */
export async function gridNames(db: Kysely<Database>, codes: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(codes)];
  if (unique.length === 0) return new Map();
  const rows = await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', unique).execute();
  return new Map(rows.map((r) => [r.code, r.name]));
}

/** 403 unless the caller holds the permission at the district (settings and roles are district-wide). */
function requireDistrict(principal: Principal, permission: string): void {
  if (!principal.scopesFor(permission).some((s) => s.kind === 'grid' && s.code.length === DISTRICT_CODE_LENGTH)) throw forbidden(permission);
}

/**
 * Takes the team's version forward (and checks it when `expected` is given):
 * every change of a team, its members or its rota goes through the team row,
 * which also serializes concurrent edits of one team.
 */
async function bumpTeam(tx: Transaction<Database>, teamId: number, expected: number | null, now: number, patch: Partial<Pick<TeamTable, 'name' | 'rota'>> = {}): Promise<void> {
  let q = tx.updateTable('teams').set((eb) => ({ ...patch, updated_at: now, version: eb('version', '+', 1) })).where('id', '=', teamId);
  if (expected !== null) q = q.where('version', '=', expected);
  const result = await q.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    const current = await tx.selectFrom('teams').select('version').where('id', '=', teamId).executeTakeFirst();
    throw conflict({ currentVersion: current ? Number(current.version) : null });
  }
}

/**
 * Makes a member's current grid_workers rows in the community exactly
 * `codes` with `kind`: rows no longer wanted (or of another kind) are ended
 * today, missing ones added. A member with an account is matched by user id
 * (rows the grid map wrote for that user count too), one without by member id.
 */
async function syncGrids(
  tx: Kysely<Database>, community: string, member: { id: number; user_id: number | null }, codes: readonly string[], kind: 'full_time' | 'part_time', day: string, now: number,
): Promise<void> {
  let q = tx.selectFrom('grid_workers').select(['id', 'grid_code', 'role']).where('to_date', 'is', null);
  q = member.user_id !== null
    ? q.where('user_id', '=', member.user_id).where((eb) => scopeFilter(eb, [{ kind: 'grid', code: community }], { grid: 'grid_workers.grid_code' }))
    : q.where('member_id', '=', member.id);
  const current = await q.execute();
  const wanted = new Set(codes);
  const ended = current.filter((c) => !wanted.has(c.grid_code) || c.role !== kind);
  if (ended.length > 0) await tx.updateTable('grid_workers').set({ to_date: day, updated_at: now }).where('id', 'in', ended.map((e) => e.id)).execute();
  const kept = new Set(current.filter((c) => !ended.includes(c)).map((c) => c.grid_code));
  const added = codes.filter((c) => !kept.has(c));
  if (added.length > 0) {
    await tx.insertInto('grid_workers').values(added.map((code) => ({
      grid_code: code, user_id: member.user_id, member_id: member.id, role: kind, from_date: day, to_date: null, created_at: now, updated_at: now,
    }))).execute();
  }
}
