import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MINOR_CATEGORIES } from '../../src/modules/incidents/data/categories.js';
import { DEFAULT_WORKFLOWS } from '../../src/modules/incidents/rules/workflow.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf, userWith } from './support.js';

/**
 * Workflow per case type over HTTP: read and edit (version check, audit,
 * configure permission), and a case of the edited type following it — the
 * centre verifies, the shift supervisor closes, a grid worker's report skips
 * registration — while the other case types keep the standard loop.
 */
describe.each(DIALECTS)('workflow per case type on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let grids: Awaited<ReturnType<typeof gridHelper>>;
  let workerGrid: string;
  const caseType = D01_CATEGORY.caseType;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['admin', 'operator', 'dispatcher', 'handler', 'worker', 'supervisor']) c[u] = await t.login(u);
    grids = await gridHelper(t);
    workerGrid = await scopeOf(t, 'worker');
  });
  afterAll(async () => t?.close());

  async function report(cookie: string, extra: Record<string, unknown> = {}) {
    const res = await t.request({
      method: 'POST', url: '/api/incidents', cookie,
      body: { channel: 'grid_worker', description: '井盖破损', position: { ...grids.pointIn(workerGrid), crs: 'wgs84' }, ...extra },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().incident as { id: number; status: string };
  }

  async function allowed(cookie: string, id: number): Promise<string[]> {
    return (await t.request({ url: `/api/incidents/${id}`, cookie })).json().allowedActions;
  }

  it('lists the shipped workflow of each case type at version 0', async () => {
    const res = await t.request({ url: '/api/incident-workflows', cookie: c.operator! });
    expect(res.statusCode).toBe(200);
    const rows = res.json().workflows as { caseType: 'immediate' | 'committed' | 'coordinated'; version: number }[];
    expect(rows.map((w) => w.caseType)).toEqual(['immediate', 'committed', 'coordinated']);
    for (const w of rows) expect(w).toEqual({ caseType: w.caseType, ...DEFAULT_WORKFLOWS[w.caseType], version: 0 });
  });

  it('is edited by a configurator only, under the version check, and audited', async () => {
    const body = { ...DEFAULT_WORKFLOWS[caseType], verifier: 'centre', closer: 'supervisor', skipRegisterForGridWorker: true, version: 0 };
    const url = `/api/incident-workflows/${caseType}`;
    expect((await t.request({ method: 'PUT', url, cookie: c.operator!, body })).statusCode).toBe(403);
    for (const [badUrl, badBody] of [[url, { ...body, verifier: 'mayor' }], [url, { ...body, closer: undefined }], ['/api/incident-workflows/urgent', body]] as const) {
      const bad = await t.request({ method: 'PUT', url: badUrl, cookie: c.admin!, body: badBody });
      expect(bad.statusCode, bad.body).toBeGreaterThanOrEqual(400);
      expect(bad.statusCode, bad.body).toBeLessThan(500);
    }

    const saved = await t.request({ method: 'PUT', url, cookie: c.admin!, body });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ caseType, verifier: 'centre', closer: 'supervisor', skipRegisterForGridWorker: true, version: 1 });
    const stale = await t.request({ method: 'PUT', url, cookie: c.admin!, body });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'CONFLICT', details: { currentVersion: 1 } });

    const audit = await t.platform.db.primary.selectFrom('audit_log').select(['action', 'details']).where('object_type', '=', 'incident_workflow').where('object_id', '=', caseType).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.action).toBe('incident_workflow.update');
    expect(JSON.parse(audit[0]!.details as string)).toMatchObject({ changes: { verifier: { from: 'grid', to: 'centre' }, closer: { from: 'desk', to: 'supervisor' } }, version: 1 });
    const list = (await t.request({ url: '/api/incident-workflows', cookie: c.operator! })).json().workflows;
    expect(list.find((w: { caseType: string }) => w.caseType === caseType)).toMatchObject({ verifier: 'centre', version: 1 });
  });

  it('runs a case of that type as its workflow says, with refusals that name the missing step', async () => {
    // A grid worker's classified report starts registered.
    const inc = await report(c.worker!, { categoryCode: D01_CATEGORY.code });
    expect(inc.status).toBe('registered');
    // The desk's report of the same category is registered by the desk as before.
    expect((await report(c.operator!, { channel: 'operator_phone', categoryCode: D01_CATEGORY.code })).status).toBe('reported');

    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#37a' } }).png().toBuffer();
    const photo = (await t.request({ method: 'POST', url: '/api/files', cookie: c.handler!, body: png, headers: { 'content-type': 'image/png' } })).json().hash as string;
    expect((await act(t, c.dispatcher!, inc.id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    expect((await act(t, c.handler!, inc.id, { type: 'start-handling' })).statusCode).toBe(200);
    expect((await act(t, c.handler!, inc.id, { type: 'reply', result: '已修复', photos: [photo] })).statusCode).toBe(200);

    // The centre verifies: the grid worker is told so and is not offered it.
    expect(await allowed(c.worker!, inc.id)).not.toContain('verify-pass');
    const byWorker = await act(t, c.worker!, inc.id, { type: 'verify-pass' });
    expect(byWorker.statusCode).toBe(403);
    expect(byWorker.json().code).toBe('INCIDENT_VERIFY_BY_CENTRE');
    expect(byWorker.json().message).toMatch(/值班长|shift supervisor/);
    expect(await allowed(c.supervisor!, inc.id)).toContain('verify-pass');
    const verified = await act(t, c.supervisor!, inc.id, { type: 'verify-pass', note: '视频核查通过' });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json().incident.status).toBe('verified');

    // Closing needs the shift supervisor.
    expect(await allowed(c.operator!, inc.id)).not.toContain('close');
    const byOperator = await act(t, c.operator!, inc.id, { type: 'close' });
    expect(byOperator.statusCode).toBe(403);
    expect(byOperator.json().code).toBe('INCIDENT_CLOSE_BY_SUPERVISOR');
    const closed = await act(t, c.supervisor!, inc.id, { type: 'close' });
    expect(closed.statusCode, closed.body).toBe(200);

    const timeline = (await t.request({ url: `/api/incidents/${inc.id}`, cookie: c.operator! })).json().timeline as { action: string; toStatus: string; actorRole: string | null }[];
    expect(timeline.map((e) => `${e.action}:${e.toStatus}`)).toEqual([
      'report:registered', 'dispatch:dispatched', 'start-handling:handling', 'reply:replied', 'verify-pass:verified', 'close:closed',
    ]);
    expect(timeline.slice(-2).map((e) => e.actorRole)).toEqual(['shift_supervisor', 'shift_supervisor']);
  });

  it('has the reporting grid worker verify and dispatch go with co-handlers where the workflow says so', async () => {
    const other = caseType === 'coordinated' ? 'committed' : 'coordinated';
    const category = DEFAULT_MINOR_CATEGORIES.find((x) => x.caseType === other)!;
    const saved = await t.request({
      method: 'PUT', url: `/api/incident-workflows/${other}`, cookie: c.admin!,
      body: { ...DEFAULT_WORKFLOWS[other], verifier: 'reporter', coordinationRequired: true, version: 0 },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const neighbour = await userWith(t, 'gw_neighbour', 'grid_worker', workerGrid);

    const inc = await report(c.worker!, { categoryCode: category.code });
    expect(inc.status).toBe('reported');
    expect((await act(t, c.operator!, inc.id, { type: 'register', categoryCode: category.code })).statusCode).toBe(200);
    const alone = await act(t, c.dispatcher!, inc.id, { type: 'dispatch', leadDepartmentCode: 'D01' });
    expect(alone.statusCode).toBe(422);
    expect(alone.json().code).toBe('INCIDENT_COORDINATION_REQUIRED');
    expect((await act(t, c.dispatcher!, inc.id, { type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02'] })).statusCode).toBe(200);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#a73' } }).png().toBuffer();
    const photo = (await t.request({ method: 'POST', url: '/api/files', cookie: c.handler!, body: png, headers: { 'content-type': 'image/png' } })).json().hash as string;
    expect((await act(t, c.handler!, inc.id, { type: 'start-handling' })).statusCode).toBe(200);
    // Joint handling: the co-handling department replies its part before the lead replies for the case.
    const d02 = await userWith(t, 'h_wf_d02', 'handler', 'D02');
    const coPhoto = (await t.request({ method: 'POST', url: '/api/files', cookie: d02, body: png, headers: { 'content-type': 'image/png' } })).json().hash as string;
    expect((await act(t, d02, inc.id, { type: 'reply', result: '已配合', photos: [coPhoto] })).statusCode).toBe(200);
    expect((await act(t, c.handler!, inc.id, { type: 'reply', result: '已处置', photos: [photo] })).statusCode).toBe(200);

    expect(await allowed(neighbour, inc.id)).toEqual([]);
    const byNeighbour = await act(t, neighbour, inc.id, { type: 'verify-pass' });
    expect(byNeighbour.statusCode).toBe(403);
    expect(byNeighbour.json().code).toBe('INCIDENT_VERIFY_BY_REPORTER');
    expect(await allowed(c.worker!, inc.id)).toContain('verify-pass');
    const passed = await act(t, c.worker!, inc.id, { type: 'verify-pass' });
    expect(passed.statusCode, passed.body).toBe(200);
    expect(passed.json().incident.status).toBe('verified');
    // This case type's close is still the desk's.
    expect((await act(t, c.operator!, inc.id, { type: 'close' })).statusCode).toBe(200);
  });

  it('leaves the case type nobody edited on the shipped workflow', async () => {
    const list = (await t.request({ url: '/api/incident-workflows', cookie: c.operator! })).json().workflows;
    expect(list.find((w: { caseType: string }) => w.caseType === 'immediate')).toEqual({ caseType: 'immediate', ...DEFAULT_WORKFLOWS.immediate, version: 0 });
  });
});
