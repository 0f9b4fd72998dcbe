/**
 * 三级联席会议: joint meetings of a community, a street or the district.
 * Agenda items come from hard cases (candidate sources), free items, or rise
 * from the level below; each decision becomes a tracked task, a new incident
 * created through the incident loop, or a 民生实事 need collected through the
 * livelihood module; what stays unresolved at the
 * close, or whose task goes overdue, rises to the next level's agenda.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, SYSTEM_ACTOR, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { codePrefix, gridInScope, type Scope } from '../../infra/auth/scope.js';
import { fromJson, insertedId, toIso, toJson } from '../../infra/db/values.js';
import { AppError, conflict, notFound } from '../../infra/http/errors.js';
import type { IncidentService } from '../incidents/service.js';
import { OPEN_STATUSES } from '../incidents/service.js';
import { LIVELIHOOD_MANAGE, type LivelihoodService, type NeedInput } from '../livelihood/service.js';
import { decisionOverdue, hardCaseReasons, levelOfCode, NEED_SETTLED_STATUSES, nextLevel, RETURNED_AT_LEAST, type HardCaseReason } from './rules/agenda.js';
import type { AgendaOutcome, AgendaSource, DecisionKind, MeetingDecisionTable, MeetingItemTable, MeetingLevel, MeetingTable } from './tables.js';
import './messages.js';

type MeetingRow = Selectable<MeetingTable>;
type ItemRow = Selectable<MeetingItemTable>;
type DecisionRow = Selectable<MeetingDecisionTable>;

export interface Attendee { name: string; unit?: string | undefined }

export interface MeetingView {
  id: number;
  level: MeetingLevel;
  grid: { code: string; name: string };
  title: string;
  heldAt: string;
  location: string | null;
  attendees: Attendee[];
  minutes: string | null;
  status: 'planned' | 'closed';
  version: number;
  itemCount: number;
  createdAt: string;
  closedAt: string | null;
}

export interface DecisionView {
  id: number;
  itemId: number;
  kind: DecisionKind;
  content: string;
  owner: string;
  deadline: string;
  status: 'open' | 'done';
  overdue: boolean;
  doneAt: string | null;
  incident: { id: number; code: string; status: string } | null;
  need: NeedRef | null;
  risenItemId: number | null;
}

/** A need decision's 民生实事 need; a rejected one keeps its reason, the meeting's answer. */
export interface NeedRef { id: number; title: string; gridCode: string; status: string; reason: string | null }

export interface ItemView {
  id: number;
  source: AgendaSource;
  title: string;
  note: string | null;
  outcome: AgendaOutcome;
  incident: { id: number; code: string; status: string } | null;
  risenFrom: { itemId: number; meetingId: number | null; level: MeetingLevel; gridCode: string; reason: string | null } | null;
  decisions: DecisionView[];
}

export interface MeetingDetail extends MeetingView {
  items: ItemView[];
}

export interface AgendaCandidate {
  source: AgendaSource;
  incidentId: number | null;
  code: string | null;
  title: string;
  gridCode: string;
  reasons: string[];
  due: string | null;
}

/**
 * A source of agenda candidates for a node. Hard cases of the incident loop
 * are built in; hot spots (another module) plug in through addCandidateSource.
 */
export interface AgendaCandidateSource {
  candidates(db: Kysely<Database>, nodeCode: string, now: number, limit: number): Promise<AgendaCandidate[]>;
}

export type DecisionInput =
  | { kind: 'task'; content: string; owner: string; deadline: string }
  | { kind: 'incident'; content: string; deadline: string; categoryCode: string; departmentCode: string; gridCode?: string | undefined }
  | { kind: 'need'; content: string; deadline: string; gridCode?: string | undefined; title?: string | undefined };

const CANDIDATE_LIMIT = 50;

