/**
 * Photo answers of campaigns: a required photo question refused without a
 * photo (nothing written), a photo that is not the caller's refused, photos
 * uploaded through the normal attachment path and linked to the target's
 * question, resends (sequential and racing) leaving one answer and one row
 * per photo, and the file reader: the photo is served in the scope of the
 * target's grid and to the campaign's managers, 404 to everyone else.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { scopeOf, userWith } from '../incidents/support.js';

const QUESTIONS = [
  { key: 'clear', label: '消防通道畅通', type: 'yes_no', required: true, problemAnswers: [false] },
  { key: 'scene', label: '现场照片', type: 'photo', required: true },
  { key: 'extra', label: '补充照片', type: 'photo', required: false },
];

describe.each(DIALECTS)('campaign photo answers (%s)', (dialect) => {
  let t: TestApp;
  let street: string;
  let worker: string;
  let neighbourWorker: string;
  let otherStreet: string;
  let unit: string;
  let campaignId: number;
  let targetId: number;
  let photos: string[];

  const png = (colour: string) => sharp({ create: { width: 40, height: 30, channels: 3, background: colour } }).png().toBuffer();
  const upload = async (cookie: string, colour: string) => {
    const res = await t.request({ method: 'POST', url: '/api/files', cookie, body: await png(colour), headers: { 'content-type': 'image/png' } });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json<{ hash: string }>().hash;
  };
  const respond = (cookie: string, body: unknown) => t.request({ method: 'POST', url: `/api/campaigns/${campaignId}/responses`, cookie, body });
  const rows = async (table: 'campaign_responses' | 'campaign_response_photos') => Number((await t.platform.db.primary.selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n')).where('campaign_id', '=', campaignId).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await openTestApp(dialect);
    street = await t.login('street');
    worker = await t.login('worker');
    unit = await scopeOf(t, 'worker');
    const community = unit.slice(0, 12);
    const db = t.platform.db.primary;
    const neighbour = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${community}%`).where('code', '!=', unit).orderBy('code').executeTakeFirstOrThrow()).code;
    const streetB = (await db.selectFrom('grids').select('code').where('level', '=', 'street').where('code', '!=', unit.slice(0, 9)).orderBy('code').executeTakeFirstOrThrow()).code;
    neighbourWorker = await userWith(t, 'gw-neighbour', 'grid_worker', neighbour);
    otherStreet = await userWith(t, 'st-photo-b', 'street_operator', streetB);
    const officer = await t.login('basedata');
    const place = await t.request({ method: 'POST', url: '/api/places', cookie: officer, body: { gridCode: unit, name: '消防检查点', type: 'small_shop' } });
    expect(place.statusCode, place.body).toBe(201);
    targetId = place.json().id as number;
    const created = await t.request({ method: 'POST', url: '/api/campaigns', cookie: street, body: {
      title: '消防安全排查（照片）', targetType: 'place', questions: QUESTIONS, gridCodes: [community], deadline: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    } });
    expect(created.statusCode, created.body).toBe(201);
    campaignId = created.json().id;
    const pushed = await t.request({ method: 'POST', url: `/api/campaigns/${campaignId}/push`, cookie: street, body: { version: created.json().version } });
    expect(pushed.statusCode, pushed.body).toBe(200);
  }, 240_000);
  afterAll(async () => t?.close());

  it('refuses an answer without the required photo, and a photo that is not the worker\'s, writing nothing', async () => {
    const none = await respond(worker, { targetId, answers: { clear: true } });
    expect(none.statusCode).toBe(422);
    expect(none.json()).toMatchObject({ code: 'CAMPAIGN_PHOTO_REQUIRED', details: { keys: ['scene'] } });
    expect(none.json().message).toContain('照片');
    const empty = await respond(worker, { targetId, answers: { clear: true, scene: [] } });
    expect(empty.json().code).toBe('CAMPAIGN_PHOTO_REQUIRED');
    // A hash someone else uploaded grants nothing, nor does a hash never uploaded.
    const theirs = await upload(street, '#36c');
    const foreign = await respond(worker, { targetId, answers: { clear: true, scene: [theirs] } });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json()).toMatchObject({ code: 'CAMPAIGN_PHOTO_UNKNOWN', details: { hashes: [theirs] } });
    const invented = await respond(worker, { targetId, answers: { clear: true, scene: ['b'.repeat(64)] } });
    expect(invented.json().code).toBe('CAMPAIGN_PHOTO_UNKNOWN');
    expect(await rows('campaign_responses')).toBe(0);
    expect(await rows('campaign_response_photos')).toBe(0);
  });

  it('takes photos uploaded through the attachment path; resends never duplicate an answer or a photo', async () => {
    photos = [await upload(worker, '#c33'), await upload(worker, '#3c3')];
    // Uploading the same picture again (an outbox retry after a lost answer) gives the same hash.
    expect(await upload(worker, '#c33')).toBe(photos[0]);
    const body = { targetId, answers: { clear: false, scene: [photos[0]], extra: [photos[1], photos[1]] }, problemNote: '通道堆放杂物' };
    const first = await respond(worker, body);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().response.answers).toMatchObject({ scene: [photos[0]] });
    const incident = first.json().response.incident.id as number;
    const again = await respond(worker, body);
    expect(again.statusCode).toBe(200);
    const racing = await Promise.all([respond(worker, body), respond(worker, body), respond(worker, body)]);
    expect(racing.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(racing.every((r) => r.json().response.incident.id === incident)).toBe(true);
    expect(await rows('campaign_responses')).toBe(1);
    const linked = await t.platform.db.primary.selectFrom('campaign_response_photos').select(['question_key', 'hash', 'grid_code']).where('campaign_id', '=', campaignId)
      .orderBy('question_key').execute();
    expect(linked).toEqual([{ question_key: 'extra', hash: photos[1], grid_code: unit }, { question_key: 'scene', hash: photos[0], grid_code: unit }]);

    // A refill without the extra photo drops its row; the kept one stays.
    const refill = await respond(worker, { targetId, answers: { clear: true, scene: [photos[0]] } });
    expect(refill.statusCode).toBe(200);
    expect(await rows('campaign_response_photos')).toBe(1);
    const back = await respond(worker, body);
    expect(back.statusCode).toBe(200);
    expect(await rows('campaign_response_photos')).toBe(2);
  });

  it('serves the photos in the scope of the target\'s grid and to the managers, 404 to others', async () => {
    for (const hash of photos) {
      expect((await t.request({ url: `/api/files/${hash}`, cookie: street })).statusCode).toBe(200);
      expect((await t.request({ url: `/api/files/${hash}/thumbnail`, cookie: street })).statusCode).toBe(200);
      expect((await t.request({ url: `/api/files/${hash}`, cookie: worker })).statusCode).toBe(200);
      expect((await t.request({ url: `/api/files/${hash}`, cookie: neighbourWorker })).statusCode).toBe(404);
      expect((await t.request({ url: `/api/files/${hash}`, cookie: otherStreet })).statusCode).toBe(404);
    }
    const targets = await t.request({ url: `/api/campaigns/${campaignId}/targets?status=done`, cookie: street });
    expect(targets.json().items[0].response.answers).toEqual({ clear: false, scene: [photos[0]], extra: [photos[1], photos[1]] });
  });
});
