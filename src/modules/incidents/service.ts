/**
 * The incident loop on the database: intake from every channel, every status
 * change through the state machine with an optimistic version check, the
 * timeline and the audit record in the same transaction, scope in every query.
 */
import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql, type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool, type Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, BUMP_HEAD, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { codePrefix, gridIndexHelps, gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { countUpTo } from '../../infra/db/count.js';
import { insertRows } from '../../infra/db/insert.js';
import { deferred } from '../../infra/db/mysql-driver.js';
import { fromJson, likeContains, toJson } from '../../infra/db/values.js';
import { AppError, conflict, notFound } from '../../infra/http/errors.js';
import { runIdempotent, type IdempotentResponse } from '../../infra/idempotency/idempotency.js';
import { toWgs84, type Crs } from '../grid/rules/coords.js';
import type { AttachmentPort } from './attachments.js';
import { documentTokens, indexDocuments, matchingIds, textMatches } from './search-index.js';
import { queryParts, queryRuns, tokensMatch, type QueryPart } from './rules/search-tokens.js';
import type { GridLocatorPort, TerritoryPort } from './locator.js';
import { REFUSAL_HTTP } from './messages.js';
import type { ReferenceData, ReferenceSnapshot } from './reference.js';
import { localYmd } from './rules/calendar.js';
import type { Workflows } from './rules/workflow.js';
import {
  allowedActions,
  currentStage,
  decide,
  openIncident,
  ROLE_NAMES,
  suggestDispatch,
  sweepWarning,
  taskOverdue,
  withTasks,
  type Action,
  type ActionType,
  type Actor,
  type DecideContext,
  type IncidentEventDraft,
  type IncidentState,
  type IncidentStatus,
  type RoleName,
} from './rules/state-machine.js';
import type { IncidentChannel, IncidentTable } from './tables.js';
import './messages.js';
import { syncTasks } from './tasks.js';

export const INCIDENT_CHANNELS: readonly IncidentChannel[] = ['grid_worker', 'citizen', 'hotline_12345', 'operator_phone', 'operator_walk_in', 'api', 'exchange_import', 'cascade_district', 'cascade_city'];
/** The channels a report names itself; the exchange import and the cascade set theirs. */
export const REPORT_CHANNELS: readonly IncidentChannel[] = INCIDENT_CHANNELS.filter((c) => c !== 'exchange_import' && c !== 'cascade_district' && c !== 'cascade_city');

/** Statuses with work still to do (deferred and final ones are not open). */
export const OPEN_STATUSES: readonly IncidentStatus[] = ['reported', 'registered', 'dispatched', 'handling', 'replied', 'verifying', 'verified'];

/** The permission a caller needs for each action, besides the state machine's role and scope grant. */
export const ACTION_PERMISSIONS: Readonly<Record<ActionType, readonly string[]>> = {
  accept: ['incidents.register'],
  register: ['incidents.register'],
  reject: ['incidents.register', 'incidents.dispatch'],
  merge: ['incidents.register', 'incidents.dispatch'],
  dispatch: ['incidents.dispatch'],
  return: ['incidents.handle'],
  'start-handling': ['incidents.handle'],
  reply: ['incidents.handle'],
  'request-extension': ['incidents.handle'],
  'request-defer': ['incidents.handle'],
  respond: ['incidents.handle'],
  // The centre (incidents.supervise) verifies where a case type's workflow says so; the state machine checks which.
  'start-verify': ['incidents.verify', 'incidents.supervise'],
  'verify-pass': ['incidents.verify', 'incidents.supervise'],
  'verify-fail': ['incidents.verify', 'incidents.supervise'],
  'self-resolve': ['incidents.verify'],
  close: ['incidents.close'],
  'approve-extension': ['incidents.supervise'],
  'refuse-extension': ['incidents.supervise'],
  'approve-defer': ['incidents.supervise'],
  'refuse-defer': ['incidents.supervise'],
  urge: ['incidents.supervise'],
  escalate: ['incidents.escalate'],
  assign: ['incidents.handle'],
};

export interface IncidentSettings {
  /** Radius within which open incidents of the same category are offered as duplicates. */
  duplicateRadiusM: number;
  amberFraction: number;
  /** Most rows an export may hold. */
  exportLimit: number;
  /**
   * Lists count their matches up to here and then say "more than": counting
   * all of a broad filter at full size costs more than the page itself, and
   * nobody pages through ten thousand cases (they narrow the filter or export).
   */
  listCountCap: number;
  /** How many of the newest incidents in scope a text search on MySQL tests before it asks the FULLTEXT index (searchRecent). */
  searchWindow: number;
}

export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = { duplicateRadiusM: 50, amberFraction: 0.8, exportLimit: 50_000, listCountCap: 10_000, searchWindow: 2000 };

/**
 * Runs inside the create transaction right after the incident row is inserted: a channel links its own
 * record to the new case atomically (throwing rolls the case back).
 */
export type CreateHook = (tx: Transaction<Database>, incidentId: number) => Promise<void>;

/**
 * Runs inside every status change's transaction after its events are appended (the cascade queues what the
 * other platform must be told, modules/cascade): it writes only to the database, and throwing rolls the change back.
 */
export type SaveHook = (tx: Kysely<Database>, incidentId: number, state: IncidentState, events: readonly IncidentEventDraft[]) => Promise<void>;

/** A change decided outside the state machine's actions (the cascade's rules): the new state and its events, or null for none. */
export type TransitionDecision = (state: IncidentState, row: { code: string; version: number }, ref: ReferenceSnapshot) => { next: IncidentState; events: IncidentEventDraft[] } | null;

export interface CreateIncidentInput {
  channel: IncidentChannel;
  description: string;
  position?: { lng: number; lat: number; crs: Crs } | undefined;
  address?: string | undefined;
  gridCode?: string | undefined;
  categoryCode?: string | undefined;
  photos?: string[] | undefined;
  reporter?: { name?: string | undefined; phone?: string | undefined } | undefined;
  externalRef?: string | undefined;
}

/** A finished case written with its own timeline (a closed case imported from another system, docs/exchange.md). */
export interface HistoryInput {
  state: IncidentState;
  events: readonly IncidentEventDraft[];
  channel: IncidentChannel;
  description: string;
  lng: number | null;
  lat: number | null;
  address: string | null;
  externalRef: string;
}

export type ImportedCase = { kind: 'intake'; input: CreateIncidentInput } | { kind: 'history'; history: HistoryInput };

export interface IncidentView {
  id: number;
  code: string;
  status: IncidentStatus;
  version: number;
  gridCode: string;
  communityCode: string;
  streetCode: string;
  /** Names of the unit grid, community and street (null until named, or for a code no grid has). */
  gridName: string | null;
  communityName: string | null;
  streetName: string | null;
  lng: number | null;
  lat: number | null;
  address: string | null;
  description: string;
  channel: IncidentChannel;
  reporterUserId: number | null;
  reporterName: string | null;
  reporterPhoneMasked: string | null;
  externalRef: string | null;
  categoryCode: string | null;
  leadDepartmentCode: string | null;
  coHandlerDepartmentCodes: string[];
  reportedAt: string;
  deadlines: { registerBy: string | null; dispatchBy: string | null; handleBy: string | null; verifyBy: string | null };
  dueAt: string | null;
  overdue: boolean;
  warning: 'none' | 'amber' | 'red';
  pendingRequest: string | null;
  urgeCount: number;
  /** When the case was last urged (督办), null when never. */
  lastUrgedAt: string | null;
  reworkCount: number;
  returnCount: number;
  extensionCount: number;
  mergedInto: number | null;
  closedAt: string | null;
  photos: string[];
  updatedAt: string;
  /** Who each department's part is assigned to, by name (lists and queues; lead first). */
  assignees?: { departmentCode: string; role: 'lead' | 'co'; userName: string | null }[];
}

export interface EventView {
  seq: number;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  actorUserId: number | null;
  actorRole: string | null;
  note: string | null;
  attachments: string[];
  data: Record<string, unknown>;
  at: string;
}

export interface DepartmentHandler {
  userId: number;
  name: string;
}

export interface DuplicateView {
  id: number;
  code: string;
  status: string;
  categoryCode: string | null;
  distanceM: number;
  description: string;
  reportedAt: string;
}

export interface ListFilter {
  status?: string[] | undefined;
  category?: string | undefined;
  grid?: string | undefined;
  department?: string | undefined;
  /** The lead department alone. */
  leadDepartment?: string | undefined;
  channel?: IncidentChannel | undefined;
  from?: number | undefined;
  to?: number | undefined;
  overdue?: boolean | undefined;
  urged?: boolean | undefined;
  /** Sent back by a failed verification at least once (返工): what the statistics count as reworked. */
  reworked?: boolean | undefined;
  /** Returned by a department at least once (退回). */
  returned?: boolean | undefined;
  warning?: 'none' | 'amber' | 'red' | undefined;
  q?: string | undefined;
  sort?: 'reportedAt' | 'dueAt' | 'updatedAt' | undefined;
  order?: 'asc' | 'desc' | undefined;
  /** Urged cases (督办) before the others, then the sort (a department's queue). */
  urgedFirst?: boolean | undefined;
  /** Only cases with an open part assigned to the caller. */
  assignedToMe?: boolean | undefined;
  /** Cases with an open part assigned to the caller before the others (a department's queue). */
  assignedFirst?: boolean | undefined;
}

export interface IncidentPage {
  items: IncidentView[];
  /** Matches; when `totalCapped`, more than this match. */
  total: number;
  totalCapped: boolean;
  page: number;
  pageSize: number;
}

export const QUEUES = ['to-register', 'to-dispatch', 'my-department', 'to-verify', 'to-close', 'to-approve', 'overdue', 'urged'] as const;
export type QueueName = (typeof QUEUES)[number];

/**
 * The permission that makes a queue the caller's work (the console shows a
 * queue, and the home counts it, only then); overdue and urged cases are the
 * supervisor's to press.
 */
export const QUEUE_PERMISSIONS: Readonly<Record<QueueName, string>> = {
  'to-register': 'incidents.register',
  'to-dispatch': 'incidents.dispatch',
  'my-department': 'incidents.handle',
  'to-verify': 'incidents.verify',
  'to-close': 'incidents.close',
  'to-approve': 'incidents.supervise',
  overdue: 'incidents.supervise',
  urged: 'incidents.supervise',
};

type IncidentRow = Selectable<IncidentTable>;
type Eb = ExpressionBuilder<Database, 'incidents'>;

const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(Number(ms)).toISOString());
const isoReq = (ms: number): string => new Date(Number(ms)).toISOString();

