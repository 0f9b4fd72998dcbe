import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { call, login, pointsIn, startBenchServer } from './intake.bench.js';
import { median, percentile, report } from './lib.js';

const CLIENTS = Number(process.env.BENCH_FEED_CLIENTS ?? 200);
/** Pairs of rounds (one with clients, one without, the order alternating): BENCH_FEED_ROUNDS. */
const ROUNDS = Number(process.env.BENCH_FEED_ROUNDS ?? 8);
const PER_ROUND = 300;
const CONCURRENCY = 16;

/**
 * `npm run bench -- feed` (issue 17): the live feed (GET /api/live/incidents)
 * with 200 connected SSE clients (a separate process, all with district
 * scope, so every client gets every event) while POST /api/incidents runs at
 * 16 concurrent requests, in rounds alternating with rounds without clients.
 * Figures: the event-to-client delay p99 over every event every client got
 * (from the event's timestamp, taken before its commit, to its arrival),
 * against the p99 of the intake requests of the same rounds; and the intake
 * rate with clients against without: the median of the rounds' rates of each
 * kind, so that one round slowed by the rest of a shared machine does not
 * decide it (each pair's ratio is printed beside). Goals: p99 < 1 s; ratio ≥ 0.9.
 */
export default async function feedBench(): Promise<void> {
  const s = await startBenchServer('feed');
  const here = dirname(fileURLToPath(import.meta.url));
  const child: ChildProcess = fork(join(here, '_sse-clients.ts'), [], { execArgv: ['--import', 'tsx'], cwd: join(here, '..') });
  const ask = <T>(message: object, answer: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const on = (m: { type: string; message?: string }) => {
        if (m.type === 'error') {
          child.off('message', on);
          reject(new Error(m.message));
        } else if (m.type === answer) {
          child.off('message', on);
          resolve(m as T);
        }
      };
      child.on('message', on);
      child.send(message);
    });
  try {
    const cookie = await login(s, 'operator');
    const points = await pointsIn(s.platform, 2 * (ROUNDS + 1) * PER_ROUND);
    let n = 0;
    const requestMs: number[] = [];
    const post = async () => {
      const i = n++;
      const r = await call(s, 'POST', '/api/incidents', { cookie, body: { channel: 'operator_phone', description: `实时推送基准 ${i}: 井盖缺失`, position: { ...points[i % points.length]!, crs: 'wgs84' } } });
      if (r.status !== 201) throw new Error(`intake: ${r.status} ${r.body}`);
      requestMs.push(r.ms);
    };
    const busyMs = { with: 0, without: 0 };
    const round = async (mode: 'with' | 'without') => {
      let left = PER_ROUND;
      const t0 = process.hrtime.bigint();
      const elu = performance.eventLoopUtilization();
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (left-- > 0) await post();
      }));
      const used = performance.eventLoopUtilization(elu);
      busyMs[mode] += used.active;
      return PER_ROUND / (Number(process.hrtime.bigint() - t0) / 1e9);
    };
    const rates = { with: [] as number[], without: [] as number[] };
    const delays: number[] = [];
    const withRequests: number[] = [];
    let expected = 0;
    // One round of each kind unmeasured: the first intake of the process, and the first streams, pay for compiling and warming caches.
    await ask({ type: 'open', port: s.port, cookie, clients: CLIENTS }, 'open');
    await round('with');
    await new Promise((res) => setTimeout(res, 1500));
    await ask<{ delays: number[] }>({ type: 'close' }, 'closed');
    await round('without');
    busyMs.with = busyMs.without = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of (r % 2 === 0 ? ['with', 'without'] : ['without', 'with']) as ('with' | 'without')[]) {
        if (mode === 'without') {
          rates.without.push(await round('without'));
          continue;
        }
        await ask({ type: 'open', port: s.port, cookie, clients: CLIENTS }, 'open');
        requestMs.length = 0;
        rates.with.push(await round('with'));
        withRequests.push(...requestMs);
        // The last events of the round reach the clients before they leave.
        await new Promise((res) => setTimeout(res, 1500));
        const got = await ask<{ delays: number[] }>({ type: 'close' }, 'closed');
        delays.push(...got.delays);
        expected += CLIENTS * PER_ROUND;
      }
    }
    const common = { scale: 0.1, db: s.db, clients: CLIENTS, concurrency: CONCURRENCY, reportsPerRound: PER_ROUND, rounds: ROUNDS * 2 };
    report({
      name: 'feed_event_to_client_p99', value: Math.round(percentile(delays, 99)), unit: 'ms', baseline: Math.round(percentile(withRequests, 99)), ...common,
      p50: Math.round(percentile(delays, 50)), max: delays.reduce((a, b) => Math.max(a, b), 0), delivered: delays.length, expected,
      baselineIs: 'p99 of the POST /api/incidents requests of the same rounds', goal: 'p99 < 1000 ms',
    });
    report({
      name: 'feed_intake_with_clients', value: Math.round(median(rates.with)), unit: 'reports/s', baseline: Math.round(median(rates.without)), ...common,
      baselineIs: 'the same intake in alternating rounds with no client connected (median of the rounds\' rates of each kind)', goal: 'ratio ≥ 0.9 (within 10 %)',
      ratesWith: rates.with.map(Math.round), ratesWithout: rates.without.map(Math.round),
      // Each pair ran back to back, so its ratio is the least touched by the machine's load drifting during the run.
      medianPairRatio: Number(median(rates.with.map((w, i) => w / rates.without[i]!)).toFixed(3)),
      // The server's (and load generator's) thread, per report: what the streams cost the server, apart from the clients' process on the same cores.
      serverThreadMsPerReportWith: Number((busyMs.with / (ROUNDS * PER_ROUND)).toFixed(3)),
      serverThreadMsPerReportWithout: Number((busyMs.without / (ROUNDS * PER_ROUND)).toFixed(3)),
    });
  } finally {
    child.kill();
    await s.close();
  }
}
