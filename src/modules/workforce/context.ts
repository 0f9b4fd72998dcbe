/**
 * What the workforce services share: the database, the working calendar,
 * the point locator, the settings (cached briefly), and the questions every
 * part asks about a worker: which grids, which team, which rota, and whether
 * a caller may see them.
 */
import type { Kysely } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import type { Principal } from '../../infra/auth/principal.js';
import { scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { fromJson } from '../../infra/db/values.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import type { GridLocatorPort } from '../grid/locator-service.js';
import type { GridLevel } from '../grid/rules/codes.js';
import type { GridGeometry } from '../grid/rules/types.js';
import type { WorkCalendar } from '../incidents/rules/calendar.js';
import type { ReferenceData } from '../incidents/reference.js';
import { parseHhmm, weekdaysPattern, type Rota, type RotaException, type Shift } from './rules/rota.js';
import { readSettings, type WorkforceSettings } from './settings.js';
import './messages.js';

export interface WorkerGrid {
  code: string;
  name: string;
  level: GridLevel;
}

export interface Membership {
  memberId: number;
  teamId: number;
  teamName: string;
  communityCode: string;
  roleCode: string;
  roleName: string;
  roleNameEn: string;
  teamRota: Rota;
  memberRota: Rota | null;
}

/** How a rota is stored (teams.rota, team_members.rota): shifts in minutes. */
export function parseRota(json: string | null): Rota | null {
  return json ? fromJson<Rota | null>(json, null) : null;
}

export function defaultRota(settings: WorkforceSettings): Rota {
  const shift: Shift = { start: parseHhmm(settings.defaultShift.start)!, end: parseHhmm(settings.defaultShift.end)! };
  return { weekly: weekdaysPattern(shift), followCalendar: true };
}

export class WorkforceContext {
  private cachedSettings: { at: number; value: WorkforceSettings } | null = null;

  constructor(
    readonly db: AppDb,
    readonly reference: ReferenceData,
    readonly locator: GridLocatorPort,
    private readonly settingsTtlMs = 5000,
  ) {}

  async settings(): Promise<WorkforceSettings> {
    const now = Date.now();
    if (this.cachedSettings && now - this.cachedSettings.at < this.settingsTtlMs) return this.cachedSettings.value;
    const row = await this.db.primary.selectFrom('workforce_settings').select('settings').where('id', '=', 1).executeTakeFirst();
    const value = readSettings(row?.settings);
    this.cachedSettings = { at: now, value };
    return value;
  }

  invalidateSettings(): void {
    this.cachedSettings = null;
  }

  async calendar(): Promise<WorkCalendar> {
    return (await this.reference.get()).calendar;
  }

  /** The unit (or community) grids a user patrols on a date, with names. */
  async gridsOf(db: Kysely<Database>, userId: number, ymd: string): Promise<WorkerGrid[]> {
    const rows = await db
      .selectFrom('grid_workers')
      .innerJoin('grids', 'grids.code', 'grid_workers.grid_code')
      .select(['grids.code', 'grids.name', 'grids.level'])
      .where('grid_workers.user_id', '=', userId)
      .where('grid_workers.from_date', '<=', ymd)
      .where((eb) => eb.or([eb('grid_workers.to_date', 'is', null), eb('grid_workers.to_date', '>=', ymd)]))
      .where('grids.status', '=', 'active')
      .orderBy('grids.code')
      .execute();
    const seen = new Set<string>();
    return rows.filter((r) => !seen.has(r.code) && seen.add(r.code)).map((r) => ({ code: r.code, name: r.name, level: r.level }));
  }

  /** The same grids with their outlines (clock-in checks). */
  async gridGeometries(db: Kysely<Database>, codes: readonly string[]): Promise<Map<string, GridGeometry>> {
    if (codes.length === 0) return new Map();
    const rows = await db.selectFrom('grids').select(['code', 'geometry']).where('code', 'in', [...codes]).execute();
    return new Map(rows.map((r) => [r.code, JSON.parse(r.geometry) as GridGeometry]));
  }

  /** The user's current team membership (member rows with an account), or null. */
  async membershipOf(db: Kysely<Database>, userId: number, ymd: string): Promise<Membership | null> {
    const row = await db
      .selectFrom('team_members')
      .innerJoin('teams', 'teams.id', 'team_members.team_id')
      .innerJoin('team_roles', 'team_roles.code', 'team_members.role_code')
      .select([
        'team_members.id as member_id', 'team_members.rota as member_rota', 'team_members.role_code', 'teams.id as team_id', 'teams.name as team_name',
        'teams.community_code', 'teams.rota as team_rota', 'team_roles.name as role_name', 'team_roles.name_en as role_name_en',
      ])
      .where('team_members.user_id', '=', userId)
      .where('team_members.from_date', '<=', ymd)
      .where((eb) => eb.or([eb('team_members.to_date', 'is', null), eb('team_members.to_date', '>=', ymd)]))
      .orderBy('team_members.id')
      .executeTakeFirst();
    if (!row) return null;
    return {
      memberId: Number(row.member_id), teamId: Number(row.team_id), teamName: row.team_name, communityCode: row.community_code,
      roleCode: row.role_code, roleName: row.role_name, roleNameEn: row.role_name_en,
      teamRota: parseRota(row.team_rota)!, memberRota: parseRota(row.member_rota),
    };
  }

  /** A team's rota exceptions between two dates (inclusive). */
  async exceptionsOf(db: Kysely<Database>, teamIds: readonly number[], from: string, to: string): Promise<Map<number, RotaException[]>> {
    const out = new Map<number, RotaException[]>();
    if (teamIds.length === 0) return out;
    const rows = await db
      .selectFrom('rota_exceptions')
      .select(['team_id', 'member_id', 'date', 'shift_start', 'shift_end'])
      .where('team_id', 'in', [...teamIds])
      .where('date', '>=', from)
      .where('date', '<=', to)
      .orderBy('id', 'desc')
      .execute();
    for (const r of rows) {
      const list = out.get(Number(r.team_id)) ?? [];
      // Newest first: the latest exception of a date wins (shiftOn takes the first match).
      list.push({
        date: r.date, memberId: r.member_id === null ? null : Number(r.member_id),
        shift: r.shift_start === null || r.shift_end === null ? null : { start: Number(r.shift_start), end: Number(r.shift_end) },
      });
      out.set(Number(r.team_id), list);
    }
    return out;
  }

  /**
   * 404 unless the caller may see this worker: the worker patrols (or
   * patrolled) a grid inside one of the caller's scopes for `permission`,
   * or belongs to a team of a community inside them.
   */
  async assertWorkerVisible(principal: Principal, userId: number, permission = 'workforce.read'): Promise<void> {
    if (!(await this.workerVisible(principal.scopesFor(permission), userId))) throw notFound('worker');
  }

  async workerVisible(scopes: readonly Scope[], userId: number): Promise<boolean> {
    if (scopes.length === 0) return false;
    const db = this.db.primary;
    const grid = await db.selectFrom('grid_workers').select('id').where('user_id', '=', userId)
      .where((eb) => scopeFilter(eb, scopes, { grid: 'grid_workers.grid_code' })).limit(1).executeTakeFirst();
    if (grid) return true;
    const team = await db.selectFrom('team_members').innerJoin('teams', 'teams.id', 'team_members.team_id').select('team_members.id')
      .where('team_members.user_id', '=', userId)
      .where((eb) => scopeFilter(eb, scopes, { grid: 'teams.community_code' })).limit(1).executeTakeFirst();
    return team !== undefined;
  }

  /** A user's display name (404 when there is no such user). */
  async displayName(userId: number): Promise<string> {
    const row = await this.db.primary.selectFrom('users').select('display_name').where('id', '=', userId).executeTakeFirst();
    if (!row) throw notFound('worker');
    return row.display_name;
  }
}

/** 403 unless the user patrols some grid on that date; the grids otherwise. */
export async function requireGrids(ctx: WorkforceContext, db: Kysely<Database>, userId: number, ymd: string): Promise<WorkerGrid[]> {
  const grids = await ctx.gridsOf(db, userId, ymd);
  if (grids.length === 0) throw new AppError(403, 'WORKFORCE_NOT_GRID_WORKER');
  return grids;
}
