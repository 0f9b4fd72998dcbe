import { describe, expect, it } from 'vitest';
import { appliedAfter, backoffMs, classify, expired, SENT_KEEP_COUNT } from '../../web/src/mobile/offline/rules.js';
import { OutboxRunner, type OutboxStore, type Sender } from '../../web/src/mobile/offline/runner.js';
import type { OutboxItem, OutboxResult } from '../../web/src/mobile/offline/types.js';

/**
 * The phone app's outbox without a browser: an in-memory store, a scripted sender and a clock the test
 * moves. The app runs the same runner over IndexedDB (web/src/mobile/offline/db.ts).
 */
class MemoryStore implements OutboxStore {
  rows = new Map<number, OutboxItem>();
  private next = 1;
  async all() {
    return [...this.rows.values()].map((r) => structuredClone(r));
  }
  async put(item: OutboxItem) {
    const seq = item.seq ?? this.next++;
    this.rows.set(seq, structuredClone({ ...item, seq }));
    return seq;
  }
  async delete(seq: number) {
    this.rows.delete(seq);
  }
  state(key: string) {
    return [...this.rows.values()].find((r) => r.key === key)?.state;
  }
}

function item(key: string, userId = 7, extra: Partial<OutboxItem> = {}): OutboxItem {
  return {
    kind: 'visit',
    key,
    userId,
    payload: { householdId: 1, householdNo: key, body: { summary: key, createIncident: false, visitedAt: '2026-03-01T00:00:00Z' } },
    createdAt: 0,
    state: 'waiting',
    attempts: 0,
    nextAttemptAt: 0,
    lastError: null,
    photos: [],
    progress: {},
    result: null,
    sentAt: null,
    ...extra,
  } as OutboxItem;
}

const apiError = (status: number, code: string) => Object.assign(new Error(code), { status, code, details: {} });

/** A runner whose sender answers from a script per key (an error to throw, or a result). */
function harness(script: Record<string, (OutboxResult | Error)[]> = {}) {
  const store = new MemoryStore();
  const sent: string[] = [];
  let now = 1_000_000;
  const timers: { at: number; fn: () => void }[] = [];
  const send: Sender = async (i) => {
    sent.push(i.key);
    const answer = script[i.key]?.shift() ?? {};
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const runner = new OutboxRunner({
    store,
    send,
    now: () => now,
    schedule: (ms, fn) => {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => timers.splice(timers.indexOf(timer), 1);
    },
  });
  return {
    store,
    sent,
    runner,
    /** Moves the clock and fires the timers due. */
    async advance(ms: number) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
      await runner.kick();
    },
  };
}