/** Open incidents under the node that are escalated (吹哨), overdue, or returned twice or more. */
export const hardCaseSource: AgendaCandidateSource = {
  async candidates(db, nodeCode, now, limit) {
    const base = () => db.selectFrom('incidents')
      .select(['id', 'code', 'description', 'grid_code', 'status', 'due_at', 'is_open', 'return_count'])
      .where(codePrefix('incidents.grid_code', nodeCode))
      .where('status', 'in', [...OPEN_STATUSES]);
    const [escalated, overdue, returned] = await Promise.all([
      base().where((eb) => eb.exists(eb.selectFrom('incident_departments').select('incident_id')
        .whereRef('incident_departments.incident_id', '=', 'incidents.id').where('role', '=', 'called'))).orderBy('id', 'desc').limit(limit).execute(),
      base().where('is_open', '=', 1).where('due_at', '<', now).orderBy('due_at').limit(limit).execute(),
      base().where('return_count', '>=', RETURNED_AT_LEAST).orderBy('id', 'desc').limit(limit).execute(),
    ]);
    const escalatedIds = new Set(escalated.map((r) => Number(r.id)));
    const byId = new Map<number, (typeof escalated)[number]>();
    for (const r of [...escalated, ...overdue, ...returned]) byId.set(Number(r.id), r);
    return [...byId.values()].flatMap((r) => {
      const reasons = hardCaseReasons({
        open: true,
        escalated: escalatedIds.has(Number(r.id)),
        // The clock counts only while it runs (a case waiting on a supervisor's decision has is_open 0).
        dueAt: Number(r.is_open) === 1 && r.due_at !== null ? Number(r.due_at) : null,
        returnCount: Number(r.return_count),
      }, now);
      if (reasons.length === 0) return [];
      return [{
        source: reasons[0] as HardCaseReason, incidentId: Number(r.id), code: r.code, title: r.description.slice(0, 300),
        gridCode: r.grid_code, reasons, due: toIso(r.due_at),
      }];
    });
  },
};

export class MeetingService {
  private readonly sources: AgendaCandidateSource[] = [hardCaseSource];

  constructor(private readonly db: AppDb, private readonly incidents: IncidentService, private readonly livelihood: LivelihoodService) {}

  /** Another candidate source (e.g. hot spots); its candidates are offered beside the hard cases. */
  addCandidateSource(source: AgendaCandidateSource): void {
    this.sources.push(source);
  }

  // ---- meetings -------------------------------------------------------------

  async create(principal: Principal, actor: AuditActor, input: { gridCode: string; title: string; heldAt: string; location?: string | undefined; attendees: Attendee[] }): Promise<MeetingDetail> {
    const level = levelOfCode(input.gridCode);
    if (!level) throw new AppError(422, 'MEETING_NODE_INVALID', { gridCode: input.gridCode });
    if (!gridInScope(input.gridCode, principal.scopesFor('meetings.manage'))) throw new AppError(403, 'MEETING_OUT_OF_SCOPE', { gridCode: input.gridCode });
    const grid = await this.db.primary.selectFrom('grids').select(['code', 'level']).where('code', '=', input.gridCode).executeTakeFirst();
    if (!grid || grid.level !== level) throw new AppError(422, 'MEETING_NODE_INVALID', { gridCode: input.gridCode });
    const now = Date.now();
    const id = await this.db.transaction(async (tx) => {
      const meetingId = insertedId(await tx.insertInto('meetings').values({
        level, grid_code: input.gridCode, title: input.title, held_at: Date.parse(input.heldAt), location: input.location ?? null,
        attendees: toJson(input.attendees), minutes: null, status: 'planned', version: 1, created_by: principal.userId,
        created_at: now, closed_at: null, updated_at: now,
      }).executeTakeFirstOrThrow());
      // Items risen from below while no meeting of this node was planned join this one's agenda.
      await tx.updateTable('meeting_items').set({ meeting_id: meetingId, updated_at: now })
        .where('meeting_id', 'is', null).where('level', '=', level).where('grid_code', '=', input.gridCode).execute();
      await appendAudit(tx, actor, { action: 'meeting.create', objectType: 'meeting', objectId: meetingId, details: { level, gridCode: input.gridCode } }, now);
      return meetingId;
    });
    this.db.noteWrite(principal.userId);
    return this.detail(principal, id);
  }

