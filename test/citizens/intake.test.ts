import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { gridHelper, scopeOf, userWith } from '../incidents/support.js';
import { solve } from '../../src/modules/citizens/rules/challenge.js';
import { DEFAULT_INTAKE_LIMITS as LIMITS } from '../../src/modules/citizens/rules/limits.js';
import { handleToClosed, publicRequest } from './support.js';

describe.each(DIALECTS)('public citizen intake on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let point: { lng: number; lat: number };
  let otherStreetOperator: string;
  let ipSeq = 0;
  const freshIp = () => `10.1.${Math.floor(++ipSeq / 250)}.${ipSeq % 250 + 1}`;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['operator', 'dispatcher', 'handler', 'worker', 'supervisor']) c[u] = await t.login(u);
    const grids = await gridHelper(t);
    const workerGrid = await scopeOf(t, 'worker');
    point = grids.pointIn(workerGrid);
    const otherStreet = grids.streets.find((s) => !workerGrid.startsWith(s))!;
    otherStreetOperator = await userWith(t, 'op_other_street', 'intake_operator', otherStreet);
  });
  afterAll(async () => t?.close());

  const report = (ip: string, extra: Record<string, unknown> = {}) => publicRequest(t, ip, {
    method: 'POST', url: '/api/public/reports',
    body: { description: '小区门口井盖缺失，很危险', position: { ...point, crs: 'wgs84' }, ...extra },
  });

  it('takes a report without an account into the intake queue as channel citizen, and keeps only the token hash', async () => {
    const res = await report(freshIp(), { name: '李四', phone: '13912345678', address: '雨花路 1 号' });
    expect(res.statusCode, res.body).toBe(201);
    const { code, followToken, followUrl } = res.json();
    expect(code).toMatch(/^\d{12,}$/);
    expect(followToken.length).toBeGreaterThanOrEqual(32);
    expect(followUrl).toBe(`/report/#t=${followToken}`);
    const row = await t.platform.db.primary.selectFrom('incidents').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
    expect(row.channel).toBe('citizen');
    expect(row.status).toBe('reported');
    expect(row.reporter_user_id).toBeNull();
    expect(row.reporter_phone_masked).toBe('139****5678');
    const link = await t.platform.db.primary.selectFrom('citizen_reports').selectAll().where('incident_id', '=', row.id).executeTakeFirstOrThrow();
    expect(link.token_hash).not.toContain(followToken);
    expect(JSON.stringify(link)).not.toContain('13912345678');
    const queue = await t.request({ url: '/api/incidents/queues/to-register?pageSize=100', cookie: c.operator });
    expect(queue.statusCode, queue.body).toBe(200);
    expect(queue.json().items.map((i: { code: string }) => i.code)).toContain(code);
  });

  it('refuses bad input with a code and creates nothing', async () => {
    const before = await t.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const short = await report(freshIp(), { description: '坏' });
    expect(short.statusCode).toBe(400);
    const outside = await report(freshIp(), { position: { lng: 0.5, lat: 0.5, crs: 'wgs84' } });
    expect(outside.statusCode, outside.body).toBe(422);
    expect(outside.json().code).toBe('CITIZEN_OUTSIDE_AREA');
    const unknownPhoto = await report(freshIp(), { photos: ['a'.repeat(64)] });
    expect(unknownPhoto.statusCode, unknownPhoto.body).toBe(422);
    const after = await t.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('takes photos up to the limits, attaches them to the case and refuses more', async () => {
    const ip = freshIp();
    const hashes: string[] = [];
    for (let i = 0; i <= LIMITS.maxPhotos; i++) {
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 20 * i, g: 90, b: 60 } } }).png().toBuffer();
      const up = await publicRequest(t, ip, { method: 'POST', url: '/api/public/photos', body: png, headers: { 'content-type': 'image/png' } });
      expect(up.statusCode, up.body).toBe(201);
      hashes.push(up.json().hash);
    }
    const tooMany = await report(ip, { photos: hashes });
    expect(tooMany.statusCode, tooMany.body).toBe(422);
    expect(tooMany.json().code).toBe('CITIZEN_TOO_MANY_PHOTOS');
    const ok = await report(ip, { photos: hashes.slice(0, 2) });
    expect(ok.statusCode, ok.body).toBe(201);
    const row = await t.platform.db.primary.selectFrom('incidents').select(['id', 'photos']).where('code', '=', ok.json().code).executeTakeFirstOrThrow();
    expect(JSON.parse(row.photos)).toEqual(hashes.slice(0, 2));
    const linked = await t.platform.db.primary.selectFrom('incident_files').select('hash').where('incident_id', '=', row.id).execute();
    expect(linked.map((l) => l.hash).sort()).toEqual(hashes.slice(0, 2).sort());
    const big = Buffer.alloc(LIMITS.maxPhotoBytes + 1, 1);
    const tooBig = await publicRequest(t, ip, { method: 'POST', url: '/api/public/photos', body: big, headers: { 'content-type': 'image/jpeg' } });
    expect(tooBig.statusCode).toBe(413);
    const notImage = await publicRequest(t, ip, { method: 'POST', url: '/api/public/photos', body: Buffer.from('hello'), headers: { 'content-type': 'application/octet-stream' } });
    expect(notImage.statusCode).toBe(415);
  });

  it('asks a busy client for a proof of work, spends each challenge once, and stops a client and a phone at their limits', async () => {
    const ip = freshIp();
    for (let i = 0; i < LIMITS.freePerClientPerDay; i++) expect((await report(ip)).statusCode).toBe(201);
    const asked = await report(ip);
    expect(asked.statusCode, asked.body).toBe(428);
    expect(asked.json().code).toBe('CITIZEN_CHALLENGE_REQUIRED');
    const challenge = asked.json().details.challenge;
    expect(challenge.difficulty).toBe(LIMITS.challengeDifficulty);
    const unsolved = await report(ip, { challenge: { ...challenge, nonce: 'x' } });
    // 'x' could solve it by chance only with probability 2^-16; the check tells which.
    expect([422, 201]).toContain(unsolved.statusCode);
    const forged = await report(ip, { challenge: { ...challenge, difficulty: 1, nonce: solve(challenge.id, 1) } });
    expect(forged.statusCode).toBe(422);
    expect(forged.json().details.reason).toBe('forged');
    const answer = { ...challenge, nonce: solve(challenge.id, challenge.difficulty) };
    expect((await report(ip, { challenge: answer })).statusCode).toBe(201);
    const again = await report(ip, { challenge: answer });
    expect(again.statusCode, again.body).toBe(422);
    expect(again.json().details.reason).toBe('spent');

    // Ten reports from one address within the hour, then no more (solved challenges do not lift it).
    let sent = LIMITS.freePerClientPerDay + 1 + (unsolved.statusCode === 201 ? 1 : 0);
    while (sent < LIMITS.maxPerClientPerHour) {
      const fresh = (await publicRequest(t, ip, { url: '/api/public/challenge' })).json();
      const res = await report(ip, { challenge: { ...fresh, nonce: solve(fresh.id, fresh.difficulty) } });
      expect(res.statusCode, res.body).toBe(201);
      sent++;
    }
    const fresh = (await publicRequest(t, ip, { url: '/api/public/challenge' })).json();
    const limited = await report(ip, { challenge: { ...fresh, nonce: solve(fresh.id, fresh.difficulty) } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'CITIZEN_RATE_LIMITED', details: { by: 'client' } });
    // Another address is not affected.
    expect((await report(freshIp())).statusCode).toBe(201);

    // One phone, written differently, from many addresses.
    for (let i = 0; i < LIMITS.maxPerPhonePerDay; i++) {
      expect((await report(freshIp(), { phone: i % 2 ? '+86 137-0000-1111' : '13700001111' })).statusCode).toBe(201);
    }
    const phoneLimited = await report(freshIp(), { phone: '137 0000 1111' });
    expect(phoneLimited.statusCode).toBe(429);
    expect(phoneLimited.json().details.by).toBe('phone');
  });

  it('shows the reporter plain progress with no staff names, ids or notes, and takes one rating once closed', async () => {
    const created = (await report(freshIp(), { name: '王小明', phone: '13611112222' })).json();
    const follow = () => publicRequest(t, freshIp(), { method: 'POST', url: '/api/public/follow', body: { token: created.followToken } });
    const early = await follow();
    expect(early.statusCode, early.body).toBe(200);
    expect(early.json()).toMatchObject({ code: created.code, milestone: 'received', canRate: false, rating: null });
    const earlyRate = await publicRequest(t, freshIp(), { method: 'POST', url: '/api/public/follow/rating', body: { token: created.followToken, verdict: 'satisfied' } });
    expect(earlyRate.statusCode).toBe(422);
    expect(earlyRate.json().code).toBe('CITIZEN_NOT_CLOSED');

    const id = Number((await t.platform.db.primary.selectFrom('incidents').select('id').where('code', '=', created.code).executeTakeFirstOrThrow()).id);
    await handleToClosed(t, c, id);
    const closed = await follow();
    const body = closed.json();
    expect(body.milestone).toBe('closed');
    expect(body.statusText).toBe('已办结');
    expect(body.canRate).toBe(true);
    expect(body.steps.map((s: { milestone: string }) => s.milestone)).toEqual(['received', 'registered', 'dispatched', 'handling', 'handled', 'checked', 'closed']);
    // Privacy: nothing of the staff, the department, internal ids, notes or the reporter's phone.
    const staff = await t.platform.db.primary.selectFrom('users').select(['display_name', 'username']).where('username', 'in', ['operator', 'dispatcher', 'handler', 'worker']).execute();
    const text = closed.body;
    for (const s of staff) {
      expect(text).not.toContain(s.display_name);
      expect(text).not.toContain(`"${s.username}"`);
    }
    for (const secret of ['张队长', '内部备注', 'D01', '13611112222', '王小明', `"id"`, 'UserId', 'gridCode']) expect(text).not.toContain(secret);

    const unknown = await publicRequest(t, freshIp(), { method: 'POST', url: '/api/public/follow', body: { token: 'A'.repeat(32) } });
    expect(unknown.statusCode).toBe(404);

    const rated = await publicRequest(t, freshIp(), { method: 'POST', url: '/api/public/follow/rating', body: { token: created.followToken, verdict: 'basically_satisfied', comment: '处理及时' } });
    expect(rated.statusCode, rated.body).toBe(201);
    const twice = await publicRequest(t, freshIp(), { method: 'POST', url: '/api/public/follow/rating', body: { token: created.followToken, verdict: 'unsatisfied' } });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('CITIZEN_ALREADY_RATED');
    expect((await follow()).json()).toMatchObject({ canRate: false, rating: { verdict: 'basically_satisfied', comment: '处理及时', source: 'citizen' } });

    // Staff see the rating on the case page; another street's staff do not see the case at all.
    const staffView = await t.request({ url: `/api/incidents/${id}/rating`, cookie: c.operator });
    expect(staffView.statusCode, staffView.body).toBe(200);
    expect(staffView.json().rating).toMatchObject({ verdict: 'basically_satisfied', source: 'citizen' });
    const foreign = await t.request({ url: `/api/incidents/${id}/rating`, cookie: otherStreetOperator });
    expect(foreign.statusCode).toBe(404);
    // The rating is audited.
    const audit = await t.platform.db.primary.selectFrom('audit_log').select('action').where('action', '=', 'incident.rate').where('object_id', '=', String(id)).execute();
    expect(audit).toHaveLength(1);
  });

  it('records a 12345 caller verdict on a closed hotline case once, through the service', async () => {
    const res = await t.request({
      method: 'POST', url: '/api/incidents', cookie: c.operator,
      body: { channel: 'hotline_12345', description: '12345 来电：路灯不亮', position: { ...point, crs: 'wgs84' }, externalRef: 'GD-1' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().incident.id as number;
    const actor = { userId: null, username: 'hotline-client', ip: null };
    await expect(t.platform.citizens.recordRating(id, { verdict: 'satisfied', source: 'hotline' }, actor)).rejects.toMatchObject({ code: 'CITIZEN_NOT_CLOSED' });
    await handleToClosed(t, c, id);
    const rating = await t.platform.citizens.recordRating(id, { verdict: 'unsatisfied', comment: '路灯仍闪烁', source: 'hotline' }, actor);
    expect(rating).toMatchObject({ verdict: 'unsatisfied', source: 'hotline' });
    await expect(t.platform.citizens.recordRating(id, { verdict: 'satisfied', source: 'hotline' }, actor)).rejects.toMatchObject({ status: 409 });
    await expect(t.platform.citizens.recordRating(999_999_999, { verdict: 'satisfied', source: 'hotline' }, actor)).rejects.toMatchObject({ status: 404 });
  });
});
