/**
 * KPI and ranking reads over the statistics store, filtered by the caller's
 * scopes (a grid scope sees the rows of its subtree, a department scope the
 * rows of its department).
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { AppDb } from '../../database.js';
import type { Scope } from '../../infra/auth/scope.js';
import { AppError } from '../../infra/http/errors.js';
import { GRID_CODE_LENGTH, levelOfCode, type GridLevel } from '../grid/rules/codes.js';
import { computeKpis, computeWorkerKpis, HIGHER_IS_BETTER, previousPeriod, rank, WORKER_HIGHER_IS_BETTER, workerValue, type KpiName, type Kpis, type WorkerKpis, type WorkerRankingBy } from './rules/kpis.js';
import { drillBit, ROLLUP_MEASURES, WORKER_MEASURES, zeroMeasures, zeroWorkerMeasures, type DrillMeasure, type Measures, type WorkerMeasures } from './rules/rollup.js';
import { addVerdict, channelOf, emptyFigures, periodBounds, SATISFACTION_CHANNELS, type SatisfactionChannel, type SatisfactionFigures } from './rules/satisfaction.js';
import type { StatisticsStore } from './store.js';
import './messages.js';

export type KpiLevel = GridLevel | 'department';


export interface Period {
  from: string;
  to: string;
}

export interface KpiFigures {
  counts: Measures;
  kpis: Kpis;
}

export interface RankingItem extends KpiFigures {
  code: string;
  name: string | null;
  value: number | null;
  rank: number | null;
  previousValue: number | null;
  previousRank: number | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Q = SelectQueryBuilder<any, any, object>;

const escapeLike = (code: string) => code.replace(/[!%_]/g, (c) => `!${c}`);
const under = (column: string, code: string) => sql<boolean>`${sql.ref(column)} like ${`${escapeLike(code)}%`} escape '!'`;

/** Which rollup answers: the coarsest one that neither the caller's scopes nor the question go below. */
interface Source {
  table: 'stat_daily' | 'stat_street_daily' | 'stat_district_daily';
  /** The column a grid code is a prefix of. */
  grid: 'grid_code' | 'street_code' | 'district_code';
}
const FINE: Source = { table: 'stat_daily', grid: 'grid_code' };
const STREET: Source = { table: 'stat_street_daily', grid: 'street_code' };
const DISTRICT: Source = { table: 'stat_district_daily', grid: 'district_code' };

/** `level` is the finest grid level the question names (a department names none). */
function sourceFor(scopes: readonly Scope[], level: KpiLevel): Source {
  const within = (length: number) => scopes.every((s) => s.kind === 'department' || s.code.length <= length);
  if ((level === 'district' || level === 'department') && within(GRID_CODE_LENGTH.district)) return DISTRICT;
  if ((level === 'district' || level === 'street' || level === 'department') && within(GRID_CODE_LENGTH.street)) return STREET;
  return FINE;
}

function sums(q: Q) {
  return q.select(ROLLUP_MEASURES.map((m) => sql<number>`coalesce(sum(${sql.ref(m)}), 0)`.as(m)));
}

function measuresOf(row: Record<string, unknown> | undefined): Measures {
  const m = zeroMeasures();
  if (row) for (const name of ROLLUP_MEASURES) m[name] = Number(row[name] ?? 0);
  return m;
}

/** What a breakdown groups by: report day (the trend), major category (the first two digits of the minor), street, or community. */
export type BreakdownBy = 'day' | 'category' | 'street' | 'community';

export interface BreakdownItem extends KpiFigures {
  key: string;
  name: string | null;
  nameEn: string | null;
}

export interface WorkerRankingItem {
  /** The worker's login name (the key a screen may show on hover; never the internal id). */
  username: string | null;
  name: string | null;
  counts: WorkerMeasures;
  kpis: WorkerKpis;
  value: number | null;
  rank: number | null;
  previousValue: number | null;
  previousRank: number | null;
}

