import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { AppError, forbidden, localeFrom, messageFor } from '../../infra/http/errors.js';
import { AUTHENTICATED, permission } from '../../infra/http/policy.js';
import type { HotlineService, ImportProblem, ImportResult, OrderAccess } from './service.js';
import { IMPORT_MAX_ROWS } from './service.js';
import { readOrderSheet } from './xlsx.js';

const TAGS = ['hotline'];
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const Ymd = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const Verdict = z.enum(['satisfied', 'unsatisfied']);
const State = z.enum(['unassigned', 'assigned', 'helped', 'answered']);

const Order = z.object({
  id: z.number(),
  orderNo: z.string(),
  receivedAt: z.string(),
  callerName: z.string().nullable().describe('masked'),
  callerPhone: z.string().nullable().describe('masked'),
  address: z.string(),
  position: z.object({ lng: z.number(), lat: z.number() }).nullable(),
  content: z.string(),
  originalVerdict: z.string(),
  state: State,
  grid: z.object({ code: z.string(), name: z.string(), communityName: z.string(), streetName: z.string() }).nullable(),
  worker: z.object({ userId: z.number(), displayName: z.string() }).nullable(),
  assignedAt: z.string().nullable(),
  helpedAt: z.string().nullable(),
  helpNote: z.string().nullable(),
  helpPhotos: z.array(z.string()),
  answeredAt: z.string().nullable(),
  answerNote: z.string().nullable(),
  verdict: Verdict.nullable(),
  version: z.number(),
});

const Problem = z.object({ row: z.number(), orderNo: z.string().nullable(), field: z.string(), code: z.string(), message: z.string() });
const ImportAnswer = z.object({ created: z.number(), updated: z.number(), assigned: z.number(), unassigned: z.number(), problems: z.array(Problem) });

const OrderItem = z.object({
  orderNo: z.union([z.string(), z.number()]).describe('the hotline system\'s order number; a known one updates its order'),
  receivedAt: z.union([z.string(), z.number()]).describe('ISO instant, epoch ms, or "YYYY-MM-DD HH:mm" in Asia/Shanghai'),
  callerName: z.string().max(100).nullish(),
  callerPhone: z.string().max(40).nullish(),
  address: z.string().max(1000),
  lng: z.number().nullish().describe('WGS84'),
  lat: z.number().nullish().describe('WGS84'),
  content: z.string().max(10000),
  originalVerdict: z.string().max(100).nullish(),
});

const FiguresRow = z.object({
  code: z.string().nullable(),
  name: z.string().nullable(),
  orders: z.number(),
  helped: z.number().describe('助力件数'),
  answered: z.number().describe('已反馈'),
  satisfiedAgain: z.number().describe('重新满意'),
  ratePercent: z.number().nullable().describe('满意率 = 重新满意 / 已反馈, truncated to one decimal'),
});

const Id = z.object({ id: z.coerce.number().int().positive() });

function accessOf(request: FastifyRequest, perm = 'hotline.read'): OrderAccess {
  const p = requirePrincipal(request);
  return { userId: p.userId, scopes: p.scopesFor(perm), revisit: p.can('hotline.revisit') };
}

function localized(request: FastifyRequest, problems: ImportProblem[]) {
  const locale = localeFrom(request.headers['accept-language']);
  return problems.map((p) => ({ ...p, message: messageFor(p.code, locale) }));
}

/** Localizes the row problems of a result, and of the 422 that refuses an import. */
async function answered(request: FastifyRequest, run: () => Promise<ImportResult>) {
  try {
    const r = await run();
    return { ...r, problems: localized(request, r.problems) };
  } catch (err) {
    if (err instanceof AppError && err.code === 'HOTLINE_IMPORT_INVALID') {
      throw new AppError(422, err.code, { problems: localized(request, err.details.problems as ImportProblem[]) });
    }
    throw err;
  }
}