/** 13812345678 → 138****5678; anything else keeps its first 3 and last 2 characters. */
export function maskPhone(phone: string): string {
  const p = phone.replace(/[\s-]/g, '');
  if (p.length >= 11) return `${p.slice(0, 3)}****${p.slice(-4)}`;
  if (p.length <= 4) return '*'.repeat(p.length);
  return `${p.slice(0, 3)}${'*'.repeat(p.length - 5)}${p.slice(-2)}`;
}

/** Great-circle distance in metres. */
export function haversineM(lng1: number, lat1: number, lng2: number, lat2: number): number {
  const R = 6_371_008.8;
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLng = (lng2 - lng1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A query of digits only (four or more) looks for incident codes beginning with them. */
export function isCodeQuery(q: string): boolean {
  return /^\d{4,20}$/.test(q.trim());
}

/** The state machine's actor for a principal: its assignments of roles the machine knows. */
export function actorFor(principal: Principal): Actor {
  const roles = principal.assignments
    .filter((a) => (ROLE_NAMES as readonly string[]).includes(a.role))
    .map((a) => ({ role: a.role as RoleName, scope: a.scope }));
  return { userId: String(principal.userId), roles };
}

function canAct(principal: Principal, type: ActionType): boolean {
  return ACTION_PERMISSIONS[type].some((p) => principal.can(p));
}

/** State machine state as stored: everything but id and version (their columns are authoritative). */
function stateJson(state: IncidentState): string {
  const { id: _id, version: _version, ...rest } = state;
  return JSON.stringify(rest);
}

function stateOf(row: IncidentRow): IncidentState {
  // States saved before joint handling have no tasks: withTasks derives them.
  return withTasks({ ...(JSON.parse(row.state) as Omit<IncidentState, 'id' | 'version'>), id: String(row.id), version: Number(row.version) });
}

/** The queryable columns derived from a state (exported for the demo generator's bulk writer). */
export function columnsOf(state: IncidentState) {
  const stage = currentStage(state);
  return {
    status: state.status,
    category_code: state.categoryCode,
    lead_department_code: state.leadDepartmentCode,
    co_handler_codes: toJson(state.coHandlerDepartmentCodes),
    register_by: state.deadlines.registerBy,
    dispatch_by: state.deadlines.dispatchBy,
    handle_by: state.deadlines.handleBy,
    verify_by: state.deadlines.verifyBy,
    due_at: stage?.deadline ?? null,
    warning: state.warning,
    pending_request: state.extensionPending ? 'extension' : state.deferPending ? 'defer' : null,
    urge_count: state.urgeCount,
    rework_count: state.reworkCount,
    return_count: state.returnCount,
    extension_count: state.extensionCount,
    is_open: (OPEN_STATUSES.includes(state.status) ? 1 : 0) as 0 | 1,
    merged_into: state.mergedInto === null ? null : Number(state.mergedInto),
    closed_at: state.closedAt,
    state: stateJson(state),
  };
}

export function viewOf(row: IncidentRow, now = Date.now()): IncidentView {
  const due = row.due_at == null ? null : Number(row.due_at);
  return {
    id: Number(row.id),
    code: row.code,
    status: row.status as IncidentStatus,
    version: Number(row.version),
    gridCode: row.grid_code,
    communityCode: row.grid_code.slice(0, 12),
    streetCode: row.grid_code.slice(0, 9),
    gridName: null,
    communityName: null,
    streetName: null,
    lng: row.lng == null ? null : Number(row.lng),
    lat: row.lat == null ? null : Number(row.lat),
    address: row.address,
    description: row.description,
    channel: row.channel,
    reporterUserId: row.reporter_user_id == null ? null : Number(row.reporter_user_id),
    reporterName: row.reporter_name,
    reporterPhoneMasked: row.reporter_phone_masked,
    externalRef: row.external_ref,
    categoryCode: row.category_code,
    leadDepartmentCode: row.lead_department_code,
    coHandlerDepartmentCodes: fromJson<string[]>(row.co_handler_codes, []),
    reportedAt: isoReq(row.reported_at),
    deadlines: { registerBy: iso(row.register_by), dispatchBy: iso(row.dispatch_by), handleBy: iso(row.handle_by), verifyBy: iso(row.verify_by) },
    dueAt: iso(due),
    overdue: due !== null && Number(row.is_open) === 1 && now > due,
    warning: row.warning,
    pendingRequest: row.pending_request,
    urgeCount: Number(row.urge_count),
    // Only urged rows pay for parsing the state: most rows were never urged.
    lastUrgedAt: Number(row.urge_count) > 0 ? iso((JSON.parse(row.state) as { lastUrgedAt?: number | null }).lastUrgedAt) : null,
    reworkCount: Number(row.rework_count),
    returnCount: Number(row.return_count),
    extensionCount: Number(row.extension_count),
    mergedInto: row.merged_into == null ? null : Number(row.merged_into),
    closedAt: iso(row.closed_at),
    photos: fromJson<string[]>(row.photos, []),
    updatedAt: isoReq(row.updated_at),
  };
}

/**
 * Fills in the street, community and unit grid names of views (one query
 * for a page, a few for an export), so that people read places by name.
 */
export async function namePlaces<T extends IncidentView>(db: Kysely<Database>, views: T[]): Promise<T[]> {
  if (views.length === 0) return views;
  const codes = [...new Set(views.flatMap((v) => [v.gridCode, v.communityCode, v.streetCode]))];
  const names = new Map<string, string>();
  for (let i = 0; i < codes.length; i += 1000) {
    const rows = await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', codes.slice(i, i + 1000)).execute();
    for (const r of rows) names.set(r.code, r.name);
  }
  for (const v of views) {
    v.gridName = names.get(v.gridCode) ?? null;
    v.communityName = names.get(v.communityCode) ?? null;
    v.streetName = names.get(v.streetCode) ?? null;
  }
  return views;
}

export function eventView(e: {
  seq: number; action: string; from_status: string | null; to_status: string; actor_user_id: number | null;
  actor_role: string | null; note: string | null; attachments: string; data: string; at: number;
}): EventView {
  return {
    seq: Number(e.seq),
    action: e.action,
    fromStatus: e.from_status,
    toStatus: e.to_status,
    actorUserId: e.actor_user_id == null ? null : Number(e.actor_user_id),
    actorRole: e.actor_role,
    note: e.note,
    attachments: fromJson<string[]>(e.attachments, []),
    data: fromJson<Record<string, unknown>>(e.data, {}),
    at: isoReq(e.at),
  };
}

function refusalError(code: keyof typeof REFUSAL_HTTP, message: string): AppError {
  const m = REFUSAL_HTTP[code];
  return new AppError(m.status, m.code, { refusal: code, reason: message });
}

// Run on every report: plain SQL (the same on both dialects) costs less CPU than building the queries each time.
const BUMP_DAY_COUNTER = 'update incident_day_counters set seq = seq + 1 where day = ?';
const READ_DAY_COUNTER = 'select seq from incident_day_counters where day = ?';
// Both hot rows of a report, bumped just before (counter first, then the audit head, as every writer takes them), read in one round trip.
const READ_DAY_COUNTER_AND_HEAD = 'select c.seq as day_seq, h.seq as head_seq, h.hash as head_hash from incident_day_counters c cross join audit_head h where c.day = ? and h.id = 1';
const SET_CODE = 'update incidents set code = ? where id = ?';

export class IncidentService {
  private readonly knownDays = new Set<string>();
  /** Photos: checks the files an action names and links them to the incident (set by the platform; attachments.ts). */
  attachments: AttachmentPort | null = null;
  /** Department grids for the dispatch suggestion (set by the platform; none: the category alone suggests). */
  territory: TerritoryPort | null = null;
  /** Called in every save's transaction (set by the platform: the cascade's outbox). */
  onSaved: SaveHook | null = null;
  /** Write transactions go through the group-commit batcher (a plain transaction on MySQL). */

  constructor(
    private readonly db: AppDb,
    private readonly reference: ReferenceData,
    private readonly locator: GridLocatorPort,
    readonly settings: IncidentSettings = DEFAULT_INCIDENT_SETTINGS,
  ) {
  }

  private async coveringDepartments(lng: number | null, lat: number | null): Promise<string[]> {
    if (!this.territory || lng == null || lat == null) return [];
    return this.territory.coveringDepartments(Number(lng), Number(lat));
  }

  // ---- scope ----------------------------------------------------------------

  /**
   * Rows the caller may see with a permission: grid scope on the unit grid,
   * department scope on the lead department (scopeFilter), or a department
   * on the case as co-handler or called by escalation. Public so the command
   * overview counts exactly the cases the list shows.
   */
  visible(eb: Eb, scopes: readonly Scope[], options: { useGridIndex?: boolean } = {}): Expression<SqlBool> {
    const base = scopeFilter(eb, scopes, { grid: 'incidents.grid_code', department: 'incidents.lead_department_code' }, options);
    const departments = scopes.filter((s) => s.kind === 'department').map((s) => s.code);
    if (departments.length === 0) return base;
    return eb.or([
      base,
      eb.exists(
        eb
          .selectFrom('incident_departments')
          .select('incident_departments.incident_id')
          .whereRef('incident_departments.incident_id', '=', 'incidents.id')
          .where('incident_departments.department_code', 'in', departments),
      ),
    ]);
  }

  private async loadVisible(db: Kysely<Database>, principal: Principal, id: number): Promise<IncidentRow> {
    const scopes = principal.scopesFor('incidents.read');
    const row = await db
      .selectFrom('incidents')
      .selectAll()
      .where('id', '=', id)
      .where((eb) => this.visible(eb, scopes))
      .executeTakeFirst();
    if (!row) throw notFound('incident');
    return row;
  }

  private decideContext(ref: ReferenceSnapshot, handlers?: ReadonlyMap<string, readonly DepartmentHandler[]>): DecideContext {
    return {
      ...(handlers ? { departmentHandlers: (code: string) => (handlers.get(code) ?? []).map((h) => String(h.userId)) } : {}),
      calendar: ref.calendar,
      category: (code) => {
        const c = ref.categories.get(code);
        return c && c.status === 'active' ? c : undefined;
      },
      isDepartment: (code) => ref.departments.get(code)?.status === 'active',
      departmentStreet: (code) => ref.departments.get(code)?.streetCode ?? null,
      amberFraction: this.settings.amberFraction,
      workflows: ref.workflows,
    };
  }

  // ---- intake ---------------------------------------------------------------

  /**
   * One create for every channel. With an idempotency key, a retry replays
   * the first response and creates nothing.
   */
  async create(
    principal: Principal,
    actor: AuditActor,
    input: CreateIncidentInput,
    idempotencyKey?: string,
    within?: CreateHook,
  ): Promise<IdempotentResponse & { replayed: boolean }> {
    // Everything that reads outside the transaction happens first: SQLite has one connection.
    const prepared = await this.prepareCreate(principal, input);
    const write = (tx: Transaction<Database>) => this.createIn(tx, principal, actor, input, prepared, within);
    const result = idempotencyKey
      ? await runIdempotent<Transaction<Database>>(
          this.db.primary,
          (fn) => this.db.transaction(fn),
          { operation: 'POST /api/incidents', userId: principal.userId, key: idempotencyKey, payload: input },
          write,
        )
      : { ...(await this.db.transaction(write)), replayed: false };
    this.db.noteWrite(principal.userId);
    return result;
  }

  private async prepareCreate(principal: Principal, input: CreateIncidentInput) {
    const ref = await this.reference.get();
    const { gridCode, lng, lat } = await this.resolveGrid(input);
    if (!gridInScope(gridCode, principal.scopesFor('incidents.report'))) {
      throw new AppError(403, 'INCIDENT_REPORT_OUT_OF_SCOPE', { gridCode });
    }
    const now = Date.now();
    // A citizen's report, named or not, is not the entering user's own (the public intake enters it as no one);
    // nor is a case imported from another system, reported there by none of our users.
    const citizen = input.channel === 'citizen' || input.channel === 'exchange_import' || Boolean(input.reporter?.name || input.reporter?.phone);
    const reporterUserId = citizen ? null : principal.userId;
    const opened = openIncident(
      {
        id: '',
        gridCode,
        reportedAt: now,
        reporterUserId: reporterUserId === null ? null : String(reporterUserId),
        reporterIsGridWorker: reporterUserId !== null && actorFor(principal).roles.some((r) => r.role === 'grid_worker' && r.scope.kind === 'grid' && r.scope.code !== '' && gridCode.startsWith(r.scope.code)),
        categoryCode: input.categoryCode ?? null,
        note: input.description,
        photos: input.photos ?? [],
        data: { channel: input.channel, createdBy: principal.userId, ...(input.externalRef ? { externalRef: input.externalRef } : {}) },
      },
      this.decideContext(ref),
    );
    if (!opened.ok) throw refusalError(opened.refusal.code, opened.refusal.message);
    await this.attachments?.check(principal, opened.events);
    const day = localYmd(ref.calendar, now).replaceAll('-', '');
    await this.ensureDay(day);
    return { gridCode, lng, lat, now, reporterUserId, state: opened.next, events: opened.events, day };
  }

  private async resolveGrid(input: CreateIncidentInput): Promise<{ gridCode: string; lng: number | null; lat: number | null }> {
    let lng: number | null = null;
    let lat: number | null = null;
    let located: string | null = null;
    if (input.position) {
      [lng, lat] = toWgs84(input.position.lng, input.position.lat, input.position.crs);
      await this.locator.ready?.();
      located = this.locator.locate(lng, lat);
    }
    if (input.gridCode) {
      // The operator's explicit grid wins over the position (an address given by phone).
      const grid = await this.db.primary
        .selectFrom('grids')
        .select('code')
        .where('code', '=', input.gridCode)
        .where('level', '=', 'unit')
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (!grid) throw new AppError(422, 'INCIDENT_UNKNOWN_GRID', { gridCode: input.gridCode });
      return { gridCode: grid.code, lng, lat };
    }
    if (!located) throw new AppError(422, 'INCIDENT_LOCATION_UNRESOLVED');
    return { gridCode: located, lng, lat };
  }

  /** Makes sure the day's counter row exists, outside the create transaction (no gap-lock deadlocks on MySQL). */
  private async ensureDay(day: string): Promise<void> {
    if (this.knownDays.has(day)) return;
    const exists = await this.db.primary.selectFrom('incident_day_counters').select('day').where('day', '=', day).executeTakeFirst();
    if (!exists) {
      try {
        await this.db.primary.insertInto('incident_day_counters').values({ day, seq: 0 }).execute();
      } catch (err) {
        const again = await this.db.primary.selectFrom('incident_day_counters').select('day').where('day', '=', day).executeTakeFirst();
        if (!again) throw err;
      }
    }
    if (this.knownDays.size > 8) this.knownDays.clear();
    this.knownDays.add(day);
  }

  private async createIn(
    tx: Transaction<Database>,
    principal: Principal,
    actor: AuditActor,
    input: CreateIncidentInput,
    p: Awaited<ReturnType<IncidentService['prepareCreate']>>,
    within?: CreateHook,
  ): Promise<IdempotentResponse> {
    const { gridCode, lng, lat, now, reporterUserId, state, day } = p;
    // The day counter and the audit head are one row each that every report
    // updates: on MySQL the first report to update one holds it until its
    // commit, so those updates come last, after the rest of the work. The
    // incident is inserted under a placeholder code meanwhile (never seen
    // outside this transaction).
    const values = {
      code: `~${randomUUID().replaceAll('-', '').slice(0, 19)}`,
      version: 1,
      grid_code: gridCode,
      lng,
      lat,
      address: input.address ?? null,
      description: input.description,
      channel: input.channel,
      created_by: principal.userId,
      reporter_user_id: reporterUserId,
      reporter_name: input.reporter?.name ?? null,
      // Personal data: only the masked form is stored until field encryption is wired in.
      reporter_phone_masked: input.reporter?.phone ? maskPhone(input.reporter.phone) : null,
      external_ref: input.externalRef ?? null,
      reported_at: now,
      photos: toJson(input.photos ?? []),
      event_count: p.events.length,
      updated_at: now,
      ...columnsOf(state),
    };
    const result = await insertRows<Database, 'incidents'>(tx, 'incidents', [values]);
    const id = Number(result.insertId);
    // Before the day counter: a channel's own unique row (one case per 12345 order) fails fast here, and a
    // concurrent duplicate waits on that row, not on the counter.
    if (within) await within(tx, id);
    await this.appendEvents(tx, id, 0, p.events);
    const duplicates = lng !== null && lat !== null ? await this.nearby(tx, principal, { id, categoryCode: state.categoryCode, lng, lat }) : [];
    // On MySQL both bumps go with their read (one round trip), and the code, the text index, the audit record and the
    // COMMIT with the next: the day counter and the audit head, which every report takes, are held over two round trips
    // instead of three, so a late commit queues fewer reports behind it (docs/adr/0012-mysql-write-path.md).
    await tx.executeQuery(deferred(CompiledQuery.raw(BUMP_DAY_COUNTER, [day])));
    await tx.executeQuery(BUMP_HEAD);
    const hot = (await tx.executeQuery<{ day_seq: number | string; head_seq: number | string; head_hash: string }>(CompiledQuery.raw(READ_DAY_COUNTER_AND_HEAD, [day]))).rows[0];
    if (!hot) throw new Error(`no incident day counter for ${day}, or no audit head`);
    const code = `${day}${String(hot.day_seq).padStart(4, '0')}`;
    await tx.executeQuery(deferred(CompiledQuery.raw(SET_CODE, [code, id])));
    await indexDocuments(tx as unknown as Kysely<unknown>, this.db.dialect, [{ id, code, description: input.description, address: input.address ?? null, gridCode }]);
    await appendAudit(tx, actor, { action: 'incident.report', objectType: 'incident', objectId: id, details: { code, channel: input.channel, gridCode } }, now, { seq: hot.head_seq, hash: hot.head_hash });
    const row: IncidentRow = { ...values, code, id };
    // Unnamed places: the intake path stays as short as it was (the audit head is locked until commit).
    return { status: 201, body: { incident: viewOf(row, now), possibleDuplicates: duplicates } };
  }

  /**
   * Writes imported cases in one transaction, all or none: open ones through
   * the intake's own create (the caller needs incidents.report where each
   * lies), finished ones with their timelines as given. `within` runs for each
   * right after its row is inserted (the import's link row, whose unique index
   * makes a concurrent import of the same cases roll back); `finish` last.
   */
  async importCases(
    principal: Principal,
    actor: AuditActor,
    cases: readonly ImportedCase[],
    within: (tx: Transaction<Database>, index: number, incidentId: number) => Promise<void>,
    finish: (tx: Transaction<Database>) => Promise<void>,
  ): Promise<{ id: number; code: string }[]> {
    const ref = await this.reference.get();
    const prepared: (Awaited<ReturnType<IncidentService['prepareCreate']>> | string)[] = [];
    for (const c of cases) {
      if (c.kind === 'intake') {
        prepared.push(await this.prepareCreate(principal, c.input));
      } else {
        const day = localYmd(ref.calendar, c.history.state.reportedAt).replaceAll('-', '');
        await this.ensureDay(day);
        prepared.push(day);
      }
    }
    const written = await this.db.transaction(async (tx) => {
      const out: { id: number; code: string }[] = [];
      for (const [i, c] of cases.entries()) {
        const p = prepared[i]!;
        if (c.kind === 'intake' && typeof p !== 'string') {
          const created = await this.createIn(tx, principal, actor, c.input, p, (t, id) => within(t, i, id));
          const incident = (created.body as { incident: IncidentView }).incident;
          out.push({ id: incident.id, code: incident.code });
        } else if (c.kind === 'history' && typeof p === 'string') {
          out.push(await this.historyIn(tx, principal, actor, c.history, p, (t, id) => within(t, i, id)));
        }
      }
      await finish(tx);
      return out;
    });
    this.db.noteWrite(principal.userId);
    return written;
  }

  private async historyIn(tx: Transaction<Database>, principal: Principal, actor: AuditActor, h: HistoryInput, day: string, within: CreateHook): Promise<{ id: number; code: string }> {
    const now = Date.now();
    const values = {
      code: `~${randomUUID().replaceAll('-', '').slice(0, 19)}`,
      version: h.state.version,
      grid_code: h.state.gridCode,
      lng: h.lng,
      lat: h.lat,
      address: h.address,
      description: h.description,
      channel: h.channel,
      created_by: principal.userId,
      reporter_user_id: null,
      reporter_name: null,
      reporter_phone_masked: null,
      external_ref: h.externalRef,
      reported_at: h.state.reportedAt,
      photos: '[]',
      event_count: h.events.length,
      updated_at: now,
      ...columnsOf(h.state),
    };
    const id = Number((await insertRows<Database, 'incidents'>(tx, 'incidents', [values])).insertId);
    await within(tx, id);
    await this.appendEvents(tx, id, 0, h.events);
    if (h.state.leadDepartmentCode) await tx.insertInto('incident_departments').values({ incident_id: id, department_code: h.state.leadDepartmentCode, role: 'lead' }).execute();
    // Its code is of the day it was reported, as every case's.
    await tx.executeQuery(CompiledQuery.raw(BUMP_DAY_COUNTER, [day]));
    const counter = (await tx.executeQuery<{ seq: number | string }>(CompiledQuery.raw(READ_DAY_COUNTER, [day]))).rows[0];
    if (!counter) throw new Error(`no incident day counter for ${day}`);
    const code = `${day}${String(counter.seq).padStart(4, '0')}`;
    await tx.executeQuery(CompiledQuery.raw(SET_CODE, [code, id]));
    await indexDocuments(tx as unknown as Kysely<unknown>, this.db.dialect, [{ id, code, description: h.description, address: h.address, gridCode: h.state.gridCode }]);
    await appendAudit(tx, actor, { action: 'incident.import', objectType: 'incident', objectId: id, details: { code, channel: h.channel, gridCode: h.state.gridCode, externalRef: h.externalRef } }, now);
    return { id, code };
  }

  private async appendEvents(tx: Kysely<Database>, incidentId: number, lastSeq: number, events: readonly IncidentEventDraft[]): Promise<void> {
    if (events.length === 0) return;
    await insertRows<Database, 'incident_events'>(
      tx,
      'incident_events',
      events.map((e, i) => ({
        incident_id: incidentId,
        seq: lastSeq + i + 1,
        action: e.action,
        from_status: e.fromStatus,
        to_status: e.toStatus,
        actor_user_id: e.actorUserId === null ? null : Number(e.actorUserId),
        actor_role: e.actorRole,
        note: e.note,
        attachments: toJson(e.attachments),
        data: toJson(e.data),
        at: e.at,
      })),
      { deferred: true },
    );
    await this.attachments?.link(tx, incidentId, lastSeq, events);
  }

  /** Of these incident ids, those the caller may see (photo access goes by the incidents showing them). */
  async visibleIds(principal: Principal, ids: readonly number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const scopes = principal.scopesFor('incidents.read');
    const rows = await this.db.primary
      .selectFrom('incidents')
      .select('id')
      .where('id', 'in', [...ids])
      .where((eb) => this.visible(eb, scopes))
      .execute();
    return rows.map((r) => Number(r.id));
  }

  // ---- actions --------------------------------------------------------------

  /**
   * Takes one action on an incident the caller can see, if the caller's
   * version is current. Two callers with the same version: exactly one wins,
   * the other gets 409 CONFLICT with the current version.
   */
  async act(
    principal: Principal,
    actor: AuditActor,
    id: number,
    version: number,
    action: Exclude<Action, { type: 'merge' }>,
  ): Promise<{ incident: IncidentView; events: EventView[]; allowedActions: ActionType[]; possibleDuplicates?: DuplicateView[] }> {
    const ref = await this.reference.get();
    // Visibility first: an id outside the caller's scope answers 404 whatever the action.
    const row = await this.loadVisible(this.db.primary, principal, id);
    if (!canAct(principal, action.type)) throw refusalError('forbidden', `${action.type}: missing permission`);
    if (Number(row.version) !== version) throw conflict({ currentVersion: Number(row.version) });
    const state = stateOf(row);
    const now = Date.now();
    const handlers = action.type === 'assign' ? await this.departmentHandlers(state.tasks.map((t) => t.departmentCode)) : undefined;
    const decision = decide(state, action, actorFor(principal), now, this.decideContext(ref, handlers));
    if (!decision.ok) throw refusalError(decision.refusal.code, decision.refusal.message);
    await this.attachments?.check(principal, decision.events);
    const next = decision.next;
    const result = await this.db.transaction(async (tx) => {
      // The row as saved is the row read plus what save() wrote: no statement to read it back.
      const saved = await this.save(tx, row, next, decision.events, now);
      if (action.type === 'dispatch' || action.type === 'return' || action.type === 'escalate') await this.syncDepartments(tx, id, next);
      await syncTasks(tx, id, state.tasks, next.tasks);
      const duplicates =
        action.type === 'register' && saved.lng != null && saved.lat != null
          ? await this.nearby(tx, principal, { id, categoryCode: next.categoryCode, lng: Number(saved.lng), lat: Number(saved.lat) })
          : undefined;
      // Last: on MySQL the audit head is one row every write locks until its commit.
      await appendAudit(tx, actor, {
        action: `incident.${action.type}`,
        objectType: 'incident',
        objectId: id,
        details: { code: row.code, from: state.status, to: next.status, version: next.version },
      }, now);
      return { saved, duplicates };
    });
    this.db.noteWrite(principal.userId);
    const [incident] = await namePlaces(this.db.primary, [viewOf(result.saved, now)]);
    return {
      incident: incident!,
      events: decision.events.map((e, i) => draftView(e, Number(row.event_count) + i + 1)),
      allowedActions: this.allowed(principal, { ...next, id: String(id) }, now, ref.workflows),
      ...(result.duplicates ? { possibleDuplicates: result.duplicates } : {}),
    };
  }

  /** Writes the new state under the version check and appends its events; answers the row as it now is. */
  private async save(tx: Kysely<Database>, row: IncidentRow, next: IncidentState, events: readonly IncidentEventDraft[], now: number): Promise<IncidentRow> {
    const changes = { ...columnsOf(next), version: next.version, event_count: Number(row.event_count) + events.length, updated_at: now };
    const updated = await tx
      .updateTable('incidents')
      .set(changes)
      .where('id', '=', row.id)
      .where('version', '=', row.version)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      const current = await tx.selectFrom('incidents').select('version').where('id', '=', row.id).executeTakeFirst();
      throw conflict({ currentVersion: current ? Number(current.version) : null });
    }
    await this.appendEvents(tx, Number(row.id), Number(row.event_count), events);
    if (this.onSaved) await this.onSaved(tx, Number(row.id), next, events);
    return { ...row, ...changes };
  }

  /**
   * A system change of one case, decided by `decide` on its current state
   * (the cascade's rules): saved under the version check with its events, its
   * departments and tasks kept in step, the audit entry and `within` in the
   * same transaction. With `principal`, the case must be visible to it and
   * `version` current; without, it is the platform acting (a peer's message).
   */
  async transition(
    id: number,
    decideFn: TransitionDecision,
    opts: { principal?: Principal; version?: number; actor: AuditActor; audit: string; details?: Record<string, unknown>; within?: (tx: Kysely<Database>, saved: IncidentRow) => Promise<void> },
  ): Promise<{ incident: IncidentView; changed: boolean }> {
    const ref = await this.reference.get();
    const row = opts.principal
      ? await this.loadVisible(this.db.primary, opts.principal, id)
      : await this.db.primary.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('incident');
    if (opts.version !== undefined && Number(row.version) !== opts.version) throw conflict({ currentVersion: Number(row.version) });
    const state = stateOf(row);
    const decision = decideFn(state, { code: row.code, version: Number(row.version) }, ref);
    const now = Date.now();
    const saved = await this.db.transaction(async (tx) => {
      if (decision) {
        await this.save(tx, row, decision.next, decision.events, now);
        await this.syncDepartments(tx, id, decision.next);
        await syncTasks(tx, id, state.tasks, decision.next.tasks);
      }
      const current = await tx.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      await opts.within?.(tx, current);
      if (decision) {
        await appendAudit(tx, opts.actor, {
          action: opts.audit, objectType: 'incident', objectId: id,
          details: { code: row.code, from: state.status, to: decision.next.status, version: decision.next.version, ...(opts.details ?? {}) },
        }, now);
      }
      return current;
    });
    if (opts.principal) this.db.noteWrite(opts.principal.userId);
    const [incident] = await namePlaces(this.db.primary, [viewOf(saved, now)]);
    return { incident: incident!, changed: decision !== null };
  }

  /**
   * Makes incident_departments match the state, touching only rows that
   * change: deleting by incident alone would take InnoDB gap locks that
   * deadlock two concurrent dispatches of neighbouring incidents.
   */
  private async syncDepartments(tx: Kysely<Database>, id: number, state: IncidentState): Promise<void> {
    type Role = 'lead' | 'co' | 'called';
    const wanted: { department_code: string; role: Role }[] = [];
    if (state.leadDepartmentCode) wanted.push({ department_code: state.leadDepartmentCode, role: 'lead' });
    for (const c of state.coHandlerDepartmentCodes) wanted.push({ department_code: c, role: 'co' });
    for (const c of state.escalation) wanted.push({ department_code: c.departmentCode, role: 'called' });
    const key = (r: { department_code: string; role: string }) => `${r.role}:${r.department_code}`;
    const current = await tx.selectFrom('incident_departments').select(['department_code', 'role']).where('incident_id', '=', id).execute();
    const wantedKeys = new Set(wanted.map(key));
    const currentKeys = new Set(current.map(key));
    for (const r of current) {
      if (wantedKeys.has(key(r))) continue;
      await tx.executeQuery(deferred(tx.deleteFrom('incident_departments').where('incident_id', '=', id).where('department_code', '=', r.department_code).where('role', '=', r.role).compile()));
    }
    const added = wanted.filter((r, i) => !currentKeys.has(key(r)) && wanted.findIndex((w) => key(w) === key(r)) === i);
    // The writes go with the transaction's next statement on MySQL.
    if (added.length > 0) await tx.executeQuery(deferred(tx.insertInto('incident_departments').values(added.map((r) => ({ incident_id: id, ...r }))).compile()));
  }

  /** Active users holding the handler role in each of these departments, by name. */
  private async departmentHandlers(codes: readonly string[]): Promise<Map<string, DepartmentHandler[]>> {
    const byDepartment = new Map<string, DepartmentHandler[]>();
    if (codes.length === 0) return byDepartment;
    const rows = await this.db.primary
      .selectFrom('role_assignments')
      .innerJoin('users', 'users.id', 'role_assignments.user_id')
      .select(['role_assignments.scope_code', 'users.id', 'users.display_name'])
      .where('role_assignments.role_code', '=', 'handler')
      .where('role_assignments.scope_kind', '=', 'department')
      .where('role_assignments.scope_code', 'in', [...new Set(codes)])
      .where('users.status', '=', 'active')
      .orderBy('users.display_name')
      .orderBy('users.id')
      .execute();
    for (const r of rows) {
      const list = byDepartment.get(r.scope_code) ?? [];
      if (!list.some((h) => h.userId === Number(r.id))) list.push({ userId: Number(r.id), name: r.display_name });
      byDepartment.set(r.scope_code, list);
    }
    return byDepartment;
  }

  /**
   * Whom the caller may assign the case's parts to: for each department of
   * the case whose handler the caller is, that department's handlers (the
   * console's 指派 picker). 404 outside the caller's scope.
   */
  async assignees(principal: Principal, id: number): Promise<{ departmentCode: string; handlers: DepartmentHandler[] }[]> {
    const row = await this.loadVisible(this.db.primary, principal, id);
    const state = stateOf(row);
    const mine = new Set(actorFor(principal).roles.filter((r) => r.role === 'handler' && r.scope.kind === 'department').map((r) => r.scope.code));
    const codes = state.tasks.map((t) => t.departmentCode).filter((c) => mine.has(c));
    const handlers = await this.departmentHandlers(codes);
    return codes.map((departmentCode) => ({ departmentCode, handlers: handlers.get(departmentCode) ?? [] }));
  }

  /** Each view's assignees by name: one query for the page. */
  private async nameAssignees<T extends IncidentView>(db: Kysely<Database>, views: T[]): Promise<T[]> {
    if (views.length === 0) return views;
    const rows = await db
      .selectFrom('incident_tasks')
      .leftJoin('users', 'users.id', 'incident_tasks.assignee_user_id')
      .select(['incident_tasks.incident_id', 'incident_tasks.department_code', 'incident_tasks.role', 'users.display_name'])
      .where('incident_tasks.incident_id', 'in', views.map((v) => v.id))
      .where('incident_tasks.assignee_user_id', 'is not', null)
      .execute();
    for (const v of views) {
      v.assignees = rows
        .filter((r) => Number(r.incident_id) === v.id)
        .sort((a, b) => (a.role === b.role ? a.department_code.localeCompare(b.department_code) : a.role === 'lead' ? -1 : 1))
        .map((r) => ({ departmentCode: r.department_code, role: r.role, userName: r.display_name ?? null }));
    }
    return views;
  }

  allowed(principal: Principal, state: IncidentState, now: number, workflows: Workflows): ActionType[] {
    return allowedActions(state, actorFor(principal), now, { workflows }).filter((t) => canAct(principal, t));
  }

  // ---- merge ----------------------------------------------------------------

  /**
   * Merges a duplicate into another open incident: the duplicate becomes
   * 'merged' (its timeline stays), the survivor records a 'merge' event and
   * a link carrying the duplicate's reporter, so both reporters are kept.
   */
  async merge(principal: Principal, actor: AuditActor, id: number, version: number, intoId: number, note?: string) {
    const ref = await this.reference.get();
    const row = await this.loadVisible(this.db.primary, principal, id);
    const target = await this.loadVisible(this.db.primary, principal, intoId);
    if (!canAct(principal, 'merge')) throw refusalError('forbidden', 'merge: missing permission');
    if (Number(row.version) !== version) throw conflict({ currentVersion: Number(row.version) });
    if (target.id === row.id || Number(target.is_open) !== 1) throw new AppError(422, 'INCIDENT_MERGE_TARGET_INVALID');
    const now = Date.now();
    const decision = decide(stateOf(row), { type: 'merge', intoIncidentId: String(intoId), ...(note ? { note } : {}) }, actorFor(principal), now, this.decideContext(ref));
    if (!decision.ok) throw refusalError(decision.refusal.code, decision.refusal.message);
    const mergeEvent = decision.events[0]!;
    await this.db.transaction(async (tx) => {
      await this.save(tx, row, decision.next, decision.events, now);
      // Bumping the survivor's version takes its row lock before its timeline grows.
      await tx.updateTable('incidents').set({ version: sql`version + 1`, event_count: sql`event_count + 1`, updated_at: now }).where('id', '=', target.id).execute();
      const t = await tx.selectFrom('incidents').select(['event_count', 'status']).where('id', '=', target.id).executeTakeFirstOrThrow();
      await this.appendEvents(tx, Number(target.id), Number(t.event_count) - 1, [
        {
          ...mergeEvent,
          fromStatus: t.status as IncidentStatus,
          toStatus: t.status as IncidentStatus,
          data: { role: 'survivor', mergedIncidentId: Number(row.id), mergedCode: row.code },
        },
      ]);
      await tx
        .insertInto('incident_links')
        .values({
          incident_id: Number(target.id),
          linked_incident_id: Number(row.id),
          kind: 'merged',
          data: toJson({
            code: row.code,
            channel: row.channel,
            reporterUserId: row.reporter_user_id,
            reporterName: row.reporter_name,
            reporterPhoneMasked: row.reporter_phone_masked,
            reportedAt: Number(row.reported_at),
          }),
          created_by: principal.userId,
          created_at: now,
        })
        .execute();
      await appendAudit(tx, actor, { action: 'incident.merge', objectType: 'incident', objectId: Number(row.id), details: { code: row.code, into: target.code } }, now);
    });
    this.db.noteWrite(principal.userId);
    return this.detail(principal, intoId);
  }

  // ---- reads ----------------------------------------------------------------

  async detail(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    const row = await this.loadVisible(db, principal, id);
    const [events, links] = await Promise.all([
      db.selectFrom('incident_events').selectAll().where('incident_id', '=', id).orderBy('seq').execute(),
      db
        .selectFrom('incident_links')
        .selectAll()
        .where((eb) => eb.or([eb('incident_id', '=', id), eb('linked_incident_id', '=', id)]))
        .orderBy('id')
        .execute(),
    ]);
    const now = Date.now();
    const ref = await this.reference.get();
    const state = stateOf(row);
    const category = state.categoryCode ? ref.categories.get(state.categoryCode) : undefined;
    // Who acted, was assigned or replied a part, by display name (the timeline shows people, not ids).
    const taskPeople = state.tasks.flatMap((t) => [t.assigneeUserId, t.repliedBy]);
    const assignedInEvents = events.filter((e) => e.action === 'assign').map((e) => fromJson<Record<string, unknown>>(e.data, {}).assigneeUserId);
    const actorIds = [...new Set([...events.map((e) => e.actor_user_id), row.reporter_user_id, ...taskPeople, ...assignedInEvents]
      .filter((x) => x != null && x !== '' && Number.isFinite(Number(x))).map(Number))];
    const actors = actorIds.length > 0 ? await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', actorIds).execute() : [];
    const names = new Map(actors.map((a) => [Number(a.id), a.display_name]));
    const [incident] = await namePlaces(db, [viewOf(row, now)]);
    // The case this one was merged into, by its code (people never see internal ids).
    const mergedInto = row.merged_into == null ? undefined : await db.selectFrom('incidents').select('code').where('id', '=', Number(row.merged_into)).executeTakeFirst();
    const nameOf = (userId: unknown): string | null => (userId == null ? null : names.get(Number(userId)) ?? null);
    const timeline = events.map((e) => {
      const view = eventView(e);
      // An assignment names the person assigned (never their id) on the timeline.
      if (e.action === 'assign') view.data = { ...view.data, assigneeName: nameOf(view.data.assigneeUserId), previousAssigneeName: nameOf(view.data.previousAssigneeUserId) };
      return { ...view, actorName: nameOf(e.actor_user_id) };
    });
    return {
      incident: incident!,
      reporterUserName: row.reporter_user_id == null ? null : names.get(Number(row.reporter_user_id)) ?? null,
      mergedIntoCode: mergedInto?.code ?? null,
      timeline,
      // Who pressed the case, when and with what words, newest first (督办记录).
      urges: timeline.filter((e) => e.action === 'urge').reverse().map((e) => ({ at: e.at, actorName: e.actorName, note: e.note })),
      links: links.map((l) => ({
        kind: l.kind,
        incidentId: Number(l.incident_id),
        linkedIncidentId: Number(l.linked_incident_id),
        data: fromJson<Record<string, unknown>>(l.data, {}),
        at: isoReq(l.created_at),
      })),
      allowedActions: this.allowed(principal, state, now, ref.workflows),
      suggestedDispatch: category ? suggestDispatch(category, await this.coveringDepartments(row.lng, row.lat)) : null,
      extensionPending: state.extensionPending
        ? { ...state.extensionPending, requestedAt: isoReq(state.extensionPending.requestedAt) }
        : null,
      deferPending: state.deferPending ? { ...state.deferPending, requestedAt: isoReq(state.deferPending.requestedAt) } : null,
      tasks: state.tasks.map((t) => ({
        departmentCode: t.departmentCode,
        role: t.role,
        handleBy: iso(t.handleBy),
        status: t.status,
        overdue: taskOverdue(state, t, now),
        result: t.result,
        photos: [...t.photos],
        repliedAt: iso(t.repliedAt),
        repliedByName: nameOf(t.repliedBy),
        assigneeName: nameOf(t.assigneeUserId),
        assignedToMe: t.assigneeUserId === String(principal.userId),
        assignedAt: iso(t.assignedAt),
      })),
      escalation: state.escalation.map((c) => ({
        departmentCode: c.departmentCode,
        calledAt: isoReq(c.calledAt),
        respondBy: isoReq(c.respondBy),
        respondedAt: iso(c.respondedAt),
      })),
    };
  }

  /** Open incidents near a point (same category when it has one), in the caller's scope, nearest first. */
  private async nearby(
    db: Kysely<Database>,
    principal: Principal,
    at: { id: number | null; categoryCode: string | null; lng: number; lat: number },
  ): Promise<DuplicateView[]> {
    const r = this.settings.duplicateRadiusM;
    const dLat = r / 111_320;
    const dLng = r / (111_320 * Math.max(0.01, Math.cos((at.lat * Math.PI) / 180)));
    const scopes = principal.scopesFor('incidents.read');
    let q = db
      .selectFrom('incidents')
      .select(['id', 'code', 'status', 'category_code', 'lng', 'lat', 'description', 'reported_at'])
      .where('is_open', '=', 1)
      .where('lat', '>=', at.lat - dLat)
      .where('lat', '<=', at.lat + dLat)
      .where('lng', '>=', at.lng - dLng)
      .where('lng', '<=', at.lng + dLng)
      .where((eb) => this.visible(eb, scopes));
    if (at.categoryCode) q = q.where('category_code', '=', at.categoryCode);
    if (at.id !== null) q = q.where('id', '<>', at.id);
    const rows = await q.limit(200).execute();
    return rows
      .map((x) => ({
        id: Number(x.id),
        code: x.code,
        status: x.status,
        categoryCode: x.category_code,
        distanceM: Math.round(haversineM(at.lng, at.lat, Number(x.lng), Number(x.lat)) * 10) / 10,
        description: x.description.slice(0, 200),
        reportedAt: isoReq(x.reported_at),
      }))
      .filter((x) => x.distanceM <= r)
      .sort((a, b) => a.distanceM - b.distanceM || a.id - b.id)
      .slice(0, 20);
  }

  async duplicates(principal: Principal, id: number): Promise<DuplicateView[]> {
    const db = this.db.reader(principal.userId);
    const row = await this.loadVisible(db, principal, id);
    if (row.lng == null || row.lat == null) return [];
    return this.nearby(db, principal, { id, categoryCode: row.category_code, lng: Number(row.lng), lat: Number(row.lat) });
  }

  /** The caller's open part of the incident, for assignedToMe and the assigned-first order. */
  private openPartOf(eb: Eb, userId: number) {
    return eb
      .selectFrom('incident_tasks')
      .select('incident_tasks.incident_id')
      .whereRef('incident_tasks.incident_id', '=', 'incidents.id')
      .where('incident_tasks.assignee_user_id', '=', userId)
      .where('incident_tasks.status', '=', 'open');
  }

  private filtered(principal: Principal, filter: ListFilter, scopes: readonly Scope[], now: number) {
    const db = this.db.reader(principal.userId);
    // A search is narrowed by its own index (text or code): the scope's index would only widen the plan.
    const useGridIndex = !filter.q;
    let q = db.selectFrom('incidents').where((eb) => this.visible(eb, scopes, { useGridIndex }));
    if (filter.status && filter.status.length > 0) q = q.where('status', 'in', filter.status);
    if (filter.category) {
      const category = filter.category;
      q = category.length === 4 ? q.where('category_code', '=', category) : q.where(() => codePrefix('incidents.category_code', category));
    }
    if (filter.grid) {
      const grid = filter.grid;
      q = q.where(() => codePrefix('incidents.grid_code', grid, { useIndex: useGridIndex && gridIndexHelps(grid) }));
    }
    if (filter.department) {
      const dept = filter.department;
      q = q.where((eb) =>
        eb.or([
          eb('lead_department_code', '=', dept),
          eb.exists(
            eb.selectFrom('incident_departments').select('incident_departments.incident_id')
              .whereRef('incident_departments.incident_id', '=', 'incidents.id')
              .where('incident_departments.department_code', '=', dept),
          ),
        ]),
      );
    }
    if (filter.leadDepartment) q = q.where('lead_department_code', '=', filter.leadDepartment);
    if (filter.channel) q = q.where('channel', '=', filter.channel);
    if (filter.from !== undefined) q = q.where('reported_at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('reported_at', '<', filter.to);
    if (filter.overdue !== undefined) {
      q = filter.overdue
        ? q.where('is_open', '=', 1).where('due_at', '<', now)
        : q.where((eb) => eb.or([eb('is_open', '=', 0), eb('due_at', 'is', null), eb('due_at', '>=', now)]));
    }
    if (filter.urged !== undefined) q = filter.urged ? q.where('urge_count', '>', 0) : q.where('urge_count', '=', 0);
    if (filter.reworked !== undefined) q = filter.reworked ? q.where('rework_count', '>', 0) : q.where('rework_count', '=', 0);
    if (filter.returned !== undefined) q = filter.returned ? q.where('return_count', '>', 0) : q.where('return_count', '=', 0);
    if (filter.warning) q = q.where('warning', '=', filter.warning);
    if (filter.assignedToMe) q = q.where((eb) => eb.exists(this.openPartOf(eb, principal.userId)));
    if (filter.q) {
      const text = filter.q;
      const parts = queryParts(text);
      if (isCodeQuery(text)) q = q.where(() => codePrefix('incidents.code', text.trim()));
      else q = parts.length === 0 ? q.where(sql<SqlBool>`1 = 0`) : q.where(textMatches(this.db.dialect, parts));
    }
    return q;
  }

  /**
   * One page of the filtered list. The page's ids come from an index alone
   * (migration 0040 gives each common filter one), then only those rows are
   * read; the total is counted up to the list count cap (`totalCapped` says
   * more match). A text search goes through the text index (searchPage).
   */
  async list(principal: Principal, filter: ListFilter, page: number, pageSize: number, scopes = principal.scopesFor('incidents.read')): Promise<IncidentPage> {
    const now = Date.now();
    if (filter.q) return this.searchPage(principal, filter, scopes, page, pageSize, now);
    const base = this.filtered(principal, filter, scopes, now);
    const sortColumn = ({ reportedAt: 'reported_at', dueAt: 'due_at', updatedAt: 'updated_at' } as const)[filter.sort ?? 'reportedAt'];
    const order = filter.order ?? (filter.sort === 'dueAt' ? 'asc' : 'desc');
    let ordered = base.select('id');
    if (filter.assignedFirst) ordered = ordered.orderBy((eb) => eb.case().when(eb.exists(this.openPartOf(eb, principal.userId))).then(0).else(1).end());
    if (filter.urgedFirst) ordered = ordered.orderBy(sql`case when urge_count > 0 then 0 else 1 end`);
    const [idRows, total] = await Promise.all([
      ordered.orderBy(sortColumn, order).orderBy('id', order).limit(pageSize).offset((page - 1) * pageSize).execute(),
      countUpTo(this.db.reader(principal.userId), base, this.settings.listCountCap),
    ]);
    const items = await this.viewsInOrder(principal, scopes, idRows.map((r) => Number(r.id)), now);
    return { items, ...total, page, pageSize };
  }

  /**
   * A text search: ids from the text index, newest first. With grid scopes
   * and no other filter the index answers alone (its scope tokens narrow it);
   * otherwise the match is one more condition on the filtered list. The total
   * counts no further than the page: `totalCapped` says more match.
   */
  private async searchPage(principal: Principal, filter: ListFilter, scopes: readonly Scope[], page: number, pageSize: number, now: number): Promise<IncidentPage> {
    const offset = (page - 1) * pageSize;
    const parts = queryParts(filter.q ?? '');
    const db = this.db.reader(principal.userId);
    const { q: _text, sort: _sort, order: _order, urgedFirst: _urgedFirst, assignedFirst: _assignedFirst, ...others } = filter;
    const gridScopes = scopes.filter((s) => s.kind === 'grid').map((s) => s.code);
    const indexAlone = gridScopes.length === scopes.length && Object.values(others).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
    const code = isCodeQuery(filter.q ?? '');
    let ids: number[];
    if (scopes.length === 0 || (parts.length === 0 && !code)) ids = [];
    else if (code) {
      // Codes grow with time, so the code index walked backwards is newest first.
      const rows = await this.filtered(principal, filter, scopes, now).select('id').orderBy('code', 'desc').limit(pageSize + 1).offset(offset).execute();
      ids = rows.map((r) => Number(r.id));
    } else {
      const recent = this.db.dialect === 'mysql' ? await this.searchRecent(principal, filter, scopes, parts, offset + pageSize + 1, now) : null;
      if (recent) ids = recent.slice(offset, offset + pageSize + 1);
      else if (indexAlone) ids = await matchingIds(db as unknown as Kysely<unknown>, this.db.dialect, parts, gridScopes, pageSize + 1, offset);
      else {
        const rows = await this.filtered(principal, filter, scopes, now).select('id').orderBy('id', 'desc').limit(pageSize + 1).offset(offset).execute();
        ids = rows.map((r) => Number(r.id));
      }
    }
    const more = ids.length > pageSize;
    const items = await this.viewsInOrder(principal, scopes, ids.slice(0, pageSize), now);
    return { items, total: offset + items.length, totalCapped: more, page, pageSize };
  }

  /**
   * InnoDB's FULLTEXT answers a rare word at once but takes seconds over a
   * word in tens of thousands of incidents, which the newest incidents
   * answer instead: the newest `searchWindow` in scope are tested first
   * (a substring prefilter in SQL, then the index's own rule on the
   * candidates). Null when they do not fill `want` and older ones may match.
   */
  private async searchRecent(principal: Principal, filter: ListFilter, scopes: readonly Scope[], parts: readonly QueryPart[], want: number, now: number): Promise<number[] | null> {
    const db = this.db.reader(principal.userId);
    const recent = await this.filtered(principal, { ...filter, q: undefined }, scopes, now).select('id').orderBy('id', 'desc').limit(this.settings.searchWindow).execute();
    if (recent.length === 0) return [];
    let candidates = db.selectFrom('incidents').select(['id', 'code', 'description', 'address', 'grid_code']).where('id', 'in', recent.map((r) => Number(r.id)));
    for (const run of queryRuns(filter.q ?? '')) {
      const p = likeContains(run);
      candidates = candidates.where((eb) => eb.or(['code', 'description', 'address'].map((c) => sql<SqlBool>`lower(${sql.ref(`incidents.${c}`)}) like ${p} escape '!'`)));
    }
    const matched = (await candidates.execute())
      .filter((r) => tokensMatch(documentTokens({ id: Number(r.id), code: r.code, description: r.description, address: r.address, gridCode: r.grid_code }), parts))
      .map((r) => Number(r.id))
      .sort((a, b) => b - a);
    return matched.length >= want || recent.length < this.settings.searchWindow ? matched : null;
  }

  /** Of these cases, the views the caller may read (incidents.read), in the order given; ids not visible or not live are left out. */
  async viewsOf(principal: Principal, ids: readonly number[]): Promise<IncidentView[]> {
    return this.viewsInOrder(principal, principal.scopesFor('incidents.read'), ids, Date.now());
  }

  /** The rows of `ids` the scopes let the caller see, as views in that order. */
  private async viewsInOrder(principal: Principal, scopes: readonly Scope[], ids: readonly number[], now: number): Promise<IncidentView[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.reader(principal.userId).selectFrom('incidents').selectAll().where('id', 'in', [...ids]).where((eb) => this.visible(eb, scopes)).execute();
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    const views = ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [viewOf(row, now)] : [];
    });
    const db = this.db.reader(principal.userId);
    return this.nameAssignees(db, await namePlaces(db, views));
  }

  /** What waits on the caller, in the scope of the permission the queue's work needs. */
  async queue(principal: Principal, queue: QueueName, page: number, pageSize: number, extra: ListFilter = {}) {
    const now = Date.now();
    const spec: Record<QueueName, { permission: string; filter: ListFilter }> = {
      'to-register': { permission: 'incidents.register', filter: { status: ['reported'], sort: 'dueAt' } },
      'to-dispatch': { permission: 'incidents.dispatch', filter: { status: ['registered'], sort: 'dueAt' } },
      // Urged cases first: the supervisor's pressure reaches the department at the top of its list.
      // The caller's own assigned cases come first, then urged ones: both reach the person at the top of the list.
      'my-department': { permission: 'incidents.handle', filter: { status: ['dispatched', 'handling'], sort: 'dueAt', assignedFirst: true, urgedFirst: true } },
      'to-verify': { permission: 'incidents.verify', filter: { status: ['replied', 'verifying'], sort: 'dueAt' } },
      'to-close': { permission: 'incidents.close', filter: { status: ['verified'], sort: 'updatedAt', order: 'asc' } },
      'to-approve': { permission: 'incidents.supervise', filter: { status: ['dispatched', 'handling'], sort: 'updatedAt', order: 'asc' } },
      overdue: { permission: 'incidents.read', filter: { overdue: true, sort: 'dueAt' } },
      urged: { permission: 'incidents.read', filter: { urged: true, status: [...OPEN_STATUSES], sort: 'dueAt' } },
    };
    const { permission, filter } = spec[queue];
    let scopes = principal.scopesFor(permission);
    // A department's queue is its department scopes only (a grid-scoped handler would be a misconfiguration).
    if (queue === 'my-department') scopes = scopes.filter((s) => s.kind === 'department');
    if (queue === 'to-approve') {
      const result = await this.listPending(principal, scopes, page, pageSize, now, extra);
      return result;
    }
    return this.list(principal, { ...filter, ...extra }, page, pageSize, scopes);
  }

  /**
   * The caller's queues (those its permissions make its work) with how many
   * wait in each and how many of those were urged: the home page's counts.
   */
  async queueSummary(principal: Principal): Promise<{ queue: QueueName; total: number; totalCapped: boolean; urged: number; urgedCapped: boolean }[]> {
    const mine = QUEUES.filter((q) => principal.can(QUEUE_PERMISSIONS[q]));
    return Promise.all(
      mine.map(async (queue) => {
        const [all, urged] = await Promise.all([
          this.queue(principal, queue, 1, 1),
          queue === 'urged' ? null : this.queue(principal, queue, 1, 1, { urged: true }),
        ]);
        return { queue, total: all.total, totalCapped: all.totalCapped, urged: urged ? urged.total : all.total, urgedCapped: urged ? urged.totalCapped : all.totalCapped };
      }),
    );
  }

  private async listPending(principal: Principal, scopes: Scope[], page: number, pageSize: number, now: number, extra: ListFilter = {}) {
    const base = this.filtered(principal, { ...extra, status: ['dispatched', 'handling'] }, scopes, now).where('pending_request', 'is not', null);
    const [rows, total] = await Promise.all([
      base.selectAll().orderBy('updated_at', 'asc').orderBy('id').limit(pageSize).offset((page - 1) * pageSize).execute(),
      countUpTo(this.db.reader(principal.userId), base, this.settings.listCountCap),
    ]);
    const db = this.db.reader(principal.userId);
    return { items: await this.nameAssignees(db, await namePlaces(db, rows.map((r) => viewOf(r, now)))), ...total, page, pageSize };
  }

  /**
   * Positions of the filtered incidents for the map (id, code, status, warning,
   * overdue, lng/lat), newest first, at most `limit`; `truncated` says more matched.
   */
  async mapPoints(principal: Principal, filter: ListFilter, limit: number) {
    const now = Date.now();
    const rows = await this.filtered(principal, filter, principal.scopesFor('incidents.read'), now)
      .where('lng', 'is not', null)
      .where('lat', 'is not', null)
      .select(['id', 'code', 'status', 'warning', 'lng', 'lat', 'due_at', 'is_open', 'category_code'])
      .orderBy('reported_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return {
      items: rows.slice(0, limit).map((r) => ({
        id: Number(r.id),
        code: r.code,
        status: r.status as IncidentStatus,
        warning: r.warning,
        overdue: r.due_at != null && Number(r.is_open) === 1 && now > Number(r.due_at),
        categoryCode: r.category_code,
        lng: Number(r.lng),
        lat: Number(r.lat),
      })),
      truncated: rows.length > limit,
    };
  }

  /** Chinese names of categories (大类 / 小类) and departments, for an export. */
  async exportNames(): Promise<{ category(code: string | null): string; department(code: string | null): string }> {
    const ref = await this.reference.get();
    const major = new Map(ref.majors.map((m) => [m.code, m.nameZh]));
    return {
      category(code) {
        if (!code) return '';
        const c = ref.categories.get(code);
        return c ? `${major.get(c.majorCode) ?? c.majorCode} / ${c.nameZh}` : major.get(code) ?? code;
      },
      department: (code) => (code ? ref.departments.get(code)?.name ?? code : ''),
    };
  }

  /** The id of a case the caller can see, by its case code (404 otherwise). */
  async idOfCode(principal: Principal, code: string): Promise<number> {
    const row = await this.db.primary
      .selectFrom('incidents')
      .select('id')
      .where('code', '=', code)
      .where((eb) => this.visible(eb, principal.scopesFor('incidents.read')))
      .executeTakeFirst();
    if (!row) throw notFound('incident');
    return Number(row.id);
  }

  /** The filtered list for export, refused above the export limit (narrow the filter). */
  async exportRows(principal: Principal, filter: ListFilter): Promise<IncidentView[]> {
    const now = Date.now();
    const scopes = principal.scopesFor('incidents.read');
    const base = this.filtered(principal, filter, scopes, now);
    const { totalCapped } = await countUpTo(this.db.reader(principal.userId), base, this.settings.exportLimit);
    if (totalCapped) throw new AppError(422, 'INCIDENT_EXPORT_TOO_LARGE', { limit: this.settings.exportLimit });
    const rows = await base.selectAll().orderBy('reported_at', 'desc').orderBy('id', 'desc').execute();
    return namePlaces(this.db.reader(principal.userId), rows.map((r) => viewOf(r, now)));
  }

  // ---- clock sweep ----------------------------------------------------------

  /**
   * Applies the warning sweep to open incidents whose stage clock runs and
   * which are not red yet: a changed level is saved under the version check
   * (a concurrent action wins; the next sweep looks again) with its 'warn'
   * event and an audit record.
   */
  async sweepWarnings(now = Date.now(), batch = 500): Promise<{ checked: number; changed: number }> {
    const ref = await this.reference.get();
    let checked = 0;
    let changed = 0;
    let afterId = 0;
    for (;;) {
      const rows = await this.db.primary
        .selectFrom('incidents')
        .selectAll()
        .where('is_open', '=', 1)
        .where('due_at', 'is not', null)
        .where('warning', '<>', 'red')
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(batch)
        .execute();
      if (rows.length === 0) break;
      afterId = Number(rows[rows.length - 1]!.id);
      for (const row of rows) {
        checked++;
        const swept = sweepWarning(stateOf(row), ref.calendar, now, this.settings.amberFraction);
        if (!swept) continue;
        try {
          await this.db.transaction(async (tx) => {
            await this.save(tx, row, swept.next, swept.events, now);
            await appendAudit(tx, { userId: null, username: 'system', ip: null }, {
              action: 'incident.warn', objectType: 'incident', objectId: Number(row.id),
              details: { code: row.code, from: row.warning, warning: swept.next.warning },
            }, now);
          });
          changed++;
        } catch (err) {
          if (!(err instanceof AppError && err.status === 409)) throw err;
        }
      }
      if (rows.length < batch) break;
    }
    return { checked, changed };
  }
}

function draftView(e: IncidentEventDraft, seq: number): EventView {
  return {
    seq,
    action: e.action,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    actorUserId: e.actorUserId === null ? null : Number(e.actorUserId),
    actorRole: e.actorRole,
    note: e.note,
    attachments: [...e.attachments],
    data: e.data,
    at: isoReq(e.at),
  };
}

