import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import type { DepartmentService } from './service.js';

const TAGS = ['departments'];
const Department = z.object({ code: z.string(), name: z.string(), nameEn: z.string(), status: z.enum(['active', 'retired']), streetCode: z.string().nullable().describe("a street's own handling unit: the street's grid code; null for a district department") });
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const Fields = z.object({
  name: z.string().trim().min(1).max(100), nameEn: z.string().trim().min(1).max(150),
  streetCode: z.string().regex(/^\d{6,20}$/).nullable().optional().describe("the street whose own handling unit this is (it takes only that street's cases); null: a district department; omitted on update: unchanged"),
});
const CodeParam = z.object({ code: z.string().min(1).max(16) });

/**
 * The handling departments: read by dispatch pickers and scope choosers,
 * maintained by whoever maintains the loop's configuration (categories,
 * limits, calendar) since categories route to departments.
 */
export async function departmentRoutes(app: FastifyInstance, deps: { departments: DepartmentService }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const configure = permission('incidents.configure');

  r.get('/api/departments', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: 'Handling departments',
      querystring: z.object({ includeRetired: z.enum(['true', 'false']).optional() }),
      response: { 200: z.object({ items: z.array(Department) }) },
    },
  }, async (request) => ({ items: await deps.departments.list(request.query.includeRetired === 'true', requirePrincipal(request).userId) }));

  r.post('/api/departments', {
    config: { policy: configure },
    schema: {
      tags: TAGS,
      summary: 'Create a handling department',
      body: Fields.extend({ code: z.string().trim().regex(/^[A-Z][A-Z0-9_-]{1,15}$/) }),
      response: { 201: Department, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    const { code, ...fields } = request.body;
    return reply.status(201).send(await deps.departments.create(actorOf(request), code, fields));
  });

  r.put('/api/departments/:code', {
    config: { policy: configure },
    schema: { tags: TAGS, summary: 'Rename a handling department or set the street it belongs to', params: CodeParam, body: Fields, response: { 200: Department, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody } },
  }, async (request) => deps.departments.update(actorOf(request), request.params.code, request.body));

  r.post('/api/departments/:code/status', {
    config: { policy: configure },
    schema: {
      tags: TAGS,
      summary: 'Retire a department (it takes no new dispatch; its history stays) or restore it',
      params: CodeParam,
      body: z.object({ status: z.enum(['active', 'retired']) }),
      response: { 200: Department, 404: ErrorBody },
    },
  }, async (request) => deps.departments.setStatus(actorOf(request), request.params.code, request.body.status));
}
