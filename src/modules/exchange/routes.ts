import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { AppError, localeFrom, messageFor } from '../../infra/http/errors.js';
import { permission } from '../../infra/http/policy.js';
import { filterOf, ListQuery } from '../incidents/routes.js';
import { toCsv, toFeatureCollection } from './rules/formats.js';
import type { CaseImportProblem, ExchangeService } from './service.js';

const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const Problem = z.object({ row: z.number(), sourceCode: z.string().nullable(), field: z.string(), code: z.string(), message: z.string() });
const ImportAnswer = z.object({
  dryRun: z.boolean(),
  format: z.enum(['geojson', 'json', 'csv']),
  source: z.string(),
  rows: z.number().describe('records in the file'),
  intake: z.number().describe('open cases that entered (dry run: would enter) the intake queue'),
  history: z.number().describe('closed cases kept (dry run: that would be kept) as history with their own times'),
  known: z.number().describe('records of this source imported before: left as they are'),
  problems: z.array(Problem),
  cases: z.array(z.object({ row: z.number(), sourceCode: z.string(), code: z.string().describe('our case code'), kind: z.enum(['intake', 'history']) })),
});
const Flag = z.enum(['true', 'false']).optional();
/** A file of 5,000 cases is a few MB. */
const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;

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

  await app.register(async (scoped) => {
    // The body is the file as it is, whatever its type (GeoJSON, JSON, CSV): read as bytes, told apart by the service.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scoped.withTypeProvider<ZodTypeProvider>().post('/api/exchange/cases/import', {
      config: { policy: permission('exchange.import') },
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags: ['exchange'],
        summary: 'Import cases from an exchange file as the export writes it (body: the GeoJSON, JSON civicgrid.case/1 or CSV file); open cases enter the intake, closed ones are kept as history; dryRun=true checks only; all or nothing unless partial=true; a source code imported before is left alone',
        querystring: z.object({
          source: z.string().min(1).max(40).describe('the sending system\'s short name: with the record\'s code, the key that makes a second import of the same file a no-op'),
          format: z.enum(['geojson', 'json', 'csv']).optional().describe('default: told from the content'),
          dryRun: Flag,
          partial: Flag,
        }),
        response: { 200: ImportAnswer, 409: ErrorBody, 422: ErrorBody },
      },
    }, async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError(422, 'EXCHANGE_IMPORT_EMPTY');
      const locale = localeFrom(request.headers['accept-language']);
      const localized = (problems: CaseImportProblem[]) => problems.map((p) => ({ ...p, message: messageFor(p.code, locale) }));
      try {
        const r = await deps.exchange.importCases(requirePrincipal(request), actorOf(request), body.toString('utf8'), {
          source: request.query.source, format: request.query.format, dryRun: request.query.dryRun === 'true', partial: request.query.partial === 'true',
        });
        return { ...r, problems: localized(r.problems) };
      } catch (err) {
        if (err instanceof AppError && err.code === 'EXCHANGE_IMPORT_INVALID') {
          throw new AppError(422, err.code, { problems: localized(err.details.problems as CaseImportProblem[]) });
        }
        throw err;
      }
    });
  });
}
