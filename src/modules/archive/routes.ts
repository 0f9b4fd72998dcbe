import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requirePrincipal } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { Event, Incident } from '../incidents/routes.js';
import type { ArchiveStore } from './store.js';

const TAGS = ['archive'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const ArchivedIncident = Incident.extend({ archived: z.literal(true) });

const Page = z.object({
  items: z.array(ArchivedIncident),
  more: z.boolean().describe('more matches may follow this page'),
  truncated: z.boolean().describe('the archive scan stopped at its bound (20,000 rows) before filling the page: narrow the query'),
  page: z.number(),
  pageSize: z.number(),
});

const ArchivedCase = z.object({
  archived: z.literal(true),
  archivedAt: z.string(),
  incident: Incident,
  reporterUserName: z.string().nullable(),
  mergedIntoCode: z.string().nullable().describe('the code of the case this one was merged into'),
  timeline: z.array(Event),
  links: z.array(z.object({ kind: z.string(), code: z.string().nullable().describe('the other case, by its code'), at: z.string() })),
});

/** Archived cases (存档库): read-only, in the caller's incidents.read scope (docs/archive.md). */
export async function archiveRoutes(app: FastifyInstance, deps: { archive: ArchiveStore }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/archive/incidents', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: 'Search archived incidents in the caller scope, newest first (the same query rules as /api/incidents q)',
      querystring: z.object({
        q: z.string().max(100).optional(),
        page: z.coerce.number().int().min(1).max(1000).default(1),
        pageSize: z.coerce.number().int().min(1).max(100).default(20),
      }),
      response: { 200: Page },
    },
  }, async (request) => {
    const { q, page, pageSize } = request.query;
    return { ...(await deps.archive.search(requirePrincipal(request), q, page, pageSize)), page, pageSize };
  });

  r.get('/api/archive/incidents/:code', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: 'An archived incident by its case code, with its timeline; read-only',
      params: z.object({ code: z.string().regex(/^\d{8,20}$/) }),
      response: { 200: ArchivedCase, 404: ErrorBody },
    },
  }, async (request) => deps.archive.byCode(requirePrincipal(request), request.params.code));
}