export interface SatisfactionItem {
  key: string;
  name: string | null;
  total: SatisfactionFigures;
  channels: Record<SatisfactionChannel, SatisfactionFigures>;
}

const byChannel = (): Record<SatisfactionChannel, SatisfactionFigures> =>
  Object.fromEntries(SATISFACTION_CHANNELS.map((c) => [c, emptyFigures()])) as Record<SatisfactionChannel, SatisfactionFigures>;

/** Length of a major category code (the prefix of its minors' codes). */
const MAJOR_CODE_LENGTH = 2;

export class EvaluationService {
  constructor(private readonly statistics: StatisticsStore, private readonly business: AppDb) {}

  private base(source: Source, period: Period, scopes: readonly Scope[]): Q {
    if (scopes.length === 0) throw new AppError(403, 'FORBIDDEN', { permission: 'evaluation.read' });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (this.statistics.db.reader() as unknown as Kysely<any>)
      .selectFrom(source.table)
      .where('day', '>=', period.from)
      .where('day', '<=', period.to)
      .where((eb) => eb.or(scopes.map((s) => (s.kind === 'grid' ? under(source.grid, s.code) : eb('department_code', '=', s.code)))));
  }

  private async ready(): Promise<void> {
    try {
      await this.statistics.ensureReady();
    } catch {
      throw new AppError(503, 'EVALUATION_STORE_UNAVAILABLE');
    }
  }

  /** Refuses a code of the wrong length for its level, and a unit outside the caller's scopes. */
  private checkTarget(scopes: readonly Scope[], level: KpiLevel, code: string): void {
    if (level !== 'department' && code.length !== GRID_CODE_LENGTH[level]) throw new AppError(400, 'EVALUATION_CODE_LEVEL', { level, code });
    const visible = level === 'department'
      ? scopes.some((s) => s.kind === 'grid' || s.code === code)
      // A part of the district is not shown as the district: a grid scope sees nodes at or below its own; a department its cases anywhere.
      : scopes.some((s) => s.kind === 'department' || code.startsWith(s.code));
    if (!visible) throw new AppError(403, 'EVALUATION_OUT_OF_SCOPE', { level, code });
  }

  private target(source: Source, period: Period, scopes: readonly Scope[], level: KpiLevel, code: string): Q {
    const q = this.base(source, period, scopes);
    return level === 'department' ? q.where('department_code', '=', code) : q.where(under(source.grid, code));
  }

  /** The counts and KPIs of one grid node or department for a period, within the caller's scopes. */
  async kpis(scopes: readonly Scope[], level: KpiLevel, code: string, period: Period): Promise<KpiFigures & { name: string | null }> {
    this.checkTarget(scopes, level, code);
    await this.ready();
    const source = sourceFor(scopes, level);
    const row = await sums(this.target(source, period, scopes, level, code)).executeTakeFirst();
    const counts = measuresOf(row as Record<string, unknown> | undefined);
    return { counts, kpis: computeKpis(counts), name: await this.nameOf(level, code) };
  }

