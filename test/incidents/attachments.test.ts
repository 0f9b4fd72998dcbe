import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf, userWith } from './support.js';

/** A noisy image (noise does not compress, so the thumbnail is clearly smaller). */
async function image(format: 'png' | 'jpeg' | 'webp' | 'gif', width = 400, height = 300, seed = 1): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let x = Math.imul(seed, 2654435761) >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    pixels[i] = x >>> 24;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

const LIMIT = 1_000_000;

describe.each(DIALECTS)('incident photos on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let grids: Awaited<ReturnType<typeof gridHelper>>;
  let workerGrid: string;
  let otherStreetOperator: string;

  beforeAll(async () => {
    t = await openTestApp(dialect, { uploadLimitBytes: LIMIT });
    for (const u of ['operator', 'dispatcher', 'handler', 'worker']) c[u] = await t.login(u);
    grids = await gridHelper(t);
    workerGrid = await scopeOf(t, 'worker');
    const otherStreet = grids.streets.find((s) => !workerGrid.startsWith(s))!;
    otherStreetOperator = await userWith(t, 'op_other_street', 'intake_operator', otherStreet);
  });
  afterAll(async () => t?.close());

  const upload = (cookie: string, body: Buffer, contentType = 'image/png') =>
    t.request({ method: 'POST', url: '/api/files', cookie, body, headers: { 'content-type': contentType } });

  async function report(cookie: string, photos: string[]) {
    return t.request({
      method: 'POST', url: '/api/incidents', cookie,
      body: { channel: 'operator_phone', description: '路灯不亮', position: { ...grids.pointIn(workerGrid), crs: 'wgs84' }, photos },
    });
  }

  it('accepts PNG, JPEG and WebP by content, stores them once and makes a smaller thumbnail', async () => {
    for (const format of ['png', 'jpeg', 'webp'] as const) {
      const [w, h] = [400, 300];
      const bytes = await image(format, w, h, format.length);
      // The declared type does not matter: the content decides.
      const first = await upload(c.operator!, bytes, 'application/octet-stream');
      expect(first.statusCode, first.body).toBe(201);
      const body = first.json();
      expect(body).toMatchObject({ mime: `image/${format}`, width: w, height: h, size: bytes.length, deduplicated: false });
      expect(body.hash).toMatch(/^[0-9a-f]{64}$/);

      const again = await upload(c.worker!, bytes);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ hash: body.hash, deduplicated: true });
      const rows = await t.platform.db.primary.selectFrom('files').selectAll().where('hash', '=', body.hash).execute();
      expect(rows).toHaveLength(1);
      expect(Number(rows[0]!.uploaded_by)).toBeGreaterThan(0);
      const uploaders = await t.platform.db.primary.selectFrom('file_uploads').select('user_id').where('hash', '=', body.hash).execute();
      expect(uploaders).toHaveLength(2);

      // Stored under <dataDir>/files/ab/cd/<hash>, with the thumbnail beside it.
      const dir = join(t.platform.config.dataDir, 'files', body.hash.slice(0, 2), body.hash.slice(2, 4));
      expect(existsSync(join(dir, body.hash))).toBe(true);
      expect(existsSync(join(dir, `${body.hash}.thumb`))).toBe(true);

      const original = await t.request({ url: `/api/files/${body.hash}`, cookie: c.operator! });
      expect(original.statusCode).toBe(200);
      expect(original.headers['content-type']).toBe(`image/${format}`);
      expect(original.rawPayload.equals(bytes)).toBe(true);
      const thumb = await t.request({ url: `/api/files/${body.hash}/thumbnail`, cookie: c.operator! });
      expect(thumb.statusCode).toBe(200);
      expect(thumb.headers['content-type']).toBe('image/webp');
      expect(thumb.rawPayload.length).toBeLessThan(bytes.length);
      const meta = await sharp(thumb.rawPayload).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(320);
    }
  });

  it('refuses other content whatever its name or declared type, and files over the limit', async () => {
    const text = await upload(c.operator!, Buffer.from('this is a text file named photo.jpg\n'), 'image/jpeg');
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('FILE_TYPE_NOT_ALLOWED');

    const gif = await upload(c.operator!, await image('gif', 20, 20), 'image/png');
    expect(gif.statusCode).toBe(415);
    expect(gif.json().code).toBe('FILE_TYPE_NOT_ALLOWED');

    // JPEG magic bytes with nothing behind them.
    const truncated = await upload(c.operator!, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]), 'image/jpeg');
    expect([415, 422]).toContain(truncated.statusCode);

    const big = Buffer.concat([(await image('png', 10, 10)), Buffer.alloc(LIMIT, 1)]);
    const tooLarge = await upload(c.operator!, big);
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().code).toBe('FILE_TOO_LARGE');

    const form = await t.request({ method: 'POST', url: '/api/files', cookie: c.operator!, body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(form.statusCode).toBe(415);

    const files = await t.platform.db.primary.selectFrom('files').select('mime').execute();
    expect(files.every((f) => ['image/png', 'image/jpeg', 'image/webp'].includes(f.mime))).toBe(true);

    // A role that takes no photos may not upload; nobody anonymous either.
    const auditor = await t.login('auditor');
    expect((await upload(auditor, await image('png', 10, 10, 9))).statusCode).toBe(403);
    expect((await upload('', await image('png', 10, 10, 9))).statusCode).toBe(401);
  });

  it('serves a photo only to its uploader and to those who may see an incident showing it', async () => {
    const before = (await upload(c.operator!, await image('jpeg', 300, 200, 21), 'image/jpeg')).json().hash as string;
    // Not attached yet: only the uploader sees it.
    expect((await t.request({ url: `/api/files/${before}`, cookie: c.operator! })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/files/${before}`, cookie: c.dispatcher! })).statusCode).toBe(404);

    const created = await report(c.operator!, [before]);
    expect(created.statusCode, created.body).toBe(201);
    const inc = created.json().incident as { id: number };
    expect(created.json().incident.photos).toEqual([before]);

    // Now everyone who may see the incident sees the photo…
    for (const u of ['dispatcher', 'worker']) {
      expect((await t.request({ url: `/api/files/${before}`, cookie: c[u]! })).statusCode, u).toBe(200);
      expect((await t.request({ url: `/api/files/${before}/thumbnail`, cookie: c[u]! })).statusCode, u).toBe(200);
    }
    // …but not an operator of another street, nor the handler before the case reaches the department.
    for (const cookie of [otherStreetOperator, c.handler!]) {
      expect((await t.request({ url: `/api/incidents/${inc.id}`, cookie })).statusCode).toBe(404);
      expect((await t.request({ url: `/api/files/${before}`, cookie })).statusCode).toBe(404);
      expect((await t.request({ url: `/api/files/${before}/thumbnail`, cookie })).statusCode).toBe(404);
    }
    // Unknown or malformed hashes read the same.
    expect((await t.request({ url: `/api/files/${'0'.repeat(64)}`, cookie: c.operator! })).statusCode).toBe(404);
    expect((await t.request({ url: '/api/files/not-a-hash', cookie: c.operator! })).statusCode).toBe(404);

    // The other street's operator cannot borrow the photo by its hash.
    const borrowed = await t.request({
      method: 'POST', url: '/api/incidents', cookie: otherStreetOperator,
      body: { channel: 'operator_phone', description: 'x', position: { ...grids.pointIn(grids.units.find((u) => !u.startsWith(workerGrid.slice(0, 9)))!), crs: 'wgs84' }, photos: [before] },
    });
    expect(borrowed.statusCode).toBe(422);
    expect(borrowed.json().code).toBe('INCIDENT_FILE_UNKNOWN');

    expect((await act(t, c.operator!, inc.id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    expect((await act(t, c.dispatcher!, inc.id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/files/${before}`, cookie: c.handler! })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/files/${before}`, cookie: otherStreetOperator })).statusCode).toBe(404);
  });

  it('finds the one visible incident among many that show the same photo', async () => {
    const shared = (await upload(c.operator!, await image('jpeg', 300, 200, 33), 'image/jpeg')).json().hash as string;
    const created = await report(c.operator!, [shared]);
    expect(created.statusCode, created.body).toBe(201);
    const visibleId = created.json().incident.id as number;
    // More than a page (500) of newer links to incidents the worker may not see (ids that exist nowhere).
    const rows = Array.from({ length: 1200 }, (_, i) => ({ incident_id: 10_000_000 + i, hash: shared, event_seq: 1, kind: 'report' as const, created_at: 1 }));
    for (let i = 0; i < rows.length; i += 300) await t.platform.db.primary.insertInto('incident_files').values(rows.slice(i, i + 300)).execute();
    expect((await t.request({ url: `/api/files/${shared}`, cookie: c.worker! })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/files/${shared}`, cookie: otherStreetOperator })).statusCode).toBe(404);
    expect(visibleId).toBeLessThan(10_000_000);
  });

  it('checks the hashes an action names and records them on its event', async () => {
    const created = await report(c.operator!, []);
    const inc = created.json().incident as { id: number };
    expect((await act(t, c.operator!, inc.id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    expect((await act(t, c.dispatcher!, inc.id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    expect((await act(t, c.handler!, inc.id, { type: 'start-handling' })).statusCode).toBe(200);

    const unknown = await act(t, c.handler!, inc.id, { type: 'reply', result: '已修复', photos: ['f'.repeat(64)] });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().code).toBe('INCIDENT_FILE_UNKNOWN');
    expect(unknown.json().details.hashes).toEqual(['f'.repeat(64)]);
    const opaque = await act(t, c.handler!, inc.id, { type: 'reply', result: '已修复', photos: ['sha256-after-1'] });
    expect(opaque.statusCode).toBe(422);
    // Someone else's upload that the handler cannot see is refused alike.
    const operatorsOwn = (await upload(c.operator!, await image('png', 64, 64, 33))).json().hash as string;
    expect((await act(t, c.handler!, inc.id, { type: 'reply', result: '已修复', photos: [operatorsOwn] })).statusCode).toBe(422);
    // Nothing was half-written.
    const still = (await t.request({ url: `/api/incidents/${inc.id}`, cookie: c.handler! })).json();
    expect(still.incident.status).toBe('handling');

    const after = (await upload(c.handler!, await image('webp', 640, 480, 44), 'image/webp')).json().hash as string;
    const replied = await act(t, c.handler!, inc.id, { type: 'reply', result: '已修复', photos: [after] });
    expect(replied.statusCode, replied.body).toBe(200);
    const detail = (await t.request({ url: `/api/incidents/${inc.id}`, cookie: c.worker! })).json();
    const event = (detail.timeline as { seq: number; action: string; attachments: string[] }[]).find((e) => e.action === 'reply')!;
    expect(event.attachments).toEqual([after]);
    const links = await t.platform.db.primary.selectFrom('incident_files').selectAll().where('incident_id', '=', inc.id).execute();
    expect(links.map((l) => ({ hash: l.hash, seq: Number(l.event_seq), kind: l.kind }))).toEqual([{ hash: after, seq: event.seq, kind: 'reply' }]);
    // The verifier (a grid worker of the incident's grid) sees the after-photo.
    expect((await t.request({ url: `/api/files/${after}/thumbnail`, cookie: c.worker! })).statusCode).toBe(200);
  });

  it('records a self-resolve as before and after photos', async () => {
    const immediate = (await t.request({ url: '/api/incident-categories', cookie: c.worker! })).json().categories.find(
      (x: { caseType: string; status: string }) => x.caseType === 'immediate' && x.status === 'active',
    ) as { code: string };
    const beforeHash = (await upload(c.worker!, await image('jpeg', 200, 200, 51), 'image/jpeg')).json().hash as string;
    const afterHash = (await upload(c.worker!, await image('jpeg', 200, 200, 52), 'image/jpeg')).json().hash as string;
    const created = await t.request({
      method: 'POST', url: '/api/incidents', cookie: c.worker!,
      body: { channel: 'grid_worker', description: '垃圾堆放', position: { ...grids.pointIn(workerGrid), crs: 'wgs84' }, photos: [beforeHash] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const inc = created.json().incident as { id: number };
    const res = await act(t, c.worker!, inc.id, { type: 'self-resolve', categoryCode: immediate.code, beforePhotos: [beforeHash], afterPhotos: [afterHash] });
    expect(res.statusCode, res.body).toBe(200);
    const links = await t.platform.db.primary.selectFrom('incident_files').select(['hash', 'kind', 'event_seq']).where('incident_id', '=', inc.id).orderBy('event_seq').orderBy('kind').execute();
    expect(links.map((l) => [l.kind, l.hash])).toEqual([
      ['report', beforeHash],
      ['after', afterHash],
      ['before', beforeHash],
    ]);
  });
});
