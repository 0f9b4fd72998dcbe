import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../infra/http/errors.js';
import { permission } from '../../infra/http/policy.js';
import { decodeCursor, encodeCursor, type LiveCursor } from '../../infra/feed/tail.js';
import { canSeeLiveEvent, type IncidentLiveFeed, type LiveIncidentEvent } from './live.js';
import type { CommandOverviewService } from './overview.js';
import './messages.js';

export interface LiveRouteOptions {
  /** A heartbeat (and the cursor, when events were filtered out) this often; proxies drop silent streams. */
  heartbeatMs?: number;
  /** Each stream ends after this long and the browser reconnects with its cursor, so a revoked session stops. */
  maxStreamMs?: number;
  /** A client that reads slower than the feed writes is dropped past this many buffered bytes (it resumes). */
  maxBufferedBytes?: number;
  /** A stream's events are gathered this long and written at once (default 100 ms). */
  flushMs?: number;
}

const wired = new WeakMap<LiveIncidentEvent, string>();
const blocks = new WeakMap<LiveIncidentEvent, Buffer>();

/**
 * The whole SSE block of an event for a stream whose cursor is just the
 * event's id (no gaps: nearly every stream), encoded once for all of them.
 */
function block(e: LiveIncidentEvent): Buffer {
  let bytes = blocks.get(e);
  if (bytes === undefined) {
    bytes = Buffer.from(`id: ${e.id}\nevent: incident\ndata: ${wire(e)}\n\n`);
    blocks.set(e, bytes);
  }
  return bytes;
}

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

const Tally = z.object({ code: z.string().nullable(), name: z.string().nullable(), nameEn: z.string().nullable(), count: z.number() });
const Overview = z.object({
  at: z.string(),
  today: z.object({ date: z.string(), reported: z.number(), closed: z.number(), overdue: z.number() }),
  open: z.object({ total: z.number(), byStatus: z.array(Tally), byCategory: z.array(Tally), byStreet: z.array(Tally) }),
  redList: z.array(z.object({
    incidentId: z.number(), code: z.string(), status: z.string(), categoryName: z.string().nullable(), categoryNameEn: z.string().nullable(),
    streetName: z.string().nullable(), dueAt: z.string().nullable(),
  })),
  ranking: z.object({
    from: z.string(), to: z.string(),
    items: z.array(z.object({ code: z.string(), name: z.string().nullable(), value: z.number().nullable(), rank: z.number().nullable(), previousRank: z.number().nullable() })),
  }).nullable(),
  workers: z.array(z.object({ name: z.string(), gridName: z.string().nullable(), lng: z.number(), lat: z.number(), at: z.string() })).nullable(),
  cases: z.object({
    items: z.array(z.object({ incidentId: z.number(), code: z.string(), status: z.string(), warning: z.string(), lng: z.number(), lat: z.number() })),
    truncated: z.boolean(),
  }),
});

export async function commandRoutes(app: FastifyInstance, deps: { live: IncidentLiveFeed; overview: CommandOverviewService } & LiveRouteOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/command/overview', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: ['command'],
      summary: 'The big screen in one answer: today\'s figures, open cases by status, category and street, the red-warning list, this month\'s department ranking, on-duty workers and the open cases for the map, in the caller\'s scope (docs/command-screen.md)',
      response: { 200: Overview },
    },
  }, async (request) => deps.overview.overview(request.principal!));
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const maxStreamMs = deps.maxStreamMs ?? 5 * 60_000;
  const maxBuffered = deps.maxBufferedBytes ?? 1 << 20;
  const flushMs = deps.flushMs ?? 100;
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
      description: 'An `incident` event per timeline event; its SSE id is the cursor to resume from (sent back as Last-Event-ID, or `cursor`). A `reset` event means the client was too far behind and should reload what it shows. A `notice` event (no id: it does not move the cursor) tells the caller that a notification for him was written (`{ id, kind, incidentId, incidentCode }`); it is not replayed after a reconnect, so a client reads its notifications when it connects.',
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
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'close',
      // nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    const socket = res.socket!;
    socket.write('retry: 2000\n\n');
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
      notices.close();
      socket.end();
    };
    // What arrives within a short window goes out in one write: with 200 streams, a write per stream per tail
    // pass cost the server's thread more than the events themselves (bench feed).
    let pending: Buffer[] = [];
    const flush = () => {
      const parts = pending;
      pending = [];
      if (ended || parts.length === 0) return;
      socket.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      if (socket.writableLength > maxBuffered) {
        request.log.warn({ buffered: socket.writableLength }, 'live feed client too slow; dropped (it resumes from its cursor)');
        end();
      }
    };
    const write = (bytes: Buffer | string) => {
      if (ended) return;
      if (pending.length === 0) setTimeout(flush, flushMs);
      pending.push(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
    };
    const notices = deps.live.subscribeNotices(request.principal!.userId, (n) => {
      write(`event: notice\ndata: ${JSON.stringify({ id: n.id, kind: n.kind, incidentId: n.incidentId, incidentCode: n.incidentCode })}\n\n`);
    });
    const subscription = deps.live.subscribe(from, {
      send(event, cursor) {
        current = encodeCursor(cursor);
        if (!canSeeLiveEvent(scopes, event)) return;
        lastSent = current;
        write(cursor.gaps.length === 0 && cursor.high === event.id ? block(event) : `id: ${current}\nevent: incident\ndata: ${wire(event)}\n\n`);
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