describe('outbox runner', () => {
  it('sends the signed-in user\'s items one at a time, in the order they were made', async () => {
    const h = harness({ b: [{ visitId: 2 }] });
    for (const k of ['a', 'b', 'c']) await h.store.put(item(k));
    await h.store.put(item('other', 8));
    h.runner.setUser(7);
    await h.runner.kick();
    expect(h.sent).toEqual(['a', 'b', 'c']);
    expect([...h.store.rows.values()].map((r) => [r.key, r.state])).toEqual([['a', 'sent'], ['b', 'sent'], ['c', 'sent'], ['other', 'waiting']]);
    expect([...h.store.rows.values()].find((r) => r.key === 'b')!.result).toEqual({ visitId: 2 });
  });

  it('sets a refused item aside with its reason and goes on with the next', async () => {
    const h = harness({ a: [apiError(422, 'CLOCK_OUTSIDE_GRID')] });
    await h.store.put(item('a'));
    await h.store.put(item('b'));
    h.runner.setUser(7);
    await h.runner.kick();
    expect(h.store.state('a')).toBe('refused');
    expect(h.store.rows.get(1)!.lastError).toMatchObject({ status: 422, code: 'CLOCK_OUTSIDE_GRID' });
    expect(h.store.state('b')).toBe('sent');
  });

  it('on a network failure keeps the order: the item waits with a backoff and the later ones wait behind it', async () => {
    const h = harness({ a: [apiError(0, 'NETWORK_ERROR'), apiError(503, 'HTTP_503')] });
    await h.store.put(item('a'));
    await h.store.put(item('b'));
    h.runner.setUser(7);
    await h.runner.kick();
    expect(h.sent).toEqual(['a']);
    expect(h.store.rows.get(1)).toMatchObject({ state: 'waiting', attempts: 1, nextAttemptAt: 1_000_000 + 2_000 });
    await h.advance(1_000);
    expect(h.sent).toEqual(['a']);
    await h.advance(1_000);
    // The second try hits a 503: back off again, twice as long.
    expect(h.sent).toEqual(['a', 'a']);
    expect(h.store.rows.get(1)).toMatchObject({ state: 'waiting', attempts: 2 });
    // The network came back: no waiting for the backoff.
    await h.runner.resume();
    expect(h.sent).toEqual(['a', 'a', 'a', 'b']);
    expect(h.store.state('a')).toBe('sent');
    expect(h.store.state('b')).toBe('sent');
  });

  it('pauses everything when the session ended and goes on after the user signs in again', async () => {
    const h = harness({ a: [apiError(401, 'AUTH_SESSION_EXPIRED')] });
    await h.store.put(item('a'));
    await h.store.put(item('b'));
    h.runner.setUser(7);
    await h.runner.kick();
    expect(h.runner.pausedForAuth).toBe(true);
    expect(h.store.state('a')).toBe('waiting');
    await h.runner.resume();
    await h.advance(60 * 60_000);
    expect(h.sent).toEqual(['a']);
    h.runner.setUser(7);
    await h.runner.kick();
    expect(h.sent).toEqual(['a', 'a', 'b']);
    expect(h.store.state('b')).toBe('sent');
  });

  it('sends again an item left "sending" when the app was closed on the wire', async () => {
    const h = harness();
    await h.store.put(item('a', 7, { state: 'sending' }));
    h.runner.setUser(7);
    await h.runner.kick();
    expect(h.sent).toEqual(['a']);
    expect(h.store.state('a')).toBe('sent');
  });

  it('keeps the steps a sender saved, so a retry does not repeat them', async () => {
    const h = harness();
    let uploads = 0;
    let creates = 0;
    const runner = new OutboxRunner({
      store: h.store,
      now: () => 0,
      schedule: () => () => undefined,
      send: async (i, save) => {
        for (const p of i.photos) {
          if (p.hash) continue;
          uploads += 1;
          p.hash = `h${uploads}`;
          await save();
        }
        creates += 1;
        if (creates === 1) throw apiError(0, 'NETWORK_ERROR');
        return {};
      },
    });
    await h.store.put(item('a', 7, { photos: [{ id: 'p1', role: 'before', blob: new Blob(['x']) }, { id: 'p2', role: 'before', blob: new Blob(['y']) }] }));
    runner.setUser(7);
    await runner.kick();
    expect(h.store.rows.get(1)!.photos.map((p) => p.hash)).toEqual(['h1', 'h2']);
    await runner.resume();
    expect(uploads).toBe(2);
    expect(creates).toBe(2);
    expect(h.store.state('a')).toBe('sent');
  });

  it('sends a refused item again after an edit, and discards one the user gave up on', async () => {
    const h = harness({ a: [apiError(422, 'VALIDATION_FAILED')], b: [apiError(409, 'INCIDENT_INVALID_STATUS')] });
    await h.store.put(item('a'));
    await h.store.put(item('b'));
    h.runner.setUser(7);
    await h.runner.kick();
    await h.runner.resend(1, (i) => (i.kind === 'visit' ? { ...i, payload: { ...i.payload, body: { ...i.payload.body, summary: 'fixed' } } } : i));
    await h.runner.kick();
    const a = h.store.rows.get(1)!;
    expect(a.state).toBe('sent');
    expect(a.kind === 'visit' && a.payload.body.summary).toBe('fixed');
    await h.runner.discard(2);
    expect(h.store.rows.has(2)).toBe(false);
    // Nothing still to send can be discarded.
    await h.store.put(item('c', 7, { state: 'waiting', nextAttemptAt: Number.MAX_SAFE_INTEGER }));
    await h.runner.discard(3);
    expect(h.store.rows.has(3)).toBe(true);
  });

  it('settles a waiter when the item is sent, or answers it still waiting after the time given', async () => {
    const h = harness({ a: [apiError(0, 'NETWORK_ERROR')] });
    h.runner.setUser(7);
    const added = await h.runner.add(item('a'));
    expect(added.seq).toBe(1);
    const waiting = h.runner.settle('a', 5_000);
    await new Promise((r) => setImmediate(r));
    await h.advance(5_000);
    expect(await waiting).toMatchObject({ key: 'a', state: 'waiting' });
    const sent = h.runner.settle('a', 60_000);
    await new Promise((r) => setImmediate(r));
    await h.runner.resume();
    expect(await sent).toMatchObject({ key: 'a', state: 'sent' });
  });
});

