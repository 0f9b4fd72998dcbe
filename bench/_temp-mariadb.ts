/**
 * A throw-away MariaDB server with a binary log, for point-in-time recovery
 * tests and the backup drill: `mariadb-install-db` into a temporary folder,
 * then `mariadbd` on loopback at a free port with its socket in that folder,
 * log_bin + binlog_format=ROW + sync_binlog=1 (what docs/operations/backup.md
 * asks of production), root without a password. stop() ends it (by its own
 * pid) and removes the folder. The shared server on 3306 is never touched.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

export interface TempMariadb {
  /** mysql://root@127.0.0.1:PORT/ (no database). */
  serverUrl: string;
  /** The URL of a database on it. */
  url(database: string): string;
  /** Where its binary logs are (the data directory). */
  binlogDir: string;
  port: number;
  stop(): Promise<void>;
}

function which(names: string[]): string | null {
  for (const n of names) if (spawnSync(n, ['--version'], { encoding: 'utf8' }).status === 0) return n;
  return null;
}

/** Whether this machine can start one (the server package is installed). */
export function canStartTempMariadb(): boolean {
  return which(['mariadb-install-db', 'mysql_install_db']) !== null && spawnSync('mariadbd', ['--version']).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startTempMariadb(options: { bufferPoolMb?: number } = {}): Promise<TempMariadb> {
  const install = which(['mariadb-install-db', 'mysql_install_db']);
  if (!install) throw new Error('mariadb-install-db is not installed (apt-get install mariadb-server)');
  const dir = mkdtempSync(join(tmpdir(), 'civicgrid-mariadb-'));
  const data = join(dir, 'data');
  const user = process.getuid?.() === 0 ? ['--user=root'] : [];
  const installed = spawnSync(install, ['--no-defaults', `--datadir=${data}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' });
  if (installed.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${installed.stderr.slice(-500)}`);
  }
  const port = await freePort();
  const socket = join(dir, 'mysqld.sock');
  const child: ChildProcess = spawn('mariadbd', [
    '--no-defaults', `--datadir=${data}`, ...user, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${socket}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`, `--log-error=${join(dir, 'error.log')}`,
    `--log-bin=${join(data, 'binlog')}`, '--server-id=1', '--binlog-format=ROW', '--sync-binlog=1',
    '--innodb-flush-log-at-trx-commit=1', `--innodb-buffer-pool-size=${options.bufferPoolMb ?? 256}M`, '--skip-name-resolve',
    '--character-set-server=utf8mb4', '--collation-server=utf8mb4_bin',
  ], { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const serverUrl = `mysql://root@127.0.0.1:${port}/`;
  const stop = async () => {
    if (!exited) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      const c = await createConnection({ uri: serverUrl });
      await c.end();
      break;
    } catch (err) {
      if (exited || i > 150) {
        await stop();
        throw new Error(`the temporary MariaDB did not start: ${(err as Error).message}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { serverUrl, url: (database) => `${serverUrl}${database}`, binlogDir: data, port, stop };
}
