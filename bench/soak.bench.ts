import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sql, type Kysely } from 'kysely';
import type { Db } from '../src/infra/db/database.js';
import { call, login, pointsIn, startBenchServer } from './intake.bench.js';
import { report } from './lib.js';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 5);
const CLIENTS = Number(process.env.BENCH_SOAK_CLIENTS ?? 50);
/** RSS is taken as the baseline after this share of the run: startup, caches and JIT have settled by then. */
const WARM_SHARE = 0.2;

const BALLAST_ROW_BYTES = 3500;

/** MiB held by the SQLite stores' files (null on MySQL, whose cache is the server's). */
async function storeMiB(stores: readonly Db<unknown>[]): Promise<number | null> {
  let bytes = 0;
  for (const store of stores) {
    if (store.dialect !== 'sqlite') return null;
    const db = store.primary as Kysely<unknown>;
    const pages = Number((await sql<{ page_count: number }>`pragma page_count`.execute(db)).rows[0]?.page_count ?? 0);
    const size = Number((await sql<{ page_size: number }>`pragma page_size`.execute(db)).rows[0]?.page_size ?? 0);
    bytes += pages * size;
  }
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/**
 * Fills each SQLite store's page cache to its bound before the run, as a
 * district's database (gigabytes) keeps it: the scratch stores start at about
 * 1.4 MiB, so without this every page the run writes stays cached and RSS grows
 * with the database until it passes the bound (64 MiB per connection) — a
 * cache filling, not a leak. A store smaller than its cache gets a ballast
 * table a quarter larger than the cache (random blobs, never read by the
 * platform); then every page is read once (quick_check). Returns the MiB added.
 */
async function warmPageCaches(stores: readonly Db<unknown>[]): Promise<number> {
  let added = 0;
  for (const store of stores) {
    if (store.dialect !== 'sqlite') continue;
    const db = store.primary as Kysely<unknown>;
    const cacheSize = Number((await sql<{ cache_size: number }>`pragma cache_size`.execute(db)).rows[0]?.cache_size ?? 0);
    const pageSize = Number((await sql<{ page_size: number }>`pragma page_size`.execute(db)).rows[0]?.page_size ?? 0);
    // Negative: KiB; positive: pages.
    const cacheBytes = cacheSize < 0 ? -cacheSize * 1024 : cacheSize * pageSize;
    const fileBytes = Number((await sql<{ page_count: number }>`pragma page_count`.execute(db)).rows[0]?.page_count ?? 0) * pageSize;
    const want = Math.ceil(cacheBytes * 1.25) - fileBytes;
    if (want > 0) {
      const rows = Math.ceil(want / BALLAST_ROW_BYTES);
      await sql`create table soak_ballast (id integer primary key, pad blob not null)`.execute(db);
      await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${rows}) insert into soak_ballast (pad) select randomblob(${BALLAST_ROW_BYTES}) from n`.execute(db);
      added += (rows * BALLAST_ROW_BYTES) / 2 ** 20;
    }
    await sql`pragma quick_check`.execute(db);
  }
  return Math.round(added * 10) / 10;
}

/** A full collection before a reading, so garbage not yet collected does not count as growth. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * `npm run bench -- soak` (issue 17: the big screen runs unattended for days):
 * the server (this process: the HTTP server, the live feed, the notification
 * consumer, the sweep) with CLIENTS live-feed streams connected from another
 * process (reconnecting with their cursor when a stream expires, as browsers
 * do) while reports arrive at RATE per second for SECONDS (default 10 min;
 * BENCH_SOAK_SECONDS shortens it). Figure: RSS at the end against RSS after
 * the warm-up share of the run, both after a full GC, with RSS, the V8 heap
 * and external memory every tenth of the run beside it. The SQLite page
 * caches are full before the run starts (warmPageCaches). Goal: growth ≤ 10 %.
 */
export default async function soakBench(): Promise<void> {
  const s = await startBenchServer('soak');
  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, '_soak-clients.ts'), [], { execArgv: ['--import', 'tsx'], cwd: join(here, '..') });
  const ask = <T>(message: object, answer: string): Promise<T> => new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== answer) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send(message);
  });
  try {
    const cookie = await login(s, 'operator');
    const total = Math.max(1, Math.round(SECONDS * RATE));
    const points = await pointsIn(s.platform, Math.min(total, 5000));
    const stores = [s.platform.db, s.platform.statistics.db, s.platform.archive.db] as Db<unknown>[];
    // The stores the run writes (the archive store is not touched: its cache neither fills nor grows).
    const ballastMiB = await warmPageCaches([s.platform.db, s.platform.statistics.db] as Db<unknown>[]);
    const storeAtStart = await storeMiB(stores);
    collect();
    const startRss = process.memoryUsage().rss;
    await ask({ type: 'open', port: s.port, cookie, clients: CLIENTS }, 'open');
    const t0 = Date.now();
    let sent = 0;
    let failures = 0;
    let warmRss = 0;
    let warmHeap = 0;
    let warmHeapTotal = 0;
    const warmAt = Math.round(total * WARM_SHARE);
    // Every tenth of the run (no GC): a filling cache levels off, a leak keeps climbing; heap and external tell a JavaScript leak from native memory.
    const samples = { rss: [] as number[], heapTotal: [] as number[], heap: [] as number[], external: [] as number[] };
    const tenth = Math.max(1, Math.round(total / 10));
    const mib = (b: number) => Math.round(b / 2 ** 20);
    while (sent < total) {
      // Paced by the clock, not by the answers: RATE per second whatever the latency.
      const due = t0 + (sent * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const i = sent++;
      void call(s, 'POST', '/api/incidents', { cookie, body: { channel: 'operator_phone', description: `长稳测试 ${i}: 路灯不亮`, position: { ...points[i % points.length]!, crs: 'wgs84' } } })
        .then((r) => { if (r.status !== 201) failures++; }, () => { failures++; });
      if (sent % tenth === 0) {
        const m = process.memoryUsage();
        samples.rss.push(mib(m.rss));
        samples.heapTotal.push(mib(m.heapTotal));
        samples.heap.push(mib(m.heapUsed));
        samples.external.push(mib(m.external));
      }
      if (sent === warmAt) {
        collect();
        warmRss = process.memoryUsage().rss;
        warmHeap = process.memoryUsage().heapUsed;
        warmHeapTotal = process.memoryUsage().heapTotal;
      }
    }
    await new Promise((r) => setTimeout(r, 2000));
    collect();
    const end = process.memoryUsage();
    const got = await ask<{ received: number; reconnects: number }>({ type: 'close' }, 'closed');
    const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
    report({
      name: 'soak_server_rss_growth', value: mb(end.rss), unit: 'MiB', baseline: mb(warmRss), scale: 0.1, db: s.db,
      seconds: SECONDS, ratePerS: RATE, reports: total, failures, clients: CLIENTS, eventsReceived: got.received, eventsExpected: total * CLIENTS,
      clientReconnects: got.reconnects, rssBeforeRunMiB: mb(startRss), ballastMiB, storeMiBAtStart: storeAtStart, storeMiBAtEnd: await storeMiB(stores),
      rssEveryTenthMiB: samples.rss, heapTotalEveryTenthMiB: samples.heapTotal, heapUsedEveryTenthMiB: samples.heap, externalEveryTenthMiB: samples.external,
      heapTotalMiB: mb(end.heapTotal), heapTotalAtWarmMiB: mb(warmHeapTotal), heapUsedMiB: mb(end.heapUsed), heapUsedAtWarmMiB: mb(warmHeap), elapsedS: Math.round((Date.now() - t0) / 1000),
      baselineIs: `RSS after ${WARM_SHARE * 100} % of the run, the SQLite page caches full from the start (both after a full GC)`, goal: 'ratio ≤ 1.10 (no growth beyond 10 %)',
    });
  } finally {
    child.kill();
    await s.close();
  }
}
