import type { Kysely } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { insertedId, toFlag, toIso } from '../../infra/db/values.js';
import { AppError, conflict, notFound } from '../../infra/http/errors.js';
import type { IncidentService } from '../incidents/service.js';
import { monthRange, shanghaiDate } from '../livelihood/rules/period.js';
import type { CadreUnitKind, CadreVisitStatus } from './tables.js';
import './messages.js';

export const CADRES_READ = 'cadres.read';
export const CADRES_MANAGE = 'cadres.manage';

type Db = Kysely<Database>;
const DISTRICT_LEN = 6;

export interface CadreInput { name: string; userId?: number | null | undefined; unitKind: CadreUnitKind; unitCode: string; title: string }

export interface CadreView {
  id: number;
  name: string;
  userId: number | null;
  unitKind: CadreUnitKind;
  unitCode: string;
  unitName: string | null;
  title: string;
  status: 'active' | 'retired';
  version: number;
  retiredOn: string | null;
  retireReason: string | null;
  links: { id: number; gridCode: string; gridName: string | null; fromDate: string }[];
}

/**
 * 群工联点: cadres of district departments and streets linked to communities
 * and unit grids, their scheduled visits (下沉走访) with records and
 * findings, a finding turned into an incident through the incident service.
 * A visit, finding or link is visible under its grid; a cadre under its home
 * grid (its street, or the district for a department cadre) or any of its
 * current links.
 */
export class CadreService {
  constructor(private readonly db: AppDb, private readonly incidents: IncidentService) {}

  private scopes(principal: Principal, perm: string, narrow?: string): Scope[] {
    const own = principal.scopesFor(perm);
    if (!narrow) return own;
    if (gridInScope(narrow, own)) return [{ kind: 'grid', code: narrow }];
    return own.filter((s) => s.kind === 'grid' && s.code.startsWith(narrow));
  }

  /** Ids of the cadres visible under `scopes`: by home grid or by a current link. */
  private async visibleCadreIds(db: Db, scopes: Scope[], ids?: number[]): Promise<number[]> {
    if (ids && ids.length === 0) return [];
    let home = db.selectFrom('cadres').select('id').where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' }));
    let linked = db.selectFrom('cadre_links').select('cadre_id as id').where('is_current', '=', 1).where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' }));
    if (ids) {
      home = home.where('id', 'in', ids);
      linked = linked.where('cadre_id', 'in', ids);
    }
    const rows = [...(await home.execute()), ...(await linked.execute())];
    return [...new Set(rows.map((r) => r.id))].sort((a, b) => a - b);
  }

