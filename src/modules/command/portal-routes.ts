/**
 * The work portal's bell, dispatch from the map and hot spots
 * (docs/work-portal.md, docs/field-dispatch.md, docs/hot-spots.md).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDb } from '../../database.js';
import { actorOf } from '../../infra/http/app.js';
import { AUTHENTICATED, permission } from '../../infra/http/policy.js';
import type { FieldDispatch } from './field.js';
import { NEAREST_LIMIT_MAX } from './field.js';
import { DEFAULT_HOT_SPOT_PARAMS, findHotSpots } from './hotspots.js';
import type { NotificationService } from './notifications.js';
import { NOTIFICATION_KINDS } from './rules/notify.js';
import './messages.js';

const TAGS = ['command'];
const Id = z.object({ id: z.coerce.number().int().positive() });

const Notification = z.object({
  id: z.number(), kind: z.enum(NOTIFICATION_KINDS as [string, ...string[]]), incidentId: z.number(), incidentCode: z.string(), createdAt: z.string(), readAt: z.string().nullable(),
});
const FieldTask = z.object({
  id: z.number(), incidentId: z.number(), incidentCode: z.string(), incidentStatus: z.string(), address: z.string().nullable(),
  userId: z.number(), userName: z.string().nullable(), kind: z.enum(['verify', 'inspect']), status: z.enum(['open', 'done', 'cancelled']),
  distanceM: z.number().nullable(), note: z.string().nullable(), createdAt: z.string(),
});
const HotSpot = z.object({
  key: z.string(), categoryCode: z.string(), categoryName: z.string().nullable(), categoryNameEn: z.string().nullable(),
  lng: z.number(), lat: z.number(), gridCode: z.string(), communityName: z.string().nullable(), streetName: z.string().nullable(),
  count: z.number(), openCount: z.number(), firstAt: z.string(), lastAt: z.string(),
  cases: z.array(z.object({ id: z.number(), code: z.string(), status: z.string(), reportedAt: z.string(), address: z.string().nullable() })),
});

export async function portalRoutes(app: FastifyInstance, deps: { db: AppDb; notifications: NotificationService; field: FieldDispatch }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/notifications', {
    config: { policy: AUTHENTICATED },
    schema: {
      tags: TAGS, summary: 'The caller\'s notifications, newest first, and the unread count (the console bell)',
      querystring: z.object({ unread: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(200).default(20) }),
      response: { 200: z.object({ unread: z.number(), items: z.array(Notification) }) },
    },
  }, async (request) => deps.notifications.list(request.principal!.userId, { unreadOnly: request.query.unread === 'true', limit: request.query.limit }));

  r.post('/api/notifications/:id/read', {
    config: { policy: AUTHENTICATED },
    schema: { tags: TAGS, summary: 'Marks one of the caller\'s notifications read (another user\'s: 404)', params: Id, response: { 200: z.object({ unread: z.number() }) } },
  }, async (request) => {
    const userId = request.principal!.userId;
    await deps.notifications.markRead(userId, request.params.id);
    return { unread: await deps.notifications.unread(userId) };
  });

  r.post('/api/notifications/read-all', {
    config: { policy: AUTHENTICATED },
    schema: {
      tags: TAGS, summary: 'Marks all the caller\'s notifications read, or those of one case',
      body: z.object({ incidentId: z.number().int().positive().optional() }).default({}),
      response: { 200: z.object({ updated: z.number(), unread: z.number() }) },
    },
  }, async (request) => {
    const userId = request.principal!.userId;
    const updated = await deps.notifications.markAllRead(userId, request.body.incidentId);
    return { updated, unread: await deps.notifications.unread(userId) };
  });

  r.get('/api/command/cases/:id/nearest-workers', {
    config: { policy: permission('incidents.dispatch') },
    schema: {
      tags: TAGS, summary: 'The on-duty grid workers nearest a case, in the caller\'s dispatch area, with distance (docs/field-dispatch.md)',
      params: Id, querystring: z.object({ limit: z.coerce.number().int().min(1).max(NEAREST_LIMIT_MAX).default(5) }),
      response: {
        200: z.object({
          incident: z.object({ id: z.number(), code: z.string(), status: z.string(), lng: z.number(), lat: z.number() }),
          workers: z.array(z.object({
            userId: z.number(), name: z.string(), gridName: z.string().nullable(), lng: z.number(), lat: z.number(), at: z.string(),
            distanceM: z.number(), onDuty: z.boolean(), canVerify: z.boolean(),
          })),
          openTasks: z.array(FieldTask),
        }),
      },
    },
  }, async (request) => {
    const found = await deps.field.nearest(request.principal!, request.params.id, request.query.limit);
    return { ...found, workers: found.workers.map((w) => ({ ...w, at: new Date(w.at).toISOString() })) };
  });

  r.post('/api/command/cases/:id/field-tasks', {
    config: { policy: permission('incidents.dispatch') },
    schema: {
      tags: TAGS, summary: 'Sends an on-duty grid worker to verify or inspect a case: a task on his phone and in his bell (an open task of the same kind is handed over)',
      params: Id,
      body: z.object({ userId: z.number().int().positive(), kind: z.enum(['verify', 'inspect']), note: z.string().trim().max(500).optional() }),
      response: { 200: FieldTask },
    },
  }, async (request) => deps.field.send(request.principal!, actorOf(request), request.params.id, request.body));

  r.get('/api/command/field-tasks/mine', {
    config: { policy: AUTHENTICATED },
    schema: { tags: TAGS, summary: 'The caller\'s open field tasks (the phone\'s task list)', response: { 200: z.object({ items: z.array(FieldTask) }) } },
  }, async (request) => ({ items: await deps.field.mine(request.principal!) }));

  r.post('/api/command/field-tasks/:id/done', {
    config: { policy: AUTHENTICATED },
    schema: { tags: TAGS, summary: 'The worker reports his field task done (another user\'s task: 404)', params: Id, response: { 200: FieldTask } },
  }, async (request) => deps.field.done(request.principal!, actorOf(request), request.params.id));

  r.get('/api/command/hotspots', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS, summary: 'Hot spots: at least N cases of one minor category within R metres in the last D days, in the caller\'s scope (docs/hot-spots.md)',
      querystring: z.object({
        minCases: z.coerce.number().int().min(2).max(100).default(DEFAULT_HOT_SPOT_PARAMS.minCases),
        radiusM: z.coerce.number().int().min(10).max(5000).default(DEFAULT_HOT_SPOT_PARAMS.radiusM),
        days: z.coerce.number().int().min(1).max(366).default(DEFAULT_HOT_SPOT_PARAMS.days),
      }),
      response: { 200: z.object({ params: z.object({ minCases: z.number(), radiusM: z.number(), days: z.number() }), from: z.string(), to: z.string(), truncated: z.boolean(), items: z.array(HotSpot) }) },
    },
  }, async (request) => findHotSpots(deps.db, request.principal!.scopesFor('incidents.read'), request.query));
}
