/**
 * Incidents of the demo district: about 1,000 reports a day at scale 1
 * (535,000 over 18 months), with weekday and hour seasonality, a channel mix
 * (mostly patrol workers, then 12345 and citizens), a category mix weighted
 * toward urban management, and complete timelines played through the state
 * machine (timeline.ts). Deterministic for (seed, scale, months, until):
 * every day has its own random stream, so a resumed run writes what an
 * uninterrupted one would have.
 *
 * Rows are written with multi-row INSERTs (bulkInsert, infra/db/insert.ts) in large
 * transactions, each also recording the last day written in
 * `demo_progress`: an interrupted run continues after that day. On SQLite the
 * load runs with `synchronous=OFF` (restored to FULL afterwards): a crash of
 * the process loses nothing committed, a power cut during the load may lose
 * the last batches, which a re-run writes again.
 */
import { sql, type Kysely } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { toJson } from '../../infra/db/values.js';
import { bulkInsert } from '../../infra/db/insert.js';
import { createRandom, type Random } from '../grid/demo/random.js';
import { PHRASINGS } from './phrasings.js';
import { Locator } from '../grid/rules/locator.js';
import type { GridGeometry } from '../grid/rules/types.js';
import { ReferenceData } from '../incidents/reference.js';
import { dayNumberFromYmd, isWorkingDay, isWorkingInstant, ymdFromDayNumber, type WorkCalendar } from '../incidents/rules/calendar.js';
import type { DecideContext, IncidentEventDraft } from '../incidents/rules/state-machine.js';
import { columnsOf } from '../incidents/service.js';
import type { IncidentChannel } from '../incidents/tables.js';
import { attachmentsOf } from '../incidents/attachments.js';
import { indexDocuments, type SearchDocument } from '../incidents/search-index.js';
import { TASK_COLUMNS, taskValues } from '../incidents/tasks.js';
import { personName, loadStaff } from './staff.js';
import { photoId, playTimeline, STAND_IN_PHOTOS, type DemoCategory, type IncidentSpec, type Staff, type Timeline, type TimelineWorld } from './timeline.js';

/** Reports over 18 months in the reference district. */
export const REFERENCE_INCIDENTS = 535_000;
export const REFERENCE_MONTHS = 18;
/** Bumped when the generator's output changes (benchmark caches are keyed by it). */
export const GENERATOR_VERSION = 2;
const SHANGHAI_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

export interface IncidentOptions {
  seed: number;
  scale: number;
  months: number;
  /** Last local day of reports ('YYYY-MM-DD'); the data ends at the following midnight. */
  until: string;
}

export interface IncidentProgress {
  day: string;
  daysDone: number;
  daysTotal: number;
  incidents: number;
  events: number;
}

/** Yesterday in Asia/Shanghai: the default last day, so the data ends at this morning's midnight. */
export function defaultUntil(now = Date.now()): string {
  return new Date(now + SHANGHAI_MS - DAY_MS).toISOString().slice(0, 10);
}

export function expectedIncidents(scale: number, months: number): number {
  return Math.round((REFERENCE_INCIDENTS * scale * months) / REFERENCE_MONTHS);
}

/** The first local day of reports for a run ('YYYY-MM-DD'). */
export function periodStart(until: string, months: number): string {
  return ymdFromDayNumber(firstDay(until, months));
}

/** Local midnight (Asia/Shanghai) of a day number, as UTC epoch ms. */
const midnight = (day: number): number => day * DAY_MS - SHANGHAI_MS;

/** First day: `months` calendar months before the day after `until`. */
function firstDay(until: string, months: number): number {
  const [y, m, d] = until.split('-').map(Number) as [number, number, number];
  return Math.floor(Date.UTC(y, m - 1 - months, d + 1) / DAY_MS);
}

