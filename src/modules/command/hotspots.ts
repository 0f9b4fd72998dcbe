/**
 * Hot spots (高发点位, docs/hot-spots.md): the cases of the last D days in a
 * scope, clustered by the pure rule (rules/hotspots.ts), named for a list,
 * a map and the weekly review. `findHotSpots` is this module's export for
 * other modules (reports, meetings' agendas).
 */
import { type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { GRID_CODE_LENGTH } from '../grid/rules/codes.js';
import { DEFAULT_HOT_SPOT_PARAMS, findClusters, hotSpotWindow, type HotSpotCase, type HotSpotParams } from './rules/hotspots.js';

export { DEFAULT_HOT_SPOT_PARAMS, type HotSpotParams } from './rules/hotspots.js';

/** Most cases read for one computation: past it the window is cut to the newest (the answer says so). */
export const HOT_SPOT_CASE_LIMIT = 200_000;

export interface HotSpotCaseView {
  id: number;
  code: string;
  status: string;
  reportedAt: string;
  address: string | null;
}

export interface HotSpotView {
  /** Stable while its centre case stays the centre: `<category>-<centre case id>`. */
  key: string;
  categoryCode: string;
  categoryName: string | null;
  categoryNameEn: string | null;
  lng: number;
  lat: number;
  gridCode: string;
  communityName: string | null;
  streetName: string | null;
  count: number;
  openCount: number;
  firstAt: string;
  lastAt: string;
  cases: HotSpotCaseView[];
}

export interface HotSpotResult {
  params: HotSpotParams;
  from: string;
  to: string;
  /** The window held more cases than HOT_SPOT_CASE_LIMIT: only the newest were clustered. */
  truncated: boolean;
  items: HotSpotView[];
}

interface Row extends HotSpotCase {
  code: string;
  status: string;
  gridCode: string;
  address: string | null;
  isOpen: boolean;
}

type Eb = ExpressionBuilder<Database, 'incidents'>;

/** The incident list's scope rule: grid scopes by the case's grid, department scopes by lead or any department on the case. */
function inScopes(eb: Eb, scopes: readonly Scope[]): Expression<SqlBool> {
  const base = scopeFilter(eb, scopes, { grid: 'incidents.grid_code', department: 'incidents.lead_department_code' }, { useGridIndex: false });
  const departments = scopes.filter((s) => s.kind === 'department').map((s) => s.code);
  if (departments.length === 0) return base;
  return eb.or([
    base,
    eb.exists(eb.selectFrom('incident_departments').select('incident_departments.incident_id')
      .whereRef('incident_departments.incident_id', '=', 'incidents.id').where('incident_departments.department_code', 'in', departments)),
  ]);
}

/**
 * The hot spots of the cases the scopes may see (pass the caller's
 * incidents.read scopes, or `[{ kind: 'grid', code }]` for a street or the
 * district), reported in the `params.days` days before `now`. Rejected and
 * merged cases are not counted (a merged duplicate is the same problem).
 */
export async function findHotSpots(db: AppDb, scopes: readonly Scope[], params: HotSpotParams = DEFAULT_HOT_SPOT_PARAMS, now = Date.now()): Promise<HotSpotResult> {
  const { from, to } = hotSpotWindow(now, params.days);
  const r = db.reader();
  const raw = await r.selectFrom('incidents')
    .where('incidents.reported_at', '>=', from).where('incidents.reported_at', '<=', to)
    .where('incidents.category_code', 'is not', null)
    .where('incidents.lng', 'is not', null).where('incidents.lat', 'is not', null)
    .where('incidents.status', 'not in', ['rejected', 'merged'])
    .where((eb) => inScopes(eb, scopes))
    .select(['incidents.id', 'incidents.code', 'incidents.status', 'incidents.category_code', 'incidents.lng', 'incidents.lat', 'incidents.reported_at',
      'incidents.grid_code', 'incidents.address', 'incidents.is_open'])
    .orderBy('incidents.reported_at', 'desc').orderBy('incidents.id', 'desc')
    .limit(HOT_SPOT_CASE_LIMIT + 1)
    .execute();
  const truncated = raw.length > HOT_SPOT_CASE_LIMIT;
  const rows: Row[] = raw.slice(0, HOT_SPOT_CASE_LIMIT).map((x) => ({
    id: Number(x.id), code: x.code, status: x.status, categoryCode: x.category_code!, lng: Number(x.lng), lat: Number(x.lat),
    reportedAt: Number(x.reported_at), gridCode: x.grid_code, address: x.address, isOpen: Number(x.is_open) === 1,
  }));
  const clusters = findClusters(rows, params, now);
  const categoryCodes = [...new Set(clusters.map((c) => c.categoryCode))];
  const centreGrid = (c: (typeof clusters)[number]) => c.cases.find((x) => x.id === c.centreId)!.gridCode;
  const gridCodes = [...new Set(clusters.flatMap((c) => [centreGrid(c).slice(0, GRID_CODE_LENGTH.community), centreGrid(c).slice(0, GRID_CODE_LENGTH.street)]))];
  const [categories, grids] = await Promise.all([
    categoryCodes.length ? r.selectFrom('incident_categories').select(['code', 'name', 'name_en']).where('code', 'in', categoryCodes).execute() : [],
    gridCodes.length ? r.selectFrom('grids').select(['code', 'name']).where('code', 'in', gridCodes).execute() : [],
  ]);
  const category = new Map(categories.map((c) => [c.code, c]));
  const gridName = new Map(grids.map((g) => [g.code, g.name]));
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    params, from: iso(from), to: iso(to), truncated,
    items: clusters.map((c) => {
      const grid = centreGrid(c);
      const cat = category.get(c.categoryCode);
      return {
        key: `${c.categoryCode}-${c.centreId}`,
        categoryCode: c.categoryCode, categoryName: cat?.name ?? null, categoryNameEn: cat?.name_en || null,
        lng: c.lng, lat: c.lat, gridCode: grid,
        communityName: gridName.get(grid.slice(0, GRID_CODE_LENGTH.community)) ?? null,
        streetName: gridName.get(grid.slice(0, GRID_CODE_LENGTH.street)) ?? null,
        count: c.cases.length, openCount: c.cases.filter((x) => x.isOpen).length,
        firstAt: iso(c.firstAt), lastAt: iso(c.lastAt),
        cases: c.cases.map((x) => ({ id: x.id, code: x.code, status: x.status, reportedAt: iso(x.reportedAt), address: x.address })),
      };
    }),
  };
}

