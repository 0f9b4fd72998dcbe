import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { readAnchors, writeAnchor } from './infra/audit/anchors.js';
import { pruneAudit, verifyAuditChain, type AuditActor } from './infra/audit/audit.js';
import { addGeneratedFieldKey, ConfigError, loadConfig, type Config } from './infra/config.js';
import { FIELD_KEYS, RESIDENT_FIELDS, type ColumnMapping } from './modules/basedata/import/fields.js';
import { rotateKeys } from './modules/basedata/rotation.js';
import { AppError } from './infra/http/errors.js';
import { DEMO_ACCOUNT_NAMES, DEMO_PASSWORD, loadDemo } from './modules/demo/load.js';
import { progressLine } from './modules/demo/progress.js';
import { registerGridCommands } from './modules/grid/cli.js';
import { registerOperationsCommands } from './modules/operations/cli.js';
import { registerStatsCommands } from './modules/evaluation/cli.js';
import { registerArchiveCommands } from './modules/archive/cli.js';
import { buildHttp, openPlatform, VERSION, type Platform } from './platform.js';
import { registerSuggestCommands } from './modules/incidents/suggester/cli.js';

/**
 * `civicgrid`: the one command operators and scripts use. The forms documented
 * in the README (serve, migrate, user add NAME --role ROLE [--scope CODE]
 * --password-stdin, audit verify, demo) are a stable interface.
 */
const cliActor = (): AuditActor => ({ userId: null, username: `cli:${process.env.USER ?? 'operator'}`, ip: null });

function config(overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  return loadConfig(process.env, overrides);
}

