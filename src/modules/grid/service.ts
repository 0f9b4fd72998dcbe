/**
 * The grid module's service: the tree's reads (scope-filtered in the
 * queries, see visibility.ts), its administration (versioned edits, worker
 * assignment, history) and import/export. Every change is audited in the
 * same transaction and rebuilds the in-memory locator afterwards.
 */
import { sql } from 'kysely';
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { toIso } from '../../infra/db/values.js';
import { AppError, conflict, notFound } from '../../infra/http/errors.js';
import { ancestorCodes, GRID_CODE_LENGTH, type GridLevel } from './rules/codes.js';
import type { GridGeometry } from './rules/types.js';
import { areaM2 } from './rules/geometry.js';
import { DepartmentGridService } from './department-grids.js';
import { geometriesTouch, interiorPoint, readFeatureCollections, roundGeometry, type ExportFeature, type FeatureCollection } from './geojson.js';
import { applyImport, planImport, type ImportReport, type Tolerances } from './importer.js';
import { bumpGridVersion, type GridLocatorService } from './locator-service.js';
import type { GridSettings } from './settings.js';
import type { GridChangeKind, GridWorkerRole } from './tables.js';
import { canSeeGrid, SEE_ALL, visibleGrids, type GridVisibility } from './visibility.js';
import './messages.js';

export interface GridListItem {
  code: string;
  name: string;
  level: GridLevel;
  parentCode: string | null;
  status: 'active' | 'retired';
}

export interface GridWorkerView {
  userId: number;
  username: string;
  displayName: string;
  role: GridWorkerRole;
  from: string;
  to: string | null;
}

/** Incidents of a grid's subtree the caller may see (incidents.read scope): open now, overdue now, reported in the last 30 days. */
export interface GridIncidentCounts {
  open: number;
  overdue: number;
  last30Days: number;
}

export interface GridCard extends GridListItem {
  chain: Array<{ code: string; name: string; level: GridLevel }>;
  attributes: Record<string, unknown>;
  workers: GridWorkerView[];
  childCounts: { street: number; community: number; unit: number };
  /** Absent when the caller lacks incidents.read. */
  incidents?: GridIncidentCounts;
  bbox: [number, number, number, number];
  /** A point inside the grid (for labels and fly-to). */
  labelPoint: [number, number];
  version: number;
  createdAt: string;
  updatedAt: string;
  retiredAt: string | null;
}

export interface GridHistoryItem {
  id: number;
  at: string;
  username: string | null;
  change: GridChangeKind;
  before: unknown;
  after: unknown;
  related: string[];
  source: string;
  /** For boundary changes: the sizes before and after (the geometries themselves are in before/after). */
  geometrySummary?: { areaBeforeM2: number; areaAfterM2: number; verticesBefore: number; verticesAfter: number };
}

export interface MapFeature {
  type: 'Feature';
  id: number;
  properties: { code: string; name: string; level: GridLevel; parent: string | null; lx: number; ly: number };
  geometry: GridGeometry;
}

const today = (now = Date.now()): string => new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);

/** Name search text: LIKE wildcards dropped (no portable ESCAPE across the two dialects). */
function nameNeedle(q: string): string {
  return q.replace(/[%_\\]/g, '');
}

const DAY_MS = 86_400_000;