/** Unsatisfied hotline orders and their revisits (docs/hotline.md). */
export async function hotlineRoutes(app: FastifyInstance, deps: { hotline: HotlineService }): Promise<void> {
  const { hotline } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/hotline/revisits', {
    config: { policy: permission('hotline.manage') },
    schema: {
      tags: TAGS,
      summary: 'Import unsatisfied hotline orders (JSON); all or nothing unless partial=true; a known order number updates its order',
      querystring: z.object({ partial: z.enum(['true', 'false']).optional() }),
      body: z.object({ orders: z.array(OrderItem).min(1).max(IMPORT_MAX_ROWS) }),
      response: { 200: ImportAnswer, 422: ErrorBody },
    },
  }, async (request) => answered(request, () => hotline.importRows(
    accessOf(request, 'hotline.manage'), actorOf(request),
    request.body.orders.map((o, i) => ({ row: i + 1, values: o })),
    { partial: request.query.partial === 'true', source: 'api' },
  )));

  await app.register(async (scoped) => {
    scoped.addContentTypeParser([XLSX_MIME, 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: 10 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    scoped.withTypeProvider<ZodTypeProvider>().post('/api/hotline/revisits/import', {
      config: { policy: permission('hotline.manage') },
      bodyLimit: 10 * 1024 * 1024,
      schema: {
        tags: TAGS,
        summary: 'Import unsatisfied hotline orders from an XLSX workbook (body: the file; header row with 工单编号, 受理时间, 地址, 诉求内容…)',
        querystring: z.object({ partial: z.enum(['true', 'false']).optional() }),
        response: { 200: ImportAnswer, 422: ErrorBody },
      },
    }, async (request) => {
      if (!Buffer.isBuffer(request.body)) throw new AppError(422, 'HOTLINE_XLSX_UNREADABLE');
      const rows = await readOrderSheet(request.body);
      return answered(request, () => hotline.importRows(accessOf(request, 'hotline.manage'), actorOf(request), rows, {
        partial: request.query.partial === 'true', wallClockDates: true, source: 'xlsx',
      }));
    });
  });

  r.get('/api/hotline/revisits', {
    config: { policy: permission('hotline.read') },
    schema: {
      tags: TAGS,
      summary: 'Unsatisfied orders of the caller scope, newest first (state=unassigned: the list the centre assigns by hand)',
      querystring: z.object({
        state: State.optional(),
        street: z.string().regex(/^\d{9}$/).optional(),
        from: Ymd.optional(),
        to: Ymd.optional(),
        page: z.coerce.number().int().min(1).optional(),
        pageSize: z.coerce.number().int().min(1).max(100).optional(),
      }),
      response: { 200: z.object({ items: z.array(Order), total: z.number() }) },
    },
  }, async (request) => hotline.list({ ...accessOf(request), revisit: false }, request.query));

  r.get('/api/hotline/revisits/mine', {
    config: { policy: permission('hotline.revisit') },
    schema: {
      tags: TAGS,
      summary: 'The orders assigned to the calling grid worker',
      querystring: z.object({ state: State.optional(), page: z.coerce.number().int().min(1).optional() }),
      response: { 200: z.object({ items: z.array(Order), total: z.number() }) },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    return hotline.list({ userId: p.userId, scopes: [], revisit: true }, { ...request.query, mine: true, pageSize: 50 });
  });

  r.get('/api/hotline/revisits/figures', {
    config: { policy: permission('hotline.read') },
    schema: {
      tags: TAGS,
      summary: '助力件数 / 已反馈 / 重新满意 / 满意率 per street for orders received in the period (local days, inclusive)',
      querystring: z.object({ from: Ymd.optional(), to: Ymd.optional() }),
      response: { 200: z.object({ streets: z.array(FiguresRow), unlocated: FiguresRow.nullable(), total: FiguresRow }) },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    return hotline.figures(p.scopesFor('hotline.read'), p.userId, request.query);
  });

  r.get('/api/hotline/revisits/:id', {
    // Staff read by scope, a grid worker the orders given to them: checked in the service (404 otherwise).
    config: { policy: AUTHENTICATED },
    schema: { tags: TAGS, summary: 'One unsatisfied order', params: Id, response: { 200: Order, 404: ErrorBody } },
  }, async (request) => {
    const access = accessOf(request);
    if (access.scopes.length === 0 && !access.revisit) throw forbidden('hotline.read');
    return hotline.get(access, request.params.id);
  });

  r.post('/api/hotline/revisits/:id/assign', {
    config: { policy: permission('hotline.manage') },
    schema: {
      tags: TAGS,
      summary: 'Give an order to a unit grid and so to its grid worker (for orders no position placed)',
      params: Id,
      body: z.object({ gridCode: z.string().regex(/^\d{1,20}$/), version: z.number().int().min(0) }),
      response: { 200: Order, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => {
    const access = { ...accessOf(request, 'hotline.manage'), revisit: false };
    return hotline.assign(access, actorOf(request), request.params.id, request.body);
  });

  r.post('/api/hotline/revisits/:id/help', {
    // The assigned worker (hotline.revisit) or staff with hotline.manage in scope: checked in the service.
    config: { policy: AUTHENTICATED },
    schema: {
      tags: TAGS,
      summary: 'Record the help given (帮办), with photos uploaded by the caller through POST /api/files',
      params: Id,
      body: z.object({ note: z.string().trim().min(1).max(2000), photos: z.array(z.string().max(80)).max(9).optional().describe('replaces the kept photos; omitted, they stay'), version: z.number().int().min(0) }),
      response: { 200: Order, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    const access = accessOf(request);
    if (access.scopes.length === 0 && !access.revisit) throw forbidden('hotline.revisit');
    return hotline.help(access, p.scopesFor('hotline.manage'), actorOf(request), request.params.id, request.body);
  });

  r.post('/api/hotline/revisits/:id/answer', {
    config: { policy: AUTHENTICATED },
    schema: {
      tags: TAGS,
      summary: 'Record the answer to the caller (反馈) and the caller\'s new verdict (重新满意 or not)',
      params: Id,
      body: z.object({ note: z.string().trim().min(1).max(2000), verdict: Verdict, version: z.number().int().min(0) }),
      response: { 200: Order, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    const access = accessOf(request);
    if (access.scopes.length === 0 && !access.revisit) throw forbidden('hotline.revisit');
    return hotline.answer(access, p.scopesFor('hotline.manage'), actorOf(request), request.params.id, request.body);
  });
}
