import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { REPORT_KINDS } from './rules/periods.js';
import type { ReportService } from './service.js';

const TAGS = ['reports'];
const MIME = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
} as const;

const Report = z.object({
  id: z.number(),
  kind: z.enum(REPORT_KINDS),
  period: z.object({ key: z.string(), from: z.string(), to: z.string() }),
  scope: z.object({ code: z.string(), name: z.string() }),
  title: z.string(),
  trigger: z.enum(['schedule', 'demand']),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  progress: z.number().describe('0–100'),
  error: z.string().nullable().describe('a message code when failed'),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  xlsxSize: z.number().nullable(),
  pdfSize: z.number().nullable(),
});

const Id = z.object({ id: z.coerce.number().int().positive() });

/** Weekly, monthly and quarterly reports (docs/reports.md). */
export async function reportRoutes(app: FastifyInstance, deps: { reports: ReportService }): Promise<void> {
  const { reports } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/reports', {
    config: { policy: permission('reports.generate') },
    schema: {
      tags: TAGS,
      summary: 'Generate a report on demand (a background job; poll GET /api/reports/:id for its progress)',
      body: z.object({
        kind: z.enum(REPORT_KINDS),
        period: z.string().min(1).max(10).describe('weekly 2026-W48, monthly 2026-11, quarterly 2026-Q4'),
        scope: z.string().regex(/^\d{1,20}$/).describe('the grid code of the district or of one street'),
      }),
      response: { 202: Report },
    },
  }, async (request, reply) => {
    const view = await reports.request(request.principal!.scopesFor('reports.generate'), actorOf(request), request.body);
    return reply.status(202).send(view);
  });

  r.get('/api/reports', {
    config: { policy: permission('reports.read') },
    schema: {
      tags: TAGS,
      summary: 'The latest reports of the caller scope, newest first',
      querystring: z.object({ kind: z.enum(REPORT_KINDS).optional(), limit: z.coerce.number().int().min(1).max(50).optional() }),
      response: { 200: z.object({ items: z.array(Report) }) },
    },
  }, async (request) => ({ items: await reports.list(request.principal!.scopesFor('reports.read'), request.query) }));

  r.get('/api/reports/:id', {
    config: { policy: permission('reports.read') },
    schema: { tags: TAGS, summary: 'One report, with its status and progress', params: Id, response: { 200: Report } },
  }, async (request) => reports.get(request.principal!.scopesFor('reports.read'), request.params.id));

  for (const format of ['xlsx', 'pdf'] as const) {
    r.get(`/api/reports/:id/${format}`, {
      config: { policy: permission('reports.read') },
      schema: { tags: TAGS, summary: `Download a done report as ${format.toUpperCase()}`, params: Id },
    }, async (request, reply) => {
      const file = await reports.file(request.principal!.scopesFor('reports.read'), actorOf(request), request.params.id, format);
      return reply
        .header('content-type', MIME[format])
        .header('content-disposition', `attachment; filename="${file.fallback}"; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .send(createReadStream(file.path));
    });
  }
}