  async list(principal: Principal, filter: { status?: 'planned' | 'closed' | undefined; level?: MeetingLevel | undefined } = {}): Promise<MeetingView[]> {
    const scopes = principal.scopesFor('meetings.read').filter((s) => s.kind === 'grid');
    if (scopes.length === 0) return [];
    let q = this.db.reader(principal.userId).selectFrom('meetings').selectAll()
      .where((eb) => eb.or(scopes.map((s) => codePrefix('meetings.grid_code', s.code))));
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.level) q = q.where('level', '=', filter.level);
    const rows = await q.orderBy('held_at', 'desc').limit(200).execute();
    return this.views(this.db.reader(principal.userId), rows);
  }

  async detail(principal: Principal, id: number): Promise<MeetingDetail> {
    const db = this.db.primary;
    const row = await this.visible(principal, id);
    const [view] = await this.views(db, [row]);
    const items = await db.selectFrom('meeting_items').selectAll().where('meeting_id', '=', id).orderBy('id').execute();
    const decisions = await db.selectFrom('meeting_decisions').selectAll().where('meeting_id', '=', id).orderBy('id').execute();
    const incidentIds = [...new Set([...items, ...decisions].map((x) => x.incident_id).filter((x): x is number => x !== null).map(Number))];
    const incidents = new Map((incidentIds.length === 0 ? [] : await db.selectFrom('incidents').select(['id', 'code', 'status']).where('id', 'in', incidentIds).execute())
      .map((r) => [Number(r.id), { id: Number(r.id), code: r.code, status: r.status }]));
    const needs = await needsOf(db, decisions);
    const fromIds = items.map((i) => i.risen_from_item_id).filter((x): x is number => x !== null).map(Number);
    const origins = new Map((fromIds.length === 0 ? [] : await db.selectFrom('meeting_items').select(['id', 'meeting_id', 'level', 'grid_code']).where('id', 'in', fromIds).execute())
      .map((r) => [Number(r.id), r]));
    const now = Date.now();
    return {
      ...view!,
      items: items.map((i) => {
        const origin = i.risen_from_item_id === null ? undefined : origins.get(Number(i.risen_from_item_id));
        return {
          id: Number(i.id), source: i.source, title: i.title, note: i.note, outcome: i.outcome,
          incident: i.incident_id === null ? null : incidents.get(Number(i.incident_id)) ?? null,
          risenFrom: origin ? { itemId: Number(origin.id), meetingId: origin.meeting_id === null ? null : Number(origin.meeting_id), level: origin.level, gridCode: origin.grid_code, reason: i.risen_reason } : null,
          decisions: decisions.filter((d) => Number(d.item_id) === Number(i.id)).map((d) => decisionView(d, incidents, needs, now)),
        };
      }),
    };
  }

  async update(principal: Principal, actor: AuditActor, id: number, input: { version: number; title?: string | undefined; heldAt?: string | undefined; location?: string | null | undefined; attendees?: Attendee[] | undefined; minutes?: string | null | undefined }): Promise<MeetingDetail> {
    const row = await this.manageable(principal, id);
    if (row.status !== 'planned') throw new AppError(409, 'MEETING_CLOSED');
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const result = await tx.updateTable('meetings').set({
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.heldAt !== undefined ? { held_at: Date.parse(input.heldAt) } : {}),
        ...(input.location !== undefined ? { location: input.location } : {}),
        ...(input.attendees !== undefined ? { attendees: toJson(input.attendees) } : {}),
        ...(input.minutes !== undefined ? { minutes: input.minutes } : {}),
        version: input.version + 1, updated_at: now,
      }).where('id', '=', id).where('version', '=', input.version).where('status', '=', 'planned').executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw conflict({ currentVersion: Number(row.version) });
      await appendAudit(tx, actor, { action: 'meeting.update', objectType: 'meeting', objectId: id, details: { fields: Object.keys(input).filter((k) => k !== 'version') } }, now);
    });
    this.db.noteWrite(principal.userId);
    return this.detail(principal, id);
  }

  /**
   * Closes the meeting. An item with a decision is decided; one without, or
   * named in `unresolvedItemIds`, is unresolved and rises to the parent
   * node's agenda (nothing rises above the district).
   */
  async close(principal: Principal, actor: AuditActor, id: number, input: { version: number; minutes?: string | undefined; unresolvedItemIds?: number[] | undefined }): Promise<MeetingDetail> {
    const row = await this.manageable(principal, id);
    if (row.status !== 'planned') throw new AppError(409, 'MEETING_CLOSED');
    const now = Date.now();
    const items = await this.db.primary.selectFrom('meeting_items').selectAll().where('meeting_id', '=', id).execute();
    const decided = new Set((await this.db.primary.selectFrom('meeting_decisions').select('item_id').where('meeting_id', '=', id).execute()).map((d) => Number(d.item_id)));
    const named = new Set(input.unresolvedItemIds ?? []);
    for (const itemId of named) if (!items.some((i) => Number(i.id) === itemId)) throw new AppError(422, 'MEETING_ITEM_UNKNOWN', { itemId });
    await this.db.transaction(async (tx) => {
      const result = await tx.updateTable('meetings').set({
        status: 'closed', closed_at: now, version: input.version + 1, updated_at: now,
        ...(input.minutes !== undefined ? { minutes: input.minutes } : {}),
      }).where('id', '=', id).where('version', '=', input.version).where('status', '=', 'planned').executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw conflict({ currentVersion: Number(row.version) });
      const risen: number[] = [];
      for (const item of items) {
        const unresolved = named.has(Number(item.id)) || !decided.has(Number(item.id));
        await tx.updateTable('meeting_items').set({ outcome: unresolved ? 'unresolved' : 'decided', updated_at: now }).where('id', '=', item.id).execute();
        if (unresolved) {
          const up = await riseItem(tx, item, 'unresolved', now);
          if (up !== null) risen.push(up);
        }
      }
      await appendAudit(tx, actor, { action: 'meeting.close', objectType: 'meeting', objectId: id, details: { items: items.length, risen: risen.length } }, now);
    });
    this.db.noteWrite(principal.userId);
    return this.detail(principal, id);
  }

  // ---- agenda ---------------------------------------------------------------

  async candidates(principal: Principal, id: number, now = Date.now()): Promise<AgendaCandidate[]> {
    const row = await this.visible(principal, id);
    const db = this.db.reader(principal.userId);
    const onAgenda = new Set((await db.selectFrom('meeting_items').select('incident_id').where('meeting_id', '=', id).where('incident_id', 'is not', null).execute()).map((r) => Number(r.incident_id)));
    const lists = await Promise.all(this.sources.map((s) => s.candidates(db, row.grid_code, now, CANDIDATE_LIMIT)));
    return lists.flat().filter((c) => c.incidentId === null || !onAgenda.has(c.incidentId));
  }

  async addItem(principal: Principal, actor: AuditActor, id: number, input: { source: Exclude<AgendaSource, 'risen'>; incidentId?: number | undefined; title?: string | undefined; note?: string | undefined }): Promise<MeetingDetail> {
    const row = await this.manageable(principal, id);
    if (row.status !== 'planned') throw new AppError(409, 'MEETING_CLOSED');
    let title = input.title?.trim() ?? '';
    let incidentId: number | null = null;
    if (input.incidentId !== undefined) {
      const incident = await this.db.primary.selectFrom('incidents').select(['id', 'code', 'grid_code', 'description']).where('id', '=', input.incidentId).executeTakeFirst();
      if (!incident || !gridInScope(incident.grid_code, principal.scopesFor('incidents.read'))) throw notFound('incident');
      if (!incident.grid_code.startsWith(row.grid_code)) throw new AppError(422, 'MEETING_INCIDENT_OUTSIDE', { incidentId: input.incidentId });
      const already = await this.db.primary.selectFrom('meeting_items').select('id').where('meeting_id', '=', id).where('incident_id', '=', input.incidentId).executeTakeFirst();
      if (already) throw new AppError(409, 'MEETING_ITEM_DUPLICATE', { incidentId: input.incidentId });
      incidentId = Number(incident.id);
      if (!title) title = incident.description.slice(0, 300);
    }
    if (!title) throw new AppError(422, 'MEETING_TITLE_REQUIRED');
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const itemId = insertedId(await tx.insertInto('meeting_items').values({
        meeting_id: id, level: row.level, grid_code: row.grid_code, source: input.source, incident_id: incidentId, title, note: input.note ?? null,
        outcome: 'open', risen_from_item_id: null, risen_reason: null, created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'meeting.item.add', objectType: 'meeting', objectId: id, details: { itemId, source: input.source, incidentId } }, now);
    });
    this.db.noteWrite(principal.userId);
    return this.detail(principal, id);
  }

  // ---- decisions ------------------------------------------------------------

  /**
   * Records a decision on an item. An incident decision is reported,
   * registered and dispatched to the named department through the incident
   * loop first (the caller's own rights: a desk role such as the street
   * command centre); its handling deadline then comes from the category,
   * while the meeting's deadline is tracked on the decision. A need decision
   * is checked as the livelihood module's collect checks it, then the need is
   * written in the decision's own transaction, linked to it.
   */
  async decide(principal: Principal, actor: AuditActor, id: number, itemId: number, input: DecisionInput): Promise<MeetingDetail> {
    const row = await this.manageable(principal, id);
    if (row.status !== 'planned') throw new AppError(409, 'MEETING_CLOSED');
    const item = await this.db.primary.selectFrom('meeting_items').selectAll().where('id', '=', itemId).where('meeting_id', '=', id).executeTakeFirst();
    if (!item) throw notFound('meeting item');
    const now = Date.now();
    const deadline = Date.parse(input.deadline);
    if (!(deadline > now)) throw new AppError(422, 'MEETING_DEADLINE_PAST', { deadline: input.deadline });
    let incidentId: number | null = null;
    let need: NeedInput | null = null;
    let owner: string;
    if (input.kind === 'incident') {
      owner = input.departmentCode;
      incidentId = await this.createIncident(principal, actor, row, item, input);
    } else if (input.kind === 'need') {
      need = await this.checkNeed(principal, row, item, input);
      owner = need.gridCode;
    } else {
      owner = input.owner;
    }
    await this.db.transaction(async (tx) => {
      const decisionId = insertedId(await tx.insertInto('meeting_decisions').values({
        meeting_id: id, item_id: itemId, kind: input.kind, content: input.content, owner, deadline_at: deadline, status: 'open', incident_id: incidentId,
        done_at: null, risen_item_id: null, created_by: principal.userId, created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      const needId = need ? await this.livelihood.writeNeed(tx, actor, principal, { ...need, meetingDecisionId: decisionId }, now) : null;
      await appendAudit(tx, actor, {
        action: 'meeting.decide', objectType: 'meeting', objectId: id,
        details: { decisionId, itemId, kind: input.kind, incidentId, ...(needId !== null ? { needId } : {}) },
      }, now);
    });
    this.db.noteWrite(principal.userId);
    return this.detail(principal, id);
  }

  private async createIncident(principal: Principal, actor: AuditActor, meeting: MeetingRow, item: ItemRow, input: Extract<DecisionInput, { kind: 'incident' }>): Promise<number> {
    // Everything is checked before the incident exists, so bad input leaves no half-made case behind.
    if (!['incidents.report', 'incidents.register', 'incidents.dispatch'].every((p) => gridInScope(meeting.grid_code, principal.scopesFor(p)))) {
      throw new AppError(403, 'MEETING_DECISION_NEEDS_INCIDENT_RIGHTS');
    }
    const db = this.db.primary;
    let gridCode = input.gridCode;
    if (!gridCode && item.incident_id !== null) {
      gridCode = (await db.selectFrom('incidents').select('grid_code').where('id', '=', item.incident_id).executeTakeFirst())?.grid_code;
    }
    if (!gridCode) throw new AppError(422, 'MEETING_GRID_REQUIRED');
    if (!gridCode.startsWith(meeting.grid_code)) throw new AppError(422, 'MEETING_INCIDENT_OUTSIDE', { gridCode });
    const category = await db.selectFrom('incident_categories').select('code').where('code', '=', input.categoryCode).where('status', '=', 'active').executeTakeFirst();
    if (!category) throw new AppError(422, 'MEETING_UNKNOWN_CATEGORY', { categoryCode: input.categoryCode });
    const department = await db.selectFrom('departments').select('code').where('code', '=', input.departmentCode).where('status', '=', 'active').executeTakeFirst();
    if (!department) throw new AppError(422, 'MEETING_UNKNOWN_DEPARTMENT', { departmentCode: input.departmentCode });
    const created = await this.incidents.create(principal, actor, {
      channel: 'operator_walk_in', description: `【${meetingLevelName(meeting.level)}联席会议】${input.content}`.slice(0, 2000), gridCode, categoryCode: input.categoryCode,
      externalRef: `meeting:${meeting.id}:item:${item.id}`,
    });
    const incident = (created.body as { incident: { id: string | number; version: number } }).incident;
    const incidentId = Number(incident.id);
    const registered = await this.incidents.act(principal, actor, incidentId, incident.version, { type: 'register', categoryCode: input.categoryCode, note: '联席会议决议' });
    await this.incidents.act(principal, actor, incidentId, registered.incident.version, { type: 'dispatch', leadDepartmentCode: input.departmentCode, note: '联席会议决议' });
    return incidentId;
  }

  /**
   * The need a need decision collects, checked before anything is written: a
   * community or unit grid under the meeting's node (by default the item's
   * incident's), and the caller allowed to collect needs there.
   */
  private async checkNeed(principal: Principal, meeting: MeetingRow, item: ItemRow, input: Extract<DecisionInput, { kind: 'need' }>): Promise<NeedInput> {
    let gridCode = input.gridCode;
    if (!gridCode && item.incident_id !== null) {
      gridCode = (await this.db.primary.selectFrom('incidents').select('grid_code').where('id', '=', item.incident_id).executeTakeFirst())?.grid_code;
    }
    if (!gridCode) throw new AppError(422, 'MEETING_NEED_GRID_REQUIRED');
    if (!gridCode.startsWith(meeting.grid_code)) throw new AppError(422, 'MEETING_GRID_OUTSIDE', { gridCode });
    if (!gridInScope(gridCode, principal.scopesFor(LIVELIHOOD_MANAGE))) throw new AppError(403, 'MEETING_DECISION_NEEDS_LIVELIHOOD_RIGHTS', { gridCode });
    const need: NeedInput = {
      gridCode, title: (input.title?.trim() || item.title).slice(0, 200), description: input.content, source: 'meeting', sourceRef: meeting.title,
    };
    await this.livelihood.checkNeed(principal, need);
    return need;
  }

  /** A task's owner reports it done (the meeting's managers record it). */
  async completeTask(principal: Principal, actor: AuditActor, decisionId: number): Promise<DecisionView> {
    const decision = await this.db.primary.selectFrom('meeting_decisions').selectAll().where('id', '=', decisionId).executeTakeFirst();
    if (!decision) throw notFound('meeting decision');
    await this.manageable(principal, Number(decision.meeting_id), 'meeting decision');
    if (decision.kind !== 'task') throw new AppError(409, 'MEETING_TASK_ONLY');
    const now = Date.now();
    if (decision.status === 'open') {
      await this.db.transaction(async (tx) => {
        await tx.updateTable('meeting_decisions').set({ status: 'done', done_at: now, updated_at: now }).where('id', '=', decisionId).where('status', '=', 'open').execute();
        await appendAudit(tx, actor, { action: 'meeting.task.done', objectType: 'meeting', objectId: Number(decision.meeting_id), details: { decisionId } }, now);
      });
      this.db.noteWrite(principal.userId);
    }
    const saved = await this.db.primary.selectFrom('meeting_decisions').selectAll().where('id', '=', decisionId).executeTakeFirstOrThrow();
    return decisionView(saved, new Map(), new Map(), now);
  }

  /**
   * The clock: incident decisions whose incident closed are done, need
   * decisions whose need is done or rejected too (at the need's time); open
   * decisions past their deadline raise their item to the next level once
   * (a claim on the decision row in the same transaction keeps it once
   * across nodes and reruns).
   */
  async sweep(now = Date.now()): Promise<{ done: number; risen: number }> {
    const db = this.db.primary;
    const openIncidents = await db.selectFrom('meeting_decisions').innerJoin('incidents', 'incidents.id', 'meeting_decisions.incident_id')
      .select(['meeting_decisions.id', 'incidents.closed_at'])
      .where('meeting_decisions.kind', '=', 'incident').where('meeting_decisions.status', '=', 'open').where('incidents.status', '=', 'closed').execute();
    for (const d of openIncidents) {
      await this.db.transaction((tx) => tx.updateTable('meeting_decisions').set({ status: 'done', done_at: d.closed_at ?? now, updated_at: now })
        .where('id', '=', d.id).where('status', '=', 'open').execute());
    }
    const settledNeeds = await db.selectFrom('meeting_decisions').innerJoin('livelihood_needs', 'livelihood_needs.meeting_decision_id', 'meeting_decisions.id')
      .select(['meeting_decisions.id', 'livelihood_needs.done_at', 'livelihood_needs.assessed_at'])
      .where('meeting_decisions.kind', '=', 'need').where('meeting_decisions.status', '=', 'open').where('livelihood_needs.status', 'in', [...NEED_SETTLED_STATUSES]).execute();
    for (const d of settledNeeds) {
      // A rejected need has no done_at: its assessment answered the meeting.
      const at = d.done_at ?? d.assessed_at ?? now;
      await this.db.transaction((tx) => tx.updateTable('meeting_decisions').set({ status: 'done', done_at: at, updated_at: now })
        .where('id', '=', d.id).where('status', '=', 'open').execute());
    }
    const overdue = await db.selectFrom('meeting_decisions').innerJoin('meeting_items', 'meeting_items.id', 'meeting_decisions.item_id')
      .select(['meeting_decisions.id', 'meeting_decisions.status', 'meeting_decisions.deadline_at', 'meeting_decisions.meeting_id'])
      .where('meeting_decisions.status', '=', 'open').where('meeting_decisions.deadline_at', '<', now)
      .where('meeting_decisions.risen_item_id', 'is', null).where('meeting_items.level', '!=', 'district').limit(500).execute();
    let risen = 0;
    for (const d of overdue) {
      if (!decisionOverdue({ status: d.status, deadlineAt: Number(d.deadline_at) }, now)) continue;
      const up = await this.db.transaction(async (tx) => {
        const decision = await tx.selectFrom('meeting_decisions').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow();
        const item = await tx.selectFrom('meeting_items').selectAll().where('id', '=', decision.item_id).executeTakeFirstOrThrow();
        // The claim: 0 marks "being raised" until the new item's id replaces it in this same transaction.
        const claimed = await tx.updateTable('meeting_decisions').set({ risen_item_id: 0, updated_at: now }).where('id', '=', d.id).where('risen_item_id', 'is', null).where('status', '=', 'open').executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) return null;
        const newId = await riseItem(tx, item, 'task_overdue', now);
        if (newId === null) return null;
        await tx.updateTable('meeting_decisions').set({ risen_item_id: newId }).where('id', '=', d.id).execute();
        await appendAudit(tx, SYSTEM_ACTOR, { action: 'meeting.decision.overdue', objectType: 'meeting', objectId: Number(d.meeting_id), details: { decisionId: Number(d.id), risenItemId: newId } }, now);
        return newId;
      });
      if (up !== null) risen++;
    }
    return { done: openIncidents.length + settledNeeds.length, risen };
  }

  // ---- scope ----------------------------------------------------------------

  /** A meeting the caller may read; another street's reads as not found. */
  private async visible(principal: Principal, id: number, objectType = 'meeting'): Promise<MeetingRow> {
    const row = await this.db.primary.selectFrom('meetings').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !gridInScope(row.grid_code, gridScopes(principal.scopesFor('meetings.read')))) throw notFound(objectType);
    return row;
  }

  private async manageable(principal: Principal, id: number, objectType = 'meeting'): Promise<MeetingRow> {
    const row = await this.visible(principal, id, objectType);
    if (!gridInScope(row.grid_code, principal.scopesFor('meetings.manage'))) throw new AppError(403, 'MEETING_OUT_OF_SCOPE', { gridCode: row.grid_code });
    return row;
  }

  private async views(db: Kysely<Database>, rows: MeetingRow[]): Promise<MeetingView[]> {
    if (rows.length === 0) return [];
    const codes = [...new Set(rows.map((r) => r.grid_code))];
    const names = new Map((await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', codes).execute()).map((g) => [g.code, g.name]));
    const ids = rows.map((r) => Number(r.id));
    const counts = new Map((await db.selectFrom('meeting_items').select(['meeting_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('meeting_id', 'in', ids).groupBy('meeting_id').execute()).map((c) => [Number(c.meeting_id), Number(c.n)]));
    return rows.map((r) => ({
      id: Number(r.id), level: r.level, grid: { code: r.grid_code, name: names.get(r.grid_code) ?? r.grid_code }, title: r.title,
      heldAt: toIso(r.held_at)!, location: r.location, attendees: fromJson<Attendee[]>(r.attendees, []), minutes: r.minutes, status: r.status,
      version: Number(r.version), itemCount: counts.get(Number(r.id)) ?? 0, createdAt: toIso(r.created_at)!, closedAt: toIso(r.closed_at),
    }));
  }
}

const gridScopes = (scopes: readonly Scope[]) => scopes.filter((s) => s.kind === 'grid');

function meetingLevelName(level: MeetingLevel): string {
  return level === 'community' ? '社区' : level === 'street' ? '街道' : '区级';
}

/** The needs made by these decisions, by decision id (the link lives on the need). */
async function needsOf(db: Kysely<Database>, decisions: DecisionRow[]): Promise<Map<number, NeedRef>> {
  const ids = decisions.filter((d) => d.kind === 'need').map((d) => Number(d.id));
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('livelihood_needs').select(['id', 'meeting_decision_id', 'title', 'grid_code', 'status', 'reason']).where('meeting_decision_id', 'in', ids).execute();
  return new Map(rows.map((n) => [Number(n.meeting_decision_id), { id: Number(n.id), title: n.title, gridCode: n.grid_code, status: n.status, reason: n.reason }]));
}

function decisionView(d: DecisionRow, incidents: ReadonlyMap<number, { id: number; code: string; status: string }>, needs: ReadonlyMap<number, NeedRef>, now: number): DecisionView {
  return {
    id: Number(d.id), itemId: Number(d.item_id), kind: d.kind, content: d.content, owner: d.owner, deadline: toIso(d.deadline_at)!, status: d.status,
    overdue: decisionOverdue({ status: d.status, deadlineAt: Number(d.deadline_at) }, now), doneAt: toIso(d.done_at),
    incident: d.incident_id === null ? null : incidents.get(Number(d.incident_id)) ?? null,
    need: needs.get(Number(d.id)) ?? null,
    risenItemId: d.risen_item_id === null || Number(d.risen_item_id) === 0 ? null : Number(d.risen_item_id),
  };
}

/**
 * Puts an item on the parent node's agenda: on its earliest planned meeting,
 * or waiting (meeting_id null) for the next one created there. Null at the
 * district, which has no level above.
 */
async function riseItem(tx: Transaction<Database>, item: ItemRow, reason: 'unresolved' | 'task_overdue', now: number): Promise<number | null> {
  const up = nextLevel(item.level, item.grid_code);
  if (!up) return null;
  const planned = await tx.selectFrom('meetings').select('id').where('level', '=', up.level).where('grid_code', '=', up.code).where('status', '=', 'planned')
    .orderBy('held_at').orderBy('id').limit(1).executeTakeFirst();
  return insertedId(await tx.insertInto('meeting_items').values({
    meeting_id: planned ? Number(planned.id) : null, level: up.level, grid_code: up.code, source: 'risen', incident_id: item.incident_id,
    title: item.title, note: item.note, outcome: 'open', risen_from_item_id: Number(item.id), risen_reason: reason, created_at: now, updated_at: now,
  }).executeTakeFirstOrThrow());
}
