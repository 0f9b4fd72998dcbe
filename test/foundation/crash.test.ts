import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/infra/audit/audit.js';
import type { Dialect } from '../../src/infra/db/database.js';
import { loadDemo, DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { openPlatform } from '../../src/platform.js';
import { createTestDatabase, testConfig, DIALECTS, type TestDatabase } from '../support/db.js';

/**
 * The server is killed with SIGKILL while creates pour in, then started again:
 * every create it acknowledged (201) is still there, with the same code, and a
 * retry of it with the same Idempotency-Key replays it instead of creating a
 * second. A few cycles per database; the audit chain verifies at the end.
 */
const CYCLES: Record<Dialect, number> = { sqlite: 3, mysql: 2 };
const CLIENTS = 8;

interface Acknowledged {
  key: string;
  body: Record<string, unknown>;
  id: number;
  code: string;
}

describe.each(DIALECTS)('kill -9 under load on %s', (dialect) => {
  let database: TestDatabase;
  let gridCode: string;
  let server: ChildProcess | null = null;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const platform = await openPlatform(testConfig(database));
    await loadDemo(platform, { scale: 0.2 });
    gridCode = (await platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'unit').orderBy('code').limit(1).executeTakeFirstOrThrow()).code;
    await platform.close();
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await database?.drop();
  });

  /** Starts `civicgrid serve` on a free port and resolves with its URL once it listens. */
  function start(): Promise<string> {
    const child = spawn('node', ['--import', 'tsx', 'src/cli.ts', 'serve', '--port', '0'], {
      env: { ...process.env, CIVICGRID_DB_URL: database.url, CIVICGRID_DATA_DIR: database.dataDir, CIVICGRID_LOG_LEVEL: 'silent', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    return new Promise((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /is running at (http:\/\/[^\s]+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out}`)));
    });
  }

  async function login(url: string): Promise<string> {
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password: DEMO_PASSWORD }),
    });
    expect(res.status).toBe(200);
    return /cg_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
  }

  const create = (url: string, cookie: string, key: string, body: Record<string, unknown>) =>
    fetch(`${url}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `cg_session=${cookie}`, 'idempotency-key': key },
      body: JSON.stringify(body),
    });

  it('loses no acknowledged create and repeats none', async () => {
    const acknowledged: Acknowledged[] = [];
    for (let cycle = 0; cycle < CYCLES[dialect]; cycle++) {
      const url = await start();
      const cookie = await login(url);
      // Everything acknowledged before this start is still there, and a retry replays it.
      for (const a of acknowledged) {
        const got = await fetch(`${url}/api/incidents/${a.id}`, { headers: { cookie: `cg_session=${cookie}` } });
        expect(got.status, `incident ${a.code} acknowledged before a kill`).toBe(200);
        expect((await got.json() as { incident: { code: string } }).incident.code).toBe(a.code);
      }
      for (const a of acknowledged.slice(-5)) {
        const again = await create(url, cookie, a.key, a.body);
        expect(again.status).toBe(201);
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect((await again.json() as { incident: { id: number } }).incident.id).toBe(a.id);
      }
      // Clients create until the server dies under them; the kill comes after enough were acknowledged.
      let stop = false;
      const before = acknowledged.length;
      const clients = Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = 0; !stop; i++) {
          const key = `crash-${cycle}-${c}-${i}`;
          const body = { channel: 'operator_phone', description: `井盖缺失 ${key}`, gridCode };
          try {
            const res = await create(url, cookie, key, body);
            if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
            const { incident } = (await res.json()) as { incident: { id: number; code: string } };
            acknowledged.push({ key, body, id: incident.id, code: incident.code });
          } catch (err) {
            if (stop) return;
            throw err;
          }
        }
      });
      while (acknowledged.length - before < 40) await new Promise((r) => setTimeout(r, 5));
      stop = true;
      server!.kill('SIGKILL');
      await Promise.allSettled(clients);
      await new Promise((r) => server!.exitCode !== null || server!.signalCode !== null ? r(null) : server!.once('exit', r));
    }
    expect(new Set(acknowledged.map((a) => a.code)).size).toBe(acknowledged.length);

    const platform = await openPlatform(testConfig(database));
    try {
      const stored = await platform.db.primary.selectFrom('incidents').select(['id', 'code']).where('description', 'like', '井盖缺失 crash-%').execute();
      const byId = new Map(stored.map((r) => [Number(r.id), r.code]));
      for (const a of acknowledged) expect(byId.get(a.id)).toBe(a.code);
      // Unacknowledged creates may have committed, but never twice for one key.
      const perKey = new Map<string, number>();
      for (const r of await platform.db.primary.selectFrom('incidents').select('description').where('description', 'like', '井盖缺失 crash-%').execute()) {
        perKey.set(r.description, (perKey.get(r.description) ?? 0) + 1);
      }
      expect([...perKey.values()].every((n) => n === 1)).toBe(true);
      expect((await verifyAuditChain(platform.db.primary)).ok).toBe(true);
    } finally {
      await platform.close();
    }
  });
});
