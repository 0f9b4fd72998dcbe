import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabase } from './_cache.js';
import { report } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));

function child(mode: 'server' | 'bare'): { rss: number; heapUsed: number } {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, '_memory-child.ts'), mode], { cwd: join(here, '..'), encoding: 'utf8', env: process.env, maxBuffer: 16 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`memory child (${mode}) failed: ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(last) as { rss: number; heapUsed: number };
}

/**
 * `npm run bench -- memory`: resident set size of a server process over the
 * loaded district (BENCH_SCALE, default 1; BENCH_DB_URL for MariaDB) after
 * warming it up (grid locator, reference caches, sessions of six users,
 * lists, searches, queues and 200 incident pages), garbage collected.
 * Baseline: RSS of a bare Node process that imports the same modules
 * (same loader, same flags). Both are child processes. Goal: under 500 MB.
 */
export default async function memoryBench(): Promise<void> {
  const b = await benchDatabase();
  const bare = child('bare');
  const server = child('server');
  const mb = (x: number) => Math.round((x / 2 ** 20) * 10) / 10;
  report({ name: 'server_rss_warm', value: mb(server.rss), unit: 'MB', baseline: mb(bare.rss), scale: b.scale, db: b.db, heapUsedMB: mb(server.heapUsed), goal: 'rss < 500 MB' });
}
