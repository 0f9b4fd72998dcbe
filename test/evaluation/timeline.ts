/**
 * Random but lawful incident timelines written straight into the business
 * tables (incidents, incident_events), for the statistics store's tests:
 * rejected, merged, self-resolved (immediate or checked), returned,
 * deferred (and dispatched again), extended, reworked, overdue, still open.
 */
import type { Kysely } from 'kysely';
import { bulkInsert } from '../../src/infra/db/insert.js';

export interface Draft {
  action: string;
  toStatus: string;
  data: Record<string, unknown>;
  at: number;
  /** The acting user (incident_events.actor_user_id). */
  actor?: number | null;
}

export interface PlannedCase {
  gridCode: string;
  events: Draft[];
}

/** A small seeded generator (mulberry32), so a failure can be replayed from its seed. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof rng>;

const MIN = 60_000;
const HOUR = 3_600_000;

export interface Vocabulary {
  grids: readonly string[];
  categories: readonly string[];
  departments: readonly string[];
  channels: readonly string[];
  /** Grid workers' user ids: when given, worker reports, self-resolves and verifications name one as their actor. */
  workers?: readonly number[];
}

/** One case's timeline starting at `start`. */
export function planCase(r: Rng, v: Vocabulary, start: number): PlannedCase {
  let t = start;
  const events: Draft[] = [];
  const step = (lo = 10 * MIN, hi = 30 * HOUR) => { t += r.int(lo, hi); };
  // Without workers the random stream is the one the other tests were written against.
  const worker = () => (v.workers ? r.pick(v.workers) : null);
  const push = (action: string, toStatus: string, data: Record<string, unknown> = {}, actor: number | null = null) => events.push({ action, toStatus, data, at: t, actor });
  const category = r.pick(v.categories);
  const channel = r.pick(v.channels);
  push('report', 'reported', { channel, categoryCode: r.chance(0.3) ? category : null }, channel === 'grid_worker' ? worker() : null);
  const done = () => ({ gridCode: r.pick(v.grids), events });
  step();
  const first = r.next();
  if (first < 0.06) { push('reject', 'rejected'); return done(); }
  if (first < 0.12) { push('merge', 'merged', { intoIncidentId: '1' }); return done(); }
  if (first < 0.16) return done();
  if (first < 0.3) {
    if (r.chance(0.5)) {
      push('self-resolve', 'verified', { categoryCode: category, caseType: 'immediate' }, worker());
    } else {
      push('self-resolve', 'replied', { categoryCode: category, caseType: 'committed', verifyBy: t + 4 * HOUR }, worker());
      step();
      if (r.chance(0.3)) {
        push('verify-fail', 'registered', { rework: false, dispatchBy: t + HOUR }, worker());
        return dispatchLoop();
      }
      push('verify-pass', 'verified', {}, worker());
    }
    step();
    if (r.chance(0.85)) push('close', 'closed');
    return done();
  }
  push('register', 'registered', { categoryCode: category, dispatchBy: t + HOUR });
  return dispatchLoop();

  function dispatchLoop(): PlannedCase {
    for (let round = 0; round < 3; round++) {
      step();
      if (r.chance(0.06)) return done();
      let handleBy = t + r.int(2, 72) * HOUR;
      const lead = r.pick(v.departments);
      // Joint handling: a co-handler now and then, on its own limit or (as before per-part limits) on the case's.
      const co = r.chance(0.3) ? v.departments.filter((d) => d !== lead).slice(0, 1) : [];
      const coHandleBy = co.length > 0 && r.chance(0.5) ? { [co[0]!]: t + r.int(1, 24) * HOUR } : undefined;
      push('dispatch', 'dispatched', { leadDepartmentCode: lead, coHandlerDepartmentCodes: co, handleBy, ...(coHandleBy ? { coHandleBy } : {}) });
      let coDeadline = coHandleBy?.[co[0]!] ?? handleBy;
      if (r.chance(0.2)) { step(MIN, 10 * HOUR); push('urge', 'dispatched', { urgeCount: 1 }); }
      if (r.chance(0.1)) { step(MIN, HOUR); push('warn', 'dispatched', { from: 'none', warning: 'amber' }); }
      if (round < 2 && r.chance(0.15)) { step(); push('return', 'registered', { dispatchBy: t + HOUR }); continue; }
      if (round < 2 && r.chance(0.12)) {
        step(); push('request-defer', 'dispatched');
        step(); push('approve-defer', 'deferred', { reason: '缓办' });
        if (r.chance(0.5)) return done();
        continue;
      }
      step(MIN, 5 * HOUR);
      push('start-handling', 'handling');
      if (r.chance(0.2)) {
        step(MIN, 5 * HOUR); push('request-extension', 'handling', { extension: { amount: 1, unit: 'days' } });
        step(MIN, 5 * HOUR);
        handleBy += 24 * HOUR;
        push('approve-extension', 'handling', { handleBy });
      }
      for (let rework = 0; rework < 3; rework++) {
        if (r.chance(0.2)) { step(MIN, 10 * HOUR); push('reply', 'handling', { part: 'co-handler' }); }
        if (co.length > 0 && r.chance(0.8)) {
          step(MIN, 10 * HOUR);
          // Older co-handler replies carry no late flag: the deadline decides.
          push('reply', 'handling', { part: 'co-handler', departmentCode: co[0], ...(r.chance(0.5) ? { late: t > coDeadline } : {}) });
        }
        step();
        if (r.chance(0.05)) return done();
        push('reply', 'replied', { part: 'lead', verifyBy: t + 4 * HOUR });
        step(MIN, 10 * HOUR);
        if (rework < 2 && r.chance(0.2)) {
          handleBy = t + r.int(2, 48) * HOUR;
          const reopen = co.length > 0 && r.chance(0.5);
          if (reopen) coDeadline = handleBy;
          push('verify-fail', 'handling', { rework: true, handleBy, ...(reopen ? { reopenDepartmentCodes: co } : {}) }, worker());
          continue;
        }
        push('verify-pass', 'verified', {}, worker());
        step(MIN, 10 * HOUR);
        if (r.chance(0.85)) push('close', 'closed');
        return done();
      }
    }
    return done();
  }
}

