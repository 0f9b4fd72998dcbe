import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDb } from '../../database.js';
import { permission } from '../../infra/http/policy.js';

const Department = z.object({ code: z.string(), name: z.string(), nameEn: z.string(), status: z.enum(['active', 'retired']) });

/** The handling departments, for dispatch pickers and scope choosers. */
export async function departmentRoutes(app: FastifyInstance, deps: { db: AppDb }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get('/api/departments', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: ['departments'],
      summary: 'Handling departments',
      querystring: z.object({ includeRetired: z.enum(['true', 'false']).optional() }),
      response: { 200: z.object({ items: z.array(Department) }) },
    },
  }, async (request) => {
    let q = deps.db.reader().selectFrom('departments').select(['code', 'name', 'name_en', 'status']);
    if (request.query.includeRetired !== 'true') q = q.where('status', '=', 'active');
    const rows = await q.orderBy('code').execute();
    return { items: rows.map((r) => ({ code: r.code, name: r.name, nameEn: r.name_en, status: r.status })) };
  });
}
