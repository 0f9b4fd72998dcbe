import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { createPool } from 'mysql2/promise';
import { Locator } from '../src/modules/grid/rules/locator.js';
import type { GridGeometry } from '../src/modules/grid/rules/types.js';
import { DEMO_PASSWORD, loadDemo } from '../src/modules/demo/load.js';
import { buildHttp, type Platform } from '../src/platform.js';
import type { Config } from '../src/infra/config.js';
import { percentile, report } from './lib.js';
import { scratchPlatform, type BenchDialect } from './_scratch.js';

export const CONNECTIONS = 64;
const COUNT = 5_000;
const DEMO_SCALE = 0.1;
/**
 * The platform's MySQL pool size (openDatabase's default in
 * src/infra/db/database.ts, which openPlatform does not override); the raw
 * MySQL baselines use a pool of the same size. Keep the two in step.
 */
export const PLATFORM_MYSQL_POOL = 16;

/** What call() and login() need: a port and a keep-alive agent. */
export interface HttpTarget {
  port: number;
  agent: Agent;
}

export interface BenchServer extends HttpTarget {
  platform: Platform;
  app: FastifyInstance;
  db: BenchDialect;
  /** The scratch database's URL (sqlite:PATH or mysql://…). */
  dbUrl: string;
  /** The SQLite file ('' on MySQL). */
  dbPath: string;
  close(): Promise<void>;
}

/**
 * The real server on a fresh scratch database with the demo district, logging
 * silenced: a SQLite file, or with BENCH_DB_URL a scratch database
 * NAME_<tag>_<pid> on that server, dropped by close().
 */
