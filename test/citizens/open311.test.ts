import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { D01_CATEGORY, gridHelper, scopeOf } from '../incidents/support.js';
import { coarsen } from '../../src/modules/citizens/rules/coarsen.js';
import { publicRequest } from './support.js';

/** 井盖缺失破损: public in the demo; D01_CATEGORY (0309) is not. */
const SERVICE = '0401';

describe.each(DIALECTS)('Open311 GeoReport v2 on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let noScopeKey: string;
  let point: { lng: number; lat: number };
  let district: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    const grids = await gridHelper(t);
    point = grids.pointIn(await scopeOf(t, 'worker'));
    district = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirstOrThrow()).code;
    const actor = { userId: null, username: 'test', ip: null };
    key = (await t.platform.apiClients.create(actor, { name: '市 12345 平台', scopes: ['open311.post'], scopeCode: district, fields: [], ratePerMinute: 100 })).apiKey;
    noScopeKey = (await t.platform.apiClients.create(actor, { name: '共享', scopes: ['share.residents.verify'], scopeCode: district, fields: [], ratePerMinute: 100 })).apiKey;
  });
  afterAll(async () => t?.close());

  const get = (url: string) => publicRequest(t, '10.3.0.1', { url });
  const post = (format: 'json' | 'xml', form: Record<string, string>, headers: Record<string, string> = {}) => t.app.inject({
    method: 'POST', url: `/open311/v2/requests.${format}`, remoteAddress: '10.3.0.2',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(form).toString(),
  });
  const form = () => ({ service_code: SERVICE, lat: String(point.lat), long: String(point.lng), description: '人行道井盖缺失（Open311）', first_name: '三', last_name: '张', phone: '13911112222' });

  it('answers discovery, services and a service definition in JSON and XML', async () => {
    const discovery = await get('/open311/v2/discovery.json');
    expect(discovery.statusCode).toBe(200);
    expect(discovery.json().endpoints[0]).toMatchObject({ specification: 'http://wiki.open311.org/GeoReport_v2', formats: ['text/xml', 'application/json'] });
    const xmlDiscovery = await get('/open311/v2/discovery.xml');
    expect(xmlDiscovery.headers['content-type']).toContain('text/xml');
    expect(xmlDiscovery.body).toContain('<discovery>');
    const services = (await get('/open311/v2/services.json')).json() as { service_code: string; metadata: boolean; type: string }[];
    expect(services.map((s) => s.service_code)).toContain(SERVICE);
    expect(services.map((s) => s.service_code)).not.toContain(D01_CATEGORY.code);
    expect(services[0]).toMatchObject({ metadata: false, type: 'realtime' });
    const xml = (await get('/open311/v2/services.xml')).body;
    expect(xml).toMatch(/<services>\s*<service>\s*<service_code>/);
    expect(xml).toContain(`<service_code>${SERVICE}</service_code>`);
    expect((await get(`/open311/v2/services/${SERVICE}.json`)).json()).toEqual({ service_code: SERVICE, attributes: [] });
    expect((await get(`/open311/v2/services/${SERVICE}.xml`)).body).toContain('<service_definition>');
    expect((await get(`/open311/v2/services/${D01_CATEGORY.code}.json`)).statusCode).toBe(404);
  });

  it('creates a request only with a key of scope open311.post, and answers the case code', async () => {
    const none = await post('json', form());
    expect(none.statusCode).toBe(401);
    expect(none.json()[0]).toMatchObject({ code: 401 });
    const wrongKey = await post('json', { ...form(), api_key: 'cgk_000000000000_' + 'x'.repeat(32) });
    expect(wrongKey.statusCode).toBe(401);
    expect((await post('json', { ...form(), api_key: noScopeKey })).statusCode).toBe(403);
    const before = await t.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const badService = await post('json', { ...form(), api_key: key, service_code: D01_CATEGORY.code });
    expect(badService.statusCode).toBe(400);
    expect(badService.json()[0].description).toContain('service_code');
    const noPlace = await post('xml', { ...form(), api_key: key, lat: '' }, {});
    expect(noPlace.statusCode).toBe(400);
    expect(noPlace.body).toContain('<errors>');
    const after = await t.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));

    const created = await post('json', { ...form(), api_key: key });
    expect(created.statusCode, created.body).toBe(201);
    const [answer] = created.json() as { service_request_id: string }[];
    const row = await t.platform.db.primary.selectFrom('incidents').selectAll().where('code', '=', answer!.service_request_id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ channel: 'api', category_code: SERVICE, status: 'reported', reporter_name: '张三', reporter_phone_masked: '139****2222' });
    const viaHeader = await post('xml', form(), { 'x-api-key': key });
    expect(viaHeader.statusCode, viaHeader.body).toBe(201);
    expect(viaHeader.body).toMatch(/<service_requests>\s*<request>\s*<service_request_id>\d+<\/service_request_id>/);
  });

  it('lists and shows requests by case code, coarsened and without personal data, in JSON and XML', async () => {
    const created = (await post('json', { ...form(), api_key: key, description: '王大妈家楼下井盖缺失' })).json()[0].service_request_id as string;
    const one = await get(`/open311/v2/requests/${created}.json`);
    expect(one.statusCode, one.body).toBe(200);
    const [req] = one.json() as Record<string, unknown>[];
    expect(req).toMatchObject({ service_request_id: created, status: 'open', service_code: SERVICE, status_notes: '已收到您的反映，等待受理' });
    expect({ lng: req!.long, lat: req!.lat }).toEqual(coarsen(point.lng, point.lat, 100));
    expect(String(req!.requested_datetime)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    for (const secret of ['王大妈', '张三', '13911112222', '139****2222']) expect(one.body).not.toContain(secret);
    const xml = await get(`/open311/v2/requests/${created}.xml`);
    expect(xml.body).toContain(`<service_request_id>${created}</service_request_id>`);
    expect(xml.body).toContain('<status>open</status>');
    const list = (await get('/open311/v2/requests.json')).json() as { service_request_id: string }[];
    expect(list.map((r) => r.service_request_id)).toContain(created);
    const byIds = (await get(`/open311/v2/requests.json?service_request_id=${created},nope`)).json() as { service_request_id: string }[];
    expect(byIds.map((r) => r.service_request_id)).toEqual([created]);
    expect((await get('/open311/v2/requests.json?status=closed')).json().map((r: { service_request_id: string }) => r.service_request_id)).not.toContain(created);
    expect((await get('/open311/v2/requests.json?status=bogus')).statusCode).toBe(400);
    expect((await get('/open311/v2/requests/nope.json')).statusCode).toBe(404);
    expect((await get('/open311/v2/requests/nope.txt')).statusCode).toBe(404);
  });
});