function geometryStats(g: unknown): { area: number; vertices: number } | null {
  if (typeof g !== 'object' || g === null) return null;
  const geometry = g as GridGeometry;
  if (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon') return null;
  try {
    const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
    return { area: Math.round(areaM2(geometry)), vertices: rings.reduce((n, r) => n + Math.max(0, r.length - 1), 0) };
  } catch {
    return null;
  }
}

export class GridService {
  /** 专业网格: departments' own partitions (department-grids.ts). */
  readonly departments: DepartmentGridService;

  constructor(
    private readonly db: AppDb,
    readonly locator: GridLocatorService,
    readonly settings: GridSettings,
  ) {
    this.departments = new DepartmentGridService(db, () => this.settings.tolerances.overlapM2);
  }

  // ---- reads ---------------------------------------------------------------

  async list(v: GridVisibility, q: { level?: GridLevel; parent?: string; q?: string; status?: 'active' | 'retired' | 'all'; page: number; pageSize: number }, userId?: number): Promise<{ items: GridListItem[]; total: number }> {
    let query = this.db.reader(userId).selectFrom('grids').where((eb) => visibleGrids(eb, v));
    if (q.level) query = query.where('level', '=', q.level);
    if (q.parent) query = query.where('parent_code', '=', q.parent);
    const status = q.status ?? 'active';
    if (status !== 'all') query = query.where('status', '=', status);
    const text = q.q?.trim();
    if (text) {
      query = /^\d+$/.test(text)
        ? query.where('code', 'like', `${text}%`)
        : query.where('name', 'like', `%${nameNeedle(text)}%`);
    }
    const total = await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const rows = await query
      .select(['code', 'name', 'level', 'parent_code', 'status'])
      .orderBy('code')
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize)
      .execute();
    return {
      items: rows.map((r) => ({ code: r.code, name: r.name, level: r.level, parentCode: r.parent_code, status: r.status })),
      total: Number(total.n),
    };
  }

  private async row(v: GridVisibility, code: string, primary = false) {
    if (!/^\d{6,15}$/.test(code) || !canSeeGrid(v, code)) throw notFound('grid');
    const db = primary ? this.db.primary : this.db.reader();
    const row = await db.selectFrom('grids').selectAll().where('code', '=', code).where((eb) => visibleGrids(eb, v)).executeTakeFirst();
    if (!row) throw notFound('grid');
    return row;
  }

  /**
   * A grid's card. `incidentScopes` are the caller's incidents.read scopes:
   * with none (or undefined) the card carries no incident counts.
   */
  async card(v: GridVisibility, code: string, primary = false, incidentScopes?: readonly Scope[]): Promise<GridCard> {
    const row = await this.row(v, code, primary);
    const db = primary ? this.db.primary : this.db.reader();
    const ancestors = ancestorCodes(code);
    const chainRows = ancestors.length
      ? await db.selectFrom('grids').select(['code', 'name', 'level']).where('code', 'in', ancestors).where((eb) => visibleGrids(eb, v)).execute()
      : [];
    const chain = ancestors.map((a) => chainRows.find((c) => c.code === a)).filter((c): c is NonNullable<typeof c> => !!c);
    const counts = await db
      .selectFrom('grids')
      .select(['level', (eb) => eb.fn.countAll().as('n')])
      .where('code', 'like', `${code}%`)
      .where('code', '!=', code)
      .where('status', '=', 'active')
      .where((eb) => visibleGrids(eb, v, false))
      .groupBy('level')
      .execute();
    const childCounts = { street: 0, community: 0, unit: 0 };
    for (const c of counts) if (c.level !== 'district') childCounts[c.level] = Number(c.n);
    const geometry = JSON.parse(row.geometry) as GridGeometry;
    const incidents = incidentScopes && incidentScopes.length > 0 ? await this.incidentCounts(code, incidentScopes, primary) : undefined;
    return {
      code: row.code,
      name: row.name,
      level: row.level,
      parentCode: row.parent_code,
      status: row.status,
      chain,
      attributes: JSON.parse(row.attributes) as Record<string, unknown>,
      workers: (await this.workersOf([code], primary)).get(code) ?? [],
      childCounts,
      ...(incidents ? { incidents } : {}),
      bbox: [row.min_lng, row.min_lat, row.max_lng, row.max_lat].map(Number) as [number, number, number, number],
      labelPoint: interiorPoint(geometry) as [number, number],
      version: Number(row.version),
      createdAt: toIso(row.created_at)!,
      updatedAt: toIso(row.updated_at)!,
      retiredAt: toIso(row.retired_at),
    };
  }

  /**
   * Incident counts of a grid's subtree (grid_code prefix), limited to what
   * the incidents.read scopes show: the same rule as the incidents module
   * (grid scope on the unit grid, department scope on the lead department or
   * a department on the case). Merged duplicates are not counted.
   */
  async incidentCounts(code: string, scopes: readonly Scope[], primary = false, now = Date.now()): Promise<GridIncidentCounts> {
    const db = primary ? this.db.primary : this.db.reader();
    const departments = scopes.filter((s) => s.kind === 'department').map((s) => s.code);
    const base = db
      .selectFrom('incidents')
      .where('incidents.grid_code', 'like', `${code}%`)
      .where('incidents.merged_into', 'is', null)
      .where((eb) => {
        const own = scopeFilter(eb, scopes, { grid: 'incidents.grid_code', department: 'incidents.lead_department_code' });
        if (departments.length === 0) return own;
        return eb.or([
          own,
          eb.exists(eb.selectFrom('incident_departments').select('incident_departments.incident_id')
            .whereRef('incident_departments.incident_id', '=', 'incidents.id')
            .where('incident_departments.department_code', 'in', departments)),
        ]);
      });
    // Open cases are few (the open/due index); the 30-day total reads one month of reports.
    const open = await base
      .where('incidents.is_open', '=', 1)
      .select([
        (eb) => eb.fn.countAll().as('open'),
        sql<number | string | null>`sum(case when incidents.due_at is not null and incidents.due_at < ${now} then 1 else 0 end)`.as('overdue'),
      ])
      .executeTakeFirstOrThrow();
    const recent = await base
      .where('incidents.reported_at', '>=', now - 30 * DAY_MS)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return { open: Number(open.open), overdue: Number(open.overdue ?? 0), last30Days: Number(recent.n) };
  }

  /** Current workers of some grids, by grid code. */
  async workersOf(codes: string[], primary = false): Promise<Map<string, GridWorkerView[]>> {
    const out = new Map<string, GridWorkerView[]>();
    if (codes.length === 0) return out;
    const rows = await (primary ? this.db.primary : this.db.reader())
      .selectFrom('grid_workers')
      .innerJoin('users', 'users.id', 'grid_workers.user_id')
      .select(['grid_workers.grid_code', 'grid_workers.user_id', 'grid_workers.role', 'grid_workers.from_date', 'grid_workers.to_date', 'users.username', 'users.display_name'])
      .where('grid_workers.grid_code', 'in', codes)
      .where('grid_workers.to_date', 'is', null)
      .orderBy('grid_workers.role')
      .orderBy('grid_workers.id')
      .execute();
    for (const r of rows) {
      const list = out.get(r.grid_code) ?? [];
      // The inner join with users leaves only rows with a user.
      list.push({ userId: r.user_id!, username: r.username, displayName: r.display_name, role: r.role, from: r.from_date, to: r.to_date });
      out.set(r.grid_code, list);
    }
    return out;
  }

  /** Active grids of the same level that share an edge or a corner with this one (bbox prefilter in SQL, then geometry). */
  async neighbours(v: GridVisibility, code: string): Promise<GridListItem[]> {
    const row = await this.row(v, code);
    const geometry = JSON.parse(row.geometry) as GridGeometry;
    const eps = 1e-9;
    const candidates = await this.db
      .reader()
      .selectFrom('grids')
      .select(['code', 'name', 'level', 'parent_code', 'status', 'geometry'])
      .where('level', '=', row.level)
      .where('status', '=', 'active')
      .where('code', '!=', code)
      .where('min_lng', '<=', row.max_lng + eps)
      .where('max_lng', '>=', row.min_lng - eps)
      .where('min_lat', '<=', row.max_lat + eps)
      .where('max_lat', '>=', row.min_lat - eps)
      .where((eb) => visibleGrids(eb, v, false))
      .orderBy('code')
      .execute();
    return candidates
      .filter((c) => geometriesTouch(geometry, JSON.parse(c.geometry) as GridGeometry))
      .map((c) => ({ code: c.code, name: c.name, level: c.level, parentCode: c.parent_code, status: c.status }));
  }

  /** Active grids of a level for the map, coordinates rounded to 6 decimals (~0.1 m), with a label point each. */
  async mapFeatures(v: GridVisibility, q: { level: GridLevel; parent?: string }, userId?: number): Promise<FeatureCollection<MapFeature>> {
    let query = this.db
      .reader(userId)
      .selectFrom('grids')
      .select(['id', 'code', 'name', 'level', 'parent_code', 'geometry'])
      .where('level', '=', q.level)
      .where('status', '=', 'active')
      .where((eb) => visibleGrids(eb, v));
    if (q.parent) {
      if (!/^\d{6,15}$/.test(q.parent)) return { type: 'FeatureCollection', features: [] };
      query = query.where('code', 'like', `${q.parent}%`);
    }
    const rows = await query.orderBy('code').execute();
    return {
      type: 'FeatureCollection',
      features: rows.map((r) => {
        const geometry = roundGeometry(JSON.parse(r.geometry) as GridGeometry, 6);
        const [lx, ly] = interiorPoint(geometry);
        return {
          type: 'Feature',
          id: r.id,
          properties: { code: r.code, name: r.name, level: r.level, parent: r.parent_code, lx: Math.round(lx * 1e6) / 1e6, ly: Math.round(ly * 1e6) / 1e6 },
          geometry,
        };
      }),
    };
  }

  /** The active tree (or one level) as an importable FeatureCollection, full precision. */
  async exportTree(v: GridVisibility, level?: GridLevel): Promise<FeatureCollection> {
    let query = this.db.reader().selectFrom('grids').select(['code', 'name', 'level', 'parent_code', 'geometry', 'attributes']).where('status', '=', 'active');
    query = query.where((eb) => visibleGrids(eb, v, false));
    if (level) query = query.where('level', '=', level);
    const rows = await query.orderBy('code').execute();
    rows.sort((a, b) => a.code.length - b.code.length || (a.code < b.code ? -1 : 1));
    return {
      type: 'FeatureCollection',
      features: rows.map((r): ExportFeature => ({
        type: 'Feature',
        properties: { ...(JSON.parse(r.attributes) as Record<string, unknown>), code: r.code, name: r.name, level: r.level, parent: r.parent_code },
        geometry: JSON.parse(r.geometry) as GridGeometry,
      })),
    };
  }

  async history(v: GridVisibility, code: string, page: number, pageSize: number): Promise<{ items: GridHistoryItem[]; total: number }> {
    await this.row(v, code);
    const base = this.db.reader().selectFrom('grid_history').where('grid_code', '=', code);
    const total = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const rows = await base.selectAll().orderBy('id', 'desc').limit(pageSize).offset((page - 1) * pageSize).execute();
    return {
      total: Number(total.n),
      items: rows.map((r) => ({
        id: r.id,
        at: toIso(r.at)!,
        username: r.username,
        change: r.change_kind,
        before: r.before_state == null ? null : (JSON.parse(r.before_state) as unknown),
        after: r.after_state == null ? null : (JSON.parse(r.after_state) as unknown),
        related: JSON.parse(r.related) as string[],
        source: r.source,
        ...(r.change_kind === 'geometry' ? this.geometrySummary(r.before_state, r.after_state) : {}),
      })),
    };
  }

  private geometrySummary(before: string | null, after: string | null): Pick<GridHistoryItem, 'geometrySummary'> {
    const b = geometryStats(before ? (JSON.parse(before) as { geometry?: unknown }).geometry : null);
    const a = geometryStats(after ? (JSON.parse(after) as { geometry?: unknown }).geometry : null);
    if (!a || !b) return {};
    return { geometrySummary: { areaBeforeM2: b.area, areaAfterM2: a.area, verticesBefore: b.vertices, verticesAfter: a.vertices } };
  }

  // ---- administration ---------------------------------------------------------

  /** The grid a grid.manage caller may change: inside one of their grid scopes (null: the system), else 404. */
  private async manageable(scopes: Scope[] | null, code: string) {
    if (!/^\d{6,15}$/.test(code)) throw notFound('grid');
    if (scopes !== null && !gridInScope(code, scopes.filter((s) => s.kind === 'grid'))) throw notFound('grid');
    const row = await this.db.primary.selectFrom('grids').selectAll().where('code', '=', code).executeTakeFirst();
    if (!row) throw notFound('grid');
    return row;
  }

  async update(
    scopes: Scope[] | null,
    actor: AuditActor,
    code: string,
    patch: { version: number; name?: string | undefined; attributes?: Record<string, unknown> | undefined },
    now = Date.now(),
  ): Promise<GridCard> {
    const row = await this.manageable(scopes, code);
    if (row.status !== 'active') throw new AppError(409, 'GRID_RETIRED');
    const source = `admin:${now}`;
    const name = patch.name?.trim();
    await this.db.transaction(async (tx) => {
      const set: { updated_at: number; version: number; name?: string; attributes?: string } = { updated_at: now, version: patch.version + 1 };
      const history = [];
      const h = (kind: GridChangeKind, before: unknown, after: unknown) => ({
        grid_code: code, at: now, user_id: actor.userId, username: actor.username, change_kind: kind,
        before_state: JSON.stringify(before), after_state: JSON.stringify(after), related: '[]', source,
      });
      if (name !== undefined && name !== row.name) {
        set.name = name;
        history.push(h('renamed', { name: row.name }, { name }));
      }
      if (patch.attributes !== undefined) {
        const next = JSON.stringify(patch.attributes);
        if (next !== row.attributes) {
          set.attributes = next;
          history.push(h('updated', { attributes: JSON.parse(row.attributes) as unknown }, { attributes: patch.attributes }));
        }
      }
      const result = await tx.updateTable('grids').set(set).where('id', '=', row.id).where('version', '=', patch.version).executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw conflict({ objectType: 'grid', code, currentVersion: Number(row.version) });
      if (history.length > 0) await tx.insertInto('grid_history').values(history).execute();
      if (set.name !== undefined) await bumpGridVersion(tx);
      await appendAudit(tx, actor, {
        action: 'grid.update', objectType: 'grid', objectId: code,
        details: { changes: history.map((x) => x.change_kind), version: patch.version + 1 },
      }, now);
    });
    this.db.noteWrite(actor.userId);
    if (name !== undefined && name !== row.name) await this.locator.changed();
    return this.card(SEE_ALL, code, true);
  }

  /**
   * Replaces the current workers of a unit or community grid ("1+4": one
   * full-time worker and part-time members). Removed workers' rows are
   * ended (to_date = today), never deleted; unchanged ones are kept.
   */
  async setWorkers(
    scopes: Scope[] | null,
    actor: AuditActor,
    code: string,
    workers: Array<{ userId: number; role: GridWorkerRole; from?: string | undefined }>,
    now = Date.now(),
  ): Promise<GridWorkerView[]> {
    const row = await this.manageable(scopes, code);
    if (row.status !== 'active') throw new AppError(409, 'GRID_RETIRED');
    if (row.level !== 'unit' && row.level !== 'community') throw new AppError(400, 'GRID_WORKERS_LEVEL', { level: row.level });
    const ids = workers.map((w) => w.userId);
    if (new Set(ids).size !== ids.length) throw new AppError(400, 'GRID_WORKER_DUPLICATE');
    if (ids.length > 0) {
      const eligible = await this.db.primary
        .selectFrom('role_assignments')
        .innerJoin('users', 'users.id', 'role_assignments.user_id')
        .select('role_assignments.user_id')
        .where('role_assignments.user_id', 'in', ids)
        .where('role_assignments.role_code', '=', 'grid_worker')
        .where('users.status', '=', 'active')
        .execute();
      const ok = new Set(eligible.map((e) => e.user_id));
      const bad = ids.filter((id) => !ok.has(id));
      if (bad.length > 0) throw new AppError(400, 'GRID_WORKER_NOT_ELIGIBLE', { userIds: bad });
    }
    const day = today(now);
    await this.db.transaction(async (tx) => {
      // Team members without an account (workforce module) are not this editor's to end.
      const current = (await tx.selectFrom('grid_workers').selectAll().where('grid_code', '=', code).where('to_date', 'is', null).where('user_id', 'is not', null).execute())
        .map((c) => ({ ...c, user_id: c.user_id! }));
      const wanted = new Map(workers.map((w) => [w.userId, w]));
      const ended = current.filter((c) => wanted.get(c.user_id)?.role !== c.role);
      const kept = new Set(current.filter((c) => !ended.includes(c)).map((c) => c.user_id));
      if (ended.length > 0) {
        await tx.updateTable('grid_workers').set({ to_date: day, updated_at: now }).where('id', 'in', ended.map((e) => e.id)).execute();
      }
      const added = workers.filter((w) => !kept.has(w.userId));
      if (added.length > 0) {
        await tx.insertInto('grid_workers').values(added.map((w) => ({
          grid_code: code, user_id: w.userId, role: w.role, from_date: w.from ?? day, to_date: null, created_at: now, updated_at: now,
        }))).execute();
      }
      // Names in the history, so that it reads without looking users up.
      const people = [...new Set([...current.map((c) => c.user_id), ...ids])];
      const names = new Map(people.length === 0 ? [] : (await tx.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', people).execute())
        .map((u) => [u.id, { username: u.username, displayName: u.display_name }]));
      const before = current.map((c) => ({ userId: c.user_id, role: c.role, ...names.get(c.user_id) }));
      const after = workers.map((w) => ({ userId: w.userId, role: w.role, ...names.get(w.userId) }));
      if (ended.length > 0 || added.length > 0) {
        await tx.insertInto('grid_history').values({
          grid_code: code, at: now, user_id: actor.userId, username: actor.username, change_kind: 'updated',
          before_state: JSON.stringify({ workers: before }), after_state: JSON.stringify({ workers: after }), related: '[]', source: `admin:${now}`,
        }).execute();
      }
      await appendAudit(tx, actor, {
        action: 'grid.workers', objectType: 'grid', objectId: code,
        details: { added: added.map((a) => a.userId), ended: ended.map((e) => e.user_id), workers: after },
      }, now);
    });
    this.db.noteWrite(actor.userId);
    return (await this.workersOf([code], true)).get(code) ?? [];
  }

  /** Users holding the grid worker role in a scope that meets the caller's manage scopes, for the assignment picker. */
  async workerCandidates(principal: Principal, q: string | undefined, limit: number): Promise<Array<{ userId: number; username: string; displayName: string; scopeCode: string }>> {
    const scopes = principal.scopesFor('grid.manage').filter((s) => s.kind === 'grid');
    if (scopes.length === 0) return [];
    let query = this.db
      .reader(principal.userId)
      .selectFrom('role_assignments')
      .innerJoin('users', 'users.id', 'role_assignments.user_id')
      .select(['users.id', 'users.username', 'users.display_name', 'role_assignments.scope_code'])
      .where('role_assignments.role_code', '=', 'grid_worker')
      .where('role_assignments.scope_kind', '=', 'grid')
      .where('users.status', '=', 'active');
    // The worker's scope lies inside, or contains, one of the caller's scopes.
    query = query.where((eb) => eb.or(scopes.flatMap((s) => [
      eb('role_assignments.scope_code', 'like', `${s.code}%`),
      eb('role_assignments.scope_code', 'in', [s.code, ...ancestorCodes(s.code)]),
    ])));
    const text = q?.trim();
    if (text) query = query.where((eb) => eb.or([eb('users.username', 'like', `%${nameNeedle(text)}%`), eb('users.display_name', 'like', `%${nameNeedle(text)}%`)]));
    const rows = await query.orderBy('users.username').limit(limit).execute();
    const seen = new Set<number>();
    return rows.filter((r) => !seen.has(r.id) && seen.add(r.id)).map((r) => ({ userId: r.id, username: r.username, displayName: r.display_name, scopeCode: r.scope_code }));
  }

  // ---- import -------------------------------------------------------------------

  /**
   * Imports FeatureCollections. `scopes` (grid.manage) limits what may be
   * imported: a full import needs the district scope, a partial one a scope
   * over every imported code; null (the CLI, the demo) means no limit.
   */
  async importFiles(
    files: readonly unknown[],
    options: { dryRun: boolean; partial: boolean; tolerances?: Partial<Tolerances> | undefined },
    actor: AuditActor,
    scopes: Scope[] | null,
  ): Promise<ImportReport> {
    const tolerances: Tolerances = {
      overlapM2: options.tolerances?.overlapM2 ?? this.settings.tolerances.overlapM2,
      gapM2: options.tolerances?.gapM2 ?? this.settings.tolerances.gapM2,
    };
    if (scopes !== null) {
      const grid = scopes.filter((s) => s.kind === 'grid');
      const allowed = options.partial
        ? readFeatureCollections(files).features.every((f) => gridInScope(f.code, grid))
        : grid.some((s) => s.code.length === GRID_CODE_LENGTH.district);
      if (!allowed) throw new AppError(403, 'GRID_IMPORT_OUTSIDE_SCOPE');
    }
    const plan = await planImport(this.db, files, { dryRun: options.dryRun, partial: options.partial, tolerances });
    if (options.dryRun || !plan.report.ok) return plan.report;
    const report = await applyImport(this.db, plan, actor);
    this.db.noteWrite(actor.userId);
    await this.locator.changed();
    return report;
  }
}

