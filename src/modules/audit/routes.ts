import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDb } from '../../database.js';
import { requirePrincipal } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { fromJson, toIso } from '../../infra/db/values.js';

const AuditRecord = z.object({
  seq: z.number(),
  at: z.string(),
  userId: z.number().nullable(),
  username: z.string().nullable(),
  ip: z.string().nullable(),
  action: z.string(),
  objectType: z.string().nullable(),
  objectId: z.string().nullable(),
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
    if (q.action) base = q.action.endsWith('.') ? base.where('action', 'like', `${q.action}%`) : base.where('action', '=', q.action);
    if (q.objectType) base = base.where('object_type', '=', q.objectType);
    if (q.objectId) base = base.where('object_id', '=', q.objectId);
    if (q.result) base = base.where('result', '=', q.result);
    const total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base.selectAll().orderBy('seq', 'desc').limit(q.pageSize).offset((q.page - 1) * q.pageSize).execute();
    return {
      total,
      items: rows.map((x) => ({
        seq: Number(x.seq),
        at: toIso(x.at)!,
        userId: x.user_id == null ? null : Number(x.user_id),
        username: x.username,
        ip: x.ip,
        action: x.action,
        objectType: x.object_type,
        objectId: x.object_id,
        result: x.result,
        details: fromJson<Record<string, unknown>>(x.details, {}),
      })),
    };
  });
}
