/**
 * What one case contributes to the statistics store, folded from its
 * timeline alone (docs/adr/0009-statistics-store.md, docs/kpis.md). Pure:
 * the incremental consumer and the rebuild both fold events through
 * `applyEvent` and add up `contribution`, so they cannot disagree.
 *
 * A case counts once, in the cohort of the Asia/Shanghai day it was reported,
 * under its unit grid, its minor category, the department that handles it
 * (the lead of the last dispatch) and its channel. Its counts are flags
 * ("cases that were …"), so every rate stays between 0 and 1.
 */
import { localYmd, workingMsBetween, type WorkCalendar } from '../../incidents/rules/calendar.js';

/** The rollup's counters, in column order. */
export const ROLLUP_MEASURES = [
  'reported', 'registered', 'due', 'dispatched', 'closed', 'closed_on_time', 'overdue', 'reworked',
  'returned', 'deferred', 'self_resolved', 'urged', 'handled', 'handling_ms',
  'parts', 'parts_replied', 'parts_on_time', 'parts_overdue',
] as const;
export type RollupMeasure = (typeof ROLLUP_MEASURES)[number];
export type Measures = Record<RollupMeasure, number>;

export const ROLLUP_DIMENSIONS = ['day', 'grid_code', 'category_code', 'department_code', 'channel'] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];
export type RollupKey = Record<RollupDimension, string>;

/** One timeline event as the store reads it. */
export interface TimelineEvent {
  incidentId: number;
  seq: number;
  action: string;
  toStatus: string;
  data: Record<string, unknown>;
  at: number;
  /** The incident's unit grid (fixed at intake). */
  gridCode: string;
  /** The user who acted (incident_events.actor_user_id); null for the system or a citizen. */
  actorId?: number | null;
}

/** A co-handling department's part of the case's last dispatch (联动处置). */
export interface PartTrack {
  departmentCode: string;
  handleBy: number | null;
  replied: boolean;
  /** Replied after its own deadline. */
  late: boolean;
}

/** What the store keeps of one case between events. */
export interface CaseTrack {
  incidentId: number;
  lastSeq: number;
  day: string;
  gridCode: string;
  channel: string;
  categoryCode: string;
  departmentCode: string;
  status: string;
  registered: boolean;
  dispatched: boolean;
  closed: boolean;
  overdue: boolean;
  reworked: boolean;
  returned: boolean;
  selfResolved: boolean;
  urged: boolean;
  /** Handling deadline in force (dispatch, extension, rework set it). */
  handleBy: number | null;
  dispatchedAt: number | null;
  repliedAt: number | null;
  /** Working time from the last dispatch to the last lead reply, fixed at close. */
  handlingMs: number;
  /** Co-handler parts of the last dispatch (absent in tracks saved before joint handling). */
  parts?: PartTrack[];
  /** The grid worker who reported it through the worker channel (巡查上报); absent in tracks written before the worker rollup. */
  reporterId?: number | null;
  /** The grid worker who self-resolved it (即办). */
  selfResolverId?: number | null;
  /** Verification deadline in force (set by a lead reply or a checked self-resolve). */
  verifyBy?: number | null;
  /** When the fix was last put up for verification (lead reply or checked self-resolve). */
  verifyFrom?: number | null;
  /** Verifications (核查, pass or fail) per worker. */
  verifications?: Record<string, WorkerVerification>;
}

