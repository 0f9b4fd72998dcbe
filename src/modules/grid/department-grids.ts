/**
 * 专业网格: department grids. A department keeps its own flat partition of
 * the territory (a utility's service areas, a law-enforcement squad's beats),
 * independent of the four-level tree.
 *
 * - Import: one GeoJSON FeatureCollection per department (properties `code`,
 *   `name`, others kept as attributes). Rings are checked with the tree's
 *   rules, codes must be unique, and the department's own grids must not
 *   overlap beyond the tolerance; gaps are allowed. Dry run reports the same
 *   problems and changes; nothing is written when there is any problem.
 * - Re-import replaces the department's set: grids missing from the file
 *   are retired (kept), changed ones updated in place (version + 1), retired
 *   ones in the file restored. Every change is a `department_grid_history`
 *   row and the import is audited, in one transaction.
 * - Reads: a department scope (grid.read) sees its own department's grids;
 *   any grid scope sees every department's grids, read-only (they are
 *   reference layers for dispatch: whose service area is this?).
 * - Writes: grid.manage with the department's scope, or a district-level
 *   grid scope (which covers every department).
 * - Locate: an in-memory Locator per department, loaded on first use and
 *   rebuilt after each import on this node.
 */
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { scopeCovers, type Scope } from '../../infra/auth/scope.js';
import { toIso } from '../../infra/db/values.js';
import { AppError, conflict, notFound } from '../../infra/http/errors.js';
import { bboxOf, validatePartition } from './rules/geometry.js';
import { Locator } from './rules/locator.js';
import type { GridGeometry } from './rules/types.js';
import { interiorPoint, roundGeometry, type FeatureCollection, type ImportProblem } from './geojson.js';
import type { DepartmentGridChangeKind } from './tables.js';

/** Department grid codes: the department's own, letters, digits, `_ . -`, up to 32. */
export const DEPARTMENT_GRID_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const DEPARTMENT_CODE = /^[A-Za-z0-9_-]{1,32}$/;

export interface DepartmentGridVisibility {
  /** Every department's grids (any grid scope). */
  all: boolean;
  /** Department scopes: their own grids. */
  departments: string[];
}

export function departmentGridVisibility(principal: Principal, permission = 'grid.read'): DepartmentGridVisibility {
  const scopes = principal.scopesFor(permission);
  return {
    all: scopes.some((s) => s.kind === 'grid'),
    departments: scopes.filter((s) => s.kind === 'department').map((s) => s.code),
  };
}

export const SEE_ALL_DEPARTMENTS: DepartmentGridVisibility = { all: true, departments: [] };

export function canSeeDepartment(v: DepartmentGridVisibility, department: string): boolean {
  return v.all || v.departments.includes(department);
}

/** grid.manage scopes (null: the system) that may import a department's grids. */
export function canManageDepartment(scopes: readonly Scope[] | null, department: string): boolean {
  return scopes === null || scopes.some((s) => scopeCovers(s, { kind: 'department', code: department }));
}

export interface DepartmentGridFeatureIn {
  code: string;
  name: string;
  geometry: GridGeometry;
  attributes: Record<string, unknown>;
}

export type DepartmentGridPlannedKind = 'created' | 'restored' | 'renamed' | 'geometry' | 'attributes' | 'retired';

export interface DepartmentGridImportReport {
  ok: boolean;
  dryRun: boolean;
  applied: boolean;
  department: string;
  tolerances: { overlapM2: number };
  counts: { features: number; created: number; updated: number; unchanged: number; retired: number; restored: number };
  problems: ImportProblem[];
  changes: Array<{ code: string; kinds: DepartmentGridPlannedKind[] }>;
}

export interface DepartmentSummary {
  code: string;
  name: string;
  gridCount: number;
}

export interface DepartmentMapFeature {
  type: 'Feature';
  id: number;
  properties: { code: string; name: string; department: string; lx: number; ly: number };
  geometry: GridGeometry;
}

export interface DepartmentGridHistoryItem {
  id: number;
  code: string;
  at: string;
  username: string | null;
  change: DepartmentGridChangeKind;
  before: unknown;
  after: unknown;
  source: string;
}

