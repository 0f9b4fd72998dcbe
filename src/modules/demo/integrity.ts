/**
 * Integrity checks of a generated (or any) district: every incident's
 * timeline replays through the state machine as a legal path from its
 * initial state to the stored status and version, by the stored actors with
 * their role assignments; every resident lives in a dwelling of an active
 * unit grid. Used by the generator's test and by `civicgrid demo --check`.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { fromJson } from '../../infra/db/values.js';
import type { TimeLimit } from '../incidents/rules/calendar.js';
import {
  decide,
  openIncident,
  sweepWarning,
  type Action,
  type IncidentState,
  type IncidentStatus,
} from '../incidents/rules/state-machine.js';
import { columnsOf } from '../incidents/service.js';
import { incidentWorld } from './incidents.js';
import { loadStaff } from './staff.js';
import type { StaffActor } from './timeline.js';

export interface IntegrityProblem {
  incidentId?: number;
  seq?: number;
  message: string;
}

export interface IntegrityReport {
  incidents: number;
  events: number;
  problems: IntegrityProblem[];
  /** Residents not in a current dwelling of an active unit grid (null: no base data tables). */
  residentsOutsideDwellings: number | null;
  residents: number | null;
}

type EventRow = { incident_id: number; seq: number; action: string; from_status: string | null; to_status: string; actor_user_id: number | null; actor_role: string | null; note: string | null; attachments: string; data: string; at: number };

/** The action an event records, rebuilt from its columns. */
function actionOf(e: EventRow): Action {
  const data = fromJson<Record<string, unknown>>(e.data, {});
  const attachments = fromJson<string[]>(e.attachments, []);
  const note = e.note ?? undefined;
  const reason = e.note ?? '';
  switch (e.action) {
    case 'register': return { type: 'register', categoryCode: String(data.categoryCode ?? '') };
    case 'reject': return { type: 'reject', reason };
    case 'dispatch': return {
      type: 'dispatch', leadDepartmentCode: String(data.leadDepartmentCode), coHandlerDepartmentCodes: (data.coHandlerDepartmentCodes as string[] | undefined) ?? [],
      ...(data.taskLimits ? { taskLimits: data.taskLimits as Record<string, TimeLimit> } : {}),
    };
    case 'return': return { type: 'return', reason };
    case 'reply': return { type: 'reply', result: reason, photos: attachments };
    case 'verify-fail': return { type: 'verify-fail', reason, photos: attachments, ...(data.reopenDepartmentCodes ? { reopenDepartmentCodes: data.reopenDepartmentCodes as string[] } : {}) };
    case 'assign': return { type: 'assign', assigneeUserId: String(data.assigneeUserId), departmentCode: String(data.departmentCode) };
    case 'verify-pass': return { type: 'verify-pass', photos: attachments };
    case 'request-extension': return { type: 'request-extension', extension: data.extension as TimeLimit, reason };
    case 'approve-extension': return { type: 'approve-extension', ...(data.granted ? { extension: data.granted as TimeLimit } : {}) };
    case 'refuse-extension': return { type: 'refuse-extension', reason };
    case 'request-defer': return { type: 'request-defer', reason };
    case 'refuse-defer': return { type: 'refuse-defer', reason };
    case 'self-resolve': return { type: 'self-resolve', categoryCode: String(data.categoryCode), beforePhotos: data.beforePhotos as string[], afterPhotos: data.afterPhotos as string[] };
    case 'escalate': return { type: 'escalate', departmentCodes: data.departmentCodes as string[] };
    case 'merge': return { type: 'merge', intoIncidentId: String(data.intoIncidentId) };
    default: return { type: e.action, ...(note ? { note } : {}) } as Action;
  }
}

/**
 * Replays timelines of incidents with ids in [fromId, toId] (all by default)
 * in pages. A problem is reported per incident (the first divergence).
 */
