/**
 * How the nodes of one platform wake each other's live tails
 * (docs/adr/0011-live-feed.md). The database stays the one record: a message
 * only says "something was committed on topic T", so a lost or duplicated
 * message costs at most the poll interval, never an event.
 *
 * `CIVICGRID_LIVE_BROKER_URL`: empty (one node: in-process only; other nodes'
 * commits are found by polling), `redis://…` (Redis pub/sub) or `nats://…`.
 */
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import type { FeedLogger } from './consumer.js';

export interface LiveBroker {
  readonly kind: 'none' | 'redis' | 'nats';
  /** Tells the other nodes that `topic` has new rows; never throws. */
  notify(topic: string): void;
  /** Calls `fn` when another node notifies `topic`. */
  listen(topic: string, fn: () => void): Promise<void>;
  close(): Promise<void>;
}

const PREFIX = 'civicgrid.live.';
const CONNECT_TIMEOUT_MS = 5000;

async function withTimeout<T>(p: Promise<T>, cleanup: () => Promise<void>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([p, timeout]);
  } catch (err) {
    await cleanup();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export function brokerKindOf(url: string | null | undefined): LiveBroker['kind'] {
  if (!url) return 'none';
  if (/^rediss?:\/\//.test(url)) return 'redis';
  if (/^nats:\/\//.test(url)) return 'nats';
  throw new Error(`unsupported live broker URL (redis://… or nats://…): ${url.replace(/\/\/[^@/]*@/, '//…@')}`);
}

export async function openBroker(url: string | null | undefined, logger?: FeedLogger): Promise<LiveBroker> {
  const kind = brokerKindOf(url);
  if (kind === 'redis') return redisBroker(url!, logger);
  if (kind === 'nats') return natsBroker(url!, logger);
  return { kind: 'none', notify() {}, async listen() {}, async close() {} };
}

/** Each node tags its own messages, so it does not wake itself twice. */
function tagged(logger?: FeedLogger) {
  const node = randomUUID();
  return {
    node,
    warn(err: unknown, what: string) {
      logger?.warn({ err }, `live broker: ${what}`);
    },
  };
}

async function redisBroker(url: string, logger?: FeedLogger): Promise<LiveBroker> {
  const me = tagged(logger);
  // Loaded only when configured: a single node never needs a broker client.
  const { createClient } = await import('redis');
  // A subscribed Redis connection may not publish: one of each.
  const pub = createClient({ url, socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5000) } });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) c.on('error', (err: unknown) => me.warn(err, 'redis connection error (reconnecting)'));
  // Reconnects are retried for ever once up; a server missing at start is reported instead of holding the boot.
  await withTimeout(Promise.all([pub.connect(), sub.connect()]), async () => {
    await Promise.allSettled([pub.destroy(), sub.destroy()]);
  });
  return {
    kind: 'redis',
    notify(topic) {
      if (!pub.isReady) return;
      pub.publish(PREFIX + topic, me.node).catch((err: unknown) => me.warn(err, 'publish failed'));
    },
    async listen(topic, fn) {
      await sub.subscribe(PREFIX + topic, (message) => {
        if (message !== me.node) fn();
      });
    },
    async close() {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}

async function natsBroker(url: string, logger?: FeedLogger): Promise<LiveBroker> {
  const me = tagged(logger);
  const u = new URL(url);
  const { connect } = await import('nats');
  const nc: NatsConnection = await connect({
    servers: `${u.hostname}:${u.port || 4222}`,
    ...(u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : {}),
    maxReconnectAttempts: -1,
    timeout: CONNECT_TIMEOUT_MS,
  });
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    kind: 'nats',
    notify(topic) {
      try {
        nc.publish(PREFIX + topic, encoder.encode(me.node));
      } catch (err) {
        me.warn(err, 'publish failed');
      }
    },
    async listen(topic, fn) {
      nc.subscribe(PREFIX + topic, {
        callback: (err, msg) => {
          if (err) me.warn(err, 'subscription error');
          else if (decoder.decode(msg.data) !== me.node) fn();
        },
      });
      await nc.flush();
    },
    async close() {
      await nc.drain().catch(() => undefined);
    },
  };
}