const RESERVED = new Set(['code', 'name']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** Reads one FeatureCollection into department grid features; unreadable features are problems, never exceptions. */
export function readDepartmentFile(file: unknown): { features: DepartmentGridFeatureIn[]; problems: ImportProblem[]; origin: Map<string, number> } {
  const features: DepartmentGridFeatureIn[] = [];
  const problems: ImportProblem[] = [];
  const origin = new Map<string, number>();
  if (!isObject(file) || file.type !== 'FeatureCollection' || !Array.isArray(file.features)) {
    problems.push({ code: 'FILE_INVALID', file: 0, message: 'The file is not a GeoJSON FeatureCollection', details: {} });
    return { features, problems, origin };
  }
  file.features.forEach((raw: unknown, index: number) => {
    const where = { file: 0, index };
    if (!isObject(raw) || raw.type !== 'Feature') {
      problems.push({ code: 'FEATURE_INVALID', ...where, message: `Feature ${index}: not a GeoJSON Feature`, details: {} });
      return;
    }
    const props = isObject(raw.properties) ? raw.properties : {};
    const code = str(props.code);
    const name = str(props.name);
    if (!code) {
      problems.push({ code: 'FEATURE_INVALID', ...where, message: `Feature ${index}: property "code" is missing`, details: { property: 'code' } });
      return;
    }
    if (!DEPARTMENT_GRID_CODE.test(code)) {
      problems.push({ code: 'CODE_MALFORMED', featureCode: code, ...where, message: `Department grid code ${code}: letters, digits, "_", "." or "-", at most 32`, details: {} });
      return;
    }
    if (!name || name.length > 100) {
      problems.push({ code: 'FEATURE_INVALID', featureCode: code, ...where, message: `Department grid ${code}: property "name" is missing or longer than 100 characters`, details: { property: 'name' } });
      return;
    }
    const attributes: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) if (!RESERVED.has(k)) attributes[k] = v;
    if (!origin.has(code)) origin.set(code, index);
    features.push({ code, name, geometry: raw.geometry as GridGeometry, attributes });
  });
  return { features, problems, origin };
}

interface StoredDepartmentGrid {
  id: number;
  code: string;
  name: string;
  geometry: string;
  attributes: string;
  status: 'active' | 'retired';
  version: number;
}

interface DepartmentLayer {
  locator: Locator;
  names: Map<string, string>;
}

export class DepartmentGridService {
  private layers: Map<string, DepartmentLayer> | null = null;
  private loading: Promise<Map<string, DepartmentLayer>> | null = null;
  /** The table's stamp when the layers were read, and when it was last compared. */
  private stamp: string | null = null;
  private checkedAt = 0;

  /**
   * `staleAfterMs`: how long the locators are used before the table's stamp is
   * compared again, so an import on another node is seen within that time.
   */
  constructor(
    private readonly db: AppDb,
    private readonly defaultOverlapM2: () => number,
    private readonly staleAfterMs = 5000,
  ) {}

  // ---- reads ------------------------------------------------------------------

  private async departmentRow(code: string, primary = false) {
    if (!DEPARTMENT_CODE.test(code)) return undefined;
    return (primary ? this.db.primary : this.db.reader()).selectFrom('departments').select(['code', 'name', 'status']).where('code', '=', code).executeTakeFirst();
  }

  /** A department the caller may see, else 404 (unknown and invisible look the same). */
  private async visibleDepartment(v: DepartmentGridVisibility, department: string) {
    if (!canSeeDepartment(v, department)) throw notFound('department');
    const row = await this.departmentRow(department);
    if (!row) throw notFound('department');
    return row;
  }

  /** Departments the caller may see, with their active grid counts (departments without grids included). */
  async departments(v: DepartmentGridVisibility, userId?: number): Promise<DepartmentSummary[]> {
    if (!v.all && v.departments.length === 0) return [];
    const db = this.db.reader(userId);
    let q = db.selectFrom('departments').select(['code', 'name']).where('status', '=', 'active');
    if (!v.all) q = q.where('code', 'in', v.departments);
    const rows = await q.orderBy('code').execute();
    let cq = db.selectFrom('department_grids').select(['department_code', (eb) => eb.fn.countAll().as('n')]).where('status', '=', 'active');
    if (!v.all) cq = cq.where('department_code', 'in', v.departments);
    const counts = new Map((await cq.groupBy('department_code').execute()).map((c) => [c.department_code, Number(c.n)]));
    return rows.map((r) => ({ code: r.code, name: r.name, gridCount: counts.get(r.code) ?? 0 }));
  }