async function withPlatform<T>(cfg: Config, fn: (p: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform(cfg);
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // Only the first line: `echo pass | civicgrid …` and heredocs both work.
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
}

async function requireUser(p: Platform, name: string): Promise<number> {
  const id = await p.accounts.findUserId(name);
  if (id === null) throw new AppError(404, 'NOT_FOUND', { objectType: 'user', username: name });
  return id;
}

const program = new Command('civicgrid')
  .description('CivicGrid: grid-based urban and social governance platform')
  .version(VERSION);

program
  .command('serve')
  .description('apply migrations and serve the API and web console')
  .option('-p, --port <port>', 'port to listen on (default PORT or 8080)')
  .option('--demo-if-empty', 'load the demo district on first start (empty database)')
  .action(async (opts: { port?: string; demoIfEmpty?: boolean }) => {
    const cfg = config({ port: opts.port });
    const platform = await openPlatform(cfg);
    if (opts.demoIfEmpty) {
      const empty = (await platform.db.primary.selectFrom('users').select('id').limit(1).execute()).length === 0;
      if (empty) {
        // A month of cases, so the queues, the map and the timelines have something to show (`civicgrid demo` loads more),
        // and the month's patrol tracks at a fix every 30 s (a third of the points of the app's 10 s, to keep the first start quick).
        const summary = await loadDemo(platform, { residentsScale: 0.01, incidents: { months: 1 }, workforce: { intervalMs: 30_000 } });
        console.log(`Demo district loaded: ${summary.grids} grid nodes, ${summary.accounts.length + summary.staff} accounts, ${summary.incidents?.incidents ?? 0} incidents, ${summary.workforce?.patrols ?? 0} patrols (${summary.workforce?.points ?? 0} track points), ${summary.records?.buildings ?? 0} more buildings with places, components and organizations on ${summary.records?.grids ?? 0} unit grids in ${summary.records?.ms ?? 0} ms.`);
      }
    }
    const { app } = await buildHttp(platform);
    await app.listen({ port: cfg.port, host: cfg.host });
    const port = (app.server.address() as { port: number }).port;
    const url = `http://${cfg.host === '0.0.0.0' || cfg.host === '::' ? 'localhost' : cfg.host}:${port}`;
    console.log(`\nCivicGrid ${VERSION} is running at ${url}  (database: ${platform.db.dialect})`);
    console.log(`API reference: ${url}/api/docs`);
    const present = new Set((await platform.db.primary.selectFrom('users').select('username').where('username', 'in', [...DEMO_ACCOUNT_NAMES]).execute()).map((u) => u.username));
    const demo = DEMO_ACCOUNT_NAMES.filter((u) => present.has(u));
    if (demo.length > 0) {
      console.log(`Demo accounts (password ${DEMO_PASSWORD}): ${demo.join(', ')}`);
      console.log('The demo password is for a local trial only: never expose a server with the demo accounts to a network.');
    }
    const stop = async () => {
      await app.close();
      await platform.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    await withPlatform(config(), async (p) => {
      console.log(`migrations current (${p.db.dialect})`);
    });
  });

program
  .command('demo')
  .description('load the demo district: grid, departments, categories, staff for every role, residents, incidents with their timelines, and the teams, clock records and patrol tracks of the last month (resumable; deterministic for a seed)')
  .option('--scale <scale>', 'size relative to the reference district', number, 1)
  .option('--seed <seed>', 'random seed', number, 1)
  .option('--residents-scale <scale>', 'residents relative to the reference district (1.05 million at 1; default: --scale; 0 = none)', number)
  .option('--months <months>', 'months of incidents (about 1,000 reports a day at scale 1; 0 = none)', number, 18)
  .option('--until <date>', 'last day of incidents, YYYY-MM-DD (default: yesterday, Asia/Shanghai)')
  .option('--check', 'afterwards, replay every incident timeline through the state machine and check residents')
  .action(async (opts: { scale: number; seed: number; residentsScale?: number; months: number; until?: string; check?: boolean }) => {
    if (opts.until !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.until)) throw new InvalidArgumentError('--until must be YYYY-MM-DD');
    await withPlatform(config(), async (p) => {
      const t0 = Date.now();
      const bar = progressBar('residents');
      const line = progressLine('incidents');
      const tracks = progressLine('patrol tracks');
      const s = await loadDemo(p, {
        scale: opts.scale, seed: opts.seed, residentsScale: opts.residentsScale ?? opts.scale, onResidents: bar.update, staff: true,
        incidents: { months: opts.months, until: opts.until, onProgress: (x) => line.update(x.daysDone, x.daysTotal, x.incidents + x.events, x.day) },
        workforce: { onProgress: (x) => tracks.update(x.daysDone, x.daysTotal, x.points) },
      });
      bar.done();
      line.done(s.incidents && !s.incidents.skipped ? `${s.incidents.incidents} incidents, ${s.incidents.events} events${s.incidents.resumed ? ' (resumed)' : ''}` : undefined);
      tracks.done(s.workforce && !s.workforce.skipped ? `${s.workforce.patrols} patrols, ${s.workforce.points} track points` : undefined);
      console.log(`${s.created ? 'loaded' : 'already present'}: ${s.grids} grid nodes, ${s.departments} new departments, ${s.staff} staff accounts` +
        (s.incidents ? `, ${s.incidents.incidents} incidents with ${s.incidents.events} timeline events` : '') +
        (s.workforce ? `, ${s.workforce.patrols} patrols with ${s.workforce.points} track points (the last month)` : '') +
        (s.hotline && !s.hotline.skipped ? `, ${s.hotline.orders} unsatisfied hotline orders` : '') + ` (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      console.log(`accounts (password ${DEMO_PASSWORD}): ${s.accounts.map((a) => `${a.username} (${a.role})`).join(', ')}; staff: gw<street><community>, h<dept>-N, opN, dpN, svN, st<street>-N`);
      if (opts.check) {
        const { checkIncidentTimelines, checkResidents } = await import('./modules/demo/integrity.js');
        const r = await checkIncidentTimelines(p.db);
        const res = await checkResidents(p.db.primary);
        console.log(`check: ${r.incidents} timelines (${r.events} events) replayed, ${r.problems.length} problems; ${res.residents} residents, ${res.outside} outside a dwelling of a unit grid`);
        for (const x of r.problems.slice(0, 20)) console.log(`  incident ${x.incidentId ?? '-'} seq ${x.seq ?? '-'}: ${x.message}`);
        if (r.problems.length > 0 || res.outside > 0) process.exitCode = 3;
      }
    });
  });

const user = program.command('user').description('manage user accounts');

user
  .command('add <name>')
  .description('create a user with a role; prints a generated password unless --password-stdin')
  .requiredOption('--role <role>', 'role code, e.g. dispatcher')
  .option('--scope <code>', 'grid code or department code (default: the district)')
  .option('--display-name <text>', 'display name (default: the username)')
  .option('--password-stdin', 'read the password from standard input')
  .action(async (name: string, opts: { role: string; scope?: string; displayName?: string; passwordStdin?: boolean }) => {
    const password = opts.passwordStdin ? await readStdin() : undefined;
    await withPlatform(config(), async (p) => {
      const scopeCode = opts.scope ?? (await p.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirst())?.code;
      if (!scopeCode) throw new AppError(400, 'SCOPE_UNKNOWN', { hint: 'no district loaded; pass --scope' });
      const scope = await p.accounts.resolveScope(undefined, scopeCode);
      const roles = await p.accounts.listRoles();
      if (!roles.some((r) => r.code === opts.role)) throw new AppError(400, 'ROLE_UNKNOWN', { role: opts.role, known: roles.map((r) => r.code) });
      const created = await p.accounts.createUser(cliActor(), { username: name, displayName: opts.displayName ?? name, password });
      await p.accounts.grant(null, cliActor(), created.userId, opts.role, { kind: scope.kind, code: scope.code });
      console.log(`created ${name} as ${opts.role} in ${scope.name} (${scope.code})`);
      if (created.generatedPassword) console.log(`generated password (must be changed at first login): ${created.generatedPassword}`);
    });
  });

user
  .command('passwd <name>')
  .description('set a password (generated unless --password-stdin); the user must change it at next login')
  .option('--password-stdin', 'read the password from standard input')
  .action(async (name: string, opts: { passwordStdin?: boolean }) => {
    const password = opts.passwordStdin ? await readStdin() : undefined;
    await withPlatform(config(), async (p) => {
      const result = await p.accounts.setPassword(null, cliActor(), await requireUser(p, name), password);
      console.log(result.generatedPassword ? `generated password: ${result.generatedPassword}` : 'password set');
    });
  });

for (const [cmd, locked] of [['lock', true], ['unlock', false]] as const) {
  user
    .command(`${cmd} <name>`)
    .description(locked ? 'lock an account and end its sessions' : 'unlock an account and reset failed logins')
    .action(async (name: string) => {
      await withPlatform(config(), async (p) => {
        await p.accounts.setLock(null, cliActor(), await requireUser(p, name), locked);
        console.log(`${name} ${locked ? 'locked' : 'unlocked'}`);
      });
    });
}

const audit = program.command('audit').description('the tamper-evident audit log');
audit
  .command('verify')
  .description('check the keyed hash chain and the signed anchors outside the database; names the first broken record')
  .action(async () => {
    await withPlatform(config(), async (p) => {
      const anchors = readAnchors(p.auditAnchorDir);
      const result = await verifyAuditChain(p.db.primary, anchors);
      if (result.ok) {
        console.log(`audit chain intact: ${result.records} records, ${result.anchorsChecked} of ${anchors.length} anchors matched (the others name pruned records)`);
      } else {
        console.error(`audit chain BROKEN at record seq=${result.firstBroken!.seq} (${result.firstBroken!.reason}); ${result.records} records before it are intact`);
        process.exitCode = 1;
      }
    });
  });

audit
  .command('anchor')
  .description(`append a signed anchor of the chain's head to the anchor folder (CIVICGRID_AUDIT_ANCHOR_DIR); the server writes one every CIVICGRID_AUDIT_ANCHOR_MINUTES`)
  .action(async () => {
    await withPlatform(config(), async (p) => {
      const anchor = await writeAnchor(p.db.primary, p.auditAnchorDir, null);
      console.log(anchor ? `anchored seq=${anchor.seq} in ${p.auditAnchorDir}` : 'the audit log is empty: nothing to anchor');
    });
  });

audit
  .command('prune')
  .description('remove audit records older than the retention period (CIVICGRID_AUDIT_RETENTION_DAYS, at least 180)')
  .action(async () => {
    const cfg = config();
    await withPlatform(cfg, async (p) => {
      const removed = await pruneAudit(p.db.primary, cliActor(), cfg.auditRetentionDays);
      console.log(`removed ${removed} audit records older than ${cfg.auditRetentionDays} days`);
    });
  });

registerGridCommands(program, { withPlatform: (fn) => withPlatform(config(), fn), actor: cliActor });
registerStatsCommands(program, { withPlatform: (fn) => withPlatform(config(), fn), actor: cliActor });
registerArchiveCommands(program, { withPlatform: (fn) => withPlatform(config(), fn), actor: cliActor });
registerSuggestCommands(program, { withPlatform: (fn) => withPlatform(config(), fn), actor: cliActor });
registerOperationsCommands(program, { config: () => config(), actor: cliActor, program: { name: 'civicgrid', version: VERSION } });

/** A progress bar on stderr (a line per 10% when stderr is not a terminal). */
function progressBar(label: string): { update(done: number, total: number | null): void; done(): void } {
  const started = Date.now();
  let lastTenth = -1;
  let shown = false;
  return {
    update(done, total) {
      const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
      if (process.stderr.isTTY) {
        const frac = total ? Math.min(1, done / total) : 0;
        const bar = total ? `[${'#'.repeat(Math.round(frac * 30)).padEnd(30, '.')}] ${(frac * 100).toFixed(1)}% ` : '';
        process.stderr.write(`\r${label} ${bar}${done}${total ? `/${total}` : ''} rows, ${rate}/s   `);
        shown = true;
      } else {
        const tenth = total ? Math.floor((done / total) * 10) : Math.floor(done / 100_000);
        if (tenth !== lastTenth) {
          lastTenth = tenth;
          process.stderr.write(`${label} ${done}${total ? `/${total}` : ''} rows, ${rate}/s\n`);
        }
      }
    },
    done() {
      if (shown) process.stderr.write('\n');
    },
  };
}

async function countDataRows(file: string): Promise<number | null> {
  // Cheap for CSV (count line breaks); XLSX totals come at the end.
  if (!/\.csv$/i.test(file)) return null;
  let n = 0;
  const { createReadStream } = await import('node:fs');
  for await (const chunk of createReadStream(file)) for (const b of chunk as Buffer) if (b === 10) n++;
  return Math.max(0, n - 1);
}

const residents = program.command('residents').description('resident base data: import and export');
residents
  .command('import <file>')
  .description('import residents from CSV or XLSX; bad rows go to an error file; resumable and safe to re-run')
  .option('--mapping <json>', 'field → column header, JSON or a JSON file (default: matched by header names)')
  .option('--resume', 'continue the last unfinished import of this file')
  .option('--batch <n>', 'rows per transaction', number, 2000)
  .option('--workers <n>', 'worker threads for validation and encryption', number, 1)
  .option('--errors <file>', 'where to write the error file (default: FILE.errors.csv)')
  .action(async (file: string, opts: { mapping?: string; resume?: boolean; batch: number; workers: number; errors?: string }) => {
    const path = resolve(file);
    if (!existsSync(path)) throw new AppError(404, 'NOT_FOUND', { file });
    await withPlatform(config(), async (p) => {
      let jobId = opts.resume ? await p.imports.resumableJob(path) : null;
      if (opts.resume && jobId === null) console.error('no unfinished import of this file; starting a new one');
      if (jobId === null) {
        const job = await p.imports.createJob(path, file, null);
        jobId = job.jobId;
        const mapping: ColumnMapping = opts.mapping
          ? (JSON.parse(existsSync(opts.mapping) ? readFileSync(opts.mapping, 'utf8') : opts.mapping) as ColumnMapping)
          : job.suggestedMapping;
        await p.imports.setMapping(jobId, mapping);
        console.error(`import ${jobId}: ${Object.entries(mapping).map(([f, h]) => `${f}←${h}`).join(', ')}`);
      } else {
        console.error(`resuming import ${jobId}`);
      }
      const total = await countDataRows(path);
      const bar = progressBar('import');
      const result = await p.imports.run(jobId, { batchSize: opts.batch, workers: opts.workers, actor: cliActor(), onProgress: (x) => bar.update(x.lastRow, total) });
      bar.done();
      const errorsFile = opts.errors ?? `${path}.errors.csv`;
      if (result.errorRows > 0) {
        const out = createWriteStream(errorsFile);
        for await (const chunk of p.imports.errorCsv(jobId)) out.write(chunk);
        await new Promise<void>((done) => out.end(done));
      }
      console.log(`import ${jobId} ${result.status}: ${result.totalRows ?? result.lastRow} rows, ${result.okRows} written, ${result.errorRows} with errors${result.errorRows > 0 ? ` (see ${errorsFile})` : ''}`);
      if (result.errorRows > 0) process.exitCode = 3;
    });
  });

residents
  .command('export')
  .description('export every resident in the import shape (clear ID numbers and phones: audited)')
  .option('--out <file>', 'CSV file to write', 'residents.csv')
  .option('--grid <code>', 'only this grid subtree')
  .action(async (opts: { out: string; grid?: string }) => {
    await withPlatform(config(), async (p) => {
      const district = await p.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirst();
      if (!district) throw new AppError(400, 'SCOPE_UNKNOWN', { hint: 'no district loaded' });
      // The CLI runs as the operator of the installation: the whole district.
      const { Principal } = await import('./infra/auth/principal.js');
      const principal = new Principal(0, 'cli', 'cli', [{ id: 0, role: 'cli', scope: { kind: 'grid', code: district.code } }], new Map([['cli', ['residents.export']]]));
      const out = createWriteStream(opts.out);
      out.write(`\uFEFF${RESIDENT_FIELDS.map((f) => f.labels[0]).join(',')}\r\n`);
      const cell = (v: string) => { const x = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v; return /[",\r\n]/.test(x) ? `"${x.replaceAll('"', '""')}"` : x; };
      let n = 0;
      for await (const batch of p.basedata.exportResidents(principal, opts.grid ? { gridCode: opts.grid } : {}, 5000)) {
        out.write(batch.map((r) => FIELD_KEYS.map((k) => cell(r[k])).join(',')).join('\r\n') + '\r\n');
        n += batch.length;
      }
      await new Promise<void>((done) => out.end(done));
      await p.basedata.auditExport(cliActor(), n, { grid: opts.grid ?? null, via: 'cli' });
      console.log(`exported ${n} residents to ${opts.out}`);
    });
  });

const keys = program.command('keys').description('field encryption keys for personal data');
keys
  .command('rotate')
  .description('re-encrypt ID numbers and phones with the active key and algorithm; resumable, safe to re-run')
  .option('--batch <n>', 'rows per transaction', number, 1000)
  .option('--new-key', 'first add a fresh key to the generated key file and make it active')
  .action(async (opts: { batch: number; newKey?: boolean }) => {
    let cfg = config();
    if (opts.newKey) {
      const id = addGeneratedFieldKey(cfg);
      console.error(`added key ${id} to the key file and made it active`);
      cfg = config();
    }
    await withPlatform(cfg, async (p) => {
      const total = Number((await p.db.primary.selectFrom('residents').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0);
      const bar = progressBar('rotate');
      const r = await rotateKeys(p.db, p.basedata.personal.cipher, cliActor(), { batch: opts.batch, onProgress: (x) => bar.update(x.lastId, total) });
      bar.done();
      console.log(`${r.target}: ${r.rotated} residents re-encrypted${r.finished ? ', finished' : ''}`);
    });
  });

program
  .command('openapi')
  .description('write the OpenAPI document generated from the route schemas')
  .option('--out <file>', 'output file', 'docs/openapi.json')
  .action(async (opts: { out: string }) => {
    await withPlatform(config({ dbUrl: 'sqlite::memory:', logLevel: 'silent' }), async (p) => {
      const { app } = await buildHttp(p);
      writeFileSync(opts.out, `${JSON.stringify(app.swagger(), null, 2)}\n`);
      await app.close();
      console.log(`wrote ${opts.out}`);
    });
  });


try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  if (err instanceof AppError) {
    console.error(`error ${err.code}: ${err.message}${Object.keys(err.details).length ? ` ${JSON.stringify(err.details)}` : ''}`);
    process.exit(1);
  }
  throw err;
}
