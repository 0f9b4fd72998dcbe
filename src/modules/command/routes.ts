import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../infra/http/errors.js';
import { permission } from '../../infra/http/policy.js';
import { decodeCursor, type LiveCursor } from '../../infra/feed/tail.js';
import type { IncidentLiveFeed } from './live.js';
import { LiveStreams } from './streams.js';
import type { CommandOverviewService } from './overview.js';
import './messages.js';

export interface LiveRouteOptions {
  /** A heartbeat (and the cursor, when events were filtered out) this often; proxies drop silent streams. */
  heartbeatMs?: number;
  /** Each stream ends after this long and the browser reconnects with its cursor, so a revoked session stops. */
  maxStreamMs?: number;
  /** A client that reads slower than the feed writes is dropped past this many buffered bytes (it resumes). */
  maxBufferedBytes?: number;
  /** A stream's events are gathered this long and written at once (default 250 ms: the feed promises a second). */
  flushMs?: number;
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
  const flushMs = deps.flushMs ?? 250;
  const streams = new LiveStreams(deps.live, {
    heartbeatMs, maxStreamMs, maxBufferedBytes: maxBuffered, flushMs,
    onSlowClient: (buffered) => app.log.warn({ buffered }, 'live feed client too slow; dropped (it resumes from its cursor)'),
  });
  app.decorate('liveStreams', streams);
  // Open streams would hold the server's close until they expire: end them first (browsers reconnect elsewhere).
  app.addHook('preClose', async () => streams.endAll());

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
    streams.open(res.socket!, { userId: request.principal!.userId, scopes }, from, given ?? '');
  });
}
