import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { pruneAudit, verifyAuditChain, type AuditActor } from './infra/audit/audit.js';
import { ConfigError, loadConfig, type Config } from './infra/config.js';
import { AppError } from './infra/http/errors.js';
import { DEMO_PASSWORD, loadDemo } from './modules/demo/load.js';
import { buildHttp, openPlatform, VERSION, type Platform } from './platform.js';

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
        const summary = await loadDemo(platform);
        console.log(`Demo district loaded: ${summary.grids} grid nodes, ${summary.accounts.length} accounts.`);
      }
    }
    const { app } = await buildHttp(platform);
    await app.listen({ port: cfg.port, host: cfg.host });
    const port = (app.server.address() as { port: number }).port;
    const url = `http://${cfg.host === '0.0.0.0' || cfg.host === '::' ? 'localhost' : cfg.host}:${port}`;
    console.log(`\nCivicGrid ${VERSION} is running at ${url}  (database: ${platform.db.dialect})`);
    console.log(`API reference: ${url}/api/docs`);
    const users = await platform.db.primary.selectFrom('users').select('username').orderBy('id').limit(20).execute();
    const demoNames = new Set(['admin', 'operator', 'dispatcher', 'supervisor', 'handler', 'worker', 'street', 'leader', 'auditor']);
    if (users.some((u) => demoNames.has(u.username))) {
      console.log(`Demo accounts (password ${DEMO_PASSWORD}): ${users.map((u) => u.username).filter((u) => demoNames.has(u)).join(', ')}`);
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
  .description('load the demo district (grid, departments, one account per role)')
  .option('--scale <scale>', 'size relative to the reference district', number, 1)
  .option('--seed <seed>', 'random seed', number, 1)
  .action(async (opts: { scale: number; seed: number }) => {
    await withPlatform(config(), async (p) => {
      const s = await loadDemo(p, { scale: opts.scale, seed: opts.seed });
      console.log(`${s.created ? 'loaded' : 'already present'}: ${s.grids} grid nodes, ${s.departments} new departments`);
      console.log(`accounts (password ${DEMO_PASSWORD}): ${s.accounts.map((a) => `${a.username} (${a.role})`).join(', ')}`);
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
  .description('check the hash chain; names the first broken record')
  .action(async () => {
    await withPlatform(config(), async (p) => {
      const result = await verifyAuditChain(p.db.primary);
      if (result.ok) {
        console.log(`audit chain intact: ${result.records} records`);
      } else {
        console.error(`audit chain BROKEN at record seq=${result.firstBroken!.seq} (${result.firstBroken!.reason}); ${result.records} records before it are intact`);
        process.exitCode = 1;
      }
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