  private async requireCadre(db: Db, principal: Principal, perm: string, id: number) {
    const [visible] = await this.visibleCadreIds(db, principal.scopesFor(perm), [id]);
    if (visible === undefined) throw notFound('cadre');
    return db.selectFrom('cadres').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  private async requireVisit(db: Db, principal: Principal, perm: string, id: number) {
    const v = await db.selectFrom('cadre_visits').selectAll().where('id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(perm), { grid: 'grid_code' })).executeTakeFirst();
    if (!v) throw notFound('cadre_visit');
    return v;
  }

  private async gridNames(db: Db, codes: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(codes)];
    if (unique.length === 0) return new Map();
    const rows = await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', unique).execute();
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  private async views(db: Db, ids: number[]): Promise<CadreView[]> {
    if (ids.length === 0) return [];
    const rows = await db.selectFrom('cadres').selectAll().where('id', 'in', ids).orderBy('id').execute();
    const links = await db.selectFrom('cadre_links').select(['id', 'cadre_id', 'grid_code', 'from_date']).where('cadre_id', 'in', ids).where('is_current', '=', 1).orderBy('id').execute();
    const depts = await db.selectFrom('departments').select(['code', 'name']).where('code', 'in', [...new Set(rows.map((r) => r.unit_code)), '']).execute();
    const deptNames = new Map(depts.map((d) => [d.code, d.name]));
    const names = await this.gridNames(db, [...links.map((l) => l.grid_code), ...rows.filter((r) => r.unit_kind === 'street').map((r) => r.unit_code)]);
    return rows.map((r) => ({
      id: r.id, name: r.name, userId: r.user_id, unitKind: r.unit_kind, unitCode: r.unit_code,
      unitName: (r.unit_kind === 'department' ? deptNames.get(r.unit_code) : names.get(r.unit_code)) ?? null, title: r.title, status: r.status,
      version: r.version, retiredOn: r.retired_on, retireReason: r.retire_reason,
      links: links.filter((l) => l.cadre_id === r.id).map((l) => ({ id: l.id, gridCode: l.grid_code, gridName: names.get(l.grid_code) ?? null, fromDate: l.from_date })),
    }));
  }

  async createCadre(principal: Principal, actor: AuditActor, input: CadreInput): Promise<number> {
    const home = await this.homeOf(principal, input);
    const id = await this.db.transaction(async (tx) => {
      const now = Date.now();
      const id = insertedId(await tx.insertInto('cadres').values({
        name: input.name, user_id: input.userId ?? null, unit_kind: input.unitKind, unit_code: input.unitCode, title: input.title, grid_code: home, status: 'active', created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'cadre.create', objectType: 'cadre', objectId: id, details: { unitKind: input.unitKind, unitCode: input.unitCode } }, now);
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  /** Edits a cadre's name, title, account and unit (the home grid follows the unit); version-checked. */
  async updateCadre(principal: Principal, actor: AuditActor, id: number, input: CadreInput & { version: number }): Promise<void> {
    const c = await this.requireCadre(this.db.primary, principal, CADRES_MANAGE, id);
    if (c.status !== 'active') throw new AppError(409, 'CADRE_RETIRED', { retiredOn: c.retired_on });
    const home = await this.homeOf(principal, input);
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      const r = await tx.updateTable('cadres').set({
        name: input.name, user_id: input.userId ?? null, unit_kind: input.unitKind, unit_code: input.unitCode, title: input.title, grid_code: home, version: input.version + 1, updated_at: now,
      }).where('id', '=', id).where('version', '=', input.version).where('status', '=', 'active').executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw conflict({ currentVersion: c.version });
      await appendAudit(tx, actor, {
        action: 'cadre.update', objectType: 'cadre', objectId: id,
        details: { before: { name: c.name, title: c.title, unitKind: c.unit_kind, unitCode: c.unit_code, userId: c.user_id }, after: { name: input.name, title: input.title, unitKind: input.unitKind, unitCode: input.unitCode, userId: input.userId ?? null } },
      }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  /**
   * Relinks a cadre: its current links in the caller's scope become exactly
   * `gridCodes` (links kept stay with their dates, dropped ones end today,
   * new ones start today), in one transaction; links outside the caller's
   * scope are not touched. Version-checked on the cadre.
   */
  async relink(principal: Principal, actor: AuditActor, id: number, input: { version: number; gridCodes: string[] }, today = shanghaiDate(Date.now())): Promise<void> {
    const db = this.db.primary;
    const c = await this.requireCadre(db, principal, CADRES_MANAGE, id);
    if (c.status !== 'active') throw new AppError(409, 'CADRE_RETIRED', { retiredOn: c.retired_on });
    const wanted = [...new Set(input.gridCodes)];
    const grids = wanted.length === 0 ? [] : await db.selectFrom('grids').select(['code', 'level']).where('code', 'in', wanted).where('status', '=', 'active').execute();
    const bad = wanted.filter((g) => !grids.some((x) => x.code === g && (x.level === 'community' || x.level === 'unit')));
    if (bad.length > 0) throw new AppError(422, 'CADRE_UNKNOWN_GRID', { gridCodes: bad });
    const manage = principal.scopesFor(CADRES_MANAGE);
    const outside = wanted.filter((g) => !gridInScope(g, manage));
    if (outside.length > 0) throw new AppError(403, 'CADRE_OUT_OF_SCOPE', { gridCodes: outside });
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      const r = await tx.updateTable('cadres').set({ version: input.version + 1, updated_at: now }).where('id', '=', id).where('version', '=', input.version).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw conflict({ currentVersion: c.version });
      const current = await tx.selectFrom('cadre_links').select(['id', 'grid_code']).where('cadre_id', '=', id).where('is_current', '=', 1).execute();
      const mine = current.filter((l) => gridInScope(l.grid_code, manage));
      const ended = mine.filter((l) => !wanted.includes(l.grid_code));
      if (ended.length > 0) await tx.updateTable('cadre_links').set({ to_date: today, is_current: toFlag(false) }).where('id', 'in', ended.map((l) => l.id)).execute();
      const added = wanted.filter((g) => !current.some((l) => l.grid_code === g));
      for (const g of added) await tx.insertInto('cadre_links').values({ cadre_id: id, grid_code: g, from_date: today, to_date: null, is_current: toFlag(true), created_at: now }).execute();
      await appendAudit(tx, actor, { action: 'cadre.relink', objectType: 'cadre', objectId: id, details: { ended: ended.map((l) => l.grid_code), added } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  /**
   * Deactivates a cadre (left the post): visits and links stay as history,
   * planned visits are cancelled, and the cadre no longer counts in 'who has
   * not visited this month' nor takes new visits.
   */
  async deactivate(principal: Principal, actor: AuditActor, id: number, input: { version: number; retiredOn: string; reason: string }): Promise<{ cancelledVisits: number }> {
    const c = await this.requireCadre(this.db.primary, principal, CADRES_MANAGE, id);
    if (c.status !== 'active') throw new AppError(409, 'CADRE_RETIRED', { retiredOn: c.retired_on });
    const cancelled = await this.db.transaction(async (tx) => {
      const now = Date.now();
      const r = await tx.updateTable('cadres').set({ status: 'retired', retired_on: input.retiredOn, retire_reason: input.reason, version: input.version + 1, updated_at: now })
        .where('id', '=', id).where('version', '=', input.version).where('status', '=', 'active').executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw conflict({ currentVersion: c.version });
      const planned = await tx.selectFrom('cadre_visits').select('id').where('cadre_id', '=', id).where('status', '=', 'planned').execute();
      if (planned.length > 0) await tx.updateTable('cadre_visits').set({ status: 'cancelled', updated_at: now }).where('id', 'in', planned.map((v) => v.id)).execute();
      await appendAudit(tx, actor, { action: 'cadre.deactivate', objectType: 'cadre', objectId: id, details: { retiredOn: input.retiredOn, reason: input.reason, cancelledVisits: planned.map((v) => v.id) } }, now);
      return planned.length;
    });
    this.db.noteWrite(principal.userId);
    return { cancelledVisits: cancelled };
  }

  /** The home grid of a cadre of this unit, checked against the caller's manage scope. */
  private async homeOf(principal: Principal, input: CadreInput): Promise<string> {
    const db = this.db.primary;
    let home: string;
    if (input.unitKind === 'street') {
      const s = await db.selectFrom('grids').select('code').where('code', '=', input.unitCode).where('level', '=', 'street').where('status', '=', 'active').executeTakeFirst();
      if (!s) throw new AppError(422, 'CADRE_UNKNOWN_UNIT', { unitCode: input.unitCode });
      home = s.code;
    } else {
      const d = await db.selectFrom('departments').select('code').where('code', '=', input.unitCode).executeTakeFirst();
      if (!d) throw new AppError(422, 'CADRE_UNKNOWN_UNIT', { unitCode: input.unitCode });
      // A district department's cadres belong to the district: only a district-wide scope adds them.
      const district = principal.scopesFor(CADRES_MANAGE).find((s) => s.kind === 'grid' && s.code.length === DISTRICT_LEN);
      if (!district) throw new AppError(403, 'CADRE_OUT_OF_SCOPE', { unitCode: input.unitCode });
      home = district.code;
    }
    if (!gridInScope(home, principal.scopesFor(CADRES_MANAGE))) throw new AppError(403, 'CADRE_OUT_OF_SCOPE', { unitCode: input.unitCode });
    if (input.userId != null && !(await db.selectFrom('users').select('id').where('id', '=', input.userId).executeTakeFirst())) {
      throw new AppError(422, 'CADRE_UNKNOWN_USER', { userId: input.userId });
    }
    return home;
  }

  async listCadres(principal: Principal, q: { gridCode?: string | undefined }): Promise<CadreView[]> {
    const db = this.db.reader(principal.userId);
    return this.views(db, await this.visibleCadreIds(db, this.scopes(principal, CADRES_READ, q.gridCode)));
  }

  async cadreView(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    await this.requireCadre(db, principal, CADRES_READ, id);
    const [view] = await this.views(db, [id]);
    const visits = await this.visitRows(db, principal, { cadreId: id, limit: 100 });
    return { ...view!, visits };
  }

  /** Links a cadre to a community or unit grid in the caller's scope (linking again changes nothing). */
  async link(principal: Principal, actor: AuditActor, cadreId: number, gridCode: string, today = shanghaiDate(Date.now())): Promise<void> {
    const db = this.db.primary;
    const g = await db.selectFrom('grids').select(['code', 'level']).where('code', '=', gridCode).where('status', '=', 'active').executeTakeFirst();
    if (!g || (g.level !== 'community' && g.level !== 'unit')) throw new AppError(422, 'CADRE_UNKNOWN_GRID', { gridCode });
    if (!gridInScope(gridCode, principal.scopesFor(CADRES_MANAGE))) throw new AppError(403, 'CADRE_OUT_OF_SCOPE', { gridCode });
    const c = await db.selectFrom('cadres').select(['id', 'unit_kind', 'status', 'retired_on']).where('id', '=', cadreId).executeTakeFirst();
    // A district department's cadre may be linked into the caller's grids before the caller sees it; another street's cadre may not.
    if (!c || (c.unit_kind !== 'department' && (await this.visibleCadreIds(db, principal.scopesFor(CADRES_MANAGE), [cadreId])).length === 0)) throw notFound('cadre');
    if (c.status !== 'active') throw new AppError(409, 'CADRE_RETIRED', { retiredOn: c.retired_on });
    await this.db.transaction(async (tx) => {
      const exists = await tx.selectFrom('cadre_links').select('id').where('cadre_id', '=', cadreId).where('grid_code', '=', gridCode).where('is_current', '=', 1).executeTakeFirst();
      if (exists) return;
      const now = Date.now();
      const id = insertedId(await tx.insertInto('cadre_links').values({ cadre_id: cadreId, grid_code: gridCode, from_date: today, to_date: null, is_current: toFlag(true), created_at: now }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'cadre.link', objectType: 'cadre', objectId: cadreId, details: { linkId: id, gridCode } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  async unlink(principal: Principal, actor: AuditActor, cadreId: number, linkId: number, today = shanghaiDate(Date.now())): Promise<void> {
    const link = await this.db.primary.selectFrom('cadre_links').selectAll().where('id', '=', linkId).where('cadre_id', '=', cadreId).where('is_current', '=', 1)
      .where((eb) => scopeFilter(eb, principal.scopesFor(CADRES_MANAGE), { grid: 'grid_code' })).executeTakeFirst();
    if (!link) throw notFound('cadre_link');
    await this.db.transaction(async (tx) => {
      await tx.updateTable('cadre_links').set({ to_date: today, is_current: toFlag(false) }).where('id', '=', link.id).execute();
      await appendAudit(tx, actor, { action: 'cadre.unlink', objectType: 'cadre', objectId: cadreId, details: { linkId, gridCode: link.grid_code } });
    });
    this.db.noteWrite(principal.userId);
  }

  // ---- visits ---------------------------------------------------------------------------

  /** Schedules a visit to a grid under one of the cadre's current links. */
  async scheduleVisit(principal: Principal, actor: AuditActor, cadreId: number, input: { gridCode: string; plannedOn: string }): Promise<number> {
    const db = this.db.primary;
    const cadre = await this.requireCadre(db, principal, CADRES_MANAGE, cadreId);
    if (cadre.status !== 'active') throw new AppError(409, 'CADRE_RETIRED', { retiredOn: cadre.retired_on });
    if (!gridInScope(input.gridCode, principal.scopesFor(CADRES_MANAGE))) throw new AppError(403, 'CADRE_OUT_OF_SCOPE', { gridCode: input.gridCode });
    const links = await db.selectFrom('cadre_links').select('grid_code').where('cadre_id', '=', cadreId).where('is_current', '=', 1).execute();
    if (!links.some((l) => input.gridCode.startsWith(l.grid_code))) throw new AppError(422, 'CADRE_NOT_LINKED', { gridCode: input.gridCode });
    const id = await this.db.transaction(async (tx) => {
      const now = Date.now();
      const id = insertedId(await tx.insertInto('cadre_visits').values({
        cadre_id: cadreId, grid_code: input.gridCode, planned_on: input.plannedOn, status: 'planned', visited_at: null, record: null, created_by: principal.userId, created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'cadre.visit.schedule', objectType: 'cadre_visit', objectId: id, details: { cadreId, gridCode: input.gridCode, plannedOn: input.plannedOn } }, now);
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  /** Records a planned visit as done, with its record and the problems found. */
  async recordVisit(principal: Principal, actor: AuditActor, visitId: number, input: { visitedAt?: string | undefined; record: string; findings: string[] }): Promise<void> {
    const v = await this.requireVisit(this.db.primary, principal, CADRES_MANAGE, visitId);
    if (v.status !== 'planned') throw new AppError(409, 'CADRE_VISIT_NOT_PLANNED', { status: v.status });
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      const r = await tx.updateTable('cadre_visits').set({ status: 'done', visited_at: input.visitedAt ? Date.parse(input.visitedAt) : now, record: input.record, updated_at: now })
        .where('id', '=', v.id).where('status', '=', 'planned').executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new AppError(409, 'CADRE_VISIT_NOT_PLANNED', { status: 'changed' });
      for (const f of input.findings) {
        await tx.insertInto('cadre_findings').values({ visit_id: v.id, grid_code: v.grid_code, description: f, incident_id: null, created_at: now }).execute();
      }
      await appendAudit(tx, actor, { action: 'cadre.visit.record', objectType: 'cadre_visit', objectId: v.id, details: { findings: input.findings.length } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  async cancelVisit(principal: Principal, actor: AuditActor, visitId: number): Promise<void> {
    const v = await this.requireVisit(this.db.primary, principal, CADRES_MANAGE, visitId);
    if (v.status !== 'planned') throw new AppError(409, 'CADRE_VISIT_NOT_PLANNED', { status: v.status });
    await this.db.transaction(async (tx) => {
      await tx.updateTable('cadre_visits').set({ status: 'cancelled', updated_at: Date.now() }).where('id', '=', v.id).execute();
      await appendAudit(tx, actor, { action: 'cadre.visit.cancel', objectType: 'cadre_visit', objectId: v.id });
    });
    this.db.noteWrite(principal.userId);
  }

  /**
   * Turns a finding into an incident (channel operator_walk_in: the cadre
   * brings the problem to the platform), on a unit grid inside the visited
   * grid, and links the two. The incident service checks the caller's
   * incidents.report scope and the category.
   */
  async findingToIncident(principal: Principal, actor: AuditActor, visitId: number, findingId: number, input: { gridCode?: string | undefined; categoryCode?: string | undefined }): Promise<{ incidentId: number; code: string }> {
    const v = await this.requireVisit(this.db.primary, principal, CADRES_MANAGE, visitId);
    const f = await this.db.primary.selectFrom('cadre_findings').selectAll().where('id', '=', findingId).where('visit_id', '=', v.id).executeTakeFirst();
    if (!f) throw notFound('cadre_finding');
    if (f.incident_id !== null) throw new AppError(409, 'CADRE_FINDING_HAS_INCIDENT', { incidentId: f.incident_id });
    const gridCode = input.gridCode ?? v.grid_code;
    if (!gridCode.startsWith(v.grid_code) || gridCode.length !== 15) throw new AppError(422, 'CADRE_INCIDENT_GRID', { gridCode });
    const cadre = await this.db.primary.selectFrom('cadres').select(['name']).where('id', '=', v.cadre_id).executeTakeFirstOrThrow();
    // The finding's id is the idempotency key: a retry after a lost link write finds the same incident.
    const res = await this.incidents.create(principal, actor, {
      channel: 'operator_walk_in', description: `【联点走访】${cadre.name}：${f.description}`, gridCode, ...(input.categoryCode ? { categoryCode: input.categoryCode } : {}),
    }, `cadre-finding-${f.id}`);
    const incident = (res.body as { incident?: { id: number; code: string } }).incident;
    if (!incident) throw new Error('incident create answered without an incident');
    await this.db.transaction(async (tx) => {
      await tx.updateTable('cadre_findings').set({ incident_id: incident.id }).where('id', '=', f.id).execute();
      await appendAudit(tx, actor, { action: 'cadre.finding.incident', objectType: 'cadre_visit', objectId: v.id, details: { findingId: f.id, incidentId: incident.id } });
    });
    this.db.noteWrite(principal.userId);
    return { incidentId: incident.id, code: incident.code };
  }

  private async visitRows(db: Db, principal: Principal, q: { id?: number; cadreId?: number | undefined; month?: string | undefined; status?: CadreVisitStatus | undefined; gridCode?: string | undefined; limit: number }) {
    let query = db.selectFrom('cadre_visits').innerJoin('cadres', 'cadres.id', 'cadre_visits.cadre_id')
      .select(['cadre_visits.id', 'cadre_visits.cadre_id', 'cadres.name as cadre_name', 'cadre_visits.grid_code', 'cadre_visits.planned_on', 'cadre_visits.status',
        'cadre_visits.visited_at', 'cadre_visits.record'])
      .where((eb) => scopeFilter(eb, this.scopes(principal, CADRES_READ, q.gridCode), { grid: 'cadre_visits.grid_code' }));
    if (q.id) query = query.where('cadre_visits.id', '=', q.id);
    if (q.cadreId) query = query.where('cadre_visits.cadre_id', '=', q.cadreId);
    if (q.status) query = query.where('cadre_visits.status', '=', q.status);
    if (q.month) query = query.where('cadre_visits.planned_on', '>=', `${q.month}-01`).where('cadre_visits.planned_on', '<=', `${q.month}-31`);
    const rows = await query.orderBy('cadre_visits.planned_on', 'desc').orderBy('cadre_visits.id', 'desc').limit(q.limit).execute();
    const findings = rows.length === 0 ? [] : await db.selectFrom('cadre_findings').leftJoin('incidents', 'incidents.id', 'cadre_findings.incident_id')
      .select(['cadre_findings.id', 'cadre_findings.visit_id', 'cadre_findings.description', 'cadre_findings.incident_id', 'incidents.code as incident_code'])
      .where('cadre_findings.visit_id', 'in', rows.map((r) => r.id)).orderBy('cadre_findings.id').execute();
    const names = await this.gridNames(db, rows.map((r) => r.grid_code));
    return rows.map((r) => ({
      id: r.id, cadreId: r.cadre_id, cadreName: r.cadre_name, gridCode: r.grid_code, gridName: names.get(r.grid_code) ?? null, plannedOn: r.planned_on, status: r.status,
      visitedAt: toIso(r.visited_at), record: r.record,
      findings: findings.filter((f) => f.visit_id === r.id).map((f) => ({ id: f.id, description: f.description, incidentId: f.incident_id, incidentCode: f.incident_code ?? null })),
    }));
  }

  listVisits(principal: Principal, q: { cadreId?: number | undefined; month?: string | undefined; status?: CadreVisitStatus | undefined; gridCode?: string | undefined; limit: number }) {
    return this.visitRows(this.db.reader(principal.userId), principal, q);
  }

  async visitView(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    await this.requireVisit(db, principal, CADRES_READ, id);
    const [row] = await this.visitRows(db, principal, { id, limit: 1 });
    if (!row) throw notFound('cadre_visit');
    return row;
  }

  /** Done visits of a month (Shanghai) whose grid lies under `linkGrid`, by cadre. */
  private async doneInMonth(db: Db, scopes: Scope[], month: string) {
    const { start, end } = monthRange(month);
    return db.selectFrom('cadre_visits').select(['cadre_id', 'grid_code', 'id'])
      .where('status', '=', 'done').where('visited_at', '>=', start).where('visited_at', '<', end)
      .where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).execute();
  }

  /**
   * Who has not visited this month: every current link (cadre × grid) in
   * scope with no done visit, in the month, to that grid or a grid under it.
   */
  async notVisited(principal: Principal, q: { month: string; gridCode?: string | undefined }) {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, CADRES_READ, q.gridCode);
    const links = await db.selectFrom('cadre_links').innerJoin('cadres', 'cadres.id', 'cadre_links.cadre_id')
      .select(['cadre_links.id', 'cadre_links.cadre_id', 'cadre_links.grid_code', 'cadres.name', 'cadres.title', 'cadres.unit_kind', 'cadres.unit_code'])
      .where('cadre_links.is_current', '=', 1).where('cadres.status', '=', 'active')
      .where((eb) => scopeFilter(eb, scopes, { grid: 'cadre_links.grid_code' })).orderBy('cadre_links.grid_code').orderBy('cadre_links.id').execute();
    const done = await this.doneInMonth(db, scopes, q.month);
    const missing = links.filter((l) => !done.some((v) => v.cadre_id === l.cadre_id && v.grid_code.startsWith(l.grid_code)));
    const names = await this.gridNames(db, missing.map((l) => l.grid_code));
    const planned = missing.length === 0 ? [] : await db.selectFrom('cadre_visits').select(['cadre_id', 'grid_code', 'planned_on'])
      .where('status', '=', 'planned').where('cadre_id', 'in', [...new Set(missing.map((l) => l.cadre_id))])
      .where('planned_on', '>=', `${q.month}-01`).where('planned_on', '<=', `${q.month}-31`).execute();
    return {
      month: q.month,
      links: links.length,
      items: missing.map((l) => ({
        linkId: l.id, cadreId: l.cadre_id, cadreName: l.name, title: l.title, unitKind: l.unit_kind, unitCode: l.unit_code, gridCode: l.grid_code, gridName: names.get(l.grid_code) ?? null,
        plannedOn: planned.filter((p) => p.cadre_id === l.cadre_id && p.grid_code.startsWith(l.grid_code)).map((p) => p.planned_on).sort()[0] ?? null,
      })),
    };
  }

  /** Visits per cadre in a month: done (by visit time), planned still open, findings and incidents made from them. */
  async figures(principal: Principal, q: { month: string; gridCode?: string | undefined }) {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, CADRES_READ, q.gridCode);
    const done = await this.doneInMonth(db, scopes, q.month);
    const planned = await db.selectFrom('cadre_visits').select(['cadre_id', (eb) => eb.fn.countAll().as('n')])
      .where('status', '=', 'planned').where('planned_on', '>=', `${q.month}-01`).where('planned_on', '<=', `${q.month}-31`)
      .where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).groupBy('cadre_id').execute();
    const findings = done.length === 0 ? [] : await db.selectFrom('cadre_findings').select(['visit_id', 'incident_id']).where('visit_id', 'in', done.map((v) => v.id)).execute();
    const visitCadre = new Map(done.map((v) => [v.id, v.cadre_id]));
    const ids = await this.visibleCadreIds(db, scopes);
    const views = await this.views(db, [...new Set([...ids, ...done.map((v) => v.cadre_id)])]);
    const items = views.map((c) => {
      const mine = findings.filter((f) => visitCadre.get(f.visit_id) === c.id);
      return {
        cadreId: c.id, name: c.name, unitKind: c.unitKind, unitName: c.unitName, links: c.links.length,
        done: done.filter((v) => v.cadre_id === c.id).length,
        planned: Number(planned.find((p) => p.cadre_id === c.id)?.n ?? 0),
        findings: mine.length, incidents: mine.filter((f) => f.incident_id !== null).length,
      };
    });
    items.sort((a, b) => b.done - a.done || a.cadreId - b.cadreId);
    return { month: q.month, totalDone: done.length, items };
  }
}
