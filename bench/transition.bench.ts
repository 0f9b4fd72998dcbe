import sharp from 'sharp';
import {
  call, CONNECTIONS, drive, driveInWorker, loadFacts, login, mysqlServerSettings, openRate, openSeconds, rawOpenLoop, rawRate, reportOpenLoop, startBenchServer, threadCeiling,
  type BenchServer, type LoadStep, type RawStatement,
} from './intake.bench.js';
import { percentile, report } from './lib.js';

const CYCLES = 1_000;
const DEMO_SCALE = 0.1;

/**
 * `npm run bench -- transition`: the department half of the loop over HTTP
 * with 64 keep-alive connections — dispatch → start-handling → reply →
 * verify-pass → close, each a state-machine action with its version check,
 * timeline event and audit record in one transaction, by four users — against
 * the raw single-row UPDATE rate of the incidents table in the same database
 * (see rawRate in intake.bench.ts). SQLite, or with BENCH_DB_URL a scratch
 * database on that server (bench/_scratch.ts).
 */
export default async function transitionBench(): Promise<void> {
  const s: BenchServer = await startBenchServer('transition');
  try {
    const cookies = {
      operator: await login(s, 'operator'),
      dispatcher: await login(s, 'dispatcher'),
      handler: await login(s, 'handler'),
      worker: await login(s, 'worker'),
    };
    const workerGrid = (await s.platform.db.primary
      .selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
      .select('role_assignments.scope_code').where('users.username', '=', 'worker').executeTakeFirstOrThrow()).scope_code;

    // The reply's after-photo: a stored file (actions check that each named hash exists).
    const handlerId = (await s.platform.accounts.findUserId('handler'))!;
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a7' } }).png().toBuffer();
    const afterPhoto = (await s.platform.files.upload(png, handlerId)).hash;

    // Open loop: BENCH_OPEN_RATE actions per second, a cycle started every 5 / rate s, its steps one after another.
    const target = openRate();
    const openCycles = Math.round((target * openSeconds()) / 5);
    // Registered incidents in the worker's grid (not measured).
    const ids: number[] = [];
    await drive(CYCLES + 100 + openCycles, CONNECTIONS, async (i) => {
      const r = await call(s, 'POST', '/api/incidents', { cookie: cookies.operator, body: { channel: 'operator_phone', description: `transition bench ${i}`, gridCode: workerGrid } });
      if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
      const id = (JSON.parse(r.body) as { incident: { id: number } }).incident.id;
      const reg = await call(s, 'POST', `/api/incidents/${id}/actions`, { cookie: cookies.operator, body: { type: 'register', categoryCode: '0401', version: 1 } });
      if (reg.status !== 200) throw new Error(`register: ${reg.status} ${reg.body}`);
      ids.push(id);
    });

    const steps: [keyof typeof cookies, Record<string, unknown>][] = [
      ['dispatcher', { type: 'dispatch', leadDepartmentCode: 'D01' }],
      ['handler', { type: 'start-handling' }],
      ['handler', { type: 'reply', result: '已处置', photos: [afterPhoto] }],
      ['worker', { type: 'verify-pass' }],
      ['operator', { type: 'close' }],
    ];
    const cycle = (id: number): LoadStep[] =>
      steps.map(([user, body], i) => ({
        method: 'POST', path: `/api/incidents/${id}/actions`, cookie: cookies[user], expect: 200,
        ...(i === 0 ? { body: { ...body, version: 2 } } : { body, chainVersion: true }),
      }));
    await driveInWorker(s, ids.slice(CYCLES, CYCLES + 100).map(cycle));
    const run = await driveInWorker(s, ids.slice(0, CYCLES).map(cycle));
    const open = await driveInWorker(s, ids.slice(CYCLES + 100).map(cycle), CONNECTIONS, target);
    const { seconds, latencies } = run;
    const actionsPerSecond = (CYCLES * steps.length) / seconds;
    // Consecutive runs touch different rows (ids has CYCLES + 100 of them), so pooled MySQL updates do not wait on each other's row locks.
    const update: RawStatement = {
      what: 'single-row UPDATE of incidents',
      sql: 'UPDATE incidents SET version = version + 1, updated_at = ? WHERE id = ?',
      params: (i) => [Date.now(), ids[Math.abs(i) % ids.length]!],
    };
    const raw = await rawRate(s, 5_000, update);
    const rawOpen = await rawOpenLoop(s, target, openCycles * steps.length, update);
    const p99 = percentile(latencies, 99);
    // On SQLite the figures read as they always have; on MySQL they say what the pooled baseline is.
    const mysql = s.db === 'mysql';
    report({
      name: 'transition_http_action_rate', value: Math.round(actionsPerSecond), unit: 'actions/s', baseline: Math.round(raw.rate), scale: DEMO_SCALE, db: s.db, connections: CONNECTIONS, cycles: CYCLES,
      baselineIs: mysql ? raw.is : 'raw single-row UPDATE of incidents, better-sqlite3', ...(mysql ? { baselineConnections: raw.connections } : {}),
      ...(mysql ? { goal: 'ratio >= 0.1, server thread <= 2.5 ms per action', ...threadCeiling(run, CYCLES * steps.length, raw.rate, 0.1) } : {}),
    });
    report({
      name: 'transition_http_cycle_rate', value: Math.round(CYCLES / seconds), unit: 'cycles/s', baseline: Math.round(raw.rate / steps.length), scale: DEMO_SCALE, db: s.db, connections: CONNECTIONS, steps: steps.length,
      ...(mysql ? { baselineIs: `the raw UPDATE rate / ${steps.length}`, baselineConnections: raw.connections } : {}),
    });
    report({
      name: 'transition_http_action_p99', value: Math.round(p99 * 10) / 10, unit: 'ms', baseline: Math.round(raw.p99Ms * 100) / 100, baselineIs: mysql ? raw.p99Is : 'p99 of one raw single-row UPDATE',
      scale: DEMO_SCALE, db: s.db, connections: CONNECTIONS, p50: Math.round(percentile(latencies, 50) * 10) / 10, goal: 'p99 < 50 ms',
      ...loadFacts(run, CYCLES * steps.length, CONNECTIONS),
    });
    reportOpenLoop('transition_http_action_open_p99', 'actions/s', open, rawOpen, s, target, DEMO_SCALE, await mysqlServerSettings(s));
  } finally {
    await s.close();
  }
}
