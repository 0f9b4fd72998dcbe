/**
 * One loaded district shared by the benchmarks that read it (incident-list,
 * incident-page, memory), so the suite does not regenerate it each time.
 *
 * - SQLite (default): `data/bench-cache/<key>/` holds `civicgrid.db` and the
 *   generated field keys; `<key>` is scale + seed + months + a hash of the
 *   migration names and the generator version, so a schema change or a new
 *   generator makes a fresh one. A `READY` file marks a finished load; an
 *   interrupted load resumes (the generator is resumable). Delete the folder
 *   to force a rebuild. Benchmarks that write (intake, transition) do not
 *   use it.
 * - MariaDB/MySQL: set `BENCH_DB_URL=mysql://user:pass@host:3306/civicgrid_bench`
 *   (an empty database, utf8mb4_bin); it is loaded once (the progress table
 *   says so) and reused; the field keys live in `data/bench-cache/mysql-<key>/`.
 *
 * `BENCH_SCALE` (default 1) and `BENCH_SEED` (default 1) choose the district.
 * `npx tsx bench/_cache.ts` prepares it ahead of time with a progress display.
 */
import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MIGRATIONS } from '../src/database.js';
import { loadConfig, type Config } from '../src/infra/config.js';
import { dialectOf, redactUrl } from '../src/infra/db/database.js';
import { GENERATOR_VERSION } from '../src/modules/demo/incidents.js';
import { loadDemo } from '../src/modules/demo/load.js';
import { progressLine } from '../src/modules/demo/progress.js';
import { buildHttp, openPlatform, type Platform } from '../src/platform.js';
import { percentile } from './lib.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchDatabase {
  config: Config;
  db: 'sqlite' | 'mysql';
  scale: number;
  seed: number;
  /** What was loaded, for the log. */
  label: string;
}

export function benchScale(): number {
  return Number(process.env.BENCH_SCALE ?? 1);
}

/** The residents' scale: BENCH_RESIDENTS_SCALE, default the district's (a 5 M-case dashboard run needs no 10 M residents). */
export function benchResidentsScale(scale: number): number {
  return Number(process.env.BENCH_RESIDENTS_SCALE ?? scale);
}

export function cacheKey(scale: number, seed: number, months: number, residentsScale = scale): string {
  const schema = createHash('sha256').update(`${Object.keys(MIGRATIONS).join(',')}|${GENERATOR_VERSION}`).digest('hex').slice(0, 10);
  return `s${scale}${residentsScale === scale ? '' : `-r${residentsScale}`}-seed${seed}-m${months}-${schema}`;
}

/** The loaded district for read benchmarks: built on first use, then reused. */
export async function benchDatabase(options: { scale?: number; seed?: number; months?: number; quiet?: boolean } = {}): Promise<BenchDatabase> {
  const scale = options.scale ?? benchScale();
  const seed = options.seed ?? Number(process.env.BENCH_SEED ?? 1);
  const months = options.months ?? 18;
  const residentsScale = benchResidentsScale(scale);
  const key = cacheKey(scale, seed, months, residentsScale);
  const url = process.env.BENCH_DB_URL;
  const dialect = url ? dialectOf(url) : 'sqlite';
  const dir = join(root, 'data', 'bench-cache', url ? `mysql-${key}` : key);
  mkdirSync(dir, { recursive: true });
  const dbUrl = url ?? `sqlite:${join(dir, 'civicgrid.db')}`;
  const config = loadConfig({}, { dataDir: dir, dbUrl, logLevel: 'silent' });
  const ready = join(dir, 'READY');
  const label = `${url ? redactUrl(url) : dir} (scale ${scale}${residentsScale === scale ? '' : `, residents at scale ${residentsScale}`}, seed ${seed}, ${months} months)`;
  if (!existsSync(ready)) {
    const log = (m: string) => process.stderr.write(`[bench-cache] ${m}\n`);
    log(`loading ${label}; this happens once`);
    const t0 = Date.now();
    const platform = await openPlatform(config);
    try {
      const line = options.quiet ? null : progressLine('[bench-cache] incidents');
      let lastResidents = 0;
      const s = await loadDemo(platform, {
        scale, seed, residentsScale, staff: true,
        // The incident and memory benches read no tracks; `tracks` loads a month of its own.
        workforce: false,
        onResidents: (done, total) => {
          if (!options.quiet && (done - lastResidents >= 100_000 || done === total)) {
            lastResidents = done;
            log(`residents ${done}/${total} (${Math.round((Date.now() - t0) / 1000)} s)`);
          }
        },
        incidents: { months, ...(line ? { onProgress: (x) => line.update(x.daysDone, x.daysTotal, x.incidents + x.events, x.day) } : {}) },
      });
      line?.done();
      log(`loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${s.incidents?.incidents ?? 0} incidents, ${s.incidents?.events ?? 0} events`);
    } finally {
      await platform.close();
    }
    writeFileSync(ready, `${new Date().toISOString()}\n`);
  }
  return { config, db: dialect, scale, seed, label };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const b = await benchDatabase();
  console.log(`ready: ${b.label}`);
}

export interface CachedServer {
  platform: Platform;
  app: FastifyInstance;
  port: number;
  dbPath: string;
  agent: Agent;
  bench: BenchDatabase;
  close(): Promise<void>;
}

/** The real HTTP server on a real port over the cached district (an HttpTarget for intake's call() and login()). */
export async function startCachedServer(): Promise<CachedServer> {
  const bench = await benchDatabase();
  const platform = await openPlatform(bench.config);
  const { app } = await buildHttp(platform);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  return {
    platform, app, port, agent, bench, dbPath: (bench.config.dbUrl ?? '').replace(/^sqlite:/, ''),
    async close() {
      agent.destroy();
      await app.close();
      await platform.close();
    },
  };
}

/** p95 (and p50) of `n` sequential runs of `fn` after `warm` unmeasured ones, in ms. */
export async function timeIt(n: number, warm: number, fn: (i: number) => Promise<void>): Promise<{ p50: number; p95: number; max: number }> {
  for (let i = 0; i < warm; i++) await fn(-1 - i);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(percentile(ms, 50)), p95: r(percentile(ms, 95)), max: r(Math.max(...ms)) };
}
