/**
 * The command centre's overview (指挥大屏, docs/command-screen.md): one read
 * of what the big screen shows, in the caller's scopes exactly as the
 * incident list applies them. Open cases are read through the is_open-led
 * index (incidents_open_due); closed history only through today's close
 * events (incident_events_at), never by a scan.
 */
import { sql } from 'kysely';
import type { AppDb } from '../../database.js';
import type { Principal } from '../../infra/auth/principal.js';
import { gridIndexHelps, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { AppError } from '../../infra/http/errors.js';
import type { EvaluationService } from '../evaluation/service.js';
import { GRID_CODE_LENGTH } from '../grid/rules/codes.js';
import { OPEN_STATUSES, type IncidentService } from '../incidents/service.js';
import type { DutyRoster } from '../workforce/duty.js';
import { shanghaiDay, tallyOpen, type OpenGroup, type Tally } from './rules/overview.js';

export const RED_LIST_LIMIT = 50;
export const MAP_CASE_LIMIT = 2000;
export const RANKING_LIMIT = 20;
/** A patrol still running after this long was left open on a phone: its worker is not on duty. */
export const ON_DUTY_WINDOW_MS = 12 * 3_600_000;

export interface NamedTally {
  code: string | null;
  name: string | null;
  nameEn: string | null;
  count: number;
}

export interface RedCase {
  incidentId: number;
  code: string;
  status: string;
  categoryName: string | null;
  categoryNameEn: string | null;
  streetName: string | null;
  dueAt: string | null;
}

export interface MapCase {
  incidentId: number;
  code: string;
  status: string;
  warning: string;
  lng: number;
  lat: number;
}

export interface RankedDepartment {
  code: string;
  name: string | null;
  value: number | null;
  rank: number | null;
  previousRank: number | null;
}

export interface WorkerPosition {
  /** The worker's display name (no account id on a screen). */
  name: string;
  gridName: string | null;
  lng: number;
  lat: number;
  at: string;
}

export interface CommandOverview {
  at: string;
  today: { date: string; reported: number; closed: number; overdue: number };
  open: { total: number; byStatus: NamedTally[]; byCategory: NamedTally[]; byStreet: NamedTally[] };
  redList: RedCase[];
  /** null when the caller may not read evaluation, or the statistics store is unavailable. */
  ranking: { from: string; to: string; items: RankedDepartment[] } | null;
  /** null when the caller may not read the workforce. */
  workers: WorkerPosition[] | null;
  cases: { items: MapCase[]; truncated: boolean };
}

const iso = (ms: number | string | null) => (ms == null ? null : new Date(Number(ms)).toISOString());

export class CommandOverviewService {
  constructor(
    private readonly db: AppDb,
    private readonly incidents: IncidentService,
    private readonly evaluation: EvaluationService,
    private readonly duty: DutyRoster,
  ) {}

  async overview(principal: Principal, now = Date.now()): Promise<CommandOverview> {
    const scopes = principal.scopesFor('incidents.read');
    const day = shanghaiDay(now);
    const majorOf = await this.majorOfCategory();
    const [today, groups, red, cases, ranking, workers] = await Promise.all([
      this.todayCounts(principal, scopes, day.start, now),
      this.openGroups(principal, scopes, majorOf),
      this.redRows(principal, scopes, majorOf),
      this.mapCases(principal, scopes),
      this.ranking(principal, day.monthStart, day.today),
      this.workers(principal, now),
    ]);
    const tallies = tallyOpen(groups, OPEN_STATUSES);
    const categoryCodes = new Set<string>([...groups.map((g) => g.majorCode), ...red.map((r) => r.majorCode)].filter((c): c is string => c !== null));
    const streetCodes = new Set<string>([...groups.map((g) => g.streetCode), ...red.map((r) => r.grid_code.slice(0, GRID_CODE_LENGTH.street))]);
    const [majors, streets] = await Promise.all([this.majorNames([...categoryCodes]), this.gridNames(principal, [...streetCodes])]);
    const named = (list: Tally[], names: Map<string, { name: string; nameEn: string | null }>): NamedTally[] =>
      list.map((t) => ({ code: t.key, name: t.key === null ? null : (names.get(t.key)?.name ?? null), nameEn: t.key === null ? null : (names.get(t.key)?.nameEn ?? null), count: t.count }));
    return {
      at: new Date(now).toISOString(),
      today: { date: day.today, ...today },
      open: {
        total: tallies.total,
        byStatus: tallies.byStatus.map((t) => ({ code: t.key, name: null, nameEn: null, count: t.count })),
        byCategory: named(tallies.byCategory, majors),
        byStreet: named(tallies.byStreet, streets),
      },
      redList: red.map((r) => ({
        incidentId: Number(r.id), code: r.code, status: r.status,
        categoryName: r.majorCode ? (majors.get(r.majorCode)?.name ?? null) : null,
        categoryNameEn: r.majorCode ? (majors.get(r.majorCode)?.nameEn ?? null) : null,
        streetName: streets.get(r.grid_code.slice(0, GRID_CODE_LENGTH.street))?.name ?? null,
        dueAt: iso(r.due_at),
      })),
      ranking,
      workers,
      cases,
    };
  }

  private open(principal: Principal, scopes: readonly Scope[]) {
    return this.db.reader(principal.userId).selectFrom('incidents')
      .where('incidents.is_open', '=', 1)
      .where((eb) => this.incidents.visible(eb, scopes, { useGridIndex: scopes.some((s) => s.kind === 'grid' && gridIndexHelps(s.code)) }));
  }

  private async todayCounts(principal: Principal, scopes: readonly Scope[], dayStart: number, now: number) {
    const db = this.db.reader(principal.userId);
    const [reported, closed, overdue] = await Promise.all([
      db.selectFrom('incidents').where('reported_at', '>=', dayStart).where((eb) => this.incidents.visible(eb, scopes))
        .select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
      // Closed today: read from today's timeline (incident_events_at), not from the closed cases' history.
      db.selectFrom('incident_events').innerJoin('incidents', 'incidents.id', 'incident_events.incident_id')
        // `+status` and no grid index (MySQL ignores the +, as in codePrefix): SQLite would otherwise drive the join by every closed case, or by a street's cases (1.9 s and 190 ms at scale 1); today's events lead instead.
        .where('incident_events.at', '>=', dayStart).where('incident_events.to_status', '=', 'closed').where(sql<string>`+${sql.ref('incidents.status')}`, '=', 'closed')
        .where((eb) => this.incidents.visible(eb as never, scopes, { useGridIndex: false }))
        .select(sql<number | string>`count(distinct incident_events.incident_id)`.as('n')).executeTakeFirst(),
      this.open(principal, scopes).where('incidents.due_at', '<', now)
        .select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
    ]);
    return { reported: Number(reported?.n ?? 0), closed: Number(closed?.n ?? 0), overdue: Number(overdue?.n ?? 0) };
  }

  private async openGroups(principal: Principal, scopes: readonly Scope[], majorOf: Map<string, string>): Promise<OpenGroup[]> {
    const street = sql<string>`substr(incidents.grid_code, 1, ${sql.lit(GRID_CODE_LENGTH.street)})`;
    const rows = await this.open(principal, scopes)
      .select(['incidents.status', 'incidents.category_code', street.as('street_code'), (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy(['incidents.status', 'incidents.category_code', street])
      .execute();
    return rows.map((r) => ({ status: r.status, majorCode: r.category_code ? (majorOf.get(r.category_code) ?? null) : null, streetCode: r.street_code, count: Number(r.n) }));
  }

  private async redRows(principal: Principal, scopes: readonly Scope[], majorOf: Map<string, string>) {
    const rows = await this.open(principal, scopes).where('incidents.warning', '=', 'red')
      .select(['incidents.id', 'incidents.code', 'incidents.status', 'incidents.category_code', 'incidents.grid_code', 'incidents.due_at'])
      .orderBy('incidents.due_at').orderBy('incidents.id').limit(RED_LIST_LIMIT).execute();
    return rows.map((r) => ({ ...r, majorCode: r.category_code ? (majorOf.get(r.category_code) ?? null) : null }));
  }

  private async mapCases(principal: Principal, scopes: readonly Scope[]): Promise<CommandOverview['cases']> {
    const rows = await this.open(principal, scopes).where('incidents.lng', 'is not', null).where('incidents.lat', 'is not', null)
      .select(['incidents.id', 'incidents.code', 'incidents.status', 'incidents.warning', 'incidents.lng', 'incidents.lat'])
      .orderBy('incidents.reported_at', 'desc').orderBy('incidents.id', 'desc').limit(MAP_CASE_LIMIT + 1).execute();
    return {
      items: rows.slice(0, MAP_CASE_LIMIT).map((r) => ({ incidentId: Number(r.id), code: r.code, status: r.status, warning: r.warning, lng: Number(r.lng), lat: Number(r.lat) })),
      truncated: rows.length > MAP_CASE_LIMIT,
    };
  }

  /** This month's departments by on-time close rate (the evaluation service's ranking), with the previous period's rank. */
  private async ranking(principal: Principal, from: string, to: string): Promise<CommandOverview['ranking']> {
    const scopes = principal.scopesFor('evaluation.read');
    if (scopes.length === 0) return null;
    try {
      const { items } = await this.evaluation.ranking(scopes, 'departments', 'onTimeCloseRate', { from, to });
      return { from, to, items: items.slice(0, RANKING_LIMIT).map((i) => ({ code: i.code, name: i.name, value: i.value, rank: i.rank, previousRank: i.previousRank })) };
    } catch (err) {
      // The statistics store is its own database: when it is down the screen shows the rest.
      if (err instanceof AppError && err.status === 503) return null;
      throw err;
    }
  }

  /** On-duty workers (on the rota now, workforce/rules/duty.ts) on a running patrol in the caller's workforce scope: its last fix, newest patrol per worker. */
  private async workers(principal: Principal, now: number): Promise<WorkerPosition[] | null> {
    const scopes = principal.scopesFor('workforce.read');
    if (scopes.length === 0) return null;
    const db = this.db.reader(principal.userId);
    const rows = await db.selectFrom('patrols')
      .innerJoin('track_points', 'track_points.patrol_id', 'patrols.id')
      .innerJoin('users', 'users.id', 'patrols.user_id')
      .leftJoin('grids', 'grids.code', 'patrols.grid_code')
      // Led by patrols_started: only patrols started within the window are read.
      .where('patrols.started_at', '>=', now - ON_DUTY_WINDOW_MS)
      .where('patrols.ended_at', 'is', null)
      .where((eb) => scopeFilter(eb, scopes, { grid: 'patrols.grid_code' }))
      .where('track_points.at', '=', (eb) => eb.selectFrom('track_points as last').select((e) => e.fn.max('last.at').as('m')).whereRef('last.patrol_id', '=', 'patrols.id'))
      .select(['patrols.user_id', 'patrols.started_at', 'users.display_name', 'grids.name as grid_name', 'track_points.at', 'track_points.lng_e6', 'track_points.lat_e6'])
      .orderBy('patrols.started_at', 'desc')
      .execute();
    const patrolling = new Set(rows.map((r) => Number(r.user_id)));
    const onDuty = await this.duty.onDuty(db, [...patrolling], patrolling, now);
    const seen = new Set<number>();
    const out: WorkerPosition[] = [];
    for (const r of rows) {
      if (seen.has(Number(r.user_id)) || !onDuty.has(Number(r.user_id))) continue;
      seen.add(Number(r.user_id));
      out.push({ name: r.display_name, gridName: r.grid_name ?? null, lng: Number(r.lng_e6) / 1e6, lat: Number(r.lat_e6) / 1e6, at: iso(r.at)! });
    }
    return out;
  }

  /** Minor category → major: a small table, read once per overview. */
  private async majorOfCategory(): Promise<Map<string, string>> {
    const rows = await this.db.reader().selectFrom('incident_categories').select(['code', 'major_code']).execute();
    return new Map(rows.map((r) => [r.code, r.major_code]));
  }

  private async majorNames(codes: string[]): Promise<Map<string, { name: string; nameEn: string | null }>> {
    if (codes.length === 0) return new Map();
    const rows = await this.db.reader().selectFrom('incident_category_majors').select(['code', 'name', 'name_en']).where('code', 'in', codes).execute();
    return new Map(rows.map((r) => [r.code, { name: r.name, nameEn: r.name_en || null }]));
  }

  private async gridNames(principal: Principal, codes: string[]): Promise<Map<string, { name: string; nameEn: string | null }>> {
    if (codes.length === 0) return new Map();
    const rows = await this.db.reader(principal.userId).selectFrom('grids').select(['code', 'name']).where('code', 'in', codes).execute();
    return new Map(rows.map((r) => [r.code, { name: r.name, nameEn: null }]));
  }
}
