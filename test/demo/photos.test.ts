import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/modules/demo/load.js';
import { demoPhotoCount } from '../../src/modules/demo/photos.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

/** The demo's incident photos are real stored pictures, linked to their incidents, and served like any upload. */
describe.each(DIALECTS)('demo incident photos on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(dialect);
    await loadDemo(t.platform, { scale: 0.2, seed: 3, incidents: { months: 1, until: '2026-06-30' } });
  }, 300_000);
  afterAll(async () => t?.close());

  it('stores a pool of pictures and links every photo an incident shows', async () => {
    const db = t.platform.db.primary;
    const files = await db.selectFrom('files').select(['hash', 'mime']).execute();
    expect(files.length).toBe(demoPhotoCount(0.2));
    expect(new Set(files.map((f) => f.mime))).toEqual(new Set(['image/jpeg']));
    const stored = new Set(files.map((f) => f.hash));
    const events = await db.selectFrom('incident_events').select(['incident_id', 'seq', 'attachments']).execute();
    const shown = events.flatMap((e) => (JSON.parse(e.attachments) as string[]).map((hash) => `${e.incident_id}:${e.seq}:${hash}`));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((s) => stored.has(s.split(':')[2]!))).toBe(true);
    const links = await db.selectFrom('incident_files').select(['incident_id', 'event_seq', 'hash']).execute();
    expect(new Set(links.map((l) => `${l.incident_id}:${l.event_seq}:${l.hash}`))).toEqual(new Set(shown));
  });

  it('serves an incident photo and its thumbnail to whoever may see the incident', async () => {
    const row = await t.platform.db.primary.selectFrom('incidents').select(['id', 'photos']).where('photos', '<>', '[]').orderBy('id').executeTakeFirstOrThrow();
    const hash = (JSON.parse(row.photos) as string[])[0]!;
    const cookie = await t.login('operator');
    const photo = await t.request({ url: `/api/files/${hash}`, cookie });
    expect(photo.statusCode).toBe(200);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    const thumbnail = await t.request({ url: `/api/files/${hash}/thumbnail`, cookie });
    expect(thumbnail.statusCode).toBe(200);
    // Someone who may see no incident at all gets nothing.
    expect((await t.request({ url: `/api/files/${hash}`, cookie: await t.login('auditor') })).statusCode).toBe(404);
  });
});
