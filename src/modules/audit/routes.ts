import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDb } from '../../database.js';
import { requirePrincipal } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { fromJson, toIso } from '../../infra/db/values.js';
import { likeContains } from '../../infra/db/like.js';
import { objectNames } from './names.js';

const AuditRecord = z.object({
  seq: z.number(),
  at: z.string(),
  userId: z.number().nullable(),
  username: z.string().nullable(),
  /** The acting user's display name now (null for the system or a user no longer known). */
  userDisplayName: z.string().nullable(),
  ip: z.string().nullable(),
  action: z.string(),
  objectType: z.string().nullable(),
  objectId: z.string().nullable(),
  /** The object's name (a user's display name and username, a department's or category's name, an incident's code); null when it has none to show. */
  objectName: z.string().nullable(),
  objectNameEn: z.string().nullable(),
  result: z.enum(['success', 'failure']),
  details: z.record(z.string(), z.unknown()),
});

/** The auditor's search over the audit log (read-only; the log is append-only). */
export async function auditRoutes(app: FastifyInstance, deps: { db: AppDb }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/audit', {
    config: { policy: permission('audit.read') },
    schema: {
      tags: ['audit'],
      summary: 'Search the audit log, newest first',
      querystring: z.object({
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        username: z.string().max(64).optional(),
        /** Part of the acting user's username or display name. */
        user: z.string().trim().min(1).max(64).optional(),
        action: z.string().max(64).optional(),
        objectType: z.string().max(64).optional(),
        objectId: z.string().max(128).optional(),
        result: z.enum(['success', 'failure']).optional(),
        page: z.coerce.number().int().min(1).default(1),
        pageSize: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: { 200: z.object({ items: z.array(AuditRecord), total: z.number() }) },
    },
  }, async (request) => {
    const q = request.query;
    let base = deps.db.reader(requirePrincipal(request).userId).selectFrom('audit_log');
    if (q.from) base = base.where('at', '>=', Date.parse(q.from));
    if (q.to) base = base.where('at', '<', Date.parse(q.to));
    if (q.username) base = base.where('username', '=', q.username.toLowerCase());
    if (q.user) {
      // Usernames are stored lower-cased; display names as typed.
      const text = q.user;
      base = base.where((eb) => eb.or([
        likeContains(eb.ref('username'), text.toLowerCase()),
        eb('user_id', 'in', eb.selectFrom('users').select('users.id').where((u) => u.or([
          likeContains(u.ref('users.username'), text.toLowerCase()),
          likeContains(u.ref('users.display_name'), text),
        ]))),
      ]));
    }
    if (q.action) base = q.action.endsWith('.') ? base.where('action', 'like', `${q.action}%`) : base.where('action', '=', q.action);
    if (q.objectType) base = base.where('object_type', '=', q.objectType);
    if (q.objectId) base = base.where('object_id', '=', q.objectId);
    if (q.result) base = base.where('result', '=', q.result);
    const total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base.selectAll().orderBy('seq', 'desc').limit(q.pageSize).offset((q.page - 1) * q.pageSize).execute();
    const userId = requirePrincipal(request).userId;
    const names = await objectNames(deps.db, userId, rows.map((x) => ({ type: x.object_type, id: x.object_id })));
    const displayNames = new Map<number, string>();
    const actorIds = [...new Set(rows.map((x) => x.user_id).filter((x): x is number => x != null).map(Number))];
    if (actorIds.length > 0) {
      for (const u of await deps.db.reader(userId).selectFrom('users').select(['id', 'display_name']).where('id', 'in', actorIds).execute()) displayNames.set(Number(u.id), u.display_name);
    }
    return {
      total,
      items: rows.map((x) => ({
        seq: Number(x.seq),
        at: toIso(x.at)!,
        userId: x.user_id == null ? null : Number(x.user_id),
        username: x.username,
        userDisplayName: x.user_id == null ? null : (displayNames.get(Number(x.user_id)) ?? null),
        ip: x.ip,
        action: x.action,
        objectType: x.object_type,
        objectId: x.object_id,
        objectName: names.get(`${x.object_type}:${x.object_id}`)?.name ?? null,
        objectNameEn: names.get(`${x.object_type}:${x.object_id}`)?.nameEn ?? null,
        result: x.result,
        details: fromJson<Record<string, unknown>>(x.details, {}),
      })),
    };
  });
}