export async function checkIncidentTimelines(db: AppDb, options: { fromId?: number; toId?: number; limitProblems?: number; page?: number } = {}): Promise<{ incidents: number; events: number; problems: IntegrityProblem[] }> {
  const k: Kysely<Database> = db.primary;
  const world = await incidentWorld(k, db, 0, await loadStaff(k));
  // Every assignment of every user, not only the generator's staff: live users may have acted too.
  const actors = new Map<number, StaffActor>();
  const rows = await k.selectFrom('role_assignments').select(['user_id', 'role_code', 'scope_kind', 'scope_code']).execute();
  for (const r of rows) {
    let a = actors.get(Number(r.user_id));
    if (!a) actors.set(Number(r.user_id), (a = { id: Number(r.user_id), userId: String(r.user_id), roles: [] }));
    (a.roles as unknown[]).push({ role: r.role_code, scope: { kind: r.scope_kind, code: r.scope_code } });
  }
  const problems: IntegrityProblem[] = [];
  const limit = options.limitProblems ?? 50;
  const page = options.page ?? 2000;
  let after = (options.fromId ?? 1) - 1;
  let incidents = 0;
  let events = 0;
  for (;;) {
    let q = k.selectFrom('incidents').selectAll().where('id', '>', after).orderBy('id').limit(page);
    if (options.toId !== undefined) q = q.where('id', '<=', options.toId);
    const batch = await q.execute();
    if (batch.length === 0) break;
    after = Number(batch[batch.length - 1]!.id);
    const evs = await k.selectFrom('incident_events').selectAll()
      .where('incident_id', '>=', Number(batch[0]!.id)).where('incident_id', '<=', after)
      .orderBy('incident_id').orderBy('seq').execute();
    const byIncident = new Map<number, EventRow[]>();
    for (const e of evs) {
      const list = byIncident.get(Number(e.incident_id));
      const row = { ...e, incident_id: Number(e.incident_id), seq: Number(e.seq), at: Number(e.at), actor_user_id: e.actor_user_id == null ? null : Number(e.actor_user_id) };
      if (list) list.push(row);
      else byIncident.set(row.incident_id, [row]);
    }
    for (const inc of batch) {
      incidents++;
      const id = Number(inc.id);
      const list = byIncident.get(id) ?? [];
      events += list.length;
      const problem = replay(inc, list, world, actors);
      if (problem && problems.length < limit) problems.push({ incidentId: id, ...problem });
    }
    if (batch.length < page) break;
  }
  return { incidents, events, problems };
}

function replay(
  inc: { id: number; grid_code: string; reported_at: number; reporter_user_id: number | null; status: string; version: number; event_count: number; state: string } & Record<string, unknown>,
  list: EventRow[],
  world: Awaited<ReturnType<typeof incidentWorld>>,
  actors: Map<number, StaffActor>,
): Omit<IntegrityProblem, 'incidentId'> | null {
  const first = list[0];
  if (!first || first.action !== 'report' || first.seq !== 1) return { message: 'the timeline does not start with a report' };
  const data = fromJson<Record<string, unknown>>(first.data, {});
  const opened = openIncident(
    { id: String(inc.id), gridCode: inc.grid_code, reportedAt: Number(inc.reported_at), reporterUserId: first.actor_user_id === null ? null : String(first.actor_user_id), categoryCode: (data.categoryCode as string | null) ?? null },
    { calendar: world.cal, category: world.ctx.category },
  );
  if (!opened.ok) return { seq: 1, message: `cannot open: ${opened.refusal.code}` };
  let s: IncidentState = opened.next;
  let lastAt = first.at;
  for (const e of list.slice(1)) {
    if (e.seq !== s.version + 1) return { seq: e.seq, message: `event seq ${e.seq} after version ${s.version}` };
    if (e.at < lastAt) return { seq: e.seq, message: 'events out of time order' };
    lastAt = e.at;
    if (e.action === 'warn') {
      const swept = sweepWarning(s, world.cal, e.at, world.ctx.amberFraction);
      const want = fromJson<Record<string, unknown>>(e.data, {}).warning;
      if (!swept || swept.next.warning !== want) return { seq: e.seq, message: `warn to ${String(want)} does not follow from the clock` };
      s = swept.next;
      continue;
    }
    const eventData = fromJson<Record<string, unknown>>(e.data, {});
    if (e.action === 'merge' && eventData.role === 'survivor') {
      if (e.from_status !== s.status || e.to_status !== s.status) return { seq: e.seq, message: 'survivor merge event with a status change' };
      s = { ...s, version: s.version + 1 };
      continue;
    }
    const actor = e.actor_user_id === null ? undefined : actors.get(e.actor_user_id);
    if (!actor) return { seq: e.seq, message: `${e.action} by unknown actor ${e.actor_user_id}` };
    // Who was a handler of the department then is not kept: the recorded assignee is taken as one.
    const ctx = e.action === 'assign' ? { ...world.ctx, departmentHandlers: () => [String(eventData.assigneeUserId)] } : world.ctx;
    const d = decide(s, actionOf(e), actor, e.at, ctx);
    if (!d.ok) return { seq: e.seq, message: `${e.action} refused: ${d.refusal.code} (${s.status})` };
    const ev = d.events[0]!;
    if (ev.fromStatus !== e.from_status || ev.toStatus !== e.to_status || ev.actorRole !== e.actor_role) {
      return { seq: e.seq, message: `${e.action}: recorded ${e.from_status}→${e.to_status} as ${e.actor_role}, replayed ${ev.fromStatus}→${ev.toStatus} as ${ev.actorRole}` };
    }
    s = d.next;
  }
  if (s.status !== (inc.status as IncidentStatus)) return { message: `replayed status ${s.status}, stored ${inc.status}` };
  if (s.version !== Number(inc.version)) return { message: `replayed version ${s.version}, stored ${inc.version}` };
  if (list.length !== Number(inc.event_count)) return { message: `event_count ${inc.event_count}, timeline has ${list.length}` };
  const cols = columnsOf(s);
  for (const key of ['category_code', 'lead_department_code', 'due_at', 'warning', 'is_open', 'closed_at', 'urge_count', 'rework_count', 'return_count', 'extension_count'] as const) {
    const stored = inc[key] == null ? null : key === 'category_code' || key === 'lead_department_code' || key === 'warning' ? inc[key] : Number(inc[key]);
    if (stored !== cols[key]) return { message: `column ${key}: stored ${String(stored)}, replayed ${String(cols[key])}` };
  }
  return null;
}

