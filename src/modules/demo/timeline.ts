/**
 * Lifelike incident timelines for the demo district, made by driving the
 * pure state machine (`openIncident` / `decide`, and `sweepWarning` for the
 * clock sweep) with plausible actors and time gaps in working time. Every
 * timeline is a legal path by construction: a refusal from the machine is a
 * bug of this generator and throws. Pure: no database, no clock.
 */
import type { CaseType, CategoryType, StageLimits } from '../incidents/data/categories.js';
import { addWorkingTime, limitToWorkingMs, workingMsBetween, type TimeLimit, type WorkCalendar } from '../incidents/rules/calendar.js';
import {
  currentStage,
  decide,
  FINAL_STATUSES,
  openIncident,
  sweepWarning,
  type Action,
  type Actor,
  type DecideContext,
  type IncidentEventDraft,
  type IncidentState,
} from '../incidents/rules/state-machine.js';
import type { IncidentChannel } from '../incidents/tables.js';
import type { Random } from '../grid/demo/random.js';

export interface DemoCategory {
  code: string;
  majorCode: string;
  nameZh: string;
  type: CategoryType;
  caseType: CaseType;
  departmentCodes: readonly string[];
  limits: StageLimits;
}

/** A staff member as the state machine sees them, with the numeric user id. */
export interface StaffActor extends Actor {
  id: number;
}

/** Who works where: built from the role assignments in the database. */
export interface Staff {
  /** The full-time patrol worker of each community (community code → worker). */
  workerOfCommunity: Map<string, StaffActor>;
  operators: StaffActor[];
  dispatchers: StaffActor[];
  supervisors: StaffActor[];
  /** Street command centre operators by street code. */
  streetOperators: Map<string, StaffActor[]>;
  /** Department handlers by department code. */
  handlers: Map<string, StaffActor[]>;
}

export interface TimelineWorld {
  cal: WorkCalendar;
  ctx: DecideContext;
  staff: Staff;
  departmentCodes: readonly string[];
  /** Content hashes the generated photos are drawn from (see photoId). */
  photos: readonly string[];
}

/** What the day planner decided about one report before its timeline is played. */
export interface IncidentSpec {
  id: number;
  code: string;
  gridCode: string;
  reportedAt: number;
  channel: IncidentChannel;
  /** The reporting user (a grid worker), or null for a citizen or an anonymous hotline caller. */
  reporterUserId: number | null;
  /** Who entered it. */
  createdBy: number | null;
  externalRef: string | null;
  description: string;
  photos: string[];
  /** The category the reporter chose at intake (grid workers mostly do). */
  intakeCategory: string | null;
  /** The category it will be registered under. */
  category: DemoCategory;
  /** When set, the report is a duplicate of this earlier incident (same grid, category, place). */
  duplicateOf: { id: number; code: string } | null;
}

export interface Timeline {
  state: IncidentState;
  events: IncidentEventDraft[];
  /** The survivor's side of a merge, to append to that incident's timeline. */
  survivorEvent: { incidentId: number; event: IncidentEventDraft } | null;
}

const hours = (amount: number): TimeLimit => ({ amount, unit: 'hours' });
const MINUTE = 60_000;

const REJECT_REASONS = ['重复上报', '不属于受理范围', '信息不全，无法核实', '现场核实无此问题', '已由其他渠道处理'];
const RETURN_REASONS = ['非本单位职责，请重新派遣', '问题位置不在本单位管辖范围', '应由属地街道处置'];
const FAIL_REASONS = ['现场问题仍然存在', '整改不彻底', '处置结果与反馈不符'];
const EXTENSION_REASONS = ['需采购材料，工期较长', '涉及多个产权单位，需协调', '天气原因无法施工'];
const DEFER_REASONS = ['需列入年度改造计划', '需专项资金，暂缓办理', '涉及规划调整，暂不具备处置条件'];
const RESULTS = ['已安排人员现场处置完毕', '已整改到位，详见处置后照片', '已联系责任单位处理完毕', '已清理完毕', '已维修恢复正常', '已劝导并督促整改'];
const URGE_NOTES = ['请加快处置进度', '已超时，请立即处理', '群众反映强烈，请尽快办结'];

