import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createConnection, type Connection } from 'mysql2/promise';
import type { Config } from '../../src/infra/config.js';
import { DEMO_PASSWORD, loadDemo } from '../../src/modules/demo/load.js';
import { buildHttp, openPlatform, type Platform } from '../../src/platform.js';
import { testConfig } from '../support/db.js';

/**
 * The cluster tests (npm run test:cluster, docs/operations/cluster.md) run the
 * platform against the real servers that scripts/cluster/*.sh start on this
 * machine: the brief's ports 3310-3314 for SQL and 7340-7348 for Galera.
 */
export const CLUSTER_DIR = process.env.CIVICGRID_CLUSTER_DIR ?? '/var/tmp/civicgrid-cluster';
const CREDENTIALS = 'civicgrid:civicgrid';
export const server = (port: number) => `mysql://${CREDENTIALS}@127.0.0.1:${port}/`;
export const REPLICATION = { primary: 3310, replica: 3311 } as const;
export const GALERA = [3312, 3313, 3314] as const;

const run = promisify(execFile);

/** Runs scripts/cluster/<name>.sh with the given arguments; its output goes to the test log only on failure. */
export async function clusterScript(name: 'replication' | 'galera', ...args: string[]): Promise<void> {
  try {
    await run('bash', [resolve('scripts/cluster', `${name}.sh`), ...args], { timeout: 300_000, maxBuffer: 16 << 20 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`${name}.sh ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: error });
  }
}

/** The pid of a running test server (its pid file under the cluster directory). */
export function serverPid(relativeDir: string): number {
  return Number(readFileSync(join(CLUSTER_DIR, relativeDir, 'mysqld.pid'), 'utf8').trim());
}

export function connect(port: number, database?: string): Promise<Connection> {
  return createConnection({ uri: `${server(port)}${database ?? ''}`, supportBigNumbers: true, bigNumberStrings: false });
}

export async function createDatabase(port: number, name: string): Promise<void> {
  const c = await connect(port);
  await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await c.end();
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ClusterApp {
  platform: Platform;
  app: FastifyInstance;
  dataDir: string;
  login(username: string): Promise<string>;
  request(opts: { method?: string; url: string; cookie?: string; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * The HTTP app over the given database URLs, in a new data dir unless one is
 * given (a second node of the same installation shares the first's key files);
 * with `demo`, the demo district at scale 0.2 (two streets) is loaded first.
 */
export async function openClusterApp(overrides: Partial<Record<keyof Config, unknown>>, options: { demo: boolean }): Promise<ClusterApp> {
  const owned = overrides.dataDir === undefined;
  const dataDir = owned ? mkdtempSync(join(tmpdir(), 'civicgrid-cluster-')) : String(overrides.dataDir);
  let platform: Platform | null = null;
  let app: FastifyInstance;
  try {
    platform = await openPlatform(testConfig({ url: String(overrides.dbUrl), dataDir, drop: async () => {} }, overrides));
    if (options.demo) await loadDemo(platform, { scale: 0.2 });
    ({ app } = await buildHttp(platform));
  } catch (error) {
    await platform?.close();
    if (owned) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const opened = platform;
  const request: ClusterApp['request'] = (opts) =>
    app.inject({
      method: (opts.method ?? 'GET') as 'GET',
      url: opts.url,
      headers: { ...(opts.cookie ? { cookie: `cg_session=${opts.cookie}` } : {}), ...(opts.headers ?? {}) },
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
    });
  return {
    platform: opened,
    app,
    dataDir,
    request,
    async login(username) {
      const res = await request({ method: 'POST', url: '/api/auth/login', body: { username, password: DEMO_PASSWORD } });
      if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
      return res.cookies.find((c) => c.name === 'cg_session')!.value;
    },
    async close() {
      await app.close();
      await opened.close();
      if (owned) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A point inside the first unit grid of the demo district, for reports. */
export async function somePosition(platform: Platform): Promise<{ lng: number; lat: number; crs: 'wgs84' }> {
  const rows = await platform.db.primary.selectFrom('grids').select(['code', 'min_lng', 'min_lat', 'max_lng', 'max_lat']).where('level', '=', 'unit').orderBy('code').execute();
  for (const g of rows) {
    const lng = (g.min_lng + g.max_lng) / 2;
    const lat = (g.min_lat + g.max_lat) / 2;
    if (platform.gridLocator.locate(lng, lat)) return { lng, lat, crs: 'wgs84' };
  }
  throw new Error('no unit grid contains its own centre');
}
