import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requirePrincipal } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { filterOf, ListQuery } from '../incidents/routes.js';
import { toCsv, toFeatureCollection } from './rules/formats.js';
import type { ExchangeService } from './service.js';

/** Standard exchange of cases with other systems (docs/exchange.md). */
export async function exchangeRoutes(app: FastifyInstance, deps: { exchange: ExchangeService }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/exchange/cases', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: ['exchange'],
      summary: 'The filtered cases in the exchange record (stage of the seven-step loop, step times, codes; no personal data) as GeoJSON, JSON or CSV',
      querystring: ListQuery.omit({ page: true, pageSize: true, sort: true, order: true }).extend({ format: z.enum(['geojson', 'json', 'csv']).default('geojson') }),
    },
  }, async (request, reply) => {
    const { format, ...query } = request.query;
    const records = await deps.exchange.cases(requirePrincipal(request), filterOf({ ...query, page: 1, pageSize: 1 }));
    const stamp = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
    if (format === 'csv') {
      return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="cases-${stamp}.csv"`).send(toCsv(records));
    }
    if (format === 'json') return reply.header('content-type', 'application/json; charset=utf-8').send({ schema: 'civicgrid.case/1', cases: records });
    return reply.header('content-type', 'application/geo+json; charset=utf-8').header('content-disposition', `attachment; filename="cases-${stamp}.geojson"`).send(toFeatureCollection(records));
  });
}