/**
 * Photo ids (content hashes) come from a pool, as a district's photos repeat
 * views of the same places. The demo loader draws real pictures and passes
 * their hashes (photos.ts); without them (the generator benchmark, the
 * integrity replay) this pool of made-up hashes stands in, and the rows are
 * the same but for the hash values.
 */
export const STAND_IN_PHOTOS: readonly string[] = (() => {
  const pool: string[] = [];
  let x = 0x2545f491;
  for (let i = 0; i < 4096; i++) {
    let s = '';
    for (let k = 0; k < 8; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      s += (x >>> 0).toString(16).padStart(8, '0');
    }
    pool.push(s);
  }
  return pool;
})();

export function photoId(rng: Random, pool: readonly string[]): string {
  return pool[Math.floor(rng.next() * pool.length)]!;
}

/**
 * Plays one incident through the state machine. `end` is the instant the
 * demo data stops (events after it are not played: recent cases stay open).
 * `statusAt(id, at)` answers a survivor's status at an instant, for merges.
 */
export function playTimeline(
  spec: IncidentSpec,
  world: TimelineWorld,
  rng: Random,
  end: number,
  statusAt: (incidentId: number, at: number) => string | null,
): Timeline {
  const { cal, ctx, staff } = world;
  const opened = openIncident(
    {
      id: String(spec.id),
      gridCode: spec.gridCode,
      reportedAt: spec.reportedAt,
      reporterUserId: spec.reporterUserId === null ? null : String(spec.reporterUserId),
      categoryCode: spec.intakeCategory,
      note: spec.description,
      photos: spec.photos,
      data: { channel: spec.channel, createdBy: spec.createdBy, ...(spec.externalRef ? { externalRef: spec.externalRef } : {}) },
    },
    { calendar: cal, category: ctx.category },
  );
  if (!opened.ok) throw new Error(`demo timeline ${spec.id}: cannot open: ${opened.refusal.message}`);
  let s = opened.next;
  const events: IncidentEventDraft[] = [...opened.events];
  let t = spec.reportedAt;
  let stopped = false;
  let survivorEvent: Timeline['survivorEvent'] = null;
  const amber = ctx.amberFraction ?? 0.8;

  /** The clock sweep between actions: amber and red as the scheduler would have recorded them. */
  const sweepUntil = (until: number): void => {
    for (let guard = 0; guard < 3; guard++) {
      const stage = currentStage(s);
      if (!stage || s.warning === 'red') return;
      let at: number;
      if (s.warning === 'none') {
        const total = workingMsBetween(cal, stage.startedAt, stage.deadline);
        at = total > 0 ? addWorkingTime(cal, stage.startedAt, hours((total * amber) / 3_600_000)) : stage.deadline + 1;
      } else {
        at = stage.deadline + 1;
      }
      // The sweep runs every minute.
      at = Math.max(at, t) + rng.int(1_000, 59_000);
      if (at >= until || at > end) return;
      const swept = sweepWarning(s, cal, at, amber);
      if (!swept) return;
      s = swept.next;
      events.push(...swept.events);
      t = at;
    }
  };

  /** Takes an action at `at` (moved forward to stay after the last event); false once past the end. */
  const act = (at: number, action: Action, actor: StaffActor): boolean => {
    if (stopped) return false;
    at = Math.max(Math.round(at), t + rng.int(20_000, 120_000));
    if (at > end) {
      stopped = true;
      return false;
    }
    sweepUntil(at);
    const d = decide(s, action, actor, at, ctx);
    if (!d.ok) throw new Error(`demo timeline ${spec.id}: ${action.type} by ${actor.id} refused (${d.refusal.code}: ${d.refusal.message}) in ${s.status}`);
    s = d.next;
    events.push(...d.events);
    t = at;
    return true;
  };

  /** `frac` of a stage limit of working time after `from`, plus a few minutes of noise. */
  const after = (from: number, limit: TimeLimit, frac: number): number => {
    const ms = limitToWorkingMs(cal, limit) * Math.max(0.005, frac);
    return addWorkingTime(cal, from, hours(ms / 3_600_000)) + rng.int(0, 5) * MINUTE;
  };
  const pick = <T>(xs: readonly T[]): T => rng.pick(xs);

  const category = spec.category;
  const limits = category.limits;
  const community = spec.gridCode.slice(0, 12);
  const street = spec.gridCode.slice(0, 9);
  const worker = staff.workerOfCommunity.get(community);
  const streetOps = staff.streetOperators.get(street) ?? [];
  // About a quarter of the cases are run by the street command centre (二级平台).
  const byStreet = streetOps.length > 0 && rng.next() < 0.25;
  const registrar = (): StaffActor => (byStreet ? pick(streetOps) : rng.next() < 0.9 ? pick(staff.operators) : pick(staff.supervisors));
  const dispatcher = (): StaffActor => (byStreet ? pick(streetOps) : rng.next() < 0.92 ? pick(staff.dispatchers) : pick(staff.supervisors));
  const closer = registrar;
  const handlerOf = (dept: string): StaffActor => {
    const hs = staff.handlers.get(dept);
    if (!hs || hs.length === 0) throw new Error(`demo: no handler for department ${dept}`);
    return pick(hs);
  };
  const photos = (n: number): string[] => Array.from({ length: n }, () => photoId(rng, world.photos));
  const reportStage = limits.register;

  // -- self-resolve (即办件): the worker fixes it on the spot ----------------------------
  if (spec.channel === 'grid_worker' && worker && spec.reporterUserId === worker.id && category.caseType === 'immediate' && rng.next() < 0.7) {
    if (act(spec.reportedAt + rng.int(5, 40) * MINUTE, { type: 'self-resolve', categoryCode: category.code, beforePhotos: spec.photos.length > 0 ? spec.photos : photos(1), afterPhotos: photos(1), note: '已现场处置' }, worker)) {
      act(after(t, hours(2), rng.range(0.05, 0.8)), { type: 'close' }, closer());
    }
    sweepUntil(end);
    return { state: s, events, survivorEvent };
  }

  // -- accept (受理) for citizen and hotline reports -------------------------------------
  if (spec.channel !== 'grid_worker' && rng.next() < 0.3) act(after(t, reportStage, rng.range(0.02, 0.3)), { type: 'accept' }, registrar());

  // -- duplicates are merged at registration ---------------------------------------------
  const registerAt = after(t, reportStage, rng.next() < 0.97 ? rng.range(0.05, 0.8) : rng.range(1.1, 3));
  if (spec.duplicateOf) {
    const survivorStatus = statusAt(spec.duplicateOf.id, registerAt);
    if (survivorStatus !== null && ['reported', 'registered', 'dispatched', 'handling', 'replied', 'verifying', 'verified'].includes(survivorStatus)) {
      const desk = registrar();
      if (act(registerAt, { type: 'merge', intoIncidentId: String(spec.duplicateOf.id), note: `与${spec.duplicateOf.code}重复，合并办理` }, desk)) {
        const merge = events[events.length - 1]!;
        survivorEvent = {
          incidentId: spec.duplicateOf.id,
          event: { ...merge, fromStatus: survivorStatus as IncidentState['status'], toStatus: survivorStatus as IncidentState['status'], data: { role: 'survivor', mergedIncidentId: spec.id, mergedCode: spec.code } },
        };
      }
      sweepUntil(end);
      return { state: s, events, survivorEvent };
    }
  }

  // -- reject (不予立案) ------------------------------------------------------------------
  if (rng.next() < 0.03) {
    act(registerAt, { type: 'reject', reason: pick(REJECT_REASONS) }, registrar());
    sweepUntil(end);
    return { state: s, events, survivorEvent };
  }

  // -- register (立案) -------------------------------------------------------------------
  if (!act(registerAt, { type: 'register', categoryCode: category.code }, registrar())) return finish();

  const lead = category.departmentCodes[0]!;
  const co = category.departmentCodes.slice(1);
  const dispatchTo = (leadCode: string): boolean =>
    act(after(t, limits.dispatch, rng.next() < 0.96 ? rng.range(0.05, 0.8) : rng.range(1.1, 2.5)), { type: 'dispatch', leadDepartmentCode: leadCode, coHandlerDepartmentCodes: co.filter((c) => c !== leadCode) }, dispatcher());

  // A few cases go to the wrong department first, which returns them (退回).
  if (rng.next() < 0.04) {
    const wrong = pick(world.departmentCodes.filter((d) => d !== lead && !co.includes(d)));
    if (!dispatchTo(wrong)) return finish();
    if (!act(after(t, limits.handle, rng.range(0.02, 0.2)), { type: 'return', reason: pick(RETURN_REASONS) }, handlerOf(wrong))) return finish();
  }
  if (!dispatchTo(lead)) return finish();

  let reworks = 0;
  for (;;) {
    // -- handling --------------------------------------------------------------------
    const handler = handlerOf(lead);
    if (s.status === 'dispatched' && !act(after(t, limits.handle, rng.range(0.01, 0.1)), { type: 'start-handling' }, handler)) return finish();

    // Street escalation (吹哨) on hard cases: called departments report (报到).
    if (reworks === 0 && streetOps.length > 0 && (category.caseType === 'coordinated' ? rng.next() < 0.15 : rng.next() < 0.005)) {
      // A case back from deferral may have been escalated before: call only departments not called yet.
      const called = rng.shuffle(world.departmentCodes.filter((d) => d !== lead && !co.includes(d))).slice(0, rng.int(1, 2))
        .filter((d) => !s.escalation.some((c) => c.departmentCode === d));
      if (called.length > 0 && !act(after(t, hours(2), rng.range(0.05, 1)), { type: 'escalate', departmentCodes: called, note: '街道吹哨，请相关部门报到' }, pick(streetOps))) return finish();
      for (const dept of called) {
        if (!act(after(t, hours(2), rng.next() < 0.9 ? rng.range(0.1, 0.9) : rng.range(1.1, 3)), { type: 'respond', note: '已到场报到' }, handlerOf(dept))) return finish();
      }
    }

    // When the lead department replies, relative to its handling limit.
    const stuck = reworks === 0 && rng.next() < 0.001;
    let replyFrac = rng.next() < 0.88 ? rng.range(0.1, 0.95) : rng.range(1.05, 2.5);
    const handleStart = t;

    // Extension (延期) or defer (缓办), requested before the deadline.
    const r = rng.next();
    if (reworks === 0 && r < 0.05) {
      const requested: TimeLimit = limits.handle.unit === 'days' ? { amount: Math.max(1, Math.ceil(limits.handle.amount / 2)), unit: 'days' } : hours(Math.max(2, limits.handle.amount));
      // Requested before the deadline in force (the machine refuses it after); otherwise not at all.
      const requestAt = Math.max(after(handleStart, limits.handle, rng.range(0.3, 0.7)), t + 120_000);
      const supervisor = pick(staff.supervisors);
      if (requestAt >= (s.deadlines.handleBy ?? 0)) {
        // Too late to ask: it simply runs late.
      } else if (!act(requestAt, { type: 'request-extension', extension: requested, reason: pick(EXTENSION_REASONS) }, handler)) {
        return finish();
      } else if (rng.next() < 0.85) {
        if (!act(after(t, hours(4), rng.range(0.05, 0.5)), { type: 'approve-extension', note: '同意延期' }, supervisor)) return finish();
        replyFrac = rng.next() < 0.92 ? rng.range(0.8, 1.4) : rng.range(1.5, 2.2);
      } else if (!act(after(t, hours(4), rng.range(0.05, 0.5)), { type: 'refuse-extension', reason: '请按原时限办结' }, supervisor)) return finish();
    } else if (reworks === 0 && r < 0.06) {
      if (!act(after(handleStart, limits.handle, rng.range(0.2, 0.6)), { type: 'request-defer', reason: pick(DEFER_REASONS) }, handler)) return finish();
      const supervisor = pick(staff.supervisors);
      if (rng.next() < 0.75) {
        if (!act(after(t, hours(8), rng.range(0.05, 0.5)), { type: 'approve-defer', note: '同意缓办' }, supervisor)) return finish();
        // Half of the deferred cases come back when the budget or plan allows; the rest stay deferred.
        if (rng.next() < 0.5) {
          sweepUntil(end);
          return { state: s, events, survivorEvent };
        }
        if (!act(addWorkingTime(cal, t, { amount: rng.int(10, 60), unit: 'days' }), { type: 'dispatch', leadDepartmentCode: lead, coHandlerDepartmentCodes: co }, dispatcher())) return finish();
        continue;
      }
      if (!act(after(t, hours(8), rng.range(0.05, 0.5)), { type: 'refuse-defer', reason: '不符合缓办条件，请继续办理' }, supervisor)) return finish();
    }

    // Co-handlers record their part before the lead replies.
    for (const c of s.coHandlerDepartmentCodes) {
      if (s.coHandlerReplies.some((x) => x.departmentCode === c)) continue;
      if (!act(after(handleStart, limits.handle, rng.range(0.1, 0.8)), { type: 'reply', result: '协办部门已配合处置', photos: photos(1) }, handlerOf(c))) return finish();
    }

    const deadline = s.deadlines.handleBy ?? after(handleStart, limits.handle, 1);
    const replyAt = stuck ? Number.POSITIVE_INFINITY : addWorkingTime(cal, handleStart, hours(Math.max(0.05, (workingMsBetween(cal, handleStart, deadline) * replyFrac) / 3_600_000)));
    // Overdue cases are pressed by the supervisor (督办); a few others too.
    if (replyAt > deadline + 3_600_000 ? rng.next() < 0.6 : rng.next() < 0.01) {
      const urgeAt = replyAt > deadline ? deadline + rng.int(10, 240) * MINUTE : after(t, limits.handle, rng.range(0.2, 0.6));
      if (urgeAt < replyAt && !act(urgeAt, { type: 'urge', note: pick(URGE_NOTES) }, pick(staff.supervisors))) return finish();
    }
    if (!act(replyAt, { type: 'reply', result: pick(RESULTS), photos: photos(rng.int(1, 3)) }, handler)) return finish();

    // -- verification by the community's patrol worker (巡办分离) ------------------------
    if (!worker) throw new Error(`demo: no grid worker for community ${community}`);
    const verifyAt = after(t, limits.verify, rng.next() < 0.93 ? rng.range(0.1, 0.9) : rng.range(1.05, 2));
    if (rng.next() < 0.5 && !act(after(t, limits.verify, rng.range(0.02, 0.1)), { type: 'start-verify' }, worker)) return finish();
    if (reworks < 2 && rng.next() < 0.06) {
      if (!act(verifyAt, { type: 'verify-fail', reason: pick(FAIL_REASONS), photos: photos(1) }, worker)) return finish();
      reworks++;
      continue;
    }
    if (!act(verifyAt, { type: 'verify-pass', note: '现场核查已整改', photos: photos(1) }, worker)) return finish();
    break;
  }

  // -- close (结案) -----------------------------------------------------------------------
  act(after(t, hours(2), rng.range(0.05, 1)), { type: 'close' }, closer());
  return finish();

  function finish(): Timeline {
    if (!FINAL_STATUSES.includes(s.status)) sweepUntil(end);
    return { state: s, events, survivorEvent };
  }
}
