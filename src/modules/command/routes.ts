import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../infra/http/errors.js';
import { permission } from '../../infra/http/policy.js';
import { decodeCursor, encodeCursor, type LiveCursor } from '../../infra/feed/tail.js';
import { canSeeLiveEvent, type IncidentLiveFeed, type LiveIncidentEvent } from './live.js';
import './messages.js';

export interface LiveRouteOptions {
  /** A heartbeat (and the cursor, when events were filtered out) this often; proxies drop silent streams. */
  heartbeatMs?: number;
  /** Each stream ends after this long and the browser reconnects with its cursor, so a revoked session stops. */
  maxStreamMs?: number;
  /** A client that reads slower than the feed writes is dropped past this many buffered bytes (it resumes). */
  maxBufferedBytes?: number;
}

const wired = new WeakMap<LiveIncidentEvent, string>();

/** What a browser receives for one event: the case by code, nothing about who acted (serialized once for all streams). */
function wire(e: LiveIncidentEvent): string {
  let text = wired.get(e);
  if (text === undefined) {
    text = serialize(e);
    wired.set(e, text);
  }
  return text;
}

function serialize(e: LiveIncidentEvent): string {
  return JSON.stringify({
    eventId: e.id, incidentId: e.incidentId, code: e.code, action: e.action, fromStatus: e.fromStatus, toStatus: e.toStatus,
    at: new Date(e.at).toISOString(), gridCode: e.gridCode, categoryCode: e.categoryCode, leadDepartmentCode: e.leadDepartmentCode,
    warning: e.warning, position: e.lng == null || e.lat == null ? null : { lng: e.lng, lat: e.lat },
  });
}

export async function commandRoutes(app: FastifyInstance, deps: { live: IncidentLiveFeed } & LiveRouteOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const maxStreamMs = deps.maxStreamMs ?? 5 * 60_000;
  const maxBuffered = deps.maxBufferedBytes ?? 1 << 20;
  // Open streams would hold the server's close until they expire: end them first (browsers reconnect elsewhere).
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  r.get('/api/live/incidents', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: ['command'],
      summary: 'Server-sent events: every incident event the caller may read, as it is committed (docs/adr/0011-live-feed.md)',
      description: 'An `incident` event per timeline event; its SSE id is the cursor to resume from (sent back as Last-Event-ID, or `cursor`). A `reset` event means the client was too far behind and should reload what it shows.',
      querystring: z.object({ cursor: z.string().max(1100).optional() }),
    },
  }, async (request, reply) => {
    const scopes = request.principal!.scopesFor('incidents.read');
    const header = request.headers['last-event-id'];
    const given = (Array.isArray(header) ? header[0] : header) ?? request.query.cursor;
    let from: LiveCursor | null = null;
    if (given) {
      from = decodeCursor(given, Date.now(), deps.live.tail.holdMs);
      if (!from) throw new AppError(400, 'LIVE_CURSOR_INVALID', {});
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    let lastSent = given ?? '';
    let current = given ?? '';
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      open.delete(end);
      clearInterval(heartbeat);
      clearTimeout(expiry);
      subscription.close();
      res.end();
    };
    // The events of one batch go out in one write.
    let pending = '';
    const flush = () => {
      const text = pending;
      pending = '';
      if (ended || text === '') return;
      res.write(text);
      if (res.writableLength > maxBuffered) {
        request.log.warn({ buffered: res.writableLength }, 'live feed client too slow; dropped (it resumes from its cursor)');
        end();
      }
    };
    const write = (text: string) => {
      if (ended) return;
      if (pending === '') setImmediate(flush);
      pending += text;
    };
    const subscription = deps.live.subscribe(from, {
      send(event, cursor) {
        current = encodeCursor(cursor);
        if (!canSeeLiveEvent(scopes, event)) return;
        lastSent = current;
        write(`id: ${current}\nevent: incident\ndata: ${wire(event)}\n\n`);
      },
      reset(cursor) {
        current = lastSent = encodeCursor(cursor);
        write(`id: ${current}\nevent: reset\ndata: {}\n\n`);
      },
      fail: () => end(),
    });
    const heartbeat = setInterval(() => {
      // Events this viewer may not see still move its cursor: hand it over, so a reconnect does not read them again.
      if (current !== lastSent) {
        lastSent = current;
        write(`id: ${current}\nevent: cursor\ndata: {}\n\n`);
      } else {
        write(': ping\n\n');
      }
    }, heartbeatMs);
    const expiry = setTimeout(end, maxStreamMs);
    open.add(end);
    res.on('close', end);
  });
}