  /** The department's active grids for the map: 6 decimals, a label point each. */
  async mapFeatures(v: DepartmentGridVisibility, department: string, userId?: number): Promise<FeatureCollection<DepartmentMapFeature>> {
    await this.visibleDepartment(v, department);
    const rows = await this.db
      .reader(userId)
      .selectFrom('department_grids')
      .select(['id', 'code', 'name', 'geometry'])
      .where('department_code', '=', department)
      .where('status', '=', 'active')
      .orderBy('code')
      .execute();
    return {
      type: 'FeatureCollection',
      features: rows.map((r) => {
        const geometry = roundGeometry(JSON.parse(r.geometry) as GridGeometry, 6);
        const [lx, ly] = interiorPoint(geometry);
        return {
          type: 'Feature',
          id: r.id,
          properties: { code: r.code, name: r.name, department, lx: Math.round(lx * 1e6) / 1e6, ly: Math.round(ly * 1e6) / 1e6 },
          geometry,
        };
      }),
    };
  }

  /** The department's active grids as a file that `import-department` reads back (full precision). */
  async exportDepartment(v: DepartmentGridVisibility, department: string): Promise<FeatureCollection<{ type: 'Feature'; properties: Record<string, unknown>; geometry: GridGeometry }>> {
    await this.visibleDepartment(v, department);
    const rows = await this.db
      .reader()
      .selectFrom('department_grids')
      .select(['code', 'name', 'geometry', 'attributes'])
      .where('department_code', '=', department)
      .where('status', '=', 'active')
      .orderBy('code')
      .execute();
    return {
      type: 'FeatureCollection',
      features: rows.map((r) => ({
        type: 'Feature' as const,
        properties: { ...(JSON.parse(r.attributes) as Record<string, unknown>), code: r.code, name: r.name },
        geometry: JSON.parse(r.geometry) as GridGeometry,
      })),
    };
  }

  async history(v: DepartmentGridVisibility, department: string, page: number, pageSize: number): Promise<{ items: DepartmentGridHistoryItem[]; total: number }> {
    await this.visibleDepartment(v, department);
    const base = this.db.reader().selectFrom('department_grid_history').where('department_code', '=', department);
    const total = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const rows = await base.selectAll().orderBy('id', 'desc').limit(pageSize).offset((page - 1) * pageSize).execute();
    return {
      total: Number(total.n),
      items: rows.map((r) => ({
        id: r.id,
        code: r.code,
        at: toIso(r.at)!,
        username: r.username,
        change: r.change_kind,
        before: r.before_state == null ? null : (JSON.parse(r.before_state) as unknown),
        after: r.after_state == null ? null : (JSON.parse(r.after_state) as unknown),
        source: r.source,
      })),
    };
  }

  // ---- locate -------------------------------------------------------------------

