/**
 * `civicgrid backup [--out DIR] [--no-keys]` and
 * `civicgrid restore BACKUP --data-dir DIR [--db-url URL] [--force] [--dry-run]
 *   [--binlog-dir DIR | --binlog-from URL] [--until TIME] [--sample N]`.
 * Both print what they did in a few lines and one JSON summary line
 * (`--json`) for scripts and the drill; every refusal is a coded error.
 */
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { AuditActor } from '../../infra/audit/audit.js';
import type { Config } from '../../infra/config.js';
import { createBackup, defaultBackupName } from './backup.js';
import { restoreBackup } from './restore.js';
import { backupBytes } from './rules/manifest.js';

export interface OperationsCliDeps {
  config(): Config;
  actor(): AuditActor;
  program: { name: string; version: string };
}

function instant(value: string): Date {
  // An explicit zone is required: a bare local time would mean different instants on different machines.
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(value)) throw new InvalidArgumentError('give an ISO 8601 time with its zone, e.g. 2026-12-03T14:30:00+08:00');
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('not a time');
  return d;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a whole number');
  return n;
}

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;

export function registerOperationsCommands(program: Command, deps: OperationsCliDeps): void {
  program
    .command('backup')
    .description('back up the database (consistent while the server runs), the stored files, the field key file and the config file into one directory with a manifest')
    .option('--out <dir>', 'backup directory to create (default: ./civicgrid-backup-<UTC time>)')
    .option('--no-keys', 'leave the generated key files (field keys, audit chain keys) out (keep them safe elsewhere)')
    .option('--json', 'print the manifest summary as one JSON line')
    .action(async (opts: { out?: string; keys: boolean; json?: boolean }) => {
      const cfg = deps.config();
      const out = resolve(opts.out ?? defaultBackupName());
      const configFile = process.env.CIVICGRID_CONFIG ?? resolve(cfg.dataDir, 'civicgrid.json');
      const r = await createBackup({
        config: cfg, out, keys: opts.keys, configFile, program: deps.program, actor: deps.actor(),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      const m = r.manifest;
      if (opts.json) {
        console.log(JSON.stringify({ dir: r.dir, dialect: m.database.dialect, bytes: backupBytes(m), files: m.files.count, auditHeadSeq: m.audit.headSeq, binlog: m.database.binlog, keys: m.keys.source, auditKeys: m.auditKeys.source, counts: m.counts, timings: m.timings }));
        return;
      }
      console.log(`backup written to ${r.dir}: ${mib(backupBytes(m))}, ${Object.keys(m.counts).length} tables, ${m.files.count} stored files, audit head seq ${m.audit.headSeq}, ${(m.timings.totalMs! / 1000).toFixed(1)} s`);
      if (m.database.binlog) console.log(`binary log position: ${m.database.binlog.file}:${m.database.binlog.position} (point-in-time recovery starts here)`);
      const keys = { file: 'the key file is in the backup', 'config-file': 'in the config file, which is in the backup', environment: 'from the environment: NOT in the backup', omitted: 'NOT in the backup' };
      console.log(`keys: ${keys[m.keys.source]}`);
      console.log(`audit chain keys: ${keys[m.auditKeys.source]}`);
    });

  program
    .command('restore <backup>')
    .description('restore a backup into a new data directory (and database), then verify counts, the audit chain, stored files and a sample of decrypted residents')
    .requiredOption('--data-dir <dir>', 'the data directory to restore into (stored files, keys, config; the SQLite database by default)')
    .option('--db-url <url>', 'target database: mysql://… for a MySQL/MariaDB backup (created if missing), or sqlite:PATH')
    .option('--force', 'overwrite a target that already holds data')
    .option('--dry-run', 'only check the backup (manifest and every part\'s SHA-256)')
    .option('--binlog-dir <dir>', 'MySQL/MariaDB: roll forward with the binary log files in this directory')
    .option('--binlog-from <url>', 'MySQL/MariaDB: roll forward with the binary logs fetched from this running server')
    .option('--until <time>', 'stop the roll-forward before this instant (ISO 8601 with zone)', instant)
    .option('--sample <n>', 'residents whose ID numbers are decrypted as a check', positiveInt, 200)
    .option('--json', 'print the result as one JSON line')
    .action(async (backup: string, opts: { dataDir: string; dbUrl?: string; force?: boolean; dryRun?: boolean; binlogDir?: string; binlogFrom?: string; until?: Date; sample: number; json?: boolean }) => {
      const r = await restoreBackup({
        backup, dataDir: opts.dataDir, dbUrl: opts.dbUrl, force: opts.force ?? false, dryRun: opts.dryRun ?? false,
        pointInTime: { binlogDir: opts.binlogDir, binlogFrom: opts.binlogFrom, until: opts.until },
        sample: opts.sample, actor: deps.actor(), env: process.env,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      if (opts.json) {
        console.log(JSON.stringify({ dryRun: r.dryRun, dbUrl: r.dbUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'), dataDir: r.dataDir, binlogFiles: r.binlogFiles, report: r.report, timings: r.timings }));
        return;
      }
      const m = r.manifest;
      if (r.dryRun) {
        console.log(`backup of ${m.createdAt} is whole: ${m.parts.length} parts and ${m.files.count} stored files match the manifest (${mib(backupBytes(m))})`);
        return;
      }
      const v = r.report!;
      console.log(`restored the backup of ${m.createdAt} into ${r.dataDir}${r.binlogFiles.length ? `, rolled forward through ${r.binlogFiles.join(', ')}` : ''} in ${(r.timings.totalMs! / 1000).toFixed(1)} s`);
      console.log(`verified: integrity ${v.integrity}; ${v.tables} tables, ${v.rows} rows${r.binlogFiles.length ? ' (at least the backup\'s)' : ' as in the manifest'}; audit chain of ${v.auditRecords} records intact to seq ${v.auditHeadSeq}; ${v.fileRows} stored files present; ${v.residentsChecked} residents decrypted`);
      console.log(`start it with: CIVICGRID_DATA_DIR=${r.dataDir}${r.dbUrl.startsWith('sqlite:') && r.dbUrl === `sqlite:${resolve(r.dataDir, 'civicgrid.db')}` ? '' : ` CIVICGRID_DB_URL='${r.dbUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}'`} civicgrid serve`);
    });
}
