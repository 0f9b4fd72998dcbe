import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf, userWith } from '../incidents/support.js';
import { coarsen } from '../../src/modules/citizens/rules/coarsen.js';
import { publicRequest } from './support.js';

/** A public category led by D01 (城市管理 / 井盖缺失破损); D01_CATEGORY (0309, 应急) is not public in the demo. */
const PUBLIC_CATEGORY = '0401';

describe.each(DIALECTS)('public map on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let otherStreetOperator: string;
  let point: { lng: number; lat: number };
  let photo: string;
  let shown: { id: number; code: string };
  let hidden: { id: number; code: string };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['operator', 'admin']) c[u] = await t.login(u);
    const grids = await gridHelper(t);
    const workerGrid = await scopeOf(t, 'worker');
    point = grids.pointIn(workerGrid);
    otherStreetOperator = await userWith(t, 'op_b', 'intake_operator', grids.streets.find((s) => !workerGrid.startsWith(s))!);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer();
    photo = (await t.request({ method: 'POST', url: '/api/files', cookie: c.operator, body: png, headers: { 'content-type': 'image/png' } })).json().hash;
    const report = async (categoryCode: string, description: string) => {
      const res = await t.request({
        method: 'POST', url: '/api/incidents', cookie: c.operator,
        body: { channel: 'operator_phone', description, position: { ...point, crs: 'wgs84' }, photos: [photo], reporter: { name: '赵六', phone: '13800001111' } },
      });
      expect(res.statusCode, res.body).toBe(201);
      const inc = res.json().incident as { id: number; code: string };
      expect((await act(t, c.operator!, inc.id, { type: 'register', categoryCode })).statusCode).toBe(200);
      return inc;
    };
    shown = await report(PUBLIC_CATEGORY, '幸福小区 3 栋张先生家门口井盖缺失');
    hidden = await report(D01_CATEGORY.code, '高空坠物隐患（非公开类别）');
  });
  afterAll(async () => t?.close());

  const map = async () => {
    const res = await publicRequest(t, '10.9.0.1', { url: '/api/public/map' });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { cellMetres: number; items: { code: string; lng: number; lat: number; photos: string[]; categoryCode: string }[] };
  };

  it('shows cases of public categories only, at the coarsened point, with no personal data', async () => {
    const body = await map();
    expect(body.cellMetres).toBe(100);
    const codes = body.items.map((i) => i.code);
    expect(codes).toContain(shown.code);
    expect(codes).not.toContain(hidden.code);
    const item = body.items.find((i) => i.code === shown.code)!;
    expect({ lng: item.lng, lat: item.lat }).toEqual(coarsen(point.lng, point.lat, 100));
    expect({ lng: item.lng, lat: item.lat }).not.toEqual(point);
    // Asked again, the same cell centre: nothing to average out.
    expect((await map()).items.find((i) => i.code === shown.code)).toEqual(item);
    const text = JSON.stringify(body);
    for (const secret of ['赵六', '13800001111', '138****1111', '张先生', '幸福小区', '"id"', 'gridCode', 'reporter']) expect(text).not.toContain(secret);
    expect(item.photos).toEqual([]);
  });

  it('serves a photo only once an operator released it, and never one of a case the operator may not see', async () => {
    expect((await publicRequest(t, '10.9.0.1', { url: `/api/public/photos/${photo}` })).statusCode).toBe(404);
    const foreign = await t.request({ method: 'PUT', url: `/api/incidents/${shown.id}/photos/${photo}/public`, cookie: otherStreetOperator, body: { public: true } });
    expect(foreign.statusCode).toBe(404);
    const released = await t.request({ method: 'PUT', url: `/api/incidents/${shown.id}/photos/${photo}/public`, cookie: c.operator, body: { public: true } });
    expect(released.statusCode, released.body).toBe(200);
    expect((await t.request({ url: `/api/incidents/${shown.id}/public-photos`, cookie: c.operator })).json().hashes).toEqual([photo]);
    expect((await t.request({ url: `/api/incidents/${shown.id}/public-photos`, cookie: otherStreetOperator })).statusCode).toBe(404);
    expect((await map()).items.find((i) => i.code === shown.code)!.photos).toEqual([photo]);
    const served = await publicRequest(t, '10.9.0.1', { url: `/api/public/photos/${photo}/thumbnail` });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/webp');
    // Released on a case of a category that is not public: still not served.
    await t.request({ method: 'PUT', url: `/api/incidents/${hidden.id}/photos/${photo}/public`, cookie: c.operator, body: { public: true } });
    const withdrawn = await t.request({ method: 'PUT', url: `/api/incidents/${shown.id}/photos/${photo}/public`, cookie: c.operator, body: { public: false } });
    expect(withdrawn.statusCode).toBe(200);
    expect((await publicRequest(t, '10.9.0.1', { url: `/api/public/photos/${photo}` })).statusCode).toBe(404);
  });

  it('follows the category flag as the administrator sets it', async () => {
    const flags = (await t.request({ url: '/api/incident-categories/public', cookie: c.admin })).json().items as { code: string; public: boolean }[];
    expect(flags.find((f) => f.code === PUBLIC_CATEGORY)!.public).toBe(true);
    expect(flags.find((f) => f.code === D01_CATEGORY.code)!.public).toBe(false);
    expect((await t.request({ method: 'PUT', url: `/api/incident-categories/${PUBLIC_CATEGORY}/public`, cookie: c.operator, body: { public: false } })).statusCode).toBe(403);
    const off = await t.request({ method: 'PUT', url: `/api/incident-categories/${PUBLIC_CATEGORY}/public`, cookie: c.admin, body: { public: false } });
    expect(off.statusCode, off.body).toBe(200);
    expect((await map()).items.map((i) => i.code)).not.toContain(shown.code);
    const on = await t.request({ method: 'PUT', url: `/api/incident-categories/${D01_CATEGORY.code}/public`, cookie: c.admin, body: { public: true } });
    expect(on.statusCode).toBe(200);
    expect((await map()).items.map((i) => i.code)).toContain(hidden.code);
    expect((await t.request({ method: 'PUT', url: '/api/incident-categories/9999/public', cookie: c.admin, body: { public: true } })).statusCode).toBe(404);
  });
});