  /**
   * Changes without a change log: every import writes rows with version + 1
   * (retire, update) or new rows, and none are deleted, so the row count and
   * the sum of versions together grow with every change.
   */
  private async readStamp(): Promise<string> {
    const r = await this.db.primary
      .selectFrom('department_grids')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum<number | string | null>('version').as('v')])
      .executeTakeFirstOrThrow();
    return `${Number(r.n)}:${Number(r.v ?? 0)}`;
  }

  private async loadLayers(): Promise<Map<string, DepartmentLayer>> {
    // The stamp first: a change landing between the two reads only makes the next check reload again.
    const stamp = await this.readStamp();
    const rows = await this.db.primary
      .selectFrom('department_grids')
      .select(['department_code', 'code', 'name', 'geometry'])
      .where('status', '=', 'active')
      .orderBy('department_code')
      .orderBy('code')
      .execute();
    const byDept = new Map<string, typeof rows>();
    for (const r of rows) byDept.set(r.department_code, [...(byDept.get(r.department_code) ?? []), r]);
    const layers = new Map<string, DepartmentLayer>();
    for (const [dept, list] of byDept) {
      layers.set(dept, {
        locator: new Locator(list.map((r) => ({ code: r.code, geometry: JSON.parse(r.geometry) as GridGeometry })), { parentOf: () => null }),
        names: new Map(list.map((r) => [r.code, r.name])),
      });
    }
    this.stamp = stamp;
    this.checkedAt = Date.now();
    return layers;
  }

  /** Rebuilds the in-memory locators at once (after an import on this node; other nodes notice by the stamp). */
  async reload(): Promise<void> {
    this.layers = await this.loadLayers();
  }

  /**
   * The department grid containing a WGS84 point, for a department the caller
   * may see; 404 for an unknown or invisible department, null when no grid of
   * it contains the point.
   */
  async locate(v: DepartmentGridVisibility, department: string, lng: number, lat: number): Promise<{ code: string; name: string } | null> {
    await this.visibleDepartment(v, department);
    const layer = (await this.currentLayers()).get(department);
    const code = layer?.locator.locate(lng, lat) ?? null;
    return code === null ? null : { code, name: layer!.names.get(code) ?? code };
  }

  /** The departments whose active grids contain a WGS84 point (any department: for the dispatch suggestion, not shown as grids). */
  async coveringDepartments(lng: number, lat: number): Promise<string[]> {
    const layers = await this.currentLayers();
    return [...layers].filter(([, layer]) => layer.locator.locate(lng, lat) !== null).map(([dept]) => dept);
  }

  private async currentLayers(): Promise<Map<string, DepartmentLayer>> {
    if (this.layers && Date.now() - this.checkedAt >= this.staleAfterMs) {
      // Another node may have imported: compare the stamp, rebuild only when it moved.
      this.checkedAt = Date.now();
      if ((await this.readStamp()) !== this.stamp) this.layers = null;
    }
    if (!this.layers) {
      this.loading ??= this.loadLayers();
      this.layers = await this.loading;
      this.loading = null;
    }
    return this.layers;
  }

  // ---- import -------------------------------------------------------------------

  /**
   * Checks a department's file against the rules and its stored set, and
   * (unless a dry run, or with problems) replaces the set in one transaction.
   * `scopes` are the caller's grid.manage scopes (null: the CLI).
   */
  async importFile(
    department: string,
    file: unknown,
    options: { dryRun: boolean; overlapM2?: number | undefined },
    actor: AuditActor,
    scopes: readonly Scope[] | null,
    now = Date.now(),
  ): Promise<DepartmentGridImportReport> {
    if (!canManageDepartment(scopes, department)) throw new AppError(403, 'GRID_DEPARTMENT_OUTSIDE_SCOPE', { department });
    const overlapM2 = options.overlapM2 ?? this.defaultOverlapM2();
    const read = readDepartmentFile(file);
    const problems: ImportProblem[] = [...read.problems];
    const dept = await this.departmentRow(department, true);
    if (!dept || dept.status !== 'active') {
      problems.push({ code: 'DEPARTMENT_UNKNOWN', message: `Department ${department} does not exist or is retired`, details: { department } });
    }
    if (read.features.length === 0 && read.problems.length === 0) {
      problems.push({ code: 'IMPORT_EMPTY', message: 'The file holds no grids; a department import replaces the whole set', details: {} });
    }
    for (const p of validatePartition(read.features, { overlapToleranceM2: overlapM2 })) {
      const index = read.origin.get(p.featureCode);
      problems.push({ ...p, ...(index !== undefined ? { file: 0, index } : {}) });
    }

    const stored = new Map<string, StoredDepartmentGrid>(
      (await this.db.primary
        .selectFrom('department_grids')
        .select(['id', 'code', 'name', 'geometry', 'attributes', 'status', 'version'])
        .where('department_code', '=', department)
        .execute()).map((r) => [r.code, r as StoredDepartmentGrid]),
    );
    const counts = { features: read.features.length, created: 0, updated: 0, unchanged: 0, retired: 0, restored: 0 };
    const changes: DepartmentGridImportReport['changes'] = [];
    const seen = new Set<string>();
    for (const f of read.features) {
      if (seen.has(f.code)) continue;
      seen.add(f.code);
      const s = stored.get(f.code);
      if (!s) {
        counts.created++;
        changes.push({ code: f.code, kinds: ['created'] });
        continue;
      }
      const kinds: DepartmentGridPlannedKind[] = [];
      if (s.status === 'retired') kinds.push('restored');
      if (s.name !== f.name) kinds.push('renamed');
      if (s.geometry !== JSON.stringify(f.geometry)) kinds.push('geometry');
      if (s.attributes !== JSON.stringify(f.attributes)) kinds.push('attributes');
      if (kinds.length === 0) counts.unchanged++;
      else {
        if (s.status === 'retired') counts.restored++;
        else counts.updated++;
        changes.push({ code: f.code, kinds });
      }
    }
    for (const s of stored.values()) {
      if (s.status === 'active' && !seen.has(s.code)) {
        counts.retired++;
        changes.push({ code: s.code, kinds: ['retired'] });
      }
    }
    const report: DepartmentGridImportReport = {
      ok: problems.length === 0, dryRun: options.dryRun, applied: false, department, tolerances: { overlapM2 }, counts, problems, changes,
    };
    if (options.dryRun || !report.ok) return report;

    const source = `import:${now}`;
    const byCode = new Map(read.features.map((f) => [f.code, f]));
    await this.db.transaction(async (tx) => {
      const history: Array<{
        department_code: string; code: string; at: number; user_id: number | null; username: string | null;
        change_kind: DepartmentGridChangeKind; before_state: string | null; after_state: string | null; source: string;
      }> = [];
      const h = (code: string, kind: DepartmentGridChangeKind, before: unknown, after: unknown) => history.push({
        department_code: department, code, at: now, user_id: actor.userId, username: actor.username, change_kind: kind,
        before_state: before == null ? null : JSON.stringify(before), after_state: after == null ? null : JSON.stringify(after), source,
      });
      // Another import of the same department committed since the plan was made: 409, nothing written.
      const guard = (r: { numUpdatedRows: bigint }) => {
        if (Number(r.numUpdatedRows) !== 1) throw conflict({ objectType: 'department_grids', department });
      };
      const inserts = [];
      for (const ch of changes) {
        const s = stored.get(ch.code);
        if (ch.kinds.includes('retired')) {
          guard(await tx.updateTable('department_grids').set({ status: 'retired', updated_at: now, version: s!.version + 1 }).where('id', '=', s!.id).where('version', '=', s!.version).executeTakeFirst());
          h(ch.code, 'retired', { status: 'active' }, { status: 'retired' });
          continue;
        }
        const f = byCode.get(ch.code)!;
        const [minLng, minLat, maxLng, maxLat] = bboxOf(f.geometry);
        const values = {
          name: f.name, geometry: JSON.stringify(f.geometry), min_lng: minLng, min_lat: minLat, max_lng: maxLng, max_lat: maxLat,
          status: 'active' as const, attributes: JSON.stringify(f.attributes), updated_at: now,
        };
        if (!s) {
          inserts.push({ ...values, department_code: department, code: f.code, created_at: now, version: 1 });
          h(f.code, 'created', null, { name: f.name, attributes: f.attributes });
          continue;
        }
        guard(await tx.updateTable('department_grids').set({ ...values, version: s.version + 1 }).where('id', '=', s.id).where('version', '=', s.version).executeTakeFirst());
        const before: Record<string, unknown> = {};
        const after: Record<string, unknown> = {};
        if (ch.kinds.includes('renamed')) [before.name, after.name] = [s.name, f.name];
        if (ch.kinds.includes('geometry')) [before.geometry, after.geometry] = [JSON.parse(s.geometry) as unknown, f.geometry];
        if (ch.kinds.includes('attributes')) [before.attributes, after.attributes] = [JSON.parse(s.attributes) as unknown, f.attributes];
        if (ch.kinds.includes('restored')) [before.status, after.status] = ['retired', 'active'];
        h(f.code, ch.kinds.includes('restored') ? 'restored' : 'updated', before, after);
      }
      const BATCH = 200;
      try {
        for (let i = 0; i < inserts.length; i += BATCH) await tx.insertInto('department_grids').values(inserts.slice(i, i + BATCH)).execute();
      } catch (err) {
        // The same codes created by a concurrent import: the unique key refuses them.
        if (/unique|duplicate/i.test((err as Error).message)) throw conflict({ objectType: 'department_grids', department });
        throw err;
      }
      for (let i = 0; i < history.length; i += BATCH) await tx.insertInto('department_grid_history').values(history.slice(i, i + BATCH)).execute();
      await appendAudit(tx, actor, {
        action: 'grid.department_import', objectType: 'department', objectId: department,
        details: { counts, tolerances: report.tolerances, source },
      }, now);
    });
    this.db.noteWrite(actor.userId);
    await this.reload();
    return { ...report, applied: true };
  }
}