export async function startBenchServer(tag = 'intake', config: Partial<Config> = {}): Promise<BenchServer> {
  const sp = await scratchPlatform(tag, { config });
  const { platform, scratch } = sp;
  let app: FastifyInstance | null = null;
  try {
    await loadDemo(platform, { scale: DEMO_SCALE });
    app = (await buildHttp(platform)).app;
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (err) {
    try {
      await app?.close();
    } finally {
      await sp.close();
    }
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const server = app;
  return {
    platform, app: server, port, agent, db: scratch.db, dbUrl: scratch.url, dbPath: scratch.path,
    async close() {
      agent.destroy();
      try {
        await server.close();
      } finally {
        await sp.close();
      }
    },
  };
}

export interface Reply {
  status: number;
  body: string;
  ms: number;
  headers: Record<string, string | string[] | undefined>;
}

/** One keep-alive HTTP call. */
export function call(s: HttpTarget, method: string, path: string, opts: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1', port: s.port, method, path, agent: s.agent,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(opts.cookie ? { cookie: `cg_session=${opts.cookie}` } : {}),
          ...(opts.headers ?? {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - t0) / 1e6, headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export async function login(s: HttpTarget, username: string): Promise<string> {
  const r = await call(s, 'POST', '/api/auth/login', { body: { username, password: DEMO_PASSWORD } });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.body}`);
  const set = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
  const cookie = set.map((c) => /^cg_session=([^;]+)/.exec(c)?.[1]).find(Boolean);
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

/** Points inside unit grids (optionally one grid), found with the grid module's Locator. */
export async function pointsIn(platform: Platform, n: number, onlyGrid?: string): Promise<{ lng: number; lat: number }[]> {
  const rows = await platform.db.primary.selectFrom('grids').select(['code', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat']).where('level', '=', 'unit').execute();
  const locator = new Locator(rows.map((r) => ({ code: r.code, geometry: JSON.parse(r.geometry) as GridGeometry })));
  const [x0, y0, x1, y1] = onlyGrid
    ? (() => {
        const g = rows.find((r) => r.code === onlyGrid)!;
        return [g.min_lng, g.min_lat, g.max_lng, g.max_lat];
      })()
    : [Math.min(...rows.map((r) => r.min_lng)), Math.min(...rows.map((r) => r.min_lat)), Math.max(...rows.map((r) => r.max_lng)), Math.max(...rows.map((r) => r.max_lat))];
  const out: { lng: number; lat: number }[] = [];
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  while (out.length < n) {
    const lng = x0 + (x1 - x0) * rnd();
    const lat = y0 + (y1 - y0) * rnd();
    const code = locator.locate(lng, lat);
    if (code && (!onlyGrid || code === onlyGrid)) out.push({ lng, lat });
  }
  return out;
}

/** Runs `total` jobs over `connections` concurrent workers; returns elapsed seconds. */
export async function drive(total: number, connections: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        await job(i);
      }
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export interface LoadStep {
  method: string;
  path: string;
  cookie: string;
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Expected status. */
  expect: number;
  /** Set body.version to the incident version of the previous step's response. */
  chainVersion?: boolean;
}

/**
 * The load generator runs on its own thread (a worker), so that building and
 * parsing requests does not take CPU from the server's event loop. Each job
 * is a list of steps run in order on one of `connections` keep-alive
 * connections; the latency of every step is returned.
 */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, connections, jobs } = workerData;
const OPEN_SOCKETS = 256;
const agent = new http.Agent({ keepAlive: true, maxSockets: workerData.interval ? OPEN_SOCKETS : connections });
function send(step, version) {
  const body = step.body ? JSON.stringify(step.chainVersion ? { ...step.body, version } : step.body) : undefined;
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: step.method, path: step.path, agent, headers: {
      ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
      cookie: 'cg_session=' + step.cookie, ...(step.headers || {}) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}
// Open loop: job j starts at t0 + j * interval whether or not earlier answers have come, over up to
// OPEN_SOCKETS connections (more waits in the agent). Its first step's latency counts from that intended
// time, so a stalled server or a full agent shows in the figures instead of delaying the schedule (no
// coordinated omission); each later step is sent as the previous one answers and counts from then. A failed
// request (another status, a reset connection) is counted, and ends its job.
async function openLoop(interval) {
  const latencies = [];
  const sendLags = [];
  let failed = 0;
  let firstFailure;
  const t0 = process.hrtime.bigint() + 20_000_000n;
  const at = (j) => t0 + BigInt(Math.round(j * interval * 1e9));
  const running = [];
  let j = 0;
  while (j < jobs.length) {
    const now = process.hrtime.bigint();
    for (; j < jobs.length && at(j) <= now; j++) {
      const steps = jobs[j];
      let start = at(j);
      // How late the generator itself sent the request: a stalled client would look like a stalled server.
      sendLags.push(Number(now - start) / 1e6);
      running.push((async () => {
        let version;
        for (const step of steps) {
          let r;
          try {
            r = await send(step, version);
          } catch (err) {
            r = { status: 0, body: String(err) };
          }
          if (r.status !== step.expect) {
            failed++;
            firstFailure ??= step.method + ' ' + step.path + ': ' + r.status + ' ' + r.body.slice(0, 200);
            return;
          }
          const end = process.hrtime.bigint();
          latencies.push(Number(end - start) / 1e6);
          start = end;
          try { version = JSON.parse(r.body).incident.version; } catch { version = undefined; }
        }
      })());
    }
    if (j < jobs.length) await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(at(j) - process.hrtime.bigint()) / 1e6)));
  }
  await Promise.all(running);
  sendLags.sort((a, b) => a - b);
  const sendLagP99Ms = sendLags[Math.min(sendLags.length - 1, Math.floor(sendLags.length * 0.99))] ?? 0;
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, latencies, failed, firstFailure, sendLagP99Ms, sendLagMaxMs: sendLags[sendLags.length - 1] ?? 0 };
}
(async () => {
  if (workerData.interval) {
    const result = await openLoop(workerData.interval);
    agent.destroy();
    parentPort.postMessage(result);
    return;
  }
  const latencies = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: connections }, async () => {
    for (;;) {
      const i = next++;
      if (i >= jobs.length) return;
      let version;
      for (const step of jobs[i]) {
        const r = await send(step, version);
        if (r.status !== step.expect) throw new Error(step.method + ' ' + step.path + ': ' + r.status + ' ' + r.body);
        latencies.push(r.ms);
        try { version = JSON.parse(r.body).incident.version; } catch { version = undefined; }
      }
    }
  }));
  agent.destroy();
  parentPort.postMessage({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, latencies });
})().catch((err) => { throw err; });
`;

export interface LoadResult {
  seconds: number;
  latencies: number[];
  /** Time this thread (the server's event loop) was busy during the run, in ms. */
  serverBusyMs: number;
  /** CPU time this thread used during the run, in ms (Linux; null elsewhere): busy time minus the time the OS ran others on its core. */
  serverCpuMs: number | null;
  /** Open loop: requests that failed (another status, a reset connection), and the first of them. */
  failed?: number;
  firstFailure?: string;
  /** Open loop: how late the load generator sent requests after their intended time (p99 and max, ms). */
  sendLagP99Ms?: number;
  sendLagMaxMs?: number;
  /** CPU time of the whole process (server, load generator, GC and I/O threads) per second of the run. */
  cpuCores: number;
  /** How late the server's event loop ran its timers during the run (p99 and max, ms): a long task shows here, a wait on the database does not. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

/**
 * CPU time of the process's main thread (the server's event loop) in ms, from
 * /proc (Linux): the event loop's busy time also counts the time it waited
 * for a core, which on a shared machine says more about the neighbours.
 */
export function mainThreadCpuMs(): number | null {
  try {
    // Fields 14 and 15 (utime, stime), in clock ticks (100 per second on Linux); the name in field 2 may hold spaces.
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * Runs the jobs from a load-generator thread: closed loop over `connections`
 * connections, or with `openRate` (requests per second) open loop, job j
 * starting at j × steps / openRate seconds whatever the answers (see openLoop
 * in CLIENT).
 */
export function driveInWorker(s: HttpTarget, jobs: LoadStep[][], connections = CONNECTIONS, openRate?: number): Promise<LoadResult> {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const thread = mainThreadCpuMs();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const interval = openRate ? (jobs[0]?.length ?? 1) / openRate : 0;
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT, { eval: true, workerData: { port: s.port, connections, jobs, interval } });
    worker.once('message', (m: { seconds: number; latencies: number[]; failed?: number; firstFailure?: string }) => {
      const used = process.cpuUsage(cpu);
      const threadNow = mainThreadCpuMs();
      lag.disable();
      resolve({
        eventLoopDelayP99Ms: Math.round(lag.percentile(99) / 1e4) / 100, eventLoopDelayMaxMs: Math.round(lag.max / 1e4) / 100,
        ...m, serverBusyMs: performance.eventLoopUtilization(elu).active, cpuCores: (used.user + used.system) / 1e6 / m.seconds,
        serverCpuMs: thread === null || threadNow === null ? null : threadNow - thread,
      });
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load client exited with ${code}`));
    });
  });
}

/**
 * What explains a latency under closed-loop load: each of `connections`
 * clients waits for its answer before it asks again, so the mean latency is
 * connections / rate (Little's law) whatever the server does with the time;
 * and how much of the server thread and of the machine one request took.
 */
export function loadFacts(run: LoadResult, requests: number, connections: number) {
  return {
    littleMeanMs: Math.round(((connections * run.seconds) / requests) * 1000 * 10) / 10,
    serverThreadMsPerRequest: Math.round((run.serverBusyMs / requests) * 1000) / 1000,
    ...(run.serverCpuMs === null ? {} : { serverThreadCpuMsPerRequest: Math.round((run.serverCpuMs / requests) * 1000) / 1000 }),
    cpuCores: Math.round(run.cpuCores * 100) / 100,
  };
}

/**
 * What bounds a rate line: the server runs on one thread, so at the CPU one
 * request took it (measured, not assumed) it can serve at most 1000 / that
 * per second, which as a share of the raw rate is the highest ratio this
 * process could show on this machine, whatever the database did.
 */
export function threadCeiling(run: LoadResult, requests: number, rawRate: number, goalRatio: number) {
  if (run.serverCpuMs === null) return {};
  const perS = 1000 / (run.serverCpuMs / requests);
  const ceiling = perS / rawRate;
  return {
    oneThreadCeilingPerS: Math.round(perS),
    ratioCeiling: Math.round(ceiling * 1000) / 1000,
    ...(ceiling < goalRatio ? { why: `one server thread at ${(run.serverCpuMs / requests).toFixed(2)} ms of CPU per request serves at most ${Math.round(perS)}/s, ${ceiling.toFixed(3)} of the raw rate: the ${goalRatio} goal needs less CPU per request or more than one process` } : {}),
  };
}

/** One raw single-row statement, the same SQL on both databases; `params(i)` for run i (negative for warm-up runs). */
export interface RawStatement {
  sql: string;
  params: (i: number) => (string | number | null)[];
  /** What it is, for baselineIs (e.g. 'single-row INSERT into incidents'). */
  what: string;
}

export interface RawRate {
  /** Statements per second. */
  rate: number;
  /** p99 of one statement with no queueing, in ms. */
  p99Ms: number;
  /** What the rate is. */
  is: string;
  /** What the p99 is. */
  p99Is: string;
  /** Connections the rate was measured over. */
  connections: number;
}

/**
 * The raw rate of single-row autocommit statements on the bench server's
 * database, and the p99 of one statement (the latency baseline: what one
 * durable commit costs here, with no queueing).
 *
 * - SQLite: one better-sqlite3 connection to the same file with the server's
 *   pragmas (WAL, synchronous = FULL), statements one after another — the
 *   server also writes through one connection. Rate and p99 come from the
 *   same pass of `count` statements.
 * - MySQL: a mysql2 pool of PLATFORM_MYSQL_POOL connections (the platform's
 *   pool size) to the same scratch database, `count` prepared statements
 *   (execute) with as many in flight as the pool has connections, each its
 *   own autocommit transaction, so InnoDB can group commits as it does for
 *   the server. The p99 comes from a second pass of statements one after
 *   another on one of those connections (no queueing).
 */
export async function rawRate(s: Pick<BenchServer, 'db' | 'dbPath' | 'dbUrl'>, count: number, statement: RawStatement): Promise<RawRate> {
  return s.db === 'mysql' ? rawRateMysql(s.dbUrl, count, statement) : rawRateSqlite(s.dbPath, count, statement);
}

function rawRateSqlite(dbPath: string, count: number, statement: RawStatement): RawRate {
  const db = new SQLite(dbPath);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    const stmt = db.prepare(statement.sql);
    for (let i = 0; i < 50; i++) stmt.run(...statement.params(-1 - i));
    const each: number[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const s0 = process.hrtime.bigint();
      stmt.run(...statement.params(i));
      each.push(Number(process.hrtime.bigint() - s0) / 1e6);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      rate: count / seconds, p99Ms: percentile(each, 99), connections: 1,
      is: `raw ${statement.what}, autocommit, one after another on one better-sqlite3 connection (WAL, synchronous = FULL)`,
      p99Is: `p99 of one raw ${statement.what}`,
    };
  } finally {
    db.close();
  }
}

/** Statements one after another on one connection for the MySQL p99 (fewer than `count`: each waits for its own fsync). */
const MYSQL_LATENCY_SAMPLES = 1_000;

async function rawRateMysql(url: string, count: number, statement: RawStatement): Promise<RawRate> {
  const connections = PLATFORM_MYSQL_POOL;
  const pool = createPool({ uri: url.replace(/^mariadb:/, 'mysql:'), connectionLimit: connections, charset: 'utf8mb4', timezone: 'Z' });
  try {
    const run = async (i: number) => {
      await pool.execute(statement.sql, statement.params(i));
    };
    // Warm up: every pooled connection opened and its statement prepared.
    await drive(connections * 4, connections, (i) => run(-1 - i));
    const seconds = await drive(count, connections, run);
    const one = await pool.getConnection();
    const each: number[] = [];
    try {
      for (let i = 0; i < MYSQL_LATENCY_SAMPLES; i++) {
        const s0 = process.hrtime.bigint();
        await one.execute(statement.sql, statement.params(count + i));
        each.push(Number(process.hrtime.bigint() - s0) / 1e6);
      }
    } finally {
      one.release();
    }
    process.stderr.write(`[raw] ${statement.what}: ${Math.round(count / seconds)}/s over ${connections} connections; one at a time p50 ${percentile(each, 50).toFixed(2)} ms, p99 ${percentile(each, 99).toFixed(2)} ms\n`);
    return {
      rate: count / seconds, p99Ms: percentile(each, 99), connections,
      is: `raw ${statement.what}, autocommit, ${count} prepared statements over a mysql2 pool of ${connections} connections (the platform's pool size), ${connections} in flight`,
      p99Is: `p99 of one raw ${statement.what}, autocommit, ${MYSQL_LATENCY_SAMPLES} one after another on one connection (no queueing)`,
    };
  } finally {
    await pool.end();
  }
}

/** The open-loop rate (requests per second) of the intake and transition benches: BENCH_OPEN_RATE, default 200. */
export function openRate(): number {
  const rate = Number(process.env.BENCH_OPEN_RATE ?? 200);
  if (!Number.isFinite(rate) || rate <= 0) throw new Error(`BENCH_OPEN_RATE must be a positive number: ${process.env.BENCH_OPEN_RATE}`);
  return rate;
}

/** How long an open-loop run lasts: BENCH_OPEN_SECONDS, default 15. */
export function openSeconds(): number {
  const seconds = Number(process.env.BENCH_OPEN_SECONDS ?? 15);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`BENCH_OPEN_SECONDS must be a positive number: ${process.env.BENCH_OPEN_SECONDS}`);
  return seconds;
}

export interface OpenLoopRaw {
  latencies: number[];
  /** Statements completed per second. */
  achieved: number;
  is: string;
}

/**
 * The open-loop baseline: `count` raw single-row statements on the schedule
 * the HTTP run used (statement i due at i / rate s), each latency from its
 * due time. SQLite: one better-sqlite3 connection with the server's pragmas,
 * a statement run when due (a late one runs at once: its wait counts).
 * MySQL: prepared statements over a pool of the platform's size, sent when
 * due and queued by the pool when all its connections are busy.
 */
export async function rawOpenLoop(s: Pick<BenchServer, 'db' | 'dbPath' | 'dbUrl'>, rate: number, count: number, statement: RawStatement): Promise<OpenLoopRaw> {
  const latencies: number[] = [];
  const due = (t0: bigint, i: number) => t0 + BigInt(Math.round((i / rate) * 1e9));
  const sleepUntil = (t: bigint) => new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(t - process.hrtime.bigint()) / 1e6)));
  if (s.db === 'sqlite') {
    const db = new SQLite(s.dbPath);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      const stmt = db.prepare(statement.sql);
      const t0 = process.hrtime.bigint() + 20_000_000n;
      for (let i = 0; i < count; i++) {
        const at = due(t0, i);
        if (process.hrtime.bigint() < at) await sleepUntil(at);
        stmt.run(...statement.params(i));
        latencies.push(Number(process.hrtime.bigint() - at) / 1e6);
      }
      return { latencies, achieved: count / (Number(process.hrtime.bigint() - t0) / 1e9), is: `raw ${statement.what} on the same open-loop schedule, one better-sqlite3 connection (WAL, synchronous = FULL)` };
    } finally {
      db.close();
    }
  }
  const pool = createPool({ uri: s.dbUrl.replace(/^mariadb:/, 'mysql:'), connectionLimit: PLATFORM_MYSQL_POOL, charset: 'utf8mb4', timezone: 'Z' });
  try {
    await drive(PLATFORM_MYSQL_POOL * 4, PLATFORM_MYSQL_POOL, async (i) => {
      await pool.execute(statement.sql, statement.params(-1 - i));
    });
    const t0 = process.hrtime.bigint() + 20_000_000n;
    const running: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const at = due(t0, i);
      if (process.hrtime.bigint() < at) await sleepUntil(at);
      running.push(pool.execute(statement.sql, statement.params(i)).then(() => {
        latencies.push(Number(process.hrtime.bigint() - at) / 1e6);
      }));
    }
    await Promise.all(running);
    return {
      latencies, achieved: count / (Number(process.hrtime.bigint() - t0) / 1e9),
      is: `raw ${statement.what} on the same open-loop schedule, autocommit prepared statements over a mysql2 pool of ${PLATFORM_MYSQL_POOL} connections`,
    };
  } finally {
    await pool.end();
  }
}

/**
 * The MySQL server's settings that decide how often a commit waits on the disk
 * (docs/deployment.md, deploy/mariadb/civicgrid.cnf): printed beside the
 * open-loop figures, which depend on them.
 */
export async function mysqlServerSettings(s: Pick<BenchServer, 'db' | 'dbUrl'>): Promise<Record<string, string> | undefined> {
  if (s.db !== 'mysql') return undefined;
  const pool = createPool({ uri: s.dbUrl.replace(/^mariadb:/, 'mysql:'), connectionLimit: 1 });
  try {
    const [rows] = await pool.query(`SHOW GLOBAL VARIABLES WHERE Variable_name IN
      ('innodb_buffer_pool_size', 'innodb_log_file_size', 'innodb_flush_log_at_trx_commit', 'innodb_io_capacity')`);
    const mib = (v: string) => `${Math.round(Number(v) / 1048576)} MiB`;
    return Object.fromEntries((rows as { Variable_name: string; Value: string }[]).map((r) =>
      [r.Variable_name, r.Variable_name.endsWith('_size') ? mib(r.Value) : r.Value]));
  } finally {
    await pool.end();
  }
}

/** The open-loop figure: p99 from the intended send times, with p50, max and the achieved rate beside it. */
export function reportOpenLoop(name: string, unit: string, run: LoadResult, raw: OpenLoopRaw, s: Pick<BenchServer, 'db'>, rate: number, scale: number, settings?: Record<string, string>): void {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  report({
    name, value: round(percentile(run.latencies, 99)), unit: 'ms', baseline: round(percentile(raw.latencies, 99)), baselineIs: `p99 of ${raw.is}`,
    scale, db: s.db, openRate: rate, requests: run.latencies.length, failed: run.failed ?? 0, ...(run.firstFailure ? { firstFailure: run.firstFailure } : {}),
    p50: round(percentile(run.latencies, 50)), max: round(Math.max(...run.latencies)), achievedRate: Math.round(run.latencies.length / run.seconds), achievedUnit: unit,
    baselineP50: round(percentile(raw.latencies, 50)), baselineMax: round(Math.max(...raw.latencies)), baselineAchievedRate: Math.round(raw.achieved),
    goal: 'p99 < 50 ms', latencyFrom: 'intended send time (open loop, no coordinated omission)',
    serverThreadMsPerRequest: Math.round((run.serverBusyMs / run.latencies.length) * 1000) / 1000,
    eventLoopDelayP99Ms: run.eventLoopDelayP99Ms, eventLoopDelayMaxMs: run.eventLoopDelayMaxMs,
    clientSendLagP99Ms: round(run.sendLagP99Ms ?? 0), clientSendLagMaxMs: round(run.sendLagMaxMs ?? 0),
    ...(run.serverCpuMs === null ? {} : { serverThreadCpuMsPerRequest: Math.round((run.serverCpuMs / run.latencies.length) * 1000) / 1000 }),
    ...(settings ? { serverSettings: settings } : {}),
  });
}

/** Raw single-row INSERT into incidents, one autocommit transaction each (what one create must at least cost). */
export function rawInsertRate(s: Pick<BenchServer, 'db' | 'dbPath' | 'dbUrl'>, count: number, tag: string): Promise<RawRate> {
  return rawRate(s, count, rawInsert(tag));
}

function rawInsert(tag: string): RawStatement {
  return {
    what: 'single-row INSERT into incidents',
    sql: `INSERT INTO incidents (code, status, version, grid_code, lng, lat, address, description, channel, created_by,
      reporter_user_id, co_handler_codes, reported_at, register_by, due_at, warning, urge_count, rework_count, return_count,
      extension_count, is_open, photos, state, event_count, updated_at)
      VALUES (?, 'reported', 1, '430111001001001', 113.0, 28.1, NULL, 'raw insert baseline', 'api', 1, 1, '[]', ?, ?, ?, 'none', 0, 0, 0, 0, 1, '[]', '{}', 1, ?)`,
    params: (i) => {
      const now = Date.now();
      return [`${tag}${i}`, now, now + 3_600_000, now + 3_600_000, now];
    },
  };
}

/**
 * `npm run bench -- intake`: POST /api/incidents over HTTP with 64
 * keep-alive connections from a load-generator thread (each create with an
 * Idempotency-Key, its audit record and its 'report' event, in one
 * transaction), against the raw single-row insert rate of the same table in
 * the same database (see rawRate). SQLite, or with BENCH_DB_URL a scratch
 * database on that server (bench/_scratch.ts).
 */
export default async function intakeBench(): Promise<void> {
  const s = await startBenchServer();
  try {
    const cookie = await login(s, 'operator');
    const points = await pointsIn(s.platform, COUNT + 300);
    const channels = ['operator_phone', 'hotline_12345', 'citizen', 'api', 'operator_walk_in'];
    const body = (i: number) => ({
      channel: channels[i % channels.length],
      description: `bench incident ${i}: 道路破损`,
      position: { ...points[i % points.length]!, crs: 'wgs84' },
      ...(i % 3 === 0 ? { categoryCode: '0401' } : {}),
    });
    const job = (i: number, tag: string): LoadStep[] => [
      { method: 'POST', path: '/api/incidents', cookie, body: body(i), headers: { 'idempotency-key': `${tag}-${i}-${process.pid}` }, expect: 201 },
    ];
    // Warm up (JIT, caches, the day counter row).
    await driveInWorker(s, Array.from({ length: 300 }, (_, i) => job(COUNT + i, 'warm')));
    const run = await driveInWorker(s, Array.from({ length: COUNT }, (_, i) => job(i, 'bench')));
    const { seconds, latencies } = run;
    const rate = COUNT / seconds;
    const raw = await rawInsertRate(s, COUNT, `RAW${process.pid}-`);
    // Open loop: creates at a fixed rate (new positions and keys), then raw inserts on the same schedule.
    const target = openRate();
    const openCount = Math.round(target * openSeconds());
    const open = await driveInWorker(s, Array.from({ length: openCount }, (_, i) => job(COUNT + 300 + i, 'open')), CONNECTIONS, target);
    const rawOpen = await rawOpenLoop(s, target, openCount, rawInsert(`OPEN${process.pid}-`));
    const p99 = percentile(latencies, 99);
    // On SQLite the figures read as they always have; on MySQL they say what the pooled baseline is.
    const mysql = s.db === 'mysql';
    report({
      name: 'intake_http_create_rate', value: Math.round(rate), unit: 'incidents/s', baseline: Math.round(raw.rate), scale: DEMO_SCALE, db: s.db, connections: CONNECTIONS, count: COUNT,
      goal: mysql ? 'ratio >= 0.1, server thread <= 2.5 ms per create' : 'ratio >= 0.25',
      ...(mysql ? { baselineIs: raw.is, baselineConnections: raw.connections } : {}),
      ...threadCeiling(run, COUNT, raw.rate, mysql ? 0.1 : 0.25),
    });
    report({
      name: 'intake_http_create_p99', value: Math.round(p99 * 10) / 10, unit: 'ms', baseline: Math.round(raw.p99Ms * 100) / 100, baselineIs: mysql ? raw.p99Is : 'p99 of one raw single-row INSERT',
      scale: DEMO_SCALE, db: s.db, connections: CONNECTIONS, p50: Math.round(percentile(latencies, 50) * 10) / 10, goal: 'p99 < 50 ms',
      ...loadFacts(run, COUNT, CONNECTIONS),
    });
    reportOpenLoop('intake_http_create_open_p99', 'incidents/s', open, rawOpen, s, target, DEMO_SCALE, await mysqlServerSettings(s));
  } finally {
    await s.close();
  }
}
