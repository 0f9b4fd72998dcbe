/**
 * `BENCH_DB_URL=mysql://… npx tsx bench/_round-trips.ts`: what one create
 * (POST /api/incidents with an Idempotency-Key, as the intake bench sends it)
 * and one action of the transition cycle cost on MySQL in wire commands: every
 * command mysql2 sends (a query, a prepare, an execute, a reset) is one round
 * trip. Counts each command's first words, so the output says which
 * statements a create runs and how many round trips they take. Written for
 * docs/adr/0012-mysql-write-path.md; run it again after changing a write path.
 */
import { Connection } from 'mysql2';
import sharp from 'sharp';
import { call, login, pointsIn, startBenchServer } from './intake.bench.js';

if (!process.env.BENCH_DB_URL) throw new Error('set BENCH_DB_URL=mysql://…: this counts MySQL round trips');

interface Command {
  constructor: { name: string };
  options?: unknown;
  sql?: string;
  query?: string;
  statement?: { query?: string };
}

// Every command goes through addCommand (of the class Connection and PoolConnection share).
interface Wire {
  constructor: { statementKey(options: unknown): string };
  _statements: { get(key: string): unknown };
}
const BaseConnection = Connection as unknown as { prototype: { addCommand(this: Wire, cmd: Command): unknown } };
const counted: string[] = [];
let counting = false;
const addCommand = BaseConnection.prototype.addCommand;
BaseConnection.prototype.addCommand = function (this: Wire, cmd: Command) {
  // A prepare of a statement this connection already holds sends nothing.
  const cached = cmd.constructor.name === 'Prepare' && this._statements.get(this.constructor.statementKey(cmd.options)) !== undefined;
  if (counting && !cached) {
    const text = cmd.sql ?? cmd.query ?? cmd.statement?.query ?? '';
    // mysql2 formats query() values into the text: fold literals back to ? so equal statements count together.
    const shape = text.replace(/'(?:[^'\\]|\\.)*'/g, '?').replace(/\b\d+(?:\.\d+)?\b/g, '?').replace(/\s+/g, ' ');
    counted.push(`${cmd.constructor.name}: ${shape.slice(0, 90)}`);
  }
  return addCommand.call(this, cmd);
};

function measure(what: string, n: number): void {
  const byText = new Map<string, number>();
  for (const c of counted) byText.set(c, (byText.get(c) ?? 0) + 1);
  console.log(`\n${what}: ${(counted.length / n).toFixed(2)} round trips each (${counted.length} over ${n})`);
  for (const [text, count] of [...byText].sort((a, b) => b[1] - a[1])) console.log(`  ${(count / n).toFixed(2)}  ${text}`);
  counted.length = 0;
}

const s = await startBenchServer('roundtrips');
try {
  const operator = await login(s, 'operator');
  const points = await pointsIn(s.platform, 60);
  const create = async (i: number, key: string) => {
    const r = await call(s, 'POST', '/api/incidents', {
      cookie: operator,
      headers: { 'idempotency-key': `${key}-${i}-${process.pid}` },
      body: { channel: 'operator_phone', description: `round trips ${i}`, position: { ...points[i]!, crs: 'wgs84' }, ...(i % 3 === 0 ? { categoryCode: '0401' } : {}) },
    });
    if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
  };
  // Warm: every pooled connection used, caches filled.
  for (let i = 30; i < 60; i++) await create(i, 'warm');
  const N = 30;
  counting = true;
  for (let i = 0; i < N; i++) await create(i, 'count');
  counting = false;
  measure('create (POST /api/incidents, Idempotency-Key)', N);

  const cookies = { operator, dispatcher: await login(s, 'dispatcher'), handler: await login(s, 'handler'), worker: await login(s, 'worker') };
  const workerGrid = (await s.platform.db.primary
    .selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
    .select('role_assignments.scope_code').where('users.username', '=', 'worker').executeTakeFirstOrThrow()).scope_code;
  const handlerId = (await s.platform.accounts.findUserId('handler'))!;
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a7' } }).png().toBuffer();
  const afterPhoto = (await s.platform.files.upload(png, handlerId)).hash;
  const steps: [keyof typeof cookies, Record<string, unknown>][] = [
    ['operator', { type: 'register', categoryCode: '0401' }],
    ['dispatcher', { type: 'dispatch', leadDepartmentCode: 'D01' }],
    ['handler', { type: 'start-handling' }],
    ['handler', { type: 'reply', result: '已处置', photos: [afterPhoto] }],
    ['worker', { type: 'verify-pass' }],
    ['operator', { type: 'close' }],
  ];
  const cycle = async (i: number, count: boolean) => {
    const r = await call(s, 'POST', '/api/incidents', { cookie: operator, body: { channel: 'operator_phone', description: `cycle ${i}`, gridCode: workerGrid } });
    if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
    const id = (JSON.parse(r.body) as { incident: { id: number } }).incident.id;
    let version = 1;
    for (const [user, body] of steps) {
      counting = count && body.type !== 'register';
      const a = await call(s, 'POST', `/api/incidents/${id}/actions`, { cookie: cookies[user], body: { ...body, version } });
      counting = false;
      if (a.status !== 200) throw new Error(`${String(body.type)}: ${a.status} ${a.body}`);
      version = (JSON.parse(a.body) as { incident: { version: number } }).incident.version;
    }
  };
  for (let i = 0; i < 5; i++) await cycle(i, false);
  const C = 10;
  for (let i = 0; i < C; i++) await cycle(i, true);
  measure('action (dispatch, start-handling, reply, verify-pass, close: the transition cycle)', C * (steps.length - 1));
} finally {
  await s.close();
}
