import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WEBHOOK_EVENT_TYPES } from '../src/modules/webhooks/rules/match.js';
import { call, login, pointsIn, startBenchServer } from './intake.bench.js';
import { percentile, report } from './lib.js';

const SUBSCRIBERS = 10;
/** Pairs of rounds (one with subscribers, one without, in ABBA order). */
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 8);
const PER_ROUND = Number(process.env.BENCH_WEBHOOK_PER_ROUND ?? 800);
/** Every measured round starts after the same pause, so neither mode inherits the other's GC or trailing I/O. */
const SETTLE_MS = 500;
const CONCURRENCY = 16;

interface Stats {
  events: number;
  duplicates: number;
  outOfOrder: number;
  requests: number;
  lastArrival: number;
  delays: number[];
}

/**
 * `npm run bench -- webhooks` (issue 19): 10 webhook subscriptions (all event
 * types, district scope) with local receivers in a separate process, while
 * POST /api/incidents runs at 16 concurrent requests, in rounds alternating
 * with rounds without any subscription. Figures: deliveries/s over the 10
 * subscribers (every event to every one, from the round's start to the last
 * arrival) against what intake produced for them in that time; and the
 * intake rate with subscribers against without. Goals: the subscribers keep
 * up (all delivered once and in order, delay p99 < 1 s); intake within 10 %
 * (ratio ≥ 0.9).
 *
 * The shared machine's load drifts over seconds, so one round's rate says
 * little: the intake figure is the median of the rounds' rates in each mode,
 * and beside it the median of the ratios of the two rounds of each pair
 * (adjacent in time, so a drift hits both alike).
 */
