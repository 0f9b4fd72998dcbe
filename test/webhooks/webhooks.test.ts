import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../../src/modules/webhooks/dispatcher.js';
import { verifySignature } from '../../src/modules/webhooks/rules/signing.js';
import { WebhookSender } from '../../src/modules/webhooks/sender.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/modules/webhooks/rules/match.js';
import { gridHelper } from '../incidents/support.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

type Mode = 'ok' | 'fail' | 'hang';

interface Received {
  body: string;
  headers: IncomingHttpHeaders;
  answered: Mode;
  ids: number[];
  grids: string[];
}

/** A receiver on a random local port; `plan` decides each request's fate (500, no answer, or 200). */
async function receiver(): Promise<{ url: string; got: Received[]; plan: Mode[]; mode: Mode; close(): Promise<void> }> {
  const state = { got: [] as Received[], plan: [] as Mode[], mode: 'ok' as Mode };
  const hanging = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answered = state.plan.shift() ?? state.mode;
      const events = (JSON.parse(body) as { events: { id: number; incident: { gridCode: string } }[] }).events;
      state.got.push({ body, headers: req.headers, answered, ids: events.map((e) => e.id), grids: events.map((e) => e.incident.gridCode) });
      if (answered === 'fail') res.writeHead(500).end('no');
      else if (answered === 'ok') res.writeHead(200).end('ok');
      else hanging.add(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return Object.assign(state, {
    url: `http://127.0.0.1:${address.port}/hook`,
    async close() {
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Event ids of the 2xx-answered requests, in the order received. */
const deliveredIds = (got: Received[]) => got.filter((g) => g.answered === 'ok').flatMap((g) => g.ids);

describe.each(DIALECTS)('webhooks on %s', (dialect) => {
  let t: TestApp;
  let admin = '';
  let operator = '';
  let grids: Awaited<ReturnType<typeof gridHelper>>;
  let district = '';
  const receivers: Awaited<ReturnType<typeof receiver>>[] = [];

  beforeAll(async () => {
    t = await openTestApp(dialect, {
      webhookAllowHttp: true, webhookTimeoutMs: 300, webhookRetryBaseMs: 20, webhookRetryCapMs: 200, webhookFailingAfter: 2, webhookPauseAfter: 6,
    });
    grids = await gridHelper(t as never);
    admin = await t.login('admin');
    operator = await t.login('operator');
    district = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirstOrThrow()).code;
  }, 120_000);
  afterAll(async () => {
    for (const r of receivers) await r.close();
    await t?.close();
  });

  const newReceiver = async () => {
    const r = await receiver();
    receivers.push(r);
    return r;
  };
  const client = async (scopeCode: string, scopes = ['webhooks']) => {
    const res = await t.request({ method: 'POST', url: '/api/clients', cookie: admin, body: { name: `推送 ${scopeCode}`, scopes, scopeCode, ratePerMinute: 1000 } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: number; apiKey: string };
  };
  const subscribe = async (clientId: number, url: string, body: Record<string, unknown> = {}) => {
    const res = await t.request({ method: 'POST', url: `/api/clients/${clientId}/webhooks`, cookie: admin, body: { url, eventTypes: [...WEBHOOK_EVENT_TYPES], ...body } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { subscription: { id: number; status: string }; secret: string };
  };
  const report = async (street: number, label: string) => {
    const unit = grids.units.find((u) => u.startsWith(grids.streets[street]!))!;
    const res = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description: label, position: { ...grids.pointIn(unit), crs: 'wgs84' } } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().incident as { id: number; code: string };
  };
  const eventIdsSince = async (after: number) =>
    (await t.platform.db.primary.selectFrom('incident_events').select('id').where('id', '>', after).orderBy('id').execute()).map((r) => Number(r.id));
  const lastEventId = async () => Number((await t.platform.db.primary.selectFrom('incident_events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0);
  const subscription = async (clientId: number, id: number) => {
    const res = await t.request({ url: `/api/clients/${clientId}/webhooks`, cookie: admin });
    return (res.json().items as { id: number; status: string; failures: number; position: number }[]).find((s) => s.id === id)!;
  };

  it('delivers every event once, in order, through failures and a timeout, signed', async () => {
    const r = await newReceiver();
    // Three 500s, then two requests left unanswered (the 300 ms timeout), then it recovers.
    r.plan.push('fail', 'fail', 'fail', 'hang', 'hang');
    const { id: clientId } = await client(district);
    const start = await lastEventId();
    const { subscription: sub, secret } = await subscribe(clientId, r.url);
    for (let i = 0; i < 12; i++) await report(i % 2, `推送测试 ${i}`);
    const expected = await eventIdsSince(start);
    expect(expected.length).toBeGreaterThanOrEqual(12);
    await until('every event delivered', () => deliveredIds(r.got).length >= expected.length);
    await new Promise((res) => setTimeout(res, 400));
    // Deduped by event id at the receiver: all of them, in order; and no 2xx-answered event was ever sent again.
    expect(deliveredIds(r.got)).toEqual(expected);
    const firstSeen = [...new Set(r.got.flatMap((g) => g.ids))];
    expect(firstSeen).toEqual(expected);
    const redelivered = r.got.filter((g) => g.answered !== 'ok').length;
    expect(redelivered).toBe(5);
    for (const g of r.got) {
      expect(verifySignature(g.headers['civicgrid-signature'] as string, g.body, secret, Math.floor(Date.now() / 1000))).toBe(true);
      expect(g.headers['civicgrid-event-ids']).toBe(g.ids.join(','));
    }
    const tampered = r.got[r.got.length - 1]!;
    expect(verifySignature(tampered.headers['civicgrid-signature'] as string, tampered.body.replace('"events"', '"events" '), secret, Math.floor(Date.now() / 1000))).toBe(false);
    // The attempts are counted per head event: the retries carry their number.
    expect(r.got.map((g) => g.headers['civicgrid-attempt'])).toEqual(expect.arrayContaining(['1', '2', '3', '4', '5', '6']));
    const log = await t.request({ url: `/api/clients/${clientId}/webhooks/${sub.id}/deliveries?limit=100`, cookie: admin });
    const items = log.json().items as { status: string; responseStatus: number | null; error: string | null; eventIds: number[] }[];
    expect(items.filter((d) => d.status === 'failed').map((d) => d.responseStatus)).toEqual([null, null, 500, 500, 500]);
    expect(items.find((d) => d.status === 'failed' && d.responseStatus === null)!.error).toMatch(/timed out/);
    await until('the log flushed', async () => (await subscription(clientId, sub.id)).position === expected[expected.length - 1]);
    expect((await subscription(clientId, sub.id))).toMatchObject({ status: 'active', failures: 0 });
  });

  it('sends a client only the events of its grid scope', async () => {
    const a = await newReceiver();
    const b = await newReceiver();
    const { id: streetA } = await client(grids.streets[0]!);
    const { id: streetB } = await client(grids.streets[1]!);
    await subscribe(streetA, a.url);
    await subscribe(streetB, b.url);
    const mineA = await report(0, '街道 A 的案件');
    const mineB = await report(1, '街道 B 的案件');
    await until('both delivered', () => deliveredIds(a.got).length > 0 && deliveredIds(b.got).length > 0);
    await report(1, '街道 B 的第二件');
    await report(0, '街道 A 的第二件');
    await until('the second ones', () => deliveredIds(a.got).length > 1 && deliveredIds(b.got).length > 1);
    expect(a.got.flatMap((g) => g.grids).every((g) => g.startsWith(grids.streets[0]!))).toBe(true);
    expect(b.got.flatMap((g) => g.grids).every((g) => g.startsWith(grids.streets[1]!))).toBe(true);
    expect(a.got.map((g) => g.body).join()).toContain(mineA.code);
    expect(a.got.map((g) => g.body).join()).not.toContain(mineB.code);
  });

  it('replays one event, or everything from an id on, in order', async () => {
    const r = await newReceiver();
    const { id: clientId } = await client(district);
    const { subscription: sub } = await subscribe(clientId, r.url);
    const start = await lastEventId();
    for (let i = 0; i < 3; i++) await report(0, `重放 ${i}`);
    const expected = await eventIdsSince(start);
    await until('delivered', () => deliveredIds(r.got).length >= expected.length);
    const one = await t.request({ method: 'POST', url: `/api/clients/${clientId}/webhooks/${sub.id}/replay`, cookie: admin, body: { eventId: expected[1] } });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().delivery).toMatchObject({ kind: 'replay', status: 'delivered', responseStatus: 200, eventIds: [expected[1]] });
    const before = r.got.length;
    const all = await t.request({ method: 'POST', url: `/api/clients/${clientId}/webhooks/${sub.id}/replay`, cookie: admin, body: { fromEventId: expected[0] } });
    expect(all.statusCode, all.body).toBe(200);
    await until('replayed', () => deliveredIds(r.got.slice(before)).length >= expected.length);
    expect(deliveredIds(r.got.slice(before))).toEqual(expected);
    const unknown = await t.request({ method: 'POST', url: `/api/clients/${clientId}/webhooks/${sub.id}/replay`, cookie: admin, body: { eventId: 999_999_999 } });
    expect(unknown.statusCode).toBe(404);
  });

  it('pauses after repeated failures and, resumed, delivers what it missed', async () => {
    const r = await newReceiver();
    r.mode = 'fail';
    const { id: clientId } = await client(district);
    const { subscription: sub } = await subscribe(clientId, r.url);
    const start = await lastEventId();
    await report(0, '暂停前');
    await until('paused', async () => (await subscription(clientId, sub.id)).status === 'paused');
    const attempts = r.got.length;
    expect(attempts).toBe(6);
    await report(1, '暂停期间');
    await new Promise((res) => setTimeout(res, 600));
    expect(r.got.length).toBe(attempts);
    r.mode = 'ok';
    const resumed = await t.request({ method: 'POST', url: `/api/clients/${clientId}/webhooks/${sub.id}/resume`, cookie: admin });
    expect(resumed.json()).toMatchObject({ status: 'active', failures: 0 });
    const expected = await eventIdsSince(start);
    await until('caught up', () => deliveredIds(r.got).length >= expected.length);
    expect(deliveredIds(r.got)).toEqual(expected);
  });

  it('sends from one node of several: the lease holder', async () => {
    const r = await newReceiver();
    const { id: clientId } = await client(district);
    // A second node's dispatcher over the same database, polling hard.
    const sender = new WebhookSender(300, 'test');
    const other = new WebhookDispatcher(t.platform.db, t.platform.webhooks, sender, { backoff: { baseMs: 20, capMs: 200 }, failingAfter: 2, pauseAfter: 6, pollMs: 20 });
    other.start();
    try {
      await subscribe(clientId, r.url);
      const start = await lastEventId();
      for (let i = 0; i < 4; i++) await report(i % 2, `两个节点 ${i}`);
      const expected = await eventIdsSince(start);
      await until('delivered', () => deliveredIds(r.got).length >= expected.length);
      await new Promise((res) => setTimeout(res, 300));
      expect(deliveredIds(r.got)).toEqual(expected);
      expect(other.counts.requests).toBe(0);
    } finally {
      await other.stop();
      sender.close();
    }
  });

  it('manages subscriptions: bad input, secret rotation, other clients\' subscriptions (404), the client\'s own key', async () => {
    const r = await newReceiver();
    const { id: clientId, apiKey } = await client(district);
    const { id: otherId } = await client(district);
    const bad = await t.request({ method: 'POST', url: `/api/clients/${clientId}/webhooks`, cookie: admin, body: { url: 'ftp://x', eventTypes: ['report'] } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().code).toBe('WEBHOOK_BAD_URL');
    const { id: noScope } = await client(district, ['hotline.push']);
    const refused = await t.request({ method: 'POST', url: `/api/clients/${noScope}/webhooks`, cookie: admin, body: { url: r.url, eventTypes: ['report'] } });
    expect(refused.json().code).toBe('WEBHOOK_CLIENT_NOT_ALLOWED');
    expect((await t.request({ method: 'POST', url: `/api/clients/${clientId}/webhooks`, cookie: admin, body: { url: r.url, eventTypes: ['nonsense'] } })).statusCode).toBe(400);
    expect((await t.request({ url: '/api/webhooks', cookie: operator })).statusCode).toBe(403);

    const { subscription: sub, secret } = await subscribe(clientId, r.url, { eventTypes: ['report'] });
    expect((await t.request({ url: `/api/clients/${otherId}/webhooks/${sub.id}/deliveries`, cookie: admin })).statusCode).toBe(404);
    expect((await t.request({ method: 'POST', url: `/api/clients/${otherId}/webhooks/${sub.id}/pause`, cookie: admin })).statusCode).toBe(404);
    const listed = await t.request({ url: '/api/webhooks', cookie: admin });
    expect(listed.body).not.toContain(secret);
    const stored = await t.platform.db.primary.selectFrom('webhook_subscriptions').select('secret').where('id', '=', sub.id).executeTakeFirstOrThrow();
    expect(stored.secret).not.toContain(secret);

    const rotated = await t.request({ method: 'POST', url: `/api/clients/${clientId}/webhooks/${sub.id}/rotate-secret`, cookie: admin });
    const next = rotated.json().secret as string;
    expect(next).not.toBe(secret);
    await report(0, '轮换密钥后');
    await until('delivered', () => deliveredIds(r.got).length > 0);
    const g = r.got[r.got.length - 1]!;
    const now = Math.floor(Date.now() / 1000);
    // Both signatures during the changeover.
    expect(verifySignature(g.headers['civicgrid-signature'] as string, g.body, next, now)).toBe(true);
    expect(verifySignature(g.headers['civicgrid-signature'] as string, g.body, secret, now)).toBe(true);

    // The client itself, with its key: its own subscriptions only.
    const own = await t.request({ url: '/api/webhooks/subscriptions', headers: { 'x-api-key': apiKey } });
    expect(own.statusCode).toBe(200);
    expect((own.json().items as { id: number }[]).map((s) => s.id)).toEqual([sub.id]);
    const made = await t.request({ method: 'POST', url: '/api/webhooks/subscriptions', headers: { 'x-api-key': apiKey }, body: { url: r.url, eventTypes: ['close'], channels: ['hotline_12345'] } });
    expect(made.statusCode, made.body).toBe(201);
    const otherKey = (await client(district)).apiKey;
    expect((await t.request({ method: 'DELETE', url: `/api/webhooks/subscriptions/${sub.id}`, headers: { 'x-api-key': otherKey } })).statusCode).toBe(404);
    expect((await t.request({ method: 'DELETE', url: `/api/webhooks/subscriptions/${sub.id}`, headers: { 'x-api-key': apiKey } })).statusCode).toBe(204);
    expect((await t.request({ url: '/api/webhooks/subscriptions' })).statusCode).toBe(401);
    const actions = await t.platform.db.primary.selectFrom('audit_log').select('action').where('object_type', '=', 'webhook_subscription').where('object_id', '=', String(sub.id)).orderBy('seq').execute();
    expect(actions.map((a) => a.action)).toEqual(['webhook.create', 'webhook.rotate_secret', 'webhook.delete']);
  });
});