const INCIDENT_COLUMNS = [
  'code', 'status', 'version', 'grid_code', 'description', 'channel', 'co_handler_codes', 'reported_at', 'warning',
  'urge_count', 'rework_count', 'return_count', 'extension_count', 'is_open', 'photos', 'state', 'event_count', 'updated_at',
];
const EVENT_COLUMNS = ['incident_id', 'seq', 'action', 'from_status', 'to_status', 'attachments', 'data', 'at', 'actor_user_id'];

/** Inserts a case's incident row (its fixed fields only; the statistics store reads nothing else of it) and answers its id. */
export async function insertIncident(db: Kysely<unknown>, c: PlannedCase, code: string): Promise<number> {
  const e = c.events[0]!;
  const result = await bulkInsert(db, 'incidents', INCIDENT_COLUMNS, [[
    code, 'reported', 1, c.gridCode, '测试事件', String(e.data.channel), '[]', e.at, 'none', 0, 0, 0, 0, 1, '[]', '{}', c.events.length, e.at,
  ]]);
  return Number(result!.insertId);
}

/** Appends events seq from..to-1 of a case. */
export async function insertEvents(db: Kysely<unknown>, incidentId: number, c: PlannedCase, from: number, to: number): Promise<void> {
  const rows = c.events.slice(from, to).map((e, i) => [incidentId, from + i + 1, e.action, null, e.toStatus, '[]', JSON.stringify(e.data), e.at, e.actor ?? null]);
  await bulkInsert(db, 'incident_events', EVENT_COLUMNS, rows);
}