export interface WorkerVerification {
  count: number;
  onTime: number;
  /** Working time from the fix being put up for verification to the verification, summed. */
  ms: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function blankTrack(e: TimelineEvent, cal: WorkCalendar): CaseTrack {
  return {
    incidentId: e.incidentId, lastSeq: 0, day: localYmd(cal, e.at), gridCode: e.gridCode, channel: '', categoryCode: '', departmentCode: '',
    status: 'reported', registered: false, dispatched: false, closed: false, overdue: false, reworked: false, returned: false,
    selfResolved: false, urged: false, handleBy: null, dispatchedAt: null, repliedAt: null, handlingMs: 0,
    reporterId: null, selfResolverId: null, verifyBy: null, verifyFrom: null, verifications: {},
  };
}

/**
 * The case after one more event; the same track when the event was already
 * applied (seq not above lastSeq), which makes delivery twice harmless.
 * `track` is null for a case not seen yet.
 */
export function applyEvent(track: CaseTrack | null, e: TimelineEvent, cal: WorkCalendar): CaseTrack {
  if (track && e.seq <= track.lastSeq) return track;
  const t: CaseTrack = { ...(track ?? blankTrack(e, cal)), lastSeq: e.seq, status: e.toStatus };
  const d = e.data;
  switch (e.action) {
    case 'report':
      t.day = localYmd(cal, e.at);
      t.channel = str(d.channel);
      t.categoryCode = str(d.categoryCode);
      t.reporterId = t.channel === WORKER_CHANNEL ? (e.actorId ?? null) : null;
      break;
    case 'register':
      t.registered = true;
      t.categoryCode = str(d.categoryCode) || t.categoryCode;
      break;
    case 'self-resolve':
      t.registered = true;
      t.selfResolved = true;
      t.categoryCode = str(d.categoryCode) || t.categoryCode;
      // Fixed by the grid worker, not by a department: no handling time to count.
      t.repliedAt = e.at;
      t.dispatchedAt = null;
      t.selfResolverId = e.actorId ?? null;
      // A committed self-resolve is checked by another worker; an immediate one is verified by its photos.
      t.verifyBy = num(d.verifyBy);
      t.verifyFrom = e.at;
      break;
    case 'dispatch': {
      // Each co-handler's part, on its own deadline (coHandleBy; the case's before per-part limits existed).
      const co = Array.isArray(d.coHandlerDepartmentCodes) ? d.coHandlerDepartmentCodes.map(str).filter((c) => c !== '') : [];
      const own = typeof d.coHandleBy === 'object' && d.coHandleBy !== null ? (d.coHandleBy as Record<string, unknown>) : {};
      t.parts = co.map((departmentCode) => ({ departmentCode, handleBy: num(own[departmentCode]) ?? num(d.handleBy), replied: false, late: false }));
      t.dispatched = true;
      t.departmentCode = str(d.leadDepartmentCode);
      t.dispatchedAt = e.at;
      t.handleBy = num(d.handleBy);
      t.repliedAt = null;
      break;
    }
    case 'return':
      t.returned = true;
      t.handleBy = null;
      t.parts = [];
      break;
    case 'reply':
      // A co-handler's part does not end the handling stage; it counts for its own department.
      if (d.part === 'co-handler') {
        const code = str(d.departmentCode);
        t.parts = (t.parts ?? []).map((p) =>
          p.departmentCode === code ? { ...p, replied: true, late: typeof d.late === 'boolean' ? d.late : p.handleBy !== null && e.at > p.handleBy } : p,
        );
        break;
      }
      t.repliedAt = e.at;
      if (t.handleBy !== null && e.at > t.handleBy) t.overdue = true;
      t.verifyBy = num(d.verifyBy);
      t.verifyFrom = e.at;
      break;
    case 'approve-extension':
      t.handleBy = num(d.handleBy) ?? t.handleBy;
      break;
    case 'verify-pass':
      verified(t, e, cal);
      break;
    case 'verify-fail':
      verified(t, e, cal);
      if (d.rework === true) {
        t.reworked = true;
        t.handleBy = num(d.handleBy) ?? t.handleBy;
        // Parts the checker sent back are open again, on the rework's deadline.
        const reopen = Array.isArray(d.reopenDepartmentCodes) ? d.reopenDepartmentCodes.map(str) : [];
        t.parts = (t.parts ?? []).map((p) => (reopen.includes(p.departmentCode) ? { ...p, handleBy: t.handleBy, replied: false, late: false } : p));
      }
      break;
    case 'urge':
      t.urged = true;
      break;
    case 'close':
      t.closed = true;
      t.handlingMs = t.dispatchedAt !== null && t.repliedAt !== null && t.repliedAt >= t.dispatchedAt ? workingMsBetween(cal, t.dispatchedAt, t.repliedAt) : 0;
      break;
    default:
      break;
  }
  return t;
}

/** Counts one verification for its worker: on time when by the verification deadline in force (none set: on time). */
function verified(t: CaseTrack, e: TimelineEvent, cal: WorkCalendar): void {
  if (e.actorId == null) return;
  const id = String(e.actorId);
  const before = t.verifications?.[id] ?? { count: 0, onTime: 0, ms: 0 };
  const from = t.verifyFrom ?? null;
  const onTime = t.verifyBy == null || e.at <= t.verifyBy;
  t.verifications = {
    ...t.verifications,
    [id]: { count: before.count + 1, onTime: before.onTime + (onTime ? 1 : 0), ms: before.ms + (from !== null && e.at >= from ? workingMsBetween(cal, from, e.at) : 0) },
  };
}

/** The channel of a grid worker's own reports (the worker app). */
export const WORKER_CHANNEL = 'grid_worker';

export function keyOf(t: CaseTrack): RollupKey {
  return { day: t.day, grid_code: t.gridCode, category_code: t.categoryCode, department_code: t.departmentCode, channel: t.channel };
}

const flag = (b: boolean): number => (b ? 1 : 0);

export function contribution(t: CaseTrack): Measures {
  const handled = t.closed && t.dispatchedAt !== null && t.repliedAt !== null;
  return {
    reported: 1,
    registered: flag(t.registered),
    // 应结案数: registered cases not rejected and not merged into another.
    due: flag(t.registered && t.status !== 'rejected' && t.status !== 'merged'),
    dispatched: flag(t.dispatched),
    closed: flag(t.closed),
    closed_on_time: flag(t.closed && !t.overdue),
    overdue: flag(t.overdue),
    reworked: flag(t.reworked),
    returned: flag(t.returned),
    // 缓办数: cases deferred now (a deferred case dispatched again is back in the loop).
    deferred: flag(t.status === 'deferred'),
    self_resolved: flag(t.selfResolved),
    urged: flag(t.urged),
    handled: flag(handled),
    handling_ms: handled ? t.handlingMs : 0,
    parts: 0,
    parts_replied: 0,
    parts_on_time: 0,
    parts_overdue: 0,
  };
}

/**
 * The case measures a figure can be drilled to (the incident list cannot
 * tell them: overdue in the KPI sense, closed on time, handled…), one bit
 * each in `stat_cases.flags`. Append only: a bit's meaning is stored.
 */
export const DRILL_MEASURES = [
  'registered', 'due', 'dispatched', 'closed', 'closed_on_time', 'overdue', 'reworked', 'returned', 'deferred', 'self_resolved', 'urged', 'handled',
] as const;
export type DrillMeasure = (typeof DRILL_MEASURES)[number];

export function drillBit(m: DrillMeasure): number {
  return 1 << DRILL_MEASURES.indexOf(m);
}

/** What `stat_cases` keeps beside the track so that a figure finds its cases: the case's cohort key and its flags. */
export interface CaseFacts {
  day: string;
  grid_code: string;
  department_code: string;
  flags: number;
}

export function caseFacts(t: CaseTrack): CaseFacts {
  const m = contribution(t);
  let flags = 0;
  for (const d of DRILL_MEASURES) if (m[d] > 0) flags |= drillBit(d);
  return { day: t.day, grid_code: t.gridCode, department_code: t.departmentCode, flags };
}

/**
 * Every row a case adds to: its own (case measures, under its lead) and one
 * per co-handler part under that department, with only the part measures, so
 * a part never counts as a case (上报数, 应结案数… stay the lead's).
 */
export function contributions(t: CaseTrack): { key: RollupKey; measures: Measures }[] {
  const out = [{ key: keyOf(t), measures: contribution(t) }];
  for (const p of t.parts ?? []) {
    out.push({
      key: { ...keyOf(t), department_code: p.departmentCode },
      measures: { ...zeroMeasures(), parts: 1, parts_replied: flag(p.replied), parts_on_time: flag(p.replied && !p.late), parts_overdue: flag(p.replied && p.late) },
    });
  }
  return out;
}

export function zeroMeasures(): Measures {
  return Object.fromEntries(ROLLUP_MEASURES.map((m) => [m, 0])) as Measures;
}

export function keyText(k: RollupKey): string {
  return ROLLUP_DIMENSIONS.map((d) => k[d]).join('\u0000');
}

/** Accumulates signed changes per rollup key (a case that moves subtracts from its old key). */
export class RollupDelta {
  readonly byKey = new Map<string, { key: RollupKey; measures: Measures }>();

