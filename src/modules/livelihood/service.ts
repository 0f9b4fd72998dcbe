import type { Kysely, Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { fromJson, insertedId, toIso, toJson } from '../../infra/db/values.js';
import type { FileService } from '../../infra/files/files.js';
import { AppError, conflict, notFound } from '../../infra/http/errors.js';
import { dayRange, shanghaiDate, shanghaiMonth } from './rules/period.js';
import { decideLivelihood, type LivelihoodAction, type LivelihoodSource, type LivelihoodStatus } from './rules/state.js';
import type { LivelihoodNeedTable, Satisfaction } from './tables.js';
import './messages.js';

export const LIVELIHOOD_READ = 'livelihood.read';
export const LIVELIHOOD_MANAGE = 'livelihood.manage';

type Db = Kysely<Database>;
type NeedRow = Omit<LivelihoodNeedTable, 'id'> & { id: number };

const STREET_LEN = 9;
const COMMUNITY_LEN = 12;
const MAX_PERIOD_DAYS = 3 * 366;

export interface NeedInput {
  gridCode: string;
  title: string;
  description: string;
  source: LivelihoodSource;
  sourceRef?: string | null | undefined;
  residentId?: number | null | undefined;
  cadreVisitId?: number | null | undefined;
}

/** The joint meeting a need was decided by (docs/meetings.md). */
export interface NeedMeetingRef { decisionId: number; meetingId: number; title: string }

/**
 * 民生实事: needs collected from residents, visits and meetings, assessed,
 * approved as projects, advanced with photographed progress, done and given
 * residents' feedback. Status changes go through rules/state.ts; every change
 * checks the row's version (a concurrent change answers 409) and is audited.
 */
export class LivelihoodService {
  constructor(private readonly db: AppDb, private readonly files: FileService) {}

  private scopes(principal: Principal, perm: string, narrow?: string): Scope[] {
    const own = principal.scopesFor(perm);
    if (!narrow) return own;
    if (gridInScope(narrow, own)) return [{ kind: 'grid', code: narrow }];
    return own.filter((s) => s.kind === 'grid' && s.code.startsWith(narrow));
  }

  private async requireNeed(db: Db, principal: Principal, perm: string, id: number): Promise<NeedRow> {
    const n = await db.selectFrom('livelihood_needs').selectAll().where('id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(perm), { grid: 'grid_code' })).executeTakeFirst();
    if (!n) throw notFound('livelihood_need');
    return n;
  }

  private view(n: NeedRow, gridName: string | null, meetings: ReadonlyMap<number, NeedMeetingRef>) {
    const decisionId = n.meeting_decision_id === null ? null : Number(n.meeting_decision_id);
    const meeting = decisionId === null ? undefined : meetings.get(decisionId);
    return {
      id: n.id, gridCode: n.grid_code, gridName, title: n.title, description: n.description, source: n.source, sourceRef: n.source_ref,
      residentId: n.resident_id, cadreVisitId: n.cadre_visit_id, meetingDecisionId: decisionId,
      meeting: meeting ? { id: meeting.meetingId, title: meeting.title } : null, status: n.status, reason: n.reason, owner: n.owner, ownerDepartmentCode: n.owner_department_code,
      budget: n.budget_cents === null ? null : Number(n.budget_cents) / 100, deadline: n.deadline, progress: n.progress,
      collectedAt: toIso(n.collected_at)!, assessedAt: toIso(n.assessed_at), approvedAt: toIso(n.approved_at), doneAt: toIso(n.done_at), version: n.version,
    };
  }

  async collect(principal: Principal, actor: AuditActor, input: NeedInput): Promise<number> {
    await this.checkNeed(principal, input);
    const id = await this.db.transaction((tx) => this.writeNeed(tx, actor, principal, input, Date.now()));
    this.db.noteWrite(principal.userId);
    return id;
  }

  /**
   * Everything collect refuses (422 grid or source, 403 scope), before any
   * write: a joint meeting decision checks its need here and then writes it
   * with itself in one transaction (writeNeed).
   */
  async checkNeed(principal: Principal, input: NeedInput): Promise<void> {
    const db = this.db.primary;
    const g = await db.selectFrom('grids').select(['code', 'level']).where('code', '=', input.gridCode).where('status', '=', 'active').executeTakeFirst();
    if (!g || (g.level !== 'community' && g.level !== 'unit')) throw new AppError(422, 'LIVELIHOOD_UNKNOWN_GRID', { gridCode: input.gridCode });
    const scopes = principal.scopesFor(LIVELIHOOD_MANAGE);
    if (!gridInScope(input.gridCode, scopes)) throw new AppError(403, 'LIVELIHOOD_OUT_OF_SCOPE', { gridCode: input.gridCode });
    // A source named by id must exist where the caller may see it (the link is shown on the need).
    if (input.residentId != null) {
      const r = await db.selectFrom('residents').select('id').where('id', '=', input.residentId).where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).executeTakeFirst();
      if (!r) throw new AppError(422, 'LIVELIHOOD_UNKNOWN_SOURCE', { residentId: input.residentId });
    }
    if (input.cadreVisitId != null) {
      const v = await db.selectFrom('cadre_visits').select('id').where('id', '=', input.cadreVisitId).where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).executeTakeFirst();
      if (!v) throw new AppError(422, 'LIVELIHOOD_UNKNOWN_SOURCE', { cadreVisitId: input.cadreVisitId });
    }
  }

  /** Writes a need checked by checkNeed, and its audit record, in the caller's transaction (may run twice, as any callback). */
  async writeNeed(tx: Transaction<Database>, actor: AuditActor, principal: Principal, input: NeedInput & { meetingDecisionId?: number | undefined }, now: number): Promise<number> {
    const id = insertedId(await tx.insertInto('livelihood_needs').values({
      grid_code: input.gridCode, title: input.title, description: input.description, source: input.source, source_ref: input.sourceRef ?? null,
      resident_id: input.residentId ?? null, cadre_visit_id: input.cadreVisitId ?? null, meeting_decision_id: input.meetingDecisionId ?? null,
      status: 'collected', reason: null, owner: null, owner_department_code: null,
      budget_cents: null, deadline: null, progress: 0, collected_at: now, assessed_at: null, approved_at: null, done_at: null, created_by: principal.userId, updated_at: now, version: 1,
    }).executeTakeFirstOrThrow());
    await appendAudit(tx, actor, {
      action: 'livelihood.collect', objectType: 'livelihood_need', objectId: id,
      details: { gridCode: input.gridCode, source: input.source, ...(input.meetingDecisionId !== undefined ? { meetingDecisionId: input.meetingDecisionId } : {}) },
    }, now);
    return id;
  }

  async list(principal: Principal, q: { status?: LivelihoodStatus | undefined; gridCode?: string | undefined; q?: string | undefined; page: number; pageSize: number }) {
    const db = this.db.reader(principal.userId);
    let query = db.selectFrom('livelihood_needs').where((eb) => scopeFilter(eb, this.scopes(principal, LIVELIHOOD_READ, q.gridCode), { grid: 'grid_code' }));
    if (q.status) query = query.where('status', '=', q.status);
    const total = Number((await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await query.selectAll().orderBy('collected_at', 'desc').orderBy('id', 'desc').limit(q.pageSize).offset((q.page - 1) * q.pageSize).execute();
    const [names, meetings] = await Promise.all([this.gridNames(db, rows.map((r) => r.grid_code)), this.meetingsOf(db, rows)]);
    return { total, items: rows.map((r) => this.view(r, names.get(r.grid_code) ?? null, meetings)) };
  }

  /** The meetings whose decisions made these needs (the title is the meeting's, already in source_ref; the id links to it). */
  private async meetingsOf(db: Db, rows: NeedRow[]): Promise<Map<number, NeedMeetingRef>> {
    const ids = [...new Set(rows.map((r) => r.meeting_decision_id).filter((x): x is number => x !== null).map(Number))];
    if (ids.length === 0) return new Map();
    const found = await db.selectFrom('meeting_decisions').innerJoin('meetings', 'meetings.id', 'meeting_decisions.meeting_id')
      .select(['meeting_decisions.id', 'meetings.id as meetingId', 'meetings.title']).where('meeting_decisions.id', 'in', ids).execute();
    return new Map(found.map((m) => [Number(m.id), { decisionId: Number(m.id), meetingId: Number(m.meetingId), title: m.title }]));
  }

  private async gridNames(db: Db, codes: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(codes)];
    if (unique.length === 0) return new Map();
    const rows = await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', unique).execute();
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  async detail(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    const n = await this.requireNeed(db, principal, LIVELIHOOD_READ, id);
    const [updates, feedback, names, meetings] = await Promise.all([
      db.selectFrom('livelihood_updates').leftJoin('users', 'users.id', 'livelihood_updates.created_by')
        .select(['livelihood_updates.id', 'livelihood_updates.percent', 'livelihood_updates.note', 'livelihood_updates.photos', 'livelihood_updates.created_at', 'users.display_name'])
        .where('need_id', '=', id).orderBy('livelihood_updates.created_at').orderBy('livelihood_updates.id').execute(),
      db.selectFrom('livelihood_feedback').selectAll().where('need_id', '=', id).orderBy('id').execute(),
      this.gridNames(db, [n.grid_code]),
      this.meetingsOf(db, [n]),
    ]);
    return {
      ...this.view(n, names.get(n.grid_code) ?? null, meetings),
      updates: updates.map((u) => ({ id: u.id, percent: u.percent, note: u.note, photos: fromJson<string[]>(u.photos, []), at: toIso(u.created_at)!, by: u.display_name ?? null })),
      feedback: feedback.map((f) => ({ id: f.id, residentName: f.resident_name, satisfaction: f.satisfaction, comment: f.comment, at: toIso(f.created_at)! })),
    };
  }

  /** Applies one action of the state machine to a need, with its own row changes, under the version the client saw. */
  private async step(
    principal: Principal, actor: AuditActor, id: number, version: number, action: LivelihoodAction,
    extra: (now: number) => Partial<Omit<LivelihoodNeedTable, 'id'>>,
    after?: (tx: Parameters<Parameters<AppDb['transaction']>[0]>[0], n: NeedRow, now: number) => Promise<void>,
  ): Promise<void> {
    const n = await this.requireNeed(this.db.primary, principal, LIVELIHOOD_MANAGE, id);
    const d = decideLivelihood({ status: n.status, progress: n.progress }, action);
    if (!d.ok) throw new AppError(d.code === 'LIVELIHOOD_WRONG_STATUS' ? 409 : 422, d.code, { status: n.status });
    if (n.version !== version) throw conflict({ version: n.version });
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      const r = await tx.updateTable('livelihood_needs').set({ ...extra(now), status: d.next.status, progress: d.next.progress, updated_at: now, version: version + 1 })
        .where('id', '=', id).where('version', '=', version).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw conflict({ id });
      if (after) await after(tx, n, now);
      await appendAudit(tx, actor, { action: `livelihood.${action.kind}`, objectType: 'livelihood_need', objectId: id, details: { status: d.next.status } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  assess(principal: Principal, actor: AuditActor, id: number, input: { version: number; decision: 'accept' | 'reject'; reason: string }) {
    return this.step(principal, actor, id, input.version, { kind: 'assess', decision: input.decision, reason: input.reason },
      (now) => ({ assessed_at: now, reason: input.reason.trim() === '' ? null : input.reason.trim() }));
  }

  async approve(principal: Principal, actor: AuditActor, id: number, input: { version: number; owner: string; ownerDepartmentCode?: string | null | undefined; budget: number; deadline: string }) {
    if (input.ownerDepartmentCode) {
      const d = await this.db.primary.selectFrom('departments').select('code').where('code', '=', input.ownerDepartmentCode).executeTakeFirst();
      if (!d) throw new AppError(422, 'LIVELIHOOD_UNKNOWN_DEPARTMENT', { code: input.ownerDepartmentCode });
    }
    const budgetCents = Math.round(input.budget * 100);
    // More than two decimals is a typing error, not something to round away.
    if (Math.abs(budgetCents - input.budget * 100) > 1e-6) throw new AppError(422, 'LIVELIHOOD_BUDGET_INVALID', { budget: input.budget });
    return this.step(principal, actor, id, input.version,
      { kind: 'approve', owner: input.owner, budgetCents, deadline: input.deadline, today: shanghaiDate(Date.now()) },
      (now) => ({ approved_at: now, owner: input.owner.trim(), owner_department_code: input.ownerDepartmentCode ?? null, budget_cents: budgetCents, deadline: input.deadline }));
  }

  /** Photos must be stored files the caller uploaded (a hash alone grants nothing). */
  private async checkPhotos(principal: Principal, photos: string[]): Promise<string[]> {
    const unique = [...new Set(photos)];
    if (unique.length === 0) return [];
    const mine = await this.files.uploadedBy(principal.userId, unique);
    const refused = unique.filter((h) => !mine.has(h));
    if (refused.length > 0) throw new AppError(422, 'LIVELIHOOD_FILE_UNKNOWN', { hashes: refused });
    return unique;
  }

  async progress(principal: Principal, actor: AuditActor, id: number, input: { version: number; percent: number; note: string; photos: string[] }) {
    const photos = await this.checkPhotos(principal, input.photos);
    return this.step(principal, actor, id, input.version, { kind: 'progress', percent: input.percent, note: input.note }, () => ({}),
      async (tx, n, now) => {
        await tx.insertInto('livelihood_updates').values({ need_id: n.id, grid_code: n.grid_code, percent: input.percent, note: input.note, photos: toJson(photos), created_by: principal.userId, created_at: now }).execute();
      });
  }

  async complete(principal: Principal, actor: AuditActor, id: number, input: { version: number; note: string; photos: string[] }) {
    const photos = await this.checkPhotos(principal, input.photos);
    return this.step(principal, actor, id, input.version, { kind: 'complete', note: input.note }, (now) => ({ done_at: now }),
      async (tx, n, now) => {
        await tx.insertInto('livelihood_updates').values({ need_id: n.id, grid_code: n.grid_code, percent: 100, note: input.note, photos: toJson(photos), created_by: principal.userId, created_at: now }).execute();
      });
  }

  async feedback(principal: Principal, actor: AuditActor, id: number, input: { residentName: string; satisfaction: Satisfaction; comment: string }): Promise<number> {
    const n = await this.requireNeed(this.db.primary, principal, LIVELIHOOD_MANAGE, id);
    const d = decideLivelihood({ status: n.status, progress: n.progress }, { kind: 'feedback' });
    if (!d.ok) throw new AppError(409, d.code, { status: n.status });
    const fid = await this.db.transaction(async (tx) => {
      const now = Date.now();
      const fid = insertedId(await tx.insertInto('livelihood_feedback').values({
        need_id: n.id, grid_code: n.grid_code, resident_name: input.residentName, satisfaction: input.satisfaction, comment: input.comment, created_by: principal.userId, created_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'livelihood.feedback', objectType: 'livelihood_need', objectId: n.id, details: { feedbackId: fid, satisfaction: input.satisfaction } }, now);
      return fid;
    });
    this.db.noteWrite(principal.userId);
    return fid;
  }

  /** Whether `hash` is a photo of a need the caller may see (served through the need, not /api/files). */
  async photoOf(principal: Principal, id: number, hash: string): Promise<void> {
    const db = this.db.reader(principal.userId);
    await this.requireNeed(db, principal, LIVELIHOOD_READ, id);
    const updates = await db.selectFrom('livelihood_updates').select('photos').where('need_id', '=', id).execute();
    if (!updates.some((u) => fromJson<string[]>(u.photos, []).includes(hash))) throw notFound('file');
  }

  /**
   * Collected and done per street (or per community) and per month in a
   * period of Shanghai days: collected counts needs by their collection time,
   * done by their completion time, each in its own period.
   */
  async figures(principal: Principal, q: { from: string; to: string; by: 'street' | 'community'; gridCode?: string | undefined }) {
    if (q.from > q.to) throw new AppError(422, 'LIVELIHOOD_PERIOD_INVALID', { from: q.from, to: q.to });
    const { start, end } = dayRange(q.from, q.to);
    if (end - start > MAX_PERIOD_DAYS * 86_400_000) throw new AppError(422, 'LIVELIHOOD_PERIOD_INVALID', { from: q.from, to: q.to });
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, LIVELIHOOD_READ, q.gridCode);
    const collected = await db.selectFrom('livelihood_needs').select(['grid_code', 'collected_at as at'])
      .where('collected_at', '>=', start).where('collected_at', '<', end).where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).execute();
    const done = await db.selectFrom('livelihood_needs').select(['grid_code', 'done_at as at'])
      .where('done_at', '>=', start).where('done_at', '<', end).where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).execute();
    const len = q.by === 'street' ? STREET_LEN : COMMUNITY_LEN;
    const areas = new Map<string, { collected: number; done: number }>();
    const months = new Map<string, { collected: number; done: number }>();
    const bump = (map: Map<string, { collected: number; done: number }>, key: string, field: 'collected' | 'done') => {
      const v = map.get(key) ?? { collected: 0, done: 0 };
      v[field]++;
      map.set(key, v);
    };
    for (const r of collected) {
      bump(areas, r.grid_code.slice(0, len), 'collected');
      bump(months, shanghaiMonth(Number(r.at)), 'collected');
    }
    for (const r of done) {
      bump(areas, r.grid_code.slice(0, len), 'done');
      bump(months, shanghaiMonth(Number(r.at!)), 'done');
    }
    const names = await this.gridNames(db, [...areas.keys()]);
    return {
      from: q.from, to: q.to,
      total: { collected: collected.length, done: done.length },
      byArea: [...areas.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([code, v]) => ({ code, name: names.get(code) ?? code, ...v })),
      byMonth: [...months.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, v]) => ({ month, ...v })),
    };
  }
}
