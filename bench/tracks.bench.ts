import SQLite from 'better-sqlite3';
import { Agent } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { CompiledQuery } from 'kysely';
import { createPool } from 'mysql2/promise';
import { createRandom } from '../src/modules/grid/demo/random.js';
import { Locator } from '../src/modules/grid/rules/locator.js';
import type { GridGeometry } from '../src/modules/grid/rules/types.js';
import { loadDemo } from '../src/modules/demo/load.js';
import { demoUuid, walkPatrol } from '../src/modules/demo/tracks.js';
import { areaOf, loadDemoWorkforce } from '../src/modules/demo/workforce.js';
import { defaultUntil } from '../src/modules/demo/incidents.js';
import { buildHttp } from '../src/platform.js';
import { toMicro } from '../src/modules/workforce/rules/geo.js';
import { timeIt } from './_cache.js';
import { call, drive, driveInWorker, loadFacts, login, PLATFORM_MYSQL_POOL, type LoadStep } from './intake.bench.js';
import { report } from './lib.js';
import { scratchPlatform } from './_scratch.js';

/** Workers sending points at once, each on its own patrol and session. */
const WORKERS = 32;
/** Points per request: ten minutes of a patrol at the app's fix every 10 s. */
const BATCH = 60;
const BATCHES_PER_WORKER = 40;
const CONNECTIONS = 32;
const READS = 200;
/** Days of tracks loaded; BENCH_TRACK_DAYS for a quicker run (the goal is stated for 30). */
const DAYS = Number(process.env.BENCH_TRACK_DAYS ?? 30);
const INTERVAL_MS = 10_000;
/** Raw rows go to patrol ids far above the real ones, so both land in the same table without meeting. */
const RAW_PATROL_OFFSET = 10_000_000;
const POINT_SQL = (rows: number) => `insert into track_points (patrol_id, at, lng_e6, lat_e6, accuracy_m, received_at) values ${Array(rows).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`;

/**
 * `npm run bench -- tracks` (BENCH_DB_URL for MariaDB; a scratch database
 * either way, dropped afterwards):
 *
 * 1. A month of tracks is loaded first: the demo district at scale 1 (179
 *    full-time patrol workers), every day of 30 on duty from clock-in to
 *    clock-out with a fix every 10 s (demo/workforce.ts, mode 'duty'),
 *    about 15 M points.
 * 2. Ingest: 32 workers each start a patrol and send 40 batches of 60 points
 *    over HTTP (POST /api/patrols/:id/points, 32 keep-alive connections from
 *    a load-generator thread; each batch checked, stored, counted on the
 *    patrol and audited in one transaction) into that table. Baseline: the
 *    same rows, batch for batch, as raw multi-row INSERTs into the same table
 *    of the same database, each batch its own autocommit transaction: on
 *    SQLite one after another on one better-sqlite3 connection (WAL,
 *    synchronous = FULL), on MySQL over a mysql2 pool of the platform's size
 *    with as many in flight.
 * 3. Read: p95 of GET /api/patrols/track (one worker's day: patrols, the
 *    filtered track with per-vertex times, reported cases, clock records)
 *    for 200 random worker-days of the month, one at a time, as a district
 *    supervisor. Baseline: p95 of the raw select of the same worker-day's
 *    points through the platform's database handle.
 */
