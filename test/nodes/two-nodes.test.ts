import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/infra/config.js';
import { loadDemo, DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { Locator } from '../../src/modules/grid/rules/locator.js';
import type { GridGeometry } from '../../src/modules/grid/rules/types.js';
import { openPlatform } from '../../src/platform.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/db.js';
import { openSse, type SseClient } from '../support/sse.js';
import { D01_CATEGORY } from '../incidents/support.js';

/**
 * Two real API nodes (`civicgrid serve`, spawned by scripts/nodes.sh with its
 * own data dir each) over one database, behind nginx: a session made on one
 * node works on the other, a case walks through intake, dispatch, reply,
 * verification and close alternating between them, the live stream of node B
 * shows a case created on node A, a photo stored through A is served by B, a
 * grid renamed on A reaches B's locator, and the login limit counts the
 * requests of both nodes together.
 */
const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const nginxInstalled = (() => {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const LOGIN_LIMIT = 10;

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/** Ports from CIVICGRID_TEST_NODES_PORTS ("A B NGINX" for each dialect in turn), else free ones. */
async function portsFor(index: number): Promise<[number, number, number]> {
  const fixed = process.env.CIVICGRID_TEST_NODES_PORTS?.split(/[\s,]+/).filter(Boolean).map(Number);
  if (fixed && fixed.length >= 3 * (index + 1)) return fixed.slice(3 * index, 3 * index + 3) as [number, number, number];
  return [await freePort(), await freePort(), await freePort()];
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = new Socket();
    s.setTimeout(500);
    s.once('connect', () => { s.destroy(); ok(true); });
    s.once('error', () => ok(false));
    s.once('timeout', () => { s.destroy(); ok(false); });
    s.connect(port, '127.0.0.1');
  });
}

interface Reply { status: number; json: () => unknown; text: string; headers: Headers }

function client(base: string) {
  return async (method: string, path: string, opts: { cookie?: string; body?: unknown; raw?: Buffer; type?: string; forwardedFor?: string } = {}): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (opts.cookie) headers.cookie = `cg_session=${opts.cookie}`;
    if (opts.forwardedFor) headers['x-forwarded-for'] = opts.forwardedFor;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (opts.raw) {
      body = new Uint8Array(opts.raw);
      headers['content-type'] = opts.type ?? 'application/octet-stream';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const buf = Buffer.from(await res.arrayBuffer());
    const text = buf.toString('utf8');
    return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) as unknown };
  };
}