  /**
   * The cases one figure counts (docs/kpis.md, drill-down): those reported in
   * the period under the node or lead department, with the measure's flag
   * (every case for `reported`), newest first. Ids only: the caller renders
   * them from the business store or the archive.
   */
  async caseIds(scopes: readonly Scope[], level: KpiLevel, code: string, measure: DrillMeasure | 'reported', period: Period, page: number, pageSize: number): Promise<{ total: number; ids: number[] }> {
    this.checkTarget(scopes, level, code);
    await this.ready();
    const db = this.statistics.db.reader();
    let q = db.selectFrom('stat_cases')
      .where('day', '>=', period.from)
      .where('day', '<=', period.to)
      .where((eb) => eb.or(scopes.map((s) => (s.kind === 'grid' ? under('grid_code', s.code) : eb('department_code', '=', s.code)))));
    q = level === 'department' ? q.where('department_code', '=', code) : q.where(under('grid_code', code));
    if (measure !== 'reported') q = q.where(sql<boolean>`(flags & ${drillBit(measure)}) <> 0`);
    const [rows, count] = await Promise.all([
      q.select('incident_id').orderBy('incident_id', 'desc').limit(pageSize).offset((page - 1) * pageSize).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return { total: Number(count?.n ?? 0), ids: rows.map((r) => Number(r.incident_id)) };
  }

  /** The counts of every department or street for a period, within the scopes (the assessment reads them whole). */
  async countsBy(scopes: readonly Scope[], of: 'departments' | 'streets', period: Period): Promise<Map<string, Measures>> {
    await this.ready();
    return this.grouped(scopes, of, period);
  }

  /** Departments or streets ranked by one KPI, each with its rank in the previous period of equal length. */
  async ranking(scopes: readonly Scope[], of: 'departments' | 'streets', by: KpiName, period: Period): Promise<{ previous: Period; items: RankingItem[] }> {
    await this.ready();
    const previous = previousPeriod(period.from, period.to);
    const [now, before] = await Promise.all([this.grouped(scopes, of, period), this.grouped(scopes, of, previous)]);
    const higher = HIGHER_IS_BETTER[by];
    const prevRanks = new Map(rank([...before.entries()], ([, m]) => computeKpis(m)[by], higher).map((r) => [r.item[0], r]));
    const names = await this.names(of === 'departments' ? 'department' : 'street', [...now.keys()]);
    const items = rank([...now.entries()], ([, m]) => computeKpis(m)[by], higher).map((r) => {
      const [code, counts] = r.item;
      const prev = prevRanks.get(code);
      return {
        code, name: names.get(code) ?? null, counts, kpis: computeKpis(counts), value: r.value, rank: r.rank,
        previousValue: prev?.value ?? null, previousRank: prev?.rank ?? null,
      };
    });
    return { previous, items };
  }

  /**
   * The counts of one grid node or department split by report day, major
   * category, street or community: sums of the rollups grouped by one of
   * their dimensions (a category split needs the fine rollup, which has the
   * category; the others read the street rollup where the scopes allow).
   */
  async breakdown(scopes: readonly Scope[], level: KpiLevel, code: string, by: BreakdownBy, period: Period): Promise<BreakdownItem[]> {
    this.checkTarget(scopes, level, code);
    await this.ready();
    // A split by street needs the street rollup at least; by category or community the fine one.
    const source = by === 'category' || by === 'community' ? FINE : sourceFor(scopes, by === 'street' && level !== 'community' && level !== 'unit' ? 'street' : level);
    const key = by === 'day'
      ? sql<string>`${sql.ref('day')}`
      : by === 'category'
        ? sql<string>`substr(${sql.ref('category_code')}, 1, ${MAJOR_CODE_LENGTH})`
        : sql<string>`substr(${sql.ref(source.grid)}, 1, ${GRID_CODE_LENGTH[by === 'street' ? 'street' : 'community']})`;
    const rows = await sums(this.target(source, period, scopes, level, code).select(key.as('k'))).groupBy(key).orderBy(key).execute();
    const grouped = rows.map((r) => {
      const row = r as unknown as Record<string, unknown>;
      return { key: String(row.k ?? ''), counts: measuresOf(row) };
    });
    const names = by === 'day' ? new Map<string, { name: string; nameEn: string | null }>() : await this.labels(by, grouped.map((g) => g.key));
    return grouped.map((g) => ({ ...g, kpis: computeKpis(g.counts), name: names.get(g.key)?.name ?? null, nameEn: names.get(g.key)?.nameEn ?? null }));
  }

  /**
   * Grid workers ranked by a count or worker KPI over the cases of a grid
   * node (default: all the caller's grid scopes), each with the rank in the
   * previous period of equal length. Department scopes see no worker rows:
   * a worker's figures belong to the territory of the cases.
   */
  async workerRanking(scopes: readonly Scope[], by: WorkerRankingBy, period: Period, grid: string | null): Promise<{ previous: Period; items: WorkerRankingItem[] }> {
    if (grid !== null) {
      const level = levelOfCode(grid);
      if (level === null) throw new AppError(400, 'EVALUATION_CODE_LEVEL', { code: grid });
      this.checkTarget(scopes, level, grid);
    }
    await this.ready();
    const previous = previousPeriod(period.from, period.to);
    const [now, before] = await Promise.all([this.byWorker(scopes, period, grid), this.byWorker(scopes, previous, grid)]);
    const higher = WORKER_HIGHER_IS_BETTER[by];
    const prevRanks = new Map(rank([...before.entries()], ([, m]) => workerValue(m, by), higher).map((r) => [r.item[0], r]));
    const users = await this.users([...now.keys()]);
    const items = rank([...now.entries()], ([, m]) => workerValue(m, by), higher).map((r) => {
      const [id, counts] = r.item;
      const prev = prevRanks.get(id);
      const user = users.get(id);
      return {
        username: user?.username ?? null, name: user?.name ?? null, counts, kpis: computeWorkerKpis(counts), value: r.value, rank: r.rank,
        previousValue: prev?.value ?? null, previousRank: prev?.rank ?? null,
      };
    });
    return { previous, items };
  }

  private async byWorker(scopes: readonly Scope[], period: Period, grid: string | null): Promise<Map<string, WorkerMeasures>> {
    const gridScopes = scopes.filter((s) => s.kind === 'grid');
    if (scopes.length === 0) throw new AppError(403, 'FORBIDDEN', { permission: 'evaluation.read' });
    if (gridScopes.length === 0) return new Map();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let q = (this.statistics.db.reader() as unknown as Kysely<any>)
      .selectFrom('stat_worker_daily')
      .where('day', '>=', period.from)
      .where('day', '<=', period.to)
      .where((eb) => eb.or(gridScopes.map((s) => under('grid_code', s.code))));
    if (grid !== null) q = q.where(under('grid_code', grid));
    const rows = await q
      .select('user_id')
      .select(WORKER_MEASURES.map((m) => sql<number>`coalesce(sum(${sql.ref(m)}), 0)`.as(m)))
      .groupBy('user_id')
      .execute();
    return new Map(rows.map((r) => {
      const row = r as Record<string, unknown>;
      const m = zeroWorkerMeasures();
      for (const name of WORKER_MEASURES) m[name] = Number(row[name] ?? 0);
      return [String(row.user_id), m];
    }));
  }

  private async users(ids: readonly string[]): Promise<Map<string, { username: string; name: string }>> {
    const numeric = ids.map(Number).filter((n) => Number.isSafeInteger(n));
    if (numeric.length === 0) return new Map();
    const out = new Map<string, { username: string; name: string }>();
    for (let i = 0; i < numeric.length; i += 500) {
      const rows = await this.business.reader().selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', numeric.slice(i, i + 500)).execute();
      for (const r of rows) out.set(String(r.id), { username: r.username, name: r.display_name });
    }
    return out;
  }

  /**
   * 12345 满意率 / citizen satisfaction of one grid node or department for a
   * period: the ratings given in it (rated_at, Beijing days) of cases in the
   * caller's scopes, in total, by channel, and per street, community or lead
   * department (docs/kpis.md). Read from the ratings table, which carries
   * each case's place, channel and lead department: no rollup to rebuild.
   */
  async satisfaction(
    scopes: readonly Scope[], level: KpiLevel, code: string, period: Period, by: 'street' | 'community' | 'department',
  ): Promise<{ total: SatisfactionFigures; channels: Record<SatisfactionChannel, SatisfactionFigures>; items: SatisfactionItem[] }> {
    this.checkTarget(scopes, level, code);
    if (scopes.length === 0) throw new AppError(403, 'FORBIDDEN', { permission: 'evaluation.read' });
    const { start, end } = periodBounds(period.from, period.to);
    let q = this.business.reader()
      .selectFrom('incident_ratings')
      .select(['grid_code', 'channel', 'department_code', 'verdict', (eb) => eb.fn.countAll<number>().as('n')])
      .where('rated_at', '>=', start)
      .where('rated_at', '<', end)
      .where((eb) => eb.or(scopes.map((s) => (s.kind === 'grid' ? under('grid_code', s.code) : eb('department_code', '=', s.code)))));
    q = level === 'department' ? q.where('department_code', '=', code) : q.where(under('grid_code', code));
    const rows = await q.groupBy(['grid_code', 'channel', 'department_code', 'verdict']).execute();
    let total = emptyFigures();
    const channels = byChannel();
    const groups = new Map<string, { total: SatisfactionFigures; channels: Record<SatisfactionChannel, SatisfactionFigures> }>();
    for (const r of rows) {
      const n = Number(r.n);
      const channel = channelOf(r.channel);
      total = addVerdict(total, r.verdict, n);
      channels[channel] = addVerdict(channels[channel], r.verdict, n);
      const key = by === 'department' ? r.department_code ?? '' : r.grid_code.slice(0, GRID_CODE_LENGTH[by]);
      const g = groups.get(key) ?? { total: emptyFigures(), channels: byChannel() };
      g.total = addVerdict(g.total, r.verdict, n);
      g.channels[channel] = addVerdict(g.channels[channel], r.verdict, n);
      groups.set(key, g);
    }
    const names = await this.names(by, [...groups.keys()].filter((k) => k !== ''));
    const items = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, g]) => ({ key, name: names.get(key) ?? null, ...g }));
    return { total, channels, items };
  }

  private async labels(by: 'category' | 'street' | 'community', codes: readonly string[]): Promise<Map<string, { name: string; nameEn: string | null }>> {
    const wanted = codes.filter((c) => c !== '');
    if (wanted.length === 0) return new Map();
    if (by !== 'category') return new Map([...(await this.names(by, wanted))].map(([c, name]) => [c, { name, nameEn: null }]));
    const rows = await this.business.reader().selectFrom('incident_category_majors').select(['code', 'name', 'name_en']).where('code', 'in', [...wanted]).execute();
    return new Map(rows.map((r) => [r.code, { name: r.name, nameEn: r.name_en }]));
  }

  private async grouped(scopes: readonly Scope[], of: 'departments' | 'streets', period: Period): Promise<Map<string, Measures>> {
    const source = sourceFor(scopes, of === 'departments' ? 'department' : 'street');
    const key = of === 'departments'
      ? sql<string>`${sql.ref('department_code')}`
      : sql<string>`substr(${sql.ref(source.grid)}, 1, ${GRID_CODE_LENGTH.street})`;
    let q = this.base(source, period, scopes);
    // A case not dispatched yet has no department to rank.
    if (of === 'departments') q = q.where('department_code', '<>', '');
    const rows = await sums(q.select(key.as('code'))).groupBy(key).execute();
    return new Map(rows.map((r) => {
      const row = r as unknown as Record<string, unknown>;
      return [String(row.code), measuresOf(row)];
    }));
  }

  private async nameOf(level: KpiLevel, code: string): Promise<string | null> {
    return (await this.names(level, [code])).get(code) ?? null;
  }

  private async names(level: KpiLevel, codes: readonly string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const db = this.business.reader();
    const rows = level === 'department'
      ? await db.selectFrom('departments').select(['code', 'name']).where('code', 'in', [...codes]).execute()
      : await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', [...codes]).execute();
    return new Map(rows.map((r) => [r.code, r.name]));
  }
}