export default async function tracksBench(): Promise<void> {
  const log = (m: string) => process.stderr.write(`[tracks] ${m}\n`);
  const sp = await scratchPlatform('tracks');
  const { platform, scratch } = sp;
  let app: FastifyInstance | null = null;
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  try {
    const t0 = Date.now();
    await loadDemo(platform, { scale: 1, staff: true });
    const until = defaultUntil();
    let lastLog = 0;
    const month = await loadDemoWorkforce(platform.db, { userId: null, username: 'bench', ip: null }, {
      seed: 1, until, days: DAYS, intervalMs: INTERVAL_MS, mode: 'duty', everyDay: true,
      onProgress: (p) => {
        if (Date.now() - lastLog > 15_000 || p.daysDone === p.daysTotal) {
          lastLog = Date.now();
          log(`month of tracks: day ${p.daysDone}/${p.daysTotal}, ${p.points.toLocaleString('en-US')} points`);
        }
      },
    });
    await platform.db.refreshStatistics();
    log(`loaded ${month.points.toLocaleString('en-US')} points of ${month.patrols} patrols in ${Math.round((Date.now() - t0) / 1000)} s`);

    // 32 workers and a supervisor log in at once from this one address.
    (platform.config as { loginRateLimitPerMinute: number }).loginRateLimitPerMinute = 1000;
    app = (await buildHttp(platform)).app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const target = { port: typeof address === 'object' && address ? address.port : 0, agent };

    // ---- ingest ----
    const db = platform.db.primary;
    const workers = await db.selectFrom('users').select(['id', 'username']).where('username', 'like', 'gw%').orderBy('id').limit(WORKERS).execute();
    const units = await db.selectFrom('grids').select(['code', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat']).where('level', '=', 'unit').where('status', '=', 'active').execute();
    const locator = new Locator(units.map((u) => ({ code: u.code, geometry: JSON.parse(u.geometry) as GridGeometry })));
    const boxes = units.map((u) => ({ code: u.code, box: [u.min_lng, u.min_lat, u.max_lng, u.max_lat] as [number, number, number, number] }));
    const scopes = await db.selectFrom('role_assignments').select(['user_id', 'scope_code']).where('user_id', 'in', workers.map((w) => w.id)).execute();
    const start = Date.now() - 8 * 3_600_000;
    const jobs: LoadStep[][] = [];
    const rawBatches: unknown[][][] = [];
    for (const [k, w] of workers.entries()) {
      const cookie = await login(target, w.username);
      const community = scopes.find((s) => s.user_id === w.id)!.scope_code;
      const rng = createRandom(`bench-ingest:${w.id}`);
      const patrolId = demoUuid(rng);
      const started = await call(target, 'POST', '/api/patrols', { cookie, body: { id: patrolId, startedAt: new Date(start).toISOString() } });
      if (started.status !== 201) throw new Error(`start patrol: ${started.status} ${started.body}`);
      const walk = walkPatrol(rng, areaOf(locator, boxes, community), start + 1000, start + BATCH * BATCHES_PER_WORKER * INTERVAL_MS + 2000, [], { intervalMs: INTERVAL_MS });
      const points = walk.points.slice(0, BATCH * BATCHES_PER_WORKER);
      for (let b = 0; b < BATCHES_PER_WORKER; b++) {
        const batch = points.slice(b * BATCH, (b + 1) * BATCH);
        jobs.push([{
          method: 'POST', path: `/api/patrols/${patrolId}/points`, cookie, expect: 200,
          body: { points: batch.map((p) => ({ at: new Date(p.at).toISOString(), lng: p.lng, lat: p.lat, accuracyM: p.accuracyM })) },
        }]);
        rawBatches.push(batch.map((p) => [RAW_PATROL_OFFSET + k, p.at, toMicro(p.lng), toMicro(p.lat), p.accuracyM, Date.now()]));
      }
    }
    // Interleave the workers' batches, as phones would send them.
    const order = jobs.map((_, i) => (i % WORKERS) * BATCHES_PER_WORKER + Math.floor(i / WORKERS));
    const interleaved = order.map((i) => jobs[i]!);
    const total = jobs.length * BATCH;
    const run = await driveInWorker(target, interleaved, CONNECTIONS);
    const stored = Number((await db.selectFrom('track_points').innerJoin('patrols', 'patrols.id', 'track_points.patrol_id')
      .select((eb) => eb.fn.countAll<number>().as('n')).where('patrols.started_at', '=', start).executeTakeFirstOrThrow()).n);
    if (stored !== total) throw new Error(`ingest stored ${stored} of ${total} points`);
    const httpRate = total / run.seconds;
    const raw = scratch.db === 'mysql' ? await rawMysql(scratch.url, rawBatches) : rawSqlite(scratch.path, rawBatches);
    report({
      name: 'tracks_http_ingest_rate', value: Math.round(httpRate), unit: 'points/s', baseline: Math.round(raw.rate), scale: 1, db: scratch.db,
      batch: BATCH, requests: jobs.length, connections: CONNECTIONS, workers: WORKERS, tableRowsBefore: month.points, baselineIs: raw.is, goal: 'ratio >= 0.5',
      requestP95Ms: Math.round(percentileOf(run.latencies, 95) * 10) / 10, ...loadFacts(run, jobs.length, CONNECTIONS),
    });

    // ---- read ----
    const supervisor = await login(target, 'supervisor');
    const members = await db.selectFrom('team_members').select('user_id').where('user_id', 'is not', null).where('role_code', '=', 'full_time_worker').execute();
    const days = Array.from({ length: DAYS }, (_, i) => ymdBefore(until, i));
    const pick = (i: number) => {
      const r = createRandom(`bench-read:${i}`);
      return { userId: Number(r.pick(members).user_id), date: r.pick(days) };
    };
    const cal = await platform.workforce.context.calendar();
    const dayStartOf = (ymd: string) => Date.parse(`${ymd}T00:00:00Z`) - cal.utcOffsetMinutes * 60_000;
    let points = 0;
    const rawRead = await timeIt(READS, 20, async (i) => {
      const { userId, date } = pick(i);
      const from = dayStartOf(date);
      const { rows } = await db.executeQuery<{ n: number }>(CompiledQuery.raw(
        'select patrol_id, at, lng_e6, lat_e6, accuracy_m from track_points where patrol_id in (select id from patrols where user_id = ? and started_at >= ? and started_at < ?) and at >= ? and at < ? order by patrol_id, at',
        [userId, from - 86_400_000, from + 86_400_000, from, from + 86_400_000],
      ));
      if (i >= 0) points += rows.length;
    });
    const http = await timeIt(READS, 20, async (i) => {
      const { userId, date } = pick(i);
      const r = await call(target, 'GET', `/api/patrols/track?userId=${userId}&date=${date}`, { cookie: supervisor });
      if (r.status !== 200) throw new Error(`track ${userId} ${date}: ${r.status} ${r.body.slice(0, 200)}`);
    });
    report({
      name: 'tracks_worker_day_read_p95', value: http.p95, unit: 'ms', baseline: rawRead.p95, scale: 1, db: scratch.db,
      p50: http.p50, max: http.max, requests: READS, meanPointsPerWorkerDay: Math.round(points / READS), tableRows: month.points + total * 2,
      days: DAYS, baselineIs: 'p95 of the raw select of the same worker-day\'s points through the platform database handle', goal: 'p95 < 50 ms',
    });
  } finally {
    agent.destroy();
    try {
      await app?.close();
    } finally {
      await sp.close();
    }
  }
}

function percentileOf(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

function ymdBefore(ymd: string, days: number): string {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

function rawSqlite(path: string, batches: unknown[][][]): { rate: number; is: string } {
  const db = new SQLite(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    const stmt = db.prepare(POINT_SQL(BATCH));
    const t0 = process.hrtime.bigint();
    for (const b of batches) stmt.run(...b.flat());
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { rate: (batches.length * BATCH) / seconds, is: `the same rows as raw ${BATCH}-row INSERTs, autocommit, one after another on one better-sqlite3 connection (WAL, synchronous = FULL)` };
  } finally {
    db.close();
  }
}

async function rawMysql(url: string, batches: unknown[][][]): Promise<{ rate: number; is: string }> {
  const pool = createPool({ uri: url.replace(/^mariadb:/, 'mysql:'), connectionLimit: PLATFORM_MYSQL_POOL, charset: 'utf8mb4', timezone: 'Z' });
  try {
    const sqlText = POINT_SQL(BATCH);
    // Warm up every connection of the pool.
    await drive(PLATFORM_MYSQL_POOL * 2, PLATFORM_MYSQL_POOL, async () => {
      await pool.query('select 1');
    });
    const seconds = await drive(batches.length, PLATFORM_MYSQL_POOL, async (i) => {
      await pool.query(sqlText, batches[i]!.flat());
    });
    return {
      rate: (batches.length * BATCH) / seconds,
      is: `the same rows as raw ${BATCH}-row INSERTs, autocommit, over a mysql2 pool of ${PLATFORM_MYSQL_POOL} connections (the platform's pool size), ${PLATFORM_MYSQL_POOL} in flight`,
    };
  } finally {
    await pool.end();
  }
}