/** Residents not linked to a current dwelling in an active unit grid (0 is what we want). */
export async function checkResidents(db: Kysely<Database>): Promise<{ residents: number; outside: number }> {
  const residents = Number((await db.selectFrom('residents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const housed = Number(
    (await db
      .selectFrom('residents')
      .where((eb) =>
        eb.exists(
          eb.selectFrom('resident_dwellings')
            .innerJoin('dwellings', 'dwellings.id', 'resident_dwellings.dwelling_id')
            .innerJoin('grids', 'grids.code', 'dwellings.grid_code')
            .select('resident_dwellings.id')
            .whereRef('resident_dwellings.resident_id', '=', 'residents.id')
            .where('resident_dwellings.is_current', '=', 1)
            .where('grids.level', '=', 'unit')
            .where('grids.status', '=', 'active'),
        ),
      )
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()).n,
  );
  return { residents, outside: residents - housed };
}

/** A fingerprint of the generated data: counts plus a hash of a sample of incidents and events (ids spread over the range). */
export async function fingerprint(db: Kysely<Database>, sample = 200): Promise<{ incidents: number; events: number; hash: string }> {
  const incidents = Number((await db.selectFrom('incidents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const events = Number((await db.selectFrom('incident_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const h = createHash('sha256');
  const step = Math.max(1, Math.floor(incidents / sample));
  const ids = (await db.selectFrom('incidents').select('id').orderBy('id').execute()).map((r) => Number(r.id)).filter((_, i) => i % step === 0);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.selectFrom('incidents').select(['id', 'code', 'status', 'grid_code', 'category_code', 'channel', 'reported_at', 'closed_at', 'lng', 'lat', 'description', 'state']).where('id', 'in', chunk).orderBy('id').execute();
    for (const r of rows) h.update(JSON.stringify([r.code, r.status, r.grid_code, r.category_code, r.channel, Number(r.reported_at), r.closed_at == null ? null : Number(r.closed_at), r.lng, r.lat, r.description, r.state]));
    const evs = await db.selectFrom('incident_events').select(['incident_id', 'seq', 'action', 'actor_role', 'at', 'data']).where('incident_id', 'in', chunk).orderBy('incident_id').orderBy('seq').execute();
    for (const e of evs) h.update(JSON.stringify([Number(e.seq), e.action, e.actor_role, Number(e.at), e.data]));
  }
  return { incidents, events, hash: h.digest('hex').slice(0, 16) };
}