// Hour weights (local time): working days peak in office hours; days off are flatter and lighter.
const WORK_HOURS = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 7, 8, 7.5, 4, 3, 5, 7, 7.5, 6, 3, 2, 1.5, 1.2, 0.8, 0.4];
const OFF_HOURS = [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 2, 3.5, 4, 4, 3, 2.5, 3, 3.5, 3.5, 3, 2.5, 2, 1.5, 1.2, 0.8, 0.5];
const MAJOR_WEIGHTS: Record<string, number> = { '01': 0.08, '02': 0.04, '03': 0.06, '04': 0.42, '05': 0.12, '06': 0.07, '07': 0.09, '08': 0.12 };
const CHANNELS_WORKING: [IncidentChannel, number][] = [['grid_worker', 0.78], ['hotline_12345', 0.09], ['citizen', 0.08], ['operator_phone', 0.03], ['operator_walk_in', 0.015], ['api', 0.005]];
const CHANNELS_OFF: [IncidentChannel, number][] = [['grid_worker', 0.35], ['hotline_12345', 0.32], ['citizen', 0.25], ['operator_phone', 0.06], ['api', 0.02]];
const DETAILS = ['影响居民出行', '群众反映强烈', '存在安全隐患', '多次出现，请尽快处理', '现场已拍照取证', '影响市容环境', '周边居民投诉', '需相关部门协调处置'];

/**
 * A report as people word it (phrasings.ts): the problem in their own words,
 * not the category's name, sometimes with where it is and a remark.
 */
function describe(communityName: string, building: number, categoryCode: string, detail: string, rng: Random): string {
  const phrases = PHRASINGS[categoryCode];
  const phrase = phrases ? rng.pick(phrases) : '有问题需要处理';
  const where = rng.next();
  const place = where < 0.45 ? `${communityName}${building}栋附近，` : where < 0.75 ? `${communityName}，` : '';
  return rng.next() < 0.5 ? `${place}${phrase}，${detail}` : `${place}${phrase}`;
}

