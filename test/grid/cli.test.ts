import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/modules/demo/load.js';
import type { Platform } from '../../src/platform.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';
import { fixturePath } from './support.js';

const exec = promisify(execFile);

describe.each(DIALECTS)('civicgrid grid CLI on %s', (dialect) => {
  let platform: Platform;
  let close: () => Promise<void>;
  let env: NodeJS.ProcessEnv;

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = exec('node', ['--import', 'tsx', 'src/cli.ts', ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    child.child.stdin!.end();
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

  it('documents its options', async () => {
    const r = await cli(['grid', 'import', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--dry-run/);
    expect(r.stdout).toMatch(/--partial/);
    expect((await cli(['grid', 'export', '--help'])).stdout).toMatch(/--level <level>/);
  });

  it('prints a table of problems and exits 1, writing nothing', async () => {
    const before = await platform.db.primary.selectFrom('grid_history').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const r = await cli(['grid', 'import', fixturePath('overlap'), fixturePath('duplicate')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/not imported/);
    expect(r.stdout).toMatch(/problem\s+grid\s+other\s+file/);
    expect(r.stdout).toMatch(/SIBLINGS_OVERLAP\s+430111001001001\s+430111001001002/);
    expect(r.stdout).toMatch(/DUPLICATE_CODE/);
    const after = await platform.db.primary.selectFrom('grid_history').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('exports the tree and imports it back as a no-op; --dry-run of a new tree writes nothing', async () => {
    const out = join(platform.config.dataDir, 'grids.geojson');
    const e = await cli(['grid', 'export', '--out', out]);
    expect(e.code, e.stderr).toBe(0);
    const fc = JSON.parse(readFileSync(out, 'utf8'));
    const total = await platform.db.primary.selectFrom('grids').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(fc.features).toHaveLength(Number(total.n));
    const back = await cli(['grid', 'import', out, '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ ok: true, applied: true, counts: { created: 0, updated: 0, retired: 0 } });
    const units = await cli(['grid', 'export', '--level', 'unit']);
    expect(JSON.parse(units.stdout).features.every((f: { properties: { level: string } }) => f.properties.level === 'unit')).toBe(true);
    const dry = await cli(['grid', 'import', '--dry-run', fixturePath('valid-upper'), fixturePath('valid-units')]);
    expect(dry.code, dry.stdout).toBe(0);
    expect(dry.stdout).toMatch(/^dry run \(full import/);
    const active = await platform.db.primary.selectFrom('grids').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'active').executeTakeFirstOrThrow();
    expect(Number(active.n)).toBe(Number(total.n));
  });

  it('imports a department\'s grids: --dry-run writes nothing, problems exit 1, then imports and exports', async () => {
    const count = async () => Number((await platform.db.primary.selectFrom('department_grids').select((eb) => eb.fn.countAll().as('n')).where('department_code', '=', 'D01').executeTakeFirstOrThrow()).n);
    expect((await cli(['grid', 'import-department', '--help'])).stdout).toMatch(/--dry-run/);
    const dry = await cli(['grid', 'import-department', 'D01', fixturePath('department-valid'), '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^dry run \(department D01/);
    expect(await count()).toBe(0);
    const bad = await cli(['grid', 'import-department', 'D01', fixturePath('department-overlap')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/SIBLINGS_OVERLAP\s+W01\s+E01/);
    const unknown = await cli(['grid', 'import-department', 'D99', fixturePath('department-valid')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/DEPARTMENT_UNKNOWN/);
    const ok = await cli(['grid', 'import-department', 'D01', fixturePath('department-valid')]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^imported/);
    expect(await count()).toBe(2);
    const out = await cli(['grid', 'export-department', 'D01']);
    expect(JSON.parse(out.stdout).features.map((f: { properties: { code: string } }) => f.properties.code)).toEqual(['E01', 'W01']);
  });
});