describe('outbox rules', () => {
  it('retries what may not have reached the server, waits for a sign-in, and shows any other refusal', () => {
    expect(classify({ status: 0, code: 'NETWORK_ERROR', message: '' })).toBe('retry');
    expect(classify({ status: 502, code: 'HTTP_502', message: '' })).toBe('retry');
    expect(classify({ status: 408, code: 'HTTP_408', message: '' })).toBe('retry');
    expect(classify({ status: 429, code: 'RATE_LIMITED', message: '' })).toBe('retry');
    expect(classify({ status: 409, code: 'IDEMPOTENCY_IN_FLIGHT', message: '' })).toBe('retry');
    expect(classify({ status: 401, code: 'AUTH_SESSION_EXPIRED', message: '' })).toBe('auth');
    expect(classify({ status: 403, code: 'PASSWORD_CHANGE_REQUIRED', message: '' })).toBe('auth');
    expect(classify({ status: 403, code: 'INCIDENT_REPORT_OUT_OF_SCOPE', message: '' })).toBe('refused');
    expect(classify({ status: 409, code: 'CONFLICT', message: '' })).toBe('refused');
    expect(classify({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED', message: '' })).toBe('refused');
  });

  it('backs off 2 s, 4 s, 8 s … up to 5 minutes', () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(backoffMs(20)).toBe(300_000);
  });

  it('tells our own action, applied before its answer was lost, from someone else\'s change', () => {
    const timeline = [
      { seq: 1, action: 'report', actorUserId: 3 },
      { seq: 5, action: 'reply', actorUserId: 4 },
      { seq: 6, action: 'verify-pass', actorUserId: 7 },
    ];
    expect(appliedAfter(timeline, 5, 'verify-pass', 7)).toBe(true);
    expect(appliedAfter(timeline, 6, 'verify-pass', 7)).toBe(false);
    expect(appliedAfter(timeline, 5, 'verify-pass', 8)).toBe(false);
    expect(appliedAfter(timeline, 5, 'verify-fail', 7)).toBe(false);
  });

  it('keeps sent items a week, at most the newest hundred, and never anything unsent', () => {
    const day = 86_400_000;
    const now = 100 * day;
    const items = [
      item('old', 7, { state: 'sent', sentAt: now - 8 * day }),
      item('recent', 7, { state: 'sent', sentAt: now - day }),
      item('unsent', 7, { state: 'waiting', createdAt: 0 }),
      item('refused', 7, { state: 'refused', createdAt: 0 }),
    ];
    expect(expired(items, now).map((i) => i.key)).toEqual(['old']);
    const many = Array.from({ length: SENT_KEEP_COUNT + 2 }, (_, n) => item(`s${n}`, 7, { state: 'sent', sentAt: now - n }));
    expect(expired(many, now).map((i) => i.key)).toEqual([`s${SENT_KEEP_COUNT}`, `s${SENT_KEEP_COUNT + 1}`]);
  });
});
