import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/infra/db/database.js';
import { loadDemo, DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { buildHttp, openPlatform, type Platform } from '../../src/platform.js';
import { createTestDatabase, DIALECTS, testConfig, type TestDatabase } from '../support/db.js';
import type { TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf } from '../incidents/support.js';

/**
 * The cascade between two real CivicGrid platforms (docs/cascade.md): one
 * configured as the city, one as a district, each on its own database, each
 * listening on a localhost port; the platforms talk to each other over HTTP
 * only. Staff act on each platform through its own HTTP app.
 */

const FAST = { webhookAllowHttp: true, cascadeRetryBaseMs: 100, cascadeRetryCapMs: 500, cascadePollMs: 50, cascadeTimeoutMs: 2000 };
/** Ports of this brief's range: the city must come back on the same one after its restart. */
const PORTS: Record<Dialect, { city: number; district: number }> = { sqlite: { city: 7150, district: 7151 }, mysql: { city: 7160, district: 7161 } };

interface Instance {
  platform: Platform;
  app: FastifyInstance;
  database: TestDatabase;
  url: string;
  request: TestApp['request'];
  login(username: string): Promise<string>;
  /** Stops the server and closes the database, keeping its data. */
  stop(): Promise<void>;
  /** Opens the same database again and listens on the same port. */
  restart(): Promise<void>;
}

async function instance(dialect: Dialect, port: number): Promise<Instance> {
  const database = await createTestDatabase(dialect);
  const config = testConfig(database, FAST);
  const self = {} as Instance;
  const boot = async (demo: boolean) => {
    self.platform = await openPlatform(config);
    if (demo) await loadDemo(self.platform, { scale: 0.2 });
    self.app = (await buildHttp(self.platform)).app;
    await self.app.listen({ port, host: '127.0.0.1' });
  };
  await boot(true);
  Object.assign(self, {
    database,
    url: `http://127.0.0.1:${port}`,
    request: (opts: Parameters<TestApp['request']>[0]): Promise<LightMyRequestResponse> => self.app.inject({
      method: (opts.method ?? 'GET') as 'GET', url: opts.url,
      headers: { ...(opts.cookie ? { cookie: `cg_session=${opts.cookie}` } : {}), ...(opts.headers ?? {}) },
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
    }),
    async login(username: string) {
      const res = await self.request({ method: 'POST', url: '/api/auth/login', body: { username, password: DEMO_PASSWORD } });
      if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
      return res.cookies.find((c) => c.name === 'cg_session')!.value;
    },
    async stop() {
      await self.app.close();
      await self.platform.close();
    },
    restart: () => boot(false),
  });
  return self;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(DIALECTS)('cascade between a city and a district platform on %s', (dialect) => {
  let city: Instance;
  let district: Instance;
  const cityCookie: Record<string, string> = {};
  const districtCookie: Record<string, string> = {};
  let cityKeyForDistrict = '';
  let districtKeyForCity = '';
  /** The first test's district case and its city code, for the replay check. */
  let reported: { id: number; code: string; peerCode: string } | null = null;
  let workerGrid = '';
  let point: { lng: number; lat: number };
  let photo = '';

  const staff = ['operator', 'dispatcher', 'handler', 'worker', 'supervisor', 'admin'];

  beforeAll(async () => {
    city = await instance(dialect, PORTS[dialect].city);
    district = await instance(dialect, PORTS[dialect].district);
    for (const u of staff) {
      cityCookie[u] = await city.login(u);
      districtCookie[u] = await district.login(u);
    }
    const root = (await district.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirstOrThrow()).code;
    // Each platform issues the other a key (an API client with the cascade scope) and registers it as a peer.
    const issue = async (p: Instance, cookie: string, name: string) => {
      const res = await p.request({ method: 'POST', url: '/api/clients', cookie, body: { name, scopes: ['cascade'], scopeCode: root, fields: ['found'], ratePerMinute: 600 } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: number; apiKey: string };
    };
    const atCity = await issue(city, cityCookie.admin!, '雨花区平台');
    const atDistrict = await issue(district, districtCookie.admin!, '长沙市平台');
    cityKeyForDistrict = atCity.apiKey;
    districtKeyForCity = atDistrict.apiKey;
    const parent = await district.request({ method: 'POST', url: '/api/cascade/peers', cookie: districtCookie.admin!, body: { role: 'parent', name: '长沙市平台', baseUrl: city.url, apiKey: atCity.apiKey, clientId: atDistrict.id } });
    expect(parent.statusCode, parent.body).toBe(201);
    expect(parent.body).not.toContain(atCity.apiKey);
    const child = await city.request({ method: 'POST', url: '/api/cascade/peers', cookie: cityCookie.admin!, body: { role: 'child', name: '雨花区平台', baseUrl: district.url, apiKey: atDistrict.apiKey, clientId: atCity.id } });
    expect(child.statusCode, child.body).toBe(201);
    // A second city is refused: one parent only.
    const second = await district.request({ method: 'POST', url: '/api/cascade/peers', cookie: districtCookie.admin!, body: { role: 'parent', name: '另一个市', baseUrl: city.url, apiKey: atCity.apiKey, clientId: atDistrict.id } });
    expect(second.statusCode).toBe(409);

    workerGrid = await scopeOf(district as unknown as TestApp, 'worker');
    point = (await gridHelper(district as unknown as TestApp)).pointIn(workerGrid);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a7' } }).png().toBuffer();
    photo = png.toString('base64');
  }, 240_000);
  afterAll(async () => {
    await district?.stop();
    await city?.stop();
    await district?.database.drop();
    await city?.database.drop();
  });

  /** A registered case at a platform, in the demo grid worker's grid. */
  async function registered(p: Instance, cookies: Record<string, string>, description: string) {
    const res = await p.request({ method: 'POST', url: '/api/incidents', cookie: cookies.operator!, body: { channel: 'operator_phone', description, position: { ...point, crs: 'wgs84' } } });
    expect(res.statusCode, res.body).toBe(201);
    const inc = res.json().incident as { id: number; code: string };
    expect((await act(p as unknown as TestApp, cookies.operator!, inc.id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    return inc;
  }

  async function send(p: Instance, cookie: string, id: number, body: Record<string, unknown> = {}) {
    const version = (await p.request({ url: `/api/incidents/${id}`, cookie })).json().incident.version as number;
    return p.request({ method: 'POST', url: `/api/incidents/${id}/cascade`, cookie, body: { version, ...body } });
  }

  const linkOf = async (p: Instance, cookie: string, id: number) => (await p.request({ url: `/api/incidents/${id}/cascade`, cookie })).json() as {
    link: { peerCode: string | null; peerStatus: string | null; status: string; role: string; lastError: string | null; pendingMessages: number } | null; canSend: boolean;
  };

  /** Handles a received case to its close at a platform: register, dispatch, handle, reply with a photo, verify, close. */
  async function handleToClose(p: Instance, cookies: Record<string, string>, id: number, result: string) {
    const upload = await p.request({ method: 'POST', url: '/api/files', cookie: cookies.handler!, body: Buffer.from(photo, 'base64'), headers: { 'content-type': 'image/png' } });
    expect(upload.statusCode, upload.body).toBeLessThan(300);
    const steps: [string, Record<string, unknown>, string][] = [
      ['operator', { type: 'register', categoryCode: D01_CATEGORY.code }, 'registered'],
      ['dispatcher', { type: 'dispatch', leadDepartmentCode: 'D01' }, 'dispatched'],
      ['handler', { type: 'start-handling' }, 'handling'],
      ['handler', { type: 'reply', result, photos: [upload.json().hash as string] }, 'replied'],
      ['worker', { type: 'verify-pass', note: '现场核查通过' }, 'verified'],
      ['operator', { type: 'close' }, 'closed'],
    ];
    for (const [user, body, status] of steps) {
      const res = await act(p as unknown as TestApp, cookies[user]!, id, body);
      expect(res.statusCode, `${user} ${String(body.type)}: ${res.body}`).toBe(200);
      expect(res.json().incident.status).toBe(status);
    }
  }

  const caseByCode = async (p: Instance, code: string) =>
    p.platform.db.primary.selectFrom('incidents').select(['id', 'code', 'status', 'channel', 'external_ref']).where('code', '=', code).executeTakeFirst();

  it('reports a case up: it appears at the city, is handled there, and the city\'s result closes the district case', async () => {
    const inc = await registered(district, districtCookie, '河道大面积污染，区级无法处置');
    // The operator may not send (no cascade.send); the dispatcher may.
    expect((await send(district, districtCookie.operator!, inc.id)).statusCode).toBe(403);
    expect((await linkOf(district, districtCookie.dispatcher!, inc.id)).canSend).toBe(true);
    const sent = await send(district, districtCookie.dispatcher!, inc.id, { note: '涉及跨区流域，请市级协调' });
    expect(sent.statusCode, sent.body).toBe(200);
    // While the city has it, nothing happens here: no action is allowed and it cannot be sent again.
    const held = (await district.request({ url: `/api/incidents/${inc.id}`, cookie: districtCookie.dispatcher! })).json();
    expect(held.allowedActions).toEqual([]);
    expect(held.incident).toHaveProperty('dueAt', null);
    expect((await send(district, districtCookie.dispatcher!, inc.id)).statusCode).toBe(422);

    const linked = await until('the city\'s acknowledgement', async () => {
      const l = await linkOf(district, districtCookie.dispatcher!, inc.id);
      return l.link?.peerCode ? l.link : null;
    });
    expect(linked).toMatchObject({ role: 'sender', status: 'linked', peerStatus: 'reported', pendingMessages: 0 });
    const atCity = (await caseByCode(city, linked.peerCode!))!;
    expect(atCity).toMatchObject({ channel: 'cascade_district', external_ref: inc.code, status: 'reported' });
    expect((await linkOf(city, cityCookie.operator!, Number(atCity.id))).link).toMatchObject({ role: 'receiver', peerCode: inc.code, status: 'linked' });

    await handleToClose(city, cityCookie, Number(atCity.id), '市水务局已完成清淤治理');

    const closed = await until('the district case closed by the city\'s result', async () => {
      const d = (await district.request({ url: `/api/incidents/${inc.id}`, cookie: districtCookie.dispatcher! })).json();
      return d.incident.status === 'closed' ? d : null;
    });
    const actions = (closed.timeline as { action: string; note: string | null; data: Record<string, unknown> }[]).map((e) => e.action);
    expect(actions.slice(0, 3)).toEqual(['report', 'register', 'cascade-send']);
    expect(actions.filter((a) => a === 'cascade-update').length).toBeGreaterThanOrEqual(4);
    expect(actions.at(-1)).toBe('cascade-close');
    const last = (closed.timeline as { note: string | null }[]).at(-1)!;
    expect(last.note).toContain('市水务局已完成清淤治理');
    expect((await linkOf(district, districtCookie.dispatcher!, inc.id)).link).toMatchObject({ status: 'closed', peerStatus: 'closed' });
    reported = { id: inc.id, code: inc.code, peerCode: linked.peerCode! };
    const audit = await district.platform.db.primary.selectFrom('audit_log').select('action').where('object_type', '=', 'incident').where('object_id', '=', String(inc.id)).execute();
    expect(audit.map((a) => a.action)).toContain('incident.cascade-send');
    expect(audit.map((a) => a.action)).toContain('incident.cascade-close');
  }, 90_000);

  it('sends a case down: the district handles it and its result closes the city case', async () => {
    const inc = await registered(city, cityCookie, '市级交办：雨花区某路段路灯成片不亮');
    const peers = (await city.request({ url: '/api/cascade/peers', cookie: cityCookie.admin! })).json().items as { id: number; role: string }[];
    const sent = await send(city, cityCookie.dispatcher!, inc.id, { peerId: peers.find((p) => p.role === 'child')!.id });
    expect(sent.statusCode, sent.body).toBe(200);
    const linked = await until('the district\'s acknowledgement', async () => (await linkOf(city, cityCookie.dispatcher!, inc.id)).link?.peerCode ?? null);
    const atDistrict = (await caseByCode(district, linked))!;
    expect(atDistrict).toMatchObject({ channel: 'cascade_city', external_ref: inc.code });

    await handleToClose(district, districtCookie, Number(atDistrict.id), '区城管局已更换灯具');
    const closed = await until('the city case closed by the district\'s result', async () => {
      const d = (await city.request({ url: `/api/incidents/${inc.id}`, cookie: cityCookie.dispatcher! })).json();
      return d.incident.status === 'closed' ? d : null;
    });
    expect((closed.timeline as { action: string; note: string | null }[]).at(-1)).toMatchObject({ action: 'cascade-close' });
    expect((closed.timeline as { note: string | null }[]).at(-1)!.note).toContain('区城管局已更换灯具');
  }, 90_000);

  it('keeps a report made while the city is down and delivers it once when the city is back', async () => {
    await city.stop();
    const inc = await registered(district, districtCookie, '城市停机期间上报的案件');
    expect((await send(district, districtCookie.dispatcher!, inc.id)).statusCode).toBe(200);
    // Refused connections: the message stays queued, retried with backoff, the error shown on the link.
    const failing = await until('failed attempts while the city is down', async () => {
      const row = await district.platform.db.primary.selectFrom('cascade_outbox').innerJoin('cascade_links', 'cascade_links.id', 'cascade_outbox.link_id')
        .select(['cascade_outbox.attempts', 'cascade_outbox.state', 'cascade_outbox.last_error']).where('cascade_links.incident_id', '=', inc.id).executeTakeFirst();
      return row && row.attempts >= 2 ? row : null;
    });
    expect(failing.state).toBe('pending');
    expect(failing.last_error).toBeTruthy();
    expect((await linkOf(district, districtCookie.dispatcher!, inc.id)).link).toMatchObject({ status: 'pending', peerCode: null, pendingMessages: 1 });

    await city.restart();
    const peerCode = await until('delivery after the restart', async () => (await linkOf(district, districtCookie.dispatcher!, inc.id)).link?.peerCode ?? null);
    const copies = await city.platform.db.primary.selectFrom('incidents').select(['code']).where('external_ref', '=', inc.code).execute();
    expect(copies.map((c) => c.code)).toEqual([peerCode]);
    const outbox = await district.platform.db.primary.selectFrom('cascade_outbox').innerJoin('cascade_links', 'cascade_links.id', 'cascade_outbox.link_id')
      .select(['cascade_outbox.state']).where('cascade_links.incident_id', '=', inc.id).execute();
    expect(outbox.map((o) => o.state)).toEqual(['delivered']);
    for (const u of staff) cityCookie[u] = await city.login(u);
  }, 90_000);

  it('makes one case of duplicate deliveries and applies a repeated message once', async () => {
    const message = {
      code: '202612040999', seq: 1, description: '重复投递测试', address: null, position: point, gridCode: workerGrid,
      categoryCode: null, reportedAt: new Date().toISOString(), note: null,
    };
    const post = () => fetch(`${city.url}/api/cascade/cases`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': cityKeyForDistrict }, body: JSON.stringify(message) });
    const answers = await Promise.all([post(), post(), post(), post()]);
    const bodies = await Promise.all(answers.map((a) => a.json() as Promise<{ code: string }>));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(bodies.map((b) => b.code)).size).toBe(1);
    const again = await post();
    expect(again.status).toBe(200);
    const copies = await city.platform.db.primary.selectFrom('incidents').select('code').where('external_ref', '=', message.code).execute();
    expect(copies).toHaveLength(1);

    // A message already applied (its sequence was seen) changes nothing: the city's first status news, sent again.
    const before = (await district.request({ url: `/api/incidents/${reported!.id}`, cookie: districtCookie.dispatcher! })).json();
    const replay = await district.request({
      method: 'POST', url: `/api/cascade/cases/${reported!.code}/events`, headers: { 'x-api-key': districtKeyForCity },
      body: { seq: 1, kind: 'return', peerCode: reported!.peerCode, status: 'rejected', note: '重放', at: new Date().toISOString() },
    });
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.json()).toMatchObject({ applied: false, status: 'closed' });
    const after = (await district.request({ url: `/api/incidents/${reported!.id}`, cookie: districtCookie.dispatcher! })).json();
    expect(after.incident.version).toBe(before.incident.version);
    expect(after.timeline).toHaveLength(before.timeline.length);

    // A code not linked with this peer reads as 404.
    const cityCase = (await caseByCode(city, bodies[0]!.code))!;
    expect((await act(city as unknown as TestApp, cityCookie.operator!, Number(cityCase.id), { type: 'reject', reason: '不属于市级事权' })).statusCode).toBe(200);
    const event = { seq: 1, kind: 'status', peerCode: cityCase.code, status: 'registered', note: null, at: new Date().toISOString() };
    const unknown = await fetch(`${district.url}/api/cascade/cases/${message.code}/events`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'cgk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, body: JSON.stringify(event),
    });
    expect(unknown.status).toBe(401);
    const notLinked = await city.request({ method: 'POST', url: `/api/cascade/cases/${cityCase.code}/events`, headers: { 'x-api-key': cityKeyForDistrict }, body: event });
    // The city's own received case is not one the city sent: 404 to the district's key.
    expect(notLinked.statusCode).toBe(404);
    // And with no key at all: 401.
    expect((await city.request({ method: 'POST', url: '/api/cascade/cases', body: message })).statusCode).toBe(401);
  }, 60_000);
});
