import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentCounts } from '../../src/modules/basedata/demo/generator.js';
import { demoCounts } from '../../src/modules/grid/demo/district.js';
import { expectedIncidents } from '../../src/modules/demo/incidents.js';
import { checkIncidentTimelines, checkResidents, fingerprint } from '../../src/modules/demo/integrity.js';
import { loadDemo } from '../../src/modules/demo/load.js';
import { staffCounts } from '../../src/modules/demo/staff.js';
import type { Platform } from '../../src/platform.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';

const SCALE = 0.01;
const SEED = 7;
const MONTHS = 18;
const UNTIL = '2026-06-30';
const END = Date.UTC(2026, 6, 1) - 8 * 3_600_000;

type Opened = Awaited<ReturnType<typeof openTestPlatform>>;

const load = (p: Platform, stopAfterDays?: number) =>
  loadDemo(p, {
    scale: SCALE, seed: SEED, residentsScale: SCALE,
    incidents: { months: MONTHS, until: UNTIL, ...(stopAfterDays !== undefined ? { stopAfterDays } : {}) },
  });

describe.each(DIALECTS)('demo generator at scale 0.01 on %s', (dialect) => {
  let a: Opened;
  let b: Opened;

  beforeAll(async () => {
    a = await openTestPlatform(dialect);
    // Interrupted after 200 days, then resumed: must equal an uninterrupted run (b).
    const first = await load(a.platform, 200);
    expect(first.incidents?.skipped).toBe(false);
    const resumed = await load(a.platform);
    expect(resumed.incidents?.resumed).toBe(true);
    b = await openTestPlatform(dialect);
    await load(b.platform);
  }, 600_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('makes as many incidents, residents and staff as the scale says', async () => {
    const db = a.platform.db.primary;
    const n = async (table: 'incidents' | 'residents' | 'households' | 'grid_workers') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(await n('incidents')).toBe(expectedIncidents(SCALE, MONTHS));
    expect(await n('residents')).toBe(residentCounts(SCALE).residents);
    // The base-data generator fills households by size, so their number is near the target, not exact.
    expect(Math.abs((await n('households')) / residentCounts(SCALE).households - 1)).toBeLessThan(0.05);
    const grid = demoCounts(SCALE);
    const staff = staffCounts(SCALE, grid.communities);
    const roles = await db.selectFrom('role_assignments').select(['role_code', 'scope_code']).execute();
    const count = (role: string, scopeLength: number) => roles.filter((r) => r.role_code === role && r.scope_code.length === scopeLength).length;
    expect(count('grid_worker', 12)).toBe(grid.communities);
    expect(count('handler', 3)).toBe(13 * staff.handlersPerDepartment + 1);
    expect(count('street_operator', 9)).toBe(grid.streets * staff.streetOperatorsPerStreet + 1);
    // Every unit grid has its community's patrol worker (plus the demo 'worker' on one grid); the teams' members without an account come beside them.
    const accounts = await db.selectFrom('grid_workers').select('id').where('user_id', 'is not', null).execute();
    expect(accounts.length).toBe(grid.units + 1);
    // A second run with the same parameters changes nothing.
    const again = await load(a.platform);
    expect(again.incidents?.skipped).toBe(true);
    expect(again.staff).toBe(0);
  });

  it('writes timelines that replay as legal paths through the state machine', async () => {
    const r = await checkIncidentTimelines(a.platform.db);
    expect(r.problems).toEqual([]);
    expect(r.incidents).toBe(expectedIncidents(SCALE, MONTHS));
    expect(r.events).toBeGreaterThan(r.incidents * 5);
  });

  it('houses every resident in a dwelling of a unit grid', async () => {
    const r = await checkResidents(a.platform.db.primary);
    expect(r.residents).toBe(residentCounts(SCALE).residents);
    expect(r.outside).toBe(0);
  });

  it('is deterministic for a seed, across an interruption', async () => {
    const fa = await fingerprint(a.platform.db.primary);
    const fb = await fingerprint(b.platform.db.primary);
    expect(fa).toEqual(fb);
  });

  it('has a lifelike mix of channels, outcomes and timeline events', async () => {
    const db = a.platform.db.primary;
    const byChannel = new Map((await db.selectFrom('incidents').select(['channel', (eb) => eb.fn.countAll().as('n')]).groupBy('channel').execute()).map((r) => [r.channel, Number(r.n)]));
    const total = expectedIncidents(SCALE, MONTHS);
    expect(byChannel.get('grid_worker')! / total).toBeGreaterThan(0.5);
    expect(byChannel.get('hotline_12345')!).toBeGreaterThan(byChannel.get('operator_phone')!);
    expect(byChannel.get('citizen')!).toBeGreaterThan(0);

    const actions = new Map((await db.selectFrom('incident_events').select(['action', (eb) => eb.fn.countAll().as('n')]).groupBy('action').execute()).map((r) => [r.action, Number(r.n)]));
    for (const a of ['report', 'accept', 'register', 'reject', 'dispatch', 'return', 'start-handling', 'reply', 'start-verify', 'verify-pass', 'verify-fail',
      'close', 'request-extension', 'approve-extension', 'request-defer', 'approve-defer', 'urge', 'self-resolve', 'escalate', 'respond', 'merge', 'warn']) {
      expect(actions.get(a) ?? 0, a).toBeGreaterThan(0);
    }
    const urban = Number((await db.selectFrom('incidents').select((eb) => eb.fn.countAll().as('n')).where('category_code', 'like', '04%').executeTakeFirstOrThrow()).n);
    expect(urban / total).toBeGreaterThan(0.3);

    // Weekdays carry more reports than weekends, office hours more than nights.
    const times = (await db.selectFrom('incidents').select('reported_at').execute()).map((r) => new Date(Number(r.reported_at) + 8 * 3_600_000));
    const weekend = times.filter((d) => d.getUTCDay() === 0 || d.getUTCDay() === 6).length;
    expect(weekend / times.length).toBeLessThan(2 / 7);
    const office = times.filter((d) => d.getUTCHours() >= 8 && d.getUTCHours() < 18).length;
    expect(office / times.length).toBeGreaterThan(0.6);

    // Cases older than their limits are closed (or rejected / merged), apart from deferred ones: near 99.9 %.
    const old = await db.selectFrom('incidents').select('status').where('reported_at', '<', END - 90 * 86_400_000).where('status', '<>', 'deferred').execute();
    const done = old.filter((r) => ['closed', 'rejected', 'merged'].includes(r.status)).length;
    expect(done / old.length).toBeGreaterThan(0.995);
    // Recent ones are still in the loop, some of them overdue.
    const open = Number((await db.selectFrom('incidents').select((eb) => eb.fn.countAll().as('n')).where('is_open', '=', 1).executeTakeFirstOrThrow()).n);
    expect(open).toBeGreaterThan(0);
  });
});
