/**
 * Fresh empty databases for the benchmarks that write (intake, transition,
 * residents, generator).
 *
 * - SQLite (default): a file in a new temporary folder.
 * - MariaDB/MySQL: with `BENCH_DB_URL=mysql://user:pass@host:3306/NAME` set, a
 *   scratch database `NAME_<tag>_<pid>` created on that server with
 *   `CHARACTER SET utf8mb4 COLLATE utf8mb4_bin` and dropped by drop(), which
 *   the callers run in `finally` (and which a SIGINT/SIGTERM also runs). The
 *   database NAME itself is never opened: only the server address, the
 *   credentials and the name (as a prefix) are used. The user needs CREATE
 *   and DROP.
 *
 * Config comes from these arguments only (not from CIVICGRID_* variables).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { loadConfig, type Config } from '../src/infra/config.js';
import { openPlatform, type Platform } from '../src/platform.js';

export type BenchDialect = 'sqlite' | 'mysql';

/** Which database the benchmarks run on: 'mysql' when BENCH_DB_URL is set. */
export function benchDialect(): BenchDialect {
  return process.env.BENCH_DB_URL ? 'mysql' : 'sqlite';
}

/**
 * The scratch platforms' log level: silent, unless BENCH_LOG_LEVEL says
 * otherwise (e.g. `error`, to see why a request answered 500). The log goes
 * to stdout beside the JSON figures.
 */
export function benchLogLevel(): 'silent' | 'fatal' | 'error' | 'warn' | 'info' {
  const level = process.env.BENCH_LOG_LEVEL ?? 'silent';
  if (level !== 'silent' && level !== 'fatal' && level !== 'error' && level !== 'warn' && level !== 'info') throw new Error(`BENCH_LOG_LEVEL must be silent, fatal, error, warn or info: ${level}`);
  return level;
}

export interface Scratch {
  db: BenchDialect;
  /** `sqlite:PATH` or `mysql://…/NAME_<tag>_<pid>`. */
  url: string;
  /** The SQLite file ('' on MySQL). */
  path: string;
  /** The scratch database's name on MySQL ('' on SQLite). */
  name: string;
  /** A data directory of its own (field keys, stored files). */
  dataDir: string;
  /** Config for openPlatform, logging silenced. */
  config: Config;
  /** Drops the database and removes the data directory; safe to call twice. */
  drop(): Promise<void>;
}

/** Scratch MySQL databases not dropped yet, dropped on SIGINT/SIGTERM too. */
const live = new Map<string, () => Promise<void>>();
let signalsHooked = false;

function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      process.stderr.write(`[scratch] ${signal}: dropping ${[...live.keys()].join(', ') || 'nothing'}\n`);
      void Promise.allSettled([...live.values()].map((d) => d())).finally(() => process.exit(code));
    });
  }
}

async function onServer(serverUri: string, statement: string): Promise<void> {
  const c = await createConnection({ uri: serverUri });
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

/**
 * A fresh empty database for one benchmark run. `tag` names it (letters,
 * digits, underscores). `dir`, when given, holds the SQLite file and the data
 * directory and is left for the caller to remove.
 */
export async function scratchDatabase(tag: string, options: { dir?: string } = {}): Promise<Scratch> {
  if (!/^[A-Za-z0-9_]+$/.test(tag)) throw new Error(`scratch tag must be letters, digits and underscores: ${tag}`);
  const ownDir = options.dir === undefined;
  const dataDir = options.dir ?? mkdtempSync(join(tmpdir(), `civicgrid-bench-${tag}-`));
  if (!ownDir) mkdirSync(dataDir, { recursive: true });
  const removeDir = () => {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const benchUrl = process.env.BENCH_DB_URL;
  if (!benchUrl) {
    const path = join(dataDir, `${tag}.db`);
    const url = `sqlite:${path}`;
    return {
      db: 'sqlite', url, path, name: '', dataDir,
      config: loadConfig({}, { dataDir, dbUrl: url, logLevel: benchLogLevel() }),
      drop: async () => removeDir(),
    };
  }
  const base = new URL(benchUrl.replace(/^mariadb:/, 'mysql:'));
  const name = `${decodeURIComponent(base.pathname.replace(/^\//, '')) || 'civicgrid'}_${tag}_${process.pid}`;
  if (name.length > 64 || !/^[A-Za-z0-9_$]+$/.test(name)) throw new Error(`scratch database name not usable: ${name}`);
  const server = new URL(base.href);
  server.pathname = '/';
  try {
    await onServer(server.href, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } catch (err) {
    removeDir();
    throw err;
  }
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    live.delete(name);
    try {
      await onServer(server.href, `DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      removeDir();
    }
  };
  live.set(name, drop);
  hookSignals();
  const dbUrl = new URL(base.href);
  dbUrl.pathname = `/${name}`;
  return { db: 'mysql', url: dbUrl.href, path: '', name, dataDir, config: loadConfig({}, { dataDir, dbUrl: dbUrl.href, logLevel: benchLogLevel() }), drop };
}

export interface ScratchPlatform {
  platform: Platform;
  scratch: Scratch;
  /** Closes the platform, then drops the scratch database (even if closing failed); safe to call twice. */
  close(): Promise<void>;
}

/** The platform (migrated, built-in roles seeded) over a fresh scratch database. */
export async function scratchPlatform(tag: string, options: { dir?: string; config?: Partial<Config> } = {}): Promise<ScratchPlatform> {
  const scratch = await scratchDatabase(tag, options);
  let platform: Platform;
  try {
    // Settings a benchmark needs beside the scratch database's (e.g. webhooks to local http receivers).
    platform = await openPlatform({ ...scratch.config, ...options.config });
  } catch (err) {
    await scratch.drop();
    throw err;
  }
  let closed = false;
  return {
    platform, scratch,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await platform.close();
      } finally {
        await scratch.drop();
      }
    },
  };
}
