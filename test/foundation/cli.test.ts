import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/infra/auth/passwords.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';
import type { Platform } from '../../src/platform.js';
import { loadDemo } from '../../src/modules/demo/load.js';

const exec = promisify(execFile);

describe.each(DIALECTS)('civicgrid CLI on %s', (dialect) => {
  let platform: Platform;
  let close: () => Promise<void>;
  let env: NodeJS.ProcessEnv;

  async function cli(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = exec('node', ['--import', 'tsx', 'src/cli.ts', ...args], { env });
    if (input !== undefined) {
      child.child.stdin!.end(input);
    } else {
      child.child.stdin!.end();
    }
    return child.then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  }

  beforeAll(async () => {
    const t = await openTestPlatform(dialect);
    platform = t.platform;
    close = t.close;
    await loadDemo(platform, { scale: 0.2 });
    env = { ...process.env, CIVICGRID_DB_URL: platform.config.dbUrl!, CIVICGRID_DATA_DIR: platform.config.dataDir, CIVICGRID_LOG_LEVEL: 'silent' };
  });
  afterAll(async () => close?.());

  it('adds a user with a role, a scope and a password from stdin', async () => {
    const street = await platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').executeTakeFirstOrThrow();
    const r = await cli(['user', 'add', 'zhangsan', '--role', 'dispatcher', '--scope', street.code, '--password-stdin'], 'Strong#Pass1\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/created zhangsan as dispatcher/);
    const user = await platform.db.primary.selectFrom('users').selectAll().where('username', '=', 'zhangsan').executeTakeFirstOrThrow();
    expect(await verifyPassword('Strong#Pass1', user.password_hash)).toBe(true);
    const a = await platform.db.primary.selectFrom('role_assignments').selectAll().where('user_id', '=', user.id).execute();
    expect(a.map((x) => [x.role_code, x.scope_kind, x.scope_code])).toEqual([['dispatcher', 'grid', street.code]]);
  });

  it('takes a department code as scope, and generates a password when none is given', async () => {
    const r = await cli(['user', 'add', 'lisi', '--role', 'handler', '--scope', 'D02']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/generated password \(must be changed at first login\): \S{16}/);
  });

  it('refuses an unknown role or scope with a clear message', async () => {
    const badRole = await cli(['user', 'add', 'wangwu', '--role', 'wizard', '--password-stdin'], 'Strong#Pass1\n');
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/ROLE_UNKNOWN/);
    const badScope = await cli(['user', 'add', 'wangwu', '--role', 'leader', '--scope', '999999999', '--password-stdin'], 'Strong#Pass1\n');
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toMatch(/SCOPE_UNKNOWN/);
    expect(await platform.db.primary.selectFrom('users').select('id').where('username', '=', 'wangwu').executeTakeFirst()).toBeUndefined();
  });

  it('locks, unlocks and sets passwords', async () => {
    expect((await cli(['user', 'lock', 'zhangsan'])).stdout).toMatch(/locked/);
    const locked = await platform.db.primary.selectFrom('users').select('locked_until').where('username', '=', 'zhangsan').executeTakeFirstOrThrow();
    expect(Number(locked.locked_until)).toBeGreaterThan(Date.now());
    expect((await cli(['user', 'unlock', 'zhangsan'])).code).toBe(0);
    const r = await cli(['user', 'passwd', 'zhangsan', '--password-stdin'], 'Other#Pass22\n');
    expect(r.code).toBe(0);
    const user = await platform.db.primary.selectFrom('users').selectAll().where('username', '=', 'zhangsan').executeTakeFirstOrThrow();
    expect(user.locked_until).toBeNull();
    expect(await verifyPassword('Other#Pass22', user.password_hash)).toBe(true);
    expect(user.must_change_password).toBe(1);
  });

  it('prints help for each command and names a bad setting', async () => {
    for (const args of [['--help'], ['user', 'add', '--help'], ['audit', 'verify', '--help'], ['demo', '--help'], ['serve', '--help'], ['migrate', '--help']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: civicgrid/);
    }
    const bad = await exec('node', ['--import', 'tsx', 'src/cli.ts', 'migrate'], { env: { ...env, PORT: 'x' } }).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/PORT/);
  });
});