export default async function webhooksBench(): Promise<void> {
  const s = await startBenchServer('webhooks', { webhookAllowHttp: true });
  const here = dirname(fileURLToPath(import.meta.url));
  const child: ChildProcess = fork(join(here, '_webhook-receivers.ts'), [], { execArgv: ['--import', 'tsx'], cwd: join(here, '..') });
  const ask = <T>(message: object, answer: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type !== answer) return;
        child.off('message', on);
        resolve(m as T);
      };
      child.on('message', on);
      child.send(message);
    });
  try {
    const admin = await login(s, 'admin');
    const operator = await login(s, 'operator');
    const district = (await s.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirstOrThrow()).code;
    const made = await call(s, 'POST', '/api/clients', { cookie: admin, body: { name: '基准推送', scopes: ['webhooks'], scopeCode: district, ratePerMinute: 10000 } });
    if (made.status !== 201) throw new Error(`client: ${made.status} ${made.body}`);
    const clientId = (JSON.parse(made.body) as { id: number }).id;
    const { ports } = await ask<{ ports: number[] }>({ type: 'start', count: SUBSCRIBERS }, 'started');
    const points = await pointsIn(s.platform, (2 * ROUNDS + 1) * PER_ROUND);
    let n = 0;
    const post = async () => {
      const i = n++;
      const r = await call(s, 'POST', '/api/incidents', { cookie: operator, body: { channel: 'operator_phone', description: `推送基准 ${i}: 井盖缺失`, position: { ...points[i % points.length]!, crs: 'wgs84' } } });
      if (r.status !== 201) throw new Error(`intake: ${r.status} ${r.body}`);
    };
    const busyMs = { with: 0, without: 0 };
    const round = async (mode: 'with' | 'without' | 'warm-up') => {
      await new Promise((res) => setTimeout(res, SETTLE_MS));
      let left = PER_ROUND;
      const t0 = Date.now();
      const elu = performance.eventLoopUtilization();
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (left-- > 0) await post();
      }));
      if (mode !== 'warm-up') busyMs[mode] += performance.eventLoopUtilization(elu).active;
      return { t0, seconds: (Date.now() - t0) / 1000 };
    };
    // One round unmeasured: the first intake of the process pays for compiling and warming caches.
    await round('warm-up');
    const rates: Record<'with' | 'without', number[]> = { with: [], without: [] };
    let delivered = 0;
    let deliverySeconds = 0;
    let produced = 0;
    const delays: number[] = [];
    let duplicates = 0;
    let outOfOrder = 0;
    let requests = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of (r % 2 === 0 ? ['with', 'without'] : ['without', 'with']) as ('with' | 'without')[]) {
        if (mode === 'without') {
          rates.without.push(PER_ROUND / (await round('without')).seconds);
          continue;
        }
        const subs: number[] = [];
        for (const port of ports) {
          const res = await call(s, 'POST', `/api/clients/${clientId}/webhooks`, { cookie: admin, body: { url: `http://127.0.0.1:${port}/hook`, eventTypes: [...WEBHOOK_EVENT_TYPES] } });
          if (res.status !== 201) throw new Error(`subscribe: ${res.status} ${res.body}`);
          subs.push((JSON.parse(res.body) as { subscription: { id: number } }).subscription.id);
        }
        await ask({ type: 'reset' }, 'reset');
        const { t0, seconds } = await round('with');
        rates.with.push(PER_ROUND / seconds);
        // Each report writes one event; every subscriber gets each.
        const expected = PER_ROUND * SUBSCRIBERS;
        let got = await ask<Stats>({ type: 'stats' }, 'stats');
        const deadline = Date.now() + 60_000;
        while (got.events < expected && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 100));
          got = await ask<Stats>({ type: 'stats' }, 'stats');
        }
        if (got.events < expected) throw new Error(`only ${got.events} of ${expected} deliveries arrived`);
        delivered += got.events;
        produced += expected;
        deliverySeconds += (got.lastArrival - t0) / 1000;
        delays.push(...got.delays);
        duplicates += got.duplicates;
        outOfOrder += got.outOfOrder;
        requests += got.requests;
        for (const id of subs) await call(s, 'DELETE', `/api/clients/${clientId}/webhooks/${id}`, { cookie: admin });
        // The deleted subscriptions' last requests settle before the next round measures.
        await new Promise((res) => setTimeout(res, 300));
      }
    }
    const common = { scale: 0.1, db: s.db, subscribers: SUBSCRIBERS, concurrency: CONCURRENCY, reportsPerRound: PER_ROUND, rounds: ROUNDS * 2 };
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = sorted.length / 2;
      return sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    const round1 = (xs: number[]) => xs.map((x) => Math.round(x));
    const pairRatios = rates.with.map((w, i) => w / rates.without[i]!);
    const intakeEventsPerS = median(rates.with);
    report({
      name: 'webhooks_deliveries_per_s', value: Math.round(delivered / deliverySeconds), unit: 'deliveries/s', baseline: Math.round(intakeEventsPerS * SUBSCRIBERS), ...common,
      baselineIs: 'events written per second by intake in the same rounds, times the subscribers (what keeping up takes)', goal: 'every event to every subscriber, once, in order, delay p99 < 1 s (the window runs to the last arrival, so the ratio stays below 1 by that delay)',
      delivered, expected: produced, duplicates, outOfOrder, requests, eventsPerRequest: Number((delivered / requests).toFixed(1)),
      delayP50Ms: Math.round(percentile(delays, 50)), delayP99Ms: Math.round(percentile(delays, 99)),
    });
    report({
      name: 'webhooks_intake_with_subscribers', value: Math.round(median(rates.with)), unit: 'reports/s', baseline: Math.round(median(rates.without)), ...common,
      baselineIs: 'the same intake in alternating rounds with no subscription; value and baseline are the median round of each mode', goal: 'ratio ≥ 0.9 (within 10 %)',
      roundRatesWith: round1(rates.with), roundRatesWithout: round1(rates.without),
      pairRatioMedian: Number(median(pairRatios).toFixed(3)), pairRatioMin: Number(Math.min(...pairRatios).toFixed(3)), pairRatioMax: Number(Math.max(...pairRatios).toFixed(3)),
      // The server's (and load generator's) thread, per report: what sending costs the server, apart from the receivers' process on the same cores.
      serverThreadMsPerReportWith: Number((busyMs.with / (ROUNDS * PER_ROUND)).toFixed(3)),
      serverThreadMsPerReportWithout: Number((busyMs.without / (ROUNDS * PER_ROUND)).toFixed(3)),
    });
  } finally {
    child.kill();
    await s.close();
  }
}