describe.each(DIALECTS.map((d, i) => [d, i] as const))('two API nodes behind nginx on %s', (dialect, index) => {
  let database: TestDatabase;
  let nodesDir: string;
  let env: NodeJS.ProcessEnv;
  let A: ReturnType<typeof client>;
  let B: ReturnType<typeof client>;
  let N: ReturnType<typeof client>;
  let urls: { a: string; b: string; nginx: string };
  let started = false;
  let brokerUrl: string | null = null;
  let workerGrid: string;
  let point: { lng: number; lat: number };
  const streams: SseClient[] = [];

  beforeAll(async () => {
    if (!nginxInstalled) return;
    database = await createTestDatabase(dialect);
    nodesDir = join(database.dataDir, 'nodes');
    mkdirSync(nodesDir, { recursive: true });
    // The keys every node must share, as scripts/nodes.sh keeps them (it generates this file when missing).
    const keys = {
      CIVICGRID_FIELD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      CIVICGRID_FIELD_HMAC_KEY: randomBytes(32).toString('base64'),
      CIVICGRID_AUDIT_KEYS: `a1:${randomBytes(32).toString('base64')}`,
    };
    writeFileSync(join(nodesDir, 'keys.env'), Object.entries(keys).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
    // The demo district (two streets) loaded once, before the nodes start.
    const seed = await openPlatform(loadConfig(keys, { dataDir: join(nodesDir, 'seed'), dbUrl: database.url, logLevel: 'silent' }));
    try {
      await loadDemo(seed, { scale: 0.2 });
      const row = await seed.db.primary.selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
        .select('role_assignments.scope_code').where('users.username', '=', 'worker').executeTakeFirstOrThrow();
      workerGrid = row.scope_code;
      const g = await seed.db.primary.selectFrom('grids').select(['code', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat']).where('code', '=', workerGrid).executeTakeFirstOrThrow();
      const locator = new Locator([{ code: g.code, geometry: JSON.parse(g.geometry) as GridGeometry }]);
      outer: for (let i = 1; i < 20; i++) {
        for (let j = 1; j < 20; j++) {
          const p = { lng: g.min_lng + ((g.max_lng - g.min_lng) * i) / 20, lat: g.min_lat + ((g.max_lat - g.min_lat) * j) / 20 };
          if (locator.locate(p.lng, p.lat) === workerGrid) {
            point = p;
            break outer;
          }
        }
      }
    } finally {
      await seed.close();
    }
    for (const [url, port] of [['redis://127.0.0.1:6379', 6379], ['nats://127.0.0.1:4222', 4222]] as const) {
      if (await reachable(port)) {
        brokerUrl = url;
        break;
      }
    }
    const [portA, portB, portNginx] = await portsFor(index);
    urls = { a: `http://127.0.0.1:${portA}`, b: `http://127.0.0.1:${portB}`, nginx: `http://127.0.0.1:${portNginx}` };
    env = {
      ...process.env,
      NODES_DIR: nodesDir, NODE_PORTS: `${portA} ${portB}`, NGINX_PORT: String(portNginx), NODES_DEMO: '0',
      CIVICGRID_DB_URL: database.url, CIVICGRID_FILES_DIR: join(nodesDir, 'files'),
      CIVICGRID_LOGIN_RATE_LIMIT: String(LOGIN_LIMIT), CIVICGRID_LOG_LEVEL: 'warn',
      ...(brokerUrl ? { CIVICGRID_LIVE_BROKER_URL: brokerUrl } : {}),
    };
    await run('bash', [join(ROOT, 'scripts/nodes.sh'), 'start'], { env, cwd: ROOT, timeout: 120_000 });
    started = true;
    A = client(urls.a);
    B = client(urls.b);
    N = client(urls.nginx);
  }, 180_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    if (started) await run('bash', [join(ROOT, 'scripts/nodes.sh'), 'stop'], { env, cwd: ROOT, timeout: 60_000 }).catch(() => undefined);
    await database?.drop();
  }, 90_000);

  async function login(node: ReturnType<typeof client>, username: string): Promise<string> {
    const res = await node('POST', '/api/auth/login', { body: { username, password: DEMO_PASSWORD } });
    expect(res.status, res.text).toBe(200);
    const cookie = /cg_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    expect(cookie).toBeTruthy();
    return cookie!;
  }

  async function act(node: ReturnType<typeof client>, cookie: string, id: number, body: Record<string, unknown>): Promise<string> {
    const detail = await node('GET', `/api/incidents/${id}`, { cookie });
    expect(detail.status, detail.text).toBe(200);
    const version = (detail.json() as { incident: { version: number } }).incident.version;
    const res = await node('POST', `/api/incidents/${id}/actions`, { cookie, body: { version, ...body } });
    expect(res.status, res.text).toBe(200);
    return (res.json() as { incident: { status: string } }).incident.status;
  }

  it('walks a case across both nodes, with one session, one live feed and one file store', async (ctx) => {
    if (!nginxInstalled) ctx.skip('nginx is not installed (apt-get install -y nginx-light); .ci/run installs it');
    // Sessions live in the database: each login on one node is used on the other from then on.
    const operator = await login(A, 'operator');
    const dispatcher = await login(B, 'dispatcher');
    const handler = await login(A, 'handler');
    const worker = await login(B, 'worker');
    expect((await B('GET', '/api/auth/me', { cookie: operator })).status).toBe(200);
    expect((await A('GET', '/api/auth/me', { cookie: dispatcher })).status).toBe(200);

    // Live streams on node B, directly and through nginx (which must not buffer them).
    const liveB = await openSse(`${urls.b}/api/live/incidents`, { cookie: `cg_session=${dispatcher}` });
    const liveProxy = await openSse(`${urls.nginx}/api/live/incidents`, { cookie: `cg_session=${dispatcher}` });
    streams.push(liveB, liveProxy);
    expect([liveB.status, liveProxy.status]).toEqual([200, 200]);

    // Intake on A.
    const createdAt = Date.now();
    const created = await A('POST', '/api/incidents', {
      cookie: operator, body: { channel: 'operator_phone', description: '两节点之间走一遍的井盖破损', position: { ...point, crs: 'wgs84' } },
    });
    expect(created.status, created.text).toBe(201);
    const inc = (created.json() as { incident: { id: number; code: string; gridCode: string } }).incident;
    expect(inc.gridCode).toBe(workerGrid);
    const seen = await liveB.waitFor((e) => e.event === 'incident' && (JSON.parse(e.data) as { code: string }).code === inc.code, 5000);
    const liveMs = Date.now() - createdAt;
    await liveProxy.waitFor((e) => e.event === 'incident' && (JSON.parse(e.data) as { code: string }).code === inc.code, 5000);
    expect(JSON.parse(seen.data)).toMatchObject({ code: inc.code, action: 'report' });
    // Woken through the broker when one runs, else by node B's 1 s poll.
    expect(liveMs).toBeLessThan(brokerUrl ? 1500 : 3000);

    // A photo stored through node A is served by node B (one file store, CIVICGRID_FILES_DIR).
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#2a6' } }).png().toBuffer();
    const upload = await A('POST', '/api/files', { cookie: handler, raw: png, type: 'image/png' });
    expect(upload.status, upload.text).toBeLessThan(300);
    const hash = (upload.json() as { hash: string }).hash;

    const steps: [ReturnType<typeof client>, string, string, Record<string, unknown>, string][] = [
      [A, 'A', operator, { type: 'register', categoryCode: D01_CATEGORY.code }, 'registered'],
      [B, 'B', dispatcher, { type: 'dispatch', leadDepartmentCode: 'D01' }, 'dispatched'],
      [A, 'A', handler, { type: 'start-handling' }, 'handling'],
      [A, 'A', handler, { type: 'reply', result: '已更换井盖', photos: [hash] }, 'replied'],
      [B, 'B', worker, { type: 'verify-pass', note: '现场核查通过' }, 'verified'],
      [A, 'A', operator, { type: 'close' }, 'closed'],
    ];
    for (const [node, name, cookie, body, status] of steps) {
      expect(await act(node, cookie, inc.id, body), `${String(body.type)} on node ${name}`).toBe(status);
      // Whichever node nginx picks shows the step at once (one database, no node-local state).
      const viaProxy = await N('GET', `/api/incidents/${inc.id}`, { cookie });
      expect((viaProxy.json() as { incident: { status: string } }).incident.status).toBe(status);
    }
    const detail = (await B('GET', `/api/incidents/${inc.id}`, { cookie: operator })).json() as { timeline: { action: string; attachments: string[] }[] };
    expect(detail.timeline.map((e) => e.action)).toEqual(['report', 'register', 'dispatch', 'start-handling', 'reply', 'verify-pass', 'close']);
    expect(detail.timeline[4]!.attachments).toEqual([hash]);
    const bytes = Buffer.from(await (await fetch(`${urls.b}/api/files/${hash}`, { headers: { cookie: `cg_session=${operator}` } })).arrayBuffer());
    expect(bytes.equals(png)).toBe(true);
    // Every step reached node B's stream too, in order.
    await liveB.waitFor((e) => e.event === 'incident' && (JSON.parse(e.data) as { action: string; code: string }).code === inc.code && JSON.parse(e.data).action === 'close', 5000);
    const actions = liveB.events.filter((e) => e.event === 'incident').map((e) => JSON.parse(e.data) as { code: string; action: string }).filter((e) => e.code === inc.code).map((e) => e.action);
    expect(actions).toEqual(['report', 'register', 'dispatch', 'start-handling', 'reply', 'verify-pass', 'close']);

    // Logout on A ends the session on B as well (after B's principal cache of at most 2 s).
    const logout = await A('POST', '/api/auth/logout', { cookie: worker });
    expect(logout.status).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await B('GET', '/api/auth/me', { cookie: worker })).status).toBe(401);
  }, 60_000);

  it('reloads node B\'s grid locator when the grid is renamed on node A', async (ctx) => {
    if (!nginxInstalled) ctx.skip('nginx is not installed (apt-get install -y nginx-light); .ci/run installs it');
    const admin = await login(A, 'admin');
    const locate = async () => (await B('GET', `/api/grids/locate?lng=${point.lng}&lat=${point.lat}`, { cookie: admin })).json() as { inside: boolean; unit: { code: string; name: string } };
    const before = await locate();
    expect(before).toMatchObject({ inside: true, unit: { code: workerGrid } });
    const card = (await A('GET', `/api/grids/${workerGrid}`, { cookie: admin })).json() as { version: number; name: string };
    const name = `${card.name}（两节点改名）`;
    const renamed = await A('PATCH', `/api/grids/${workerGrid}`, { cookie: admin, body: { version: card.version, name } });
    expect(renamed.status, renamed.text).toBe(200);
    const t0 = Date.now();
    let after = await locate();
    while (after.unit.name !== name && Date.now() - t0 < 5000) {
      await new Promise((r) => setTimeout(r, 50));
      after = await locate();
    }
    expect(after.unit).toEqual({ code: workerGrid, name });
    // The broker rings at once; without one, the version mark is read every 2 s.
    expect(Date.now() - t0).toBeLessThan(brokerUrl ? 1000 : 3000);
  }, 30_000);

  it('counts the login limit across both nodes', async (ctx) => {
    if (!nginxInstalled) ctx.skip('nginx is not installed (apt-get install -y nginx-light); .ci/run installs it');
    // One client (its address as nginx passes it on) alternating between the nodes: per node it would get 2 × the limit.
    const client = `198.51.100.${1 + index}`;
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_LIMIT + 2; i++) {
      const node = i % 2 === 0 ? A : B;
      statuses.push((await node('POST', '/api/auth/login', { body: { username: 'nobody-here', password: 'wrong#Pass1' }, forwardedFor: client })).status);
    }
    expect(statuses.slice(0, LOGIN_LIMIT)).toEqual(Array(LOGIN_LIMIT).fill(401));
    expect(statuses.slice(LOGIN_LIMIT)).toEqual([429, 429]);
    // Another client is not held by it.
    expect((await B('POST', '/api/auth/login', { body: { username: 'nobody-here', password: 'wrong#Pass1' }, forwardedFor: '198.51.100.200' })).status).toBe(401);
  }, 30_000);
});