/** Weighted choice over a cumulative weight array. */
class Weighted<T> {
  private readonly cum: Float64Array;
  constructor(private readonly items: readonly T[], weights: readonly number[]) {
    this.cum = new Float64Array(weights.length);
    let s = 0;
    weights.forEach((w, i) => (this.cum[i] = s += w));
  }
  pick(rng: Random): T {
    const x = rng.next() * this.cum[this.cum.length - 1]!;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

const channelsWorking = new Weighted(CHANNELS_WORKING.map((c) => c[0]), CHANNELS_WORKING.map((c) => c[1]));
const channelsOff = new Weighted(CHANNELS_OFF.map((c) => c[0]), CHANNELS_OFF.map((c) => c[1]));

/** Reports per day: exactly `total`, shared by weekday/holiday, season and day-to-day noise (largest remainder). */
export function planDays(options: IncidentOptions, cal: WorkCalendar): { ymd: string; day: number; count: number }[] {
  const first = firstDay(options.until, options.months);
  const last = dayNumberFromYmd(options.until);
  const rng = createRandom(`incident-days:${options.seed}`);
  const days: { ymd: string; day: number; weight: number; count: number }[] = [];
  for (let day = first; day <= last; day++) {
    const ymd = ymdFromDayNumber(day);
    const month = Number(ymd.slice(5, 7));
    // Summer (rain, heat, construction) brings more reports; the Spring Festival fewer.
    const season = 1 + 0.12 * Math.sin(((month - 4) / 12) * 2 * Math.PI);
    const weight = (isWorkingDay(cal, ymd) ? 1.2 : 0.55) * season * (0.85 + 0.3 * rng.next());
    days.push({ ymd, day, weight, count: 0 });
  }
  const total = expectedIncidents(options.scale, options.months);
  const sum = days.reduce((s, d) => s + d.weight, 0);
  let given = 0;
  const rest = days.map((d, i) => {
    const exact = (total * d.weight) / sum;
    d.count = Math.floor(exact);
    given += d.count;
    return { i, r: exact - d.count };
  });
  rest.sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; k < total - given; k++) days[rest[k % rest.length]!.i]!.count++;
  return days.map(({ ymd, day, count }) => ({ ymd, day, count }));
}

interface UnitGrid {
  code: string;
  name: string;
  communityName: string;
  streetName: string;
  box: [number, number, number, number];
}

export interface IncidentWorld extends TimelineWorld {
  grids: UnitGrid[];
  gridWeights: Weighted<UnitGrid>;
  categories: DemoCategory[];
  categoryWeights: Weighted<DemoCategory>;
  locator: Locator;
}

export async function incidentWorld(
  db: Kysely<Database>,
  appDb: AppDb,
  seed: number,
  staff?: Staff,
  photos: readonly string[] = STAND_IN_PHOTOS,
): Promise<IncidentWorld> {
  const ref = await new ReferenceData(appDb).get();
  const rows = await db.selectFrom('grids').select(['code', 'level', 'name', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat']).where('status', '=', 'active').orderBy('code').execute();
  const names = new Map(rows.map((r) => [r.code, r.name]));
  const unitRows = rows.filter((r) => r.level === 'unit');
  const grids: UnitGrid[] = unitRows.map((r) => ({
    code: r.code,
    name: r.name,
    communityName: names.get(r.code.slice(0, 12)) ?? '',
    streetName: names.get(r.code.slice(0, 9)) ?? '',
    box: [Number(r.min_lng), Number(r.min_lat), Number(r.max_lng), Number(r.max_lat)],
  }));
  const locator = new Locator(unitRows.map((r) => ({ code: r.code, geometry: JSON.parse(r.geometry) as GridGeometry })));
  const grng = createRandom(`incident-grids:${seed}`);
  // Some grids (markets, old quarters, construction) report far more than others.
  const gridWeights = new Weighted(grids, grids.map(() => 0.3 + 1.7 * grng.next() ** 2));
  const categories: DemoCategory[] = [...ref.categories.values()]
    .filter((c) => c.status === 'active')
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((c) => ({ code: c.code, majorCode: c.majorCode, nameZh: c.nameZh, type: c.type, caseType: c.caseType, departmentCodes: c.departmentCodes, limits: c.limits }));
  if (categories.length === 0) throw new Error('demo incidents: no active categories');
  const byMajor = new Map<string, number>();
  for (const c of categories) byMajor.set(c.majorCode, (byMajor.get(c.majorCode) ?? 0) + 1);
  const indexInMajor = new Map<string, number>();
  const categoryWeights = new Weighted(
    categories,
    categories.map((c) => {
      const k = indexInMajor.get(c.majorCode) ?? 0;
      indexInMajor.set(c.majorCode, k + 1);
      // Within a major category the first (commonest) minor ones carry more.
      return ((MAJOR_WEIGHTS[c.majorCode] ?? 0.05) / byMajor.get(c.majorCode)!) * (1.6 / (1 + 0.15 * k));
    }),
  );
  const departmentCodes = [...ref.departments.values()].filter((d) => d.status === 'active').map((d) => d.code).sort();
  const ctx: DecideContext = {
    calendar: ref.calendar,
    category: (code) => {
      const c = ref.categories.get(code);
      return c && c.status === 'active' ? c : undefined;
    },
    isDepartment: (code) => ref.departments.get(code)?.status === 'active',
  };
  return {
    cal: ref.calendar, ctx, staff: staff ?? (await loadStaff(db)), departmentCodes, photos,
    grids, gridWeights, categories, categoryWeights, locator,
  };
}

function pointIn(world: IncidentWorld, grid: UnitGrid, rng: Random): [number, number] | null {
  const [x0, y0, x1, y1] = grid.box;
  for (let i = 0; i < 30; i++) {
    const lng = rng.range(x0, x1);
    const lat = rng.range(y0, y1);
    if (world.locator.locate(lng, lat) === grid.code) return [Math.round(lng * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6];
  }
  return null;
}

function maskedPhone(rng: Random): string {
  return `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.int(0, 9)}****${String(rng.int(0, 9999)).padStart(4, '0')}`;
}

export interface GeneratedDay {
  incidents: { spec: IncidentSpec; lng: number | null; lat: number | null; address: string; reporterName: string | null; reporterPhone: string | null; timeline: Timeline }[];
}

/** One day of reports with their timelines; ids from `firstId`, codes from `firstSeq` + 1. */
export function generateDay(world: IncidentWorld, options: IncidentOptions, plan: { ymd: string; day: number; count: number }, firstId: number, firstSeq: number): GeneratedDay {
  const rng = createRandom(`incidents:${options.seed}:${plan.ymd}`);
  // The wording has its own stream, so the rest of the generated history does not depend on it.
  const wording = createRandom(`incident-wording:${options.seed}:${plan.ymd}`);
  const end = midnight(dayNumberFromYmd(options.until) + 1);
  const working = isWorkingDay(world.cal, plan.ymd);
  const hourWeights = new Weighted(Array.from({ length: 24 }, (_, h) => h), working ? WORK_HOURS : OFF_HOURS);
  const base = midnight(plan.day);
  const times = Array.from({ length: plan.count }, () => base + hourWeights.pick(rng) * 3_600_000 + rng.int(0, 3_599_999)).sort((a, b) => a - b);
  const out: GeneratedDay['incidents'] = [];
  const byId = new Map<number, Timeline>();
  const statusAt = (id: number, at: number): string | null => {
    const tl = byId.get(id);
    if (!tl) return null;
    let status: string | null = null;
    for (const e of tl.events) {
      if (e.at > at) break;
      status = e.toStatus;
    }
    return status;
  };
  const ymdCompact = plan.ymd.replaceAll('-', '');
  for (let i = 0; i < plan.count; i++) {
    const reportedAt = times[i]!;
    const id = firstId + i;
    const code = `${ymdCompact}${String(firstSeq + i + 1).padStart(4, '0')}`;
    const inOffice = isWorkingInstant(world.cal, reportedAt);
    let channel = (inOffice ? channelsWorking : channelsOff).pick(rng);
    // Duplicates: a second report of a problem already reported today, at the same place.
    const earlier = i > 0 && rng.next() < 0.015 ? out[Math.max(0, i - 1 - rng.int(0, Math.min(i - 1, 60)))]! : null;
    let grid: UnitGrid;
    let category: DemoCategory;
    let position: [number, number] | null;
    if (earlier) {
      grid = world.grids.find((g) => g.code === earlier.spec.gridCode)!;
      category = earlier.spec.category;
      position = earlier.lng === null || earlier.lat === null ? null : [earlier.lng + rng.range(-0.0002, 0.0002), earlier.lat + rng.range(-0.0002, 0.0002)];
      if (position && world.locator.locate(position[0], position[1]) !== grid.code) position = [earlier.lng!, earlier.lat!];
      if (channel === 'grid_worker') channel = 'hotline_12345';
    } else {
      grid = world.gridWeights.pick(rng);
      category = world.categoryWeights.pick(rng);
      position = pointIn(world, grid, rng);
    }
    const worker = world.staff.workerOfCommunity.get(grid.code.slice(0, 12));
    if (channel === 'grid_worker' && !worker) channel = 'citizen';
    const operator = rng.pick(world.staff.operators);
    const citizen = channel !== 'grid_worker';
    const building = rng.int(1, 60);
    const description = describe(grid.communityName, building, category.code, rng.pick(DETAILS), wording);
    const photoCount = channel === 'grid_worker' ? rng.int(1, 3) : channel === 'citizen' && rng.next() < 0.5 ? 1 : 0;
    const spec: IncidentSpec = {
      id,
      code,
      gridCode: grid.code,
      reportedAt,
      channel,
      reporterUserId: citizen ? null : worker!.id,
      createdBy: channel === 'grid_worker' ? worker!.id : channel === 'citizen' ? null : operator.id,
      externalRef: channel === 'hotline_12345' ? `GD${ymdCompact}${String(rng.int(0, 99999)).padStart(5, '0')}` : null,
      description,
      photos: Array.from({ length: photoCount }, () => photoId(rng, world.photos)),
      intakeCategory: channel === 'grid_worker' ? (rng.next() < 0.85 ? category.code : null) : channel === 'hotline_12345' && rng.next() < 0.4 ? category.code : null,
      category,
      duplicateOf: earlier && earlier.timeline.state.status !== 'merged' ? { id: earlier.spec.id, code: earlier.spec.code } : null,
    };
    const timeline = playTimeline(spec, world, rng, end, statusAt);
    byId.set(id, timeline);
    if (timeline.survivorEvent) {
      const survivor = byId.get(timeline.survivorEvent.incidentId)!;
      const e = timeline.survivorEvent.event;
      // In time order: the survivor's later events come after the merge.
      let k = survivor.events.length;
      while (k > 0 && survivor.events[k - 1]!.at > e.at) k--;
      survivor.events.splice(k, 0, e);
    }
    out.push({
      spec,
      lng: position?.[0] ?? null,
      lat: position?.[1] ?? null,
      address: `${grid.streetName}${grid.communityName}${building}栋`,
      reporterName: citizen ? personName(rng) : null,
      reporterPhone: citizen && channel !== 'api' ? maskedPhone(rng) : null,
      timeline,
    });
  }
  return { incidents: out };
}


const INCIDENT_COLUMNS = [
  'id', 'code', 'status', 'version', 'grid_code', 'lng', 'lat', 'address', 'description', 'channel', 'created_by', 'reporter_user_id',
  'reporter_name', 'reporter_phone_masked', 'external_ref', 'category_code', 'lead_department_code', 'co_handler_codes', 'reported_at',
  'register_by', 'dispatch_by', 'handle_by', 'verify_by', 'due_at', 'warning', 'pending_request', 'urge_count', 'rework_count',
  'return_count', 'extension_count', 'is_open', 'merged_into', 'closed_at', 'photos', 'state', 'event_count', 'updated_at',
] as const;
const EVENT_COLUMNS = ['incident_id', 'seq', 'action', 'from_status', 'to_status', 'actor_user_id', 'actor_role', 'note', 'attachments', 'data', 'at'] as const;

export interface RowBatch {
  incidents: unknown[][];
  /** The text index's documents of the batch's incidents. */
  search: SearchDocument[];
  events: unknown[][];
  departments: unknown[][];
  tasks: unknown[][];
  links: unknown[][];
  /** incident_files: which photos each event shows, so they are served to whoever may see the incident. */
  files: unknown[][];
  counters: Map<string, number>;
}

export function emptyBatch(): RowBatch {
  return { incidents: [], search: [], events: [], departments: [], tasks: [], links: [], files: [], counters: new Map() };
}

/** Table rows of a generated day, appended to a batch. */
export function rowsOfDay(day: GeneratedDay, batch: RowBatch, ymd: string, lastSeq: number): void {
  for (const g of day.incidents) {
    const { spec, timeline } = g;
    const s = timeline.state;
    const c = columnsOf(s);
    const events = timeline.events;
    const values: Record<(typeof INCIDENT_COLUMNS)[number], unknown> = {
      id: spec.id, code: spec.code, status: c.status, version: events.length, grid_code: spec.gridCode, lng: g.lng, lat: g.lat,
      address: g.address, description: spec.description, channel: spec.channel, created_by: spec.createdBy, reporter_user_id: spec.reporterUserId,
      reporter_name: g.reporterName, reporter_phone_masked: g.reporterPhone, external_ref: spec.externalRef, category_code: c.category_code,
      lead_department_code: c.lead_department_code, co_handler_codes: c.co_handler_codes, reported_at: spec.reportedAt,
      register_by: c.register_by, dispatch_by: c.dispatch_by, handle_by: c.handle_by, verify_by: c.verify_by, due_at: c.due_at,
      warning: c.warning, pending_request: c.pending_request, urge_count: c.urge_count, rework_count: c.rework_count,
      return_count: c.return_count, extension_count: c.extension_count, is_open: c.is_open, merged_into: c.merged_into,
      closed_at: c.closed_at, photos: toJson(spec.photos), state: c.state, event_count: events.length, updated_at: events[events.length - 1]!.at,
    };
    batch.incidents.push(INCIDENT_COLUMNS.map((k) => values[k]));
    batch.search.push({ id: spec.id, code: spec.code, description: spec.description, address: g.address, gridCode: spec.gridCode });
    events.forEach((e: IncidentEventDraft, i) => {
      batch.events.push([spec.id, i + 1, e.action, e.fromStatus, e.toStatus, e.actorUserId === null ? null : Number(e.actorUserId), e.actorRole, e.note, toJson(e.attachments), toJson(e.data), e.at]);
      for (const a of attachmentsOf(e)) batch.files.push([spec.id, a.hash, i + 1, a.kind, e.at]);
    });
    if (s.leadDepartmentCode) batch.departments.push([spec.id, s.leadDepartmentCode, 'lead']);
    for (const co of s.coHandlerDepartmentCodes) batch.departments.push([spec.id, co, 'co']);
    for (const call of s.escalation) batch.departments.push([spec.id, call.departmentCode, 'called']);
    batch.tasks.push(...taskValues(spec.id, s.tasks));
    if (s.status === 'merged' && s.mergedInto !== null) {
      const mergeEvent = events.find((e) => e.action === 'merge')!;
      batch.links.push([Number(s.mergedInto), spec.id, 'merged', toJson({
        code: spec.code, channel: spec.channel, reporterUserId: spec.reporterUserId, reporterName: g.reporterName, reporterPhoneMasked: g.reporterPhone, reportedAt: spec.reportedAt,
      }), mergeEvent.actorUserId === null ? null : Number(mergeEvent.actorUserId), mergeEvent.at]);
    }
  }
  batch.counters.set(ymd.replaceAll('-', ''), lastSeq);
}

export async function writeBatch(tx: Kysely<Database>, dialect: AppDb['dialect'], batch: RowBatch): Promise<void> {
  const k = tx as unknown as Kysely<unknown>;
  await bulkInsert(k, 'incidents', INCIDENT_COLUMNS, batch.incidents);
  await indexDocuments(k, dialect, batch.search);
  await bulkInsert(k, 'incident_events', EVENT_COLUMNS, batch.events);
  await bulkInsert(k, 'incident_departments', ['incident_id', 'department_code', 'role'], batch.departments);
  await bulkInsert(k, 'incident_tasks', TASK_COLUMNS, batch.tasks);
  await bulkInsert(k, 'incident_links', ['incident_id', 'linked_incident_id', 'kind', 'data', 'created_by', 'created_at'], batch.links);
  await bulkInsert(k, 'incident_files', ['incident_id', 'hash', 'event_seq', 'kind', 'created_at'], batch.files);
  const days = [...batch.counters.keys()];
  if (days.length > 0) {
    const existing = new Set((await tx.selectFrom('incident_day_counters').select('day').where('day', 'in', days).execute()).map((r) => r.day));
    for (const [day, seq] of batch.counters) {
      if (existing.has(day)) await tx.updateTable('incident_day_counters').set({ seq: sql<number>`case when seq < ${seq} then ${seq} else seq end` }).where('day', '=', day).execute();
    }
    await bulkInsert(k, 'incident_day_counters', ['day', 'seq'], [...batch.counters].filter(([d]) => !existing.has(d)));
  }
}

export interface IncidentLoadResult {
  incidents: number;
  events: number;
  days: number;
  resumed: boolean;
  skipped: boolean;
  seconds: number;
}

/**
 * Generates and writes the incidents, resuming after the last day recorded
 * in `demo_progress`. Refuses to continue a run made with other parameters.
 */
export async function loadDemoIncidents(
  db: AppDb,
  actor: AuditActor,
  given: Omit<IncidentOptions, 'until'> & {
    until?: string | undefined;
    batchIncidents?: number;
    onProgress?: (p: IncidentProgress) => void;
    stopAfterDays?: number;
    /** Stores the pictures for the incidents' photos and answers their hashes (photos.ts); made-up hashes without. Only called when there are incidents to make. */
    photos?: () => Promise<readonly string[]>;
  },
): Promise<IncidentLoadResult> {
  const t0 = Date.now();
  const progress = await db.primary.selectFrom('demo_progress').selectAll().where('name', '=', 'incidents').executeTakeFirst();
  // Without an explicit last day, a resumed run keeps the one it started with (not a new "yesterday").
  const stored = progress ? (JSON.parse(progress.params) as Partial<IncidentOptions>) : null;
  const options = { ...given, until: given.until ?? stored?.until ?? defaultUntil() };
  const params = JSON.stringify({ seed: options.seed, scale: options.scale, months: options.months, until: options.until });
  if (progress && progress.params !== params) {
    throw new Error(`demo incidents were generated with ${progress.params}; this run asks for ${params}. Use a fresh database (or the same parameters to resume).`);
  }
  if (progress && Number(progress.finished) === 1) {
    return { incidents: Number(progress.incidents), events: Number(progress.events), days: 0, resumed: false, skipped: true, seconds: 0 };
  }
  if (!progress) {
    await db.primary.insertInto('demo_progress').values({ name: 'incidents', params, last_day: null, incidents: 0, events: 0, finished: 0, updated_at: Date.now() }).execute();
  }
  const world = await incidentWorld(db.primary, db, options.seed, undefined, given.photos ? await given.photos() : undefined);
  const plan = planDays(options, world.cal);
  const lastDone = progress?.last_day ?? null;
  const todo = lastDone ? plan.filter((d) => d.ymd > lastDone) : plan;
  const counters = new Map((await db.primary.selectFrom('incident_day_counters').select(['day', 'seq']).execute()).map((r) => [r.day, Number(r.seq)]));
  let nextId = Number((await db.primary.selectFrom('incidents').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0) + 1;
  let incidents = Number(progress?.incidents ?? 0);
  let events = Number(progress?.events ?? 0);
  const batchIncidents = options.batchIncidents ?? 5000;
  const sqlite = db.dialect === 'sqlite';
  if (sqlite) {
    // Bulk load only (see the file comment); restored below.
    await sql`pragma synchronous = OFF`.execute(db.primary);
    await sql`pragma cache_size = -262144`.execute(db.primary);
  }
  let daysDone = plan.length - todo.length;
  // Starts the progress clock.
  options.onProgress?.({ day: lastDone ?? plan[0]?.ymd ?? options.until, daysDone, daysTotal: plan.length, incidents, events });
  try {
    let batch = emptyBatch();
    let batchDays: string[] = [];
    const flush = async (finished: boolean) => {
      if (batchDays.length === 0 && !finished) return;
      const b = batch;
      const lastDay = batchDays[batchDays.length - 1] ?? lastDone;
      const added = { incidents: b.incidents.length, events: b.events.length };
      await db.transaction(async (tx) => {
        await writeBatch(tx, db.dialect, b);
        await tx.updateTable('demo_progress').set({
          last_day: lastDay, incidents: incidents + added.incidents, events: events + added.events, finished: finished ? 1 : 0, updated_at: Date.now(),
        }).where('name', '=', 'incidents').execute();
        if (added.incidents > 0) {
          await appendAudit(tx, actor, { action: 'demo.incidents', details: { from: batchDays[0], to: lastDay, incidents: added.incidents, events: added.events } });
        }
      });
      incidents += added.incidents;
      events += added.events;
      batch = emptyBatch();
      batchDays = [];
    };
    for (const day of todo) {
      const compact = day.ymd.replaceAll('-', '');
      const firstSeq = counters.get(compact) ?? 0;
      const generated = generateDay(world, options, day, nextId, firstSeq);
      rowsOfDay(generated, batch, day.ymd, firstSeq + day.count);
      nextId += day.count;
      batchDays.push(day.ymd);
      daysDone++;
      if (batch.incidents.length >= batchIncidents) {
        await flush(false);
        options.onProgress?.({ day: day.ymd, daysDone, daysTotal: plan.length, incidents, events });
      }
      if (options.stopAfterDays !== undefined && daysDone - (plan.length - todo.length) >= options.stopAfterDays) {
        await flush(false);
        return { incidents, events, days: daysDone, resumed: progress !== undefined, skipped: false, seconds: (Date.now() - t0) / 1000 };
      }
    }
    await flush(true);
    options.onProgress?.({ day: options.until, daysDone, daysTotal: plan.length, incidents, events });
  } finally {
    if (sqlite) {
      await sql`pragma synchronous = FULL`.execute(db.primary);
      await sql`pragma cache_size = -2000`.execute(db.primary);
    }
  }
  return { incidents, events, days: plan.length, resumed: progress !== undefined, skipped: false, seconds: (Date.now() - t0) / 1000 };
}