  add(key: RollupKey, m: Measures, sign: 1 | -1): void {
    const text = keyText(key);
    let entry = this.byKey.get(text);
    if (!entry) {
      entry = { key, measures: zeroMeasures() };
      this.byKey.set(text, entry);
    }
    for (const name of ROLLUP_MEASURES) entry.measures[name] += sign * m[name];
  }

  /** The change of one case from `before` (null: new) to `after`. */
  move(before: CaseTrack | null, after: CaseTrack): void {
    if (before) for (const c of contributions(before)) this.add(c.key, c.measures, -1);
    for (const c of contributions(after)) this.add(c.key, c.measures, 1);
  }

  /** Keys whose change is not zero. */
  changes(): { key: RollupKey; measures: Measures }[] {
    return [...this.byKey.values()].filter((e) => ROLLUP_MEASURES.some((m) => e.measures[m] !== 0));
  }
}

/** The worker rollup's counters, in column order (docs/kpis.md, per grid worker). */
export const WORKER_MEASURES = ['reported', 'self_resolved', 'verified', 'verified_on_time', 'verify_ms'] as const;
export type WorkerMeasure = (typeof WORKER_MEASURES)[number];
export type WorkerMeasures = Record<WorkerMeasure, number>;

export const WORKER_DIMENSIONS = ['day', 'grid_code', 'user_id'] as const;
/** Report day (the case's cohort), the case's unit grid, the worker's user id (as text, like every key). */
export type WorkerKey = Record<(typeof WORKER_DIMENSIONS)[number], string>;

export function zeroWorkerMeasures(): WorkerMeasures {
  return Object.fromEntries(WORKER_MEASURES.map((m) => [m, 0])) as WorkerMeasures;
}

/**
 * What one case contributes to each grid worker's row: to its reporter (when
 * reported through the worker channel), to its self-resolver, and to each
 * worker who verified it, all in the case's report-day cohort.
 */
export function workerContributions(t: CaseTrack): { key: WorkerKey; measures: WorkerMeasures }[] {
  const byWorker = new Map<string, WorkerMeasures>();
  const of = (id: string) => {
    let m = byWorker.get(id);
    if (!m) byWorker.set(id, (m = zeroWorkerMeasures()));
    return m;
  };
  if (t.reporterId != null) of(String(t.reporterId)).reported += 1;
  if (t.selfResolverId != null) of(String(t.selfResolverId)).self_resolved += 1;
  for (const [id, v] of Object.entries(t.verifications ?? {})) {
    const m = of(id);
    m.verified += v.count;
    m.verified_on_time += v.onTime;
    m.verify_ms += v.ms;
  }
  return [...byWorker].map(([id, measures]) => ({ key: { day: t.day, grid_code: t.gridCode, user_id: id }, measures }));
}

/** Accumulates signed changes per worker rollup key, as RollupDelta does for the case rollup. */
export class WorkerDelta {
  readonly byKey = new Map<string, { key: WorkerKey; measures: WorkerMeasures }>();

  add(key: WorkerKey, m: WorkerMeasures, sign: 1 | -1): void {
    const text = WORKER_DIMENSIONS.map((d) => key[d]).join('\u0000');
    let entry = this.byKey.get(text);
    if (!entry) this.byKey.set(text, (entry = { key, measures: zeroWorkerMeasures() }));
    for (const name of WORKER_MEASURES) entry.measures[name] += sign * m[name];
  }

  move(before: CaseTrack | null, after: CaseTrack): void {
    if (before) for (const c of workerContributions(before)) this.add(c.key, c.measures, -1);
    for (const c of workerContributions(after)) this.add(c.key, c.measures, 1);
  }

  changes(): { key: WorkerKey; measures: WorkerMeasures }[] {
    return [...this.byKey.values()].filter((e) => WORKER_MEASURES.some((m) => e.measures[m] !== 0));
  }
}
