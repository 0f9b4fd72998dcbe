import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { AppError } from '../../infra/http/errors.js';
import { permission } from '../../infra/http/policy.js';
import { IDEMPOTENCY_KEY_RE } from '../../infra/idempotency/idempotency.js';
import type { IncidentConfigService } from './configuration.js';
import { CATEGORY_FILE_FORMATS, type CategoryFileFormat } from './rules/category-file.js';
import { CHANNEL_ZH, STATUS_ZH, WARNING_ZH } from './labels.js';
import { ACTION_TYPES, INCIDENT_STATUSES, type Action } from './rules/state-machine.js';
import { INCIDENT_CHANNELS, QUEUES, REPORT_CHANNELS, type IncidentService, type IncidentView, type ListFilter } from './service.js';

const TAGS = ['incidents'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const Channel = z.enum(INCIDENT_CHANNELS as unknown as [string, ...string[]]) as z.ZodType<IncidentView['channel']>;
const Status = z.enum(INCIDENT_STATUSES);
const Warning = z.enum(['none', 'amber', 'red']);
const IsoNullable = z.string().nullable();

export const Incident = z.object({
  id: z.number(),
  code: z.string(),
  status: Status,
  version: z.number(),
  gridCode: z.string(),
  communityCode: z.string(),
  streetCode: z.string(),
  gridName: z.string().nullable(),
  communityName: z.string().nullable(),
  streetName: z.string().nullable(),
  lng: z.number().nullable(),
  lat: z.number().nullable(),
  address: z.string().nullable(),
  description: z.string(),
  channel: Channel,
  reporterUserId: z.number().nullable(),
  reporterName: z.string().nullable(),
  reporterPhoneMasked: z.string().nullable(),
  externalRef: z.string().nullable(),
  categoryCode: z.string().nullable(),
  leadDepartmentCode: z.string().nullable(),
  coHandlerDepartmentCodes: z.array(z.string()),
  reportedAt: z.string(),
  deadlines: z.object({ registerBy: IsoNullable, dispatchBy: IsoNullable, handleBy: IsoNullable, verifyBy: IsoNullable }),
  dueAt: IsoNullable,
  overdue: z.boolean(),
  warning: Warning,
  pendingRequest: z.string().nullable(),
  urgeCount: z.number(),
  lastUrgedAt: IsoNullable.describe('when the case was last urged (督办)'),
  reworkCount: z.number(),
  returnCount: z.number(),
  extensionCount: z.number(),
  mergedInto: z.number().nullable(),
  closedAt: IsoNullable,
  photos: z.array(z.string()),
  updatedAt: z.string(),
  assignees: z.array(z.object({ departmentCode: z.string(), role: z.enum(['lead', 'co']), userName: z.string().nullable() })).optional()
    .describe("who each department's part is assigned to, by name (lists and queues)"),
});
export const Event = z.object({
  seq: z.number(),
  action: z.string(),
  fromStatus: z.string().nullable(),
  toStatus: z.string(),
  actorUserId: z.number().nullable(),
  actorRole: z.string().nullable(),
  /** The actor's display name (in the incident detail). */
  actorName: z.string().nullable().optional(),
  note: z.string().nullable(),
  attachments: z.array(z.string()),
  data: z.record(z.string(), z.unknown()),
  at: z.string(),
});
const Duplicate = z.object({
  id: z.number(),
  code: z.string(),
  status: z.string(),
  categoryCode: z.string().nullable(),
  distanceM: z.number(),
  description: z.string(),
  reportedAt: z.string(),
});
const ActionName = z.enum(ACTION_TYPES);
const Page = z.object({
  items: z.array(Incident),
  total: z.number().describe('matches; when totalCapped, more than this match (counts stop at 10,000; a text search counts no further than the page)'),
  totalCapped: z.boolean(),
  page: z.number(),
  pageSize: z.number(),
});

const Photos = z.array(z.string().min(1).max(128)).max(20);
const Note = z.string().max(2000);
const Reason = z.string().max(2000);
const TimeLimit = z.object({ amount: z.number().positive().max(1000), unit: z.enum(['hours', 'days']) });
const DeptCode = z.string().min(1).max(16);
const version = z.number().int().positive();

const ActionBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('accept'), version, note: Note.optional() }),
  z.object({ type: z.literal('register'), version, categoryCode: z.string().max(8), note: Note.optional() }),
  z.object({ type: z.literal('reject'), version, reason: Reason }),
  z.object({
    type: z.literal('dispatch'), version, leadDepartmentCode: DeptCode, coHandlerDepartmentCodes: z.array(DeptCode).max(12).optional(),
    taskLimits: z.record(DeptCode, TimeLimit).optional().describe("a co-handler department's own handling limit; the others get the case's"),
    note: Note.optional(),
  }),
  z.object({ type: z.literal('return'), version, reason: Reason }),
  z.object({ type: z.literal('start-handling'), version, note: Note.optional() }),
  z.object({ type: z.literal('reply'), version, result: z.string().max(4000), photos: Photos }),
  z.object({ type: z.literal('start-verify'), version, note: Note.optional() }),
  z.object({ type: z.literal('verify-pass'), version, note: Note.optional(), photos: Photos.optional() }),
  z.object({
    type: z.literal('verify-fail'), version, reason: Reason, photos: Photos.optional(),
    reopenDepartmentCodes: z.array(DeptCode).max(12).optional().describe('co-handler departments that must redo their part (the lead always does)'),
  }),
  z.object({ type: z.literal('close'), version, note: Note.optional() }),
  z.object({ type: z.literal('request-extension'), version, extension: TimeLimit, reason: Reason }),
  z.object({ type: z.literal('approve-extension'), version, extension: TimeLimit.optional(), note: Note.optional() }),
  z.object({ type: z.literal('refuse-extension'), version, reason: Reason }),
  z.object({ type: z.literal('request-defer'), version, reason: Reason }),
  z.object({ type: z.literal('approve-defer'), version, note: Note.optional() }),
  z.object({ type: z.literal('refuse-defer'), version, reason: Reason }),
  z.object({ type: z.literal('urge'), version, note: Note.optional() }),
  z.object({
    type: z.literal('self-resolve'), version, categoryCode: z.string().max(8).optional(),
    beforePhotos: Photos, afterPhotos: Photos, note: Note.optional(),
  }),
  z.object({ type: z.literal('escalate'), version, departmentCodes: z.array(DeptCode).min(1).max(13), responseLimit: TimeLimit.optional(), note: Note.optional() }),
  z.object({ type: z.literal('respond'), version, note: Note.optional() }),
  z.object({
    type: z.literal('assign'), version, assigneeUserId: z.number().int().positive(),
    departmentCode: DeptCode.optional().describe("the department whose part is assigned; default the caller's department on the case"),
    note: Note.optional(),
  }),
]);

const CreateBody = z.object({
  channel: z.enum(REPORT_CHANNELS as unknown as [string, ...string[]]) as z.ZodType<IncidentView['channel']>,
  description: z.string().trim().min(1).max(4000),
  position: z
    .object({ lng: z.number().min(-180).max(180), lat: z.number().min(-90).max(90), crs: z.enum(['wgs84', 'gcj02', 'bd09']).default('wgs84') })
    .optional(),
  address: z.string().max(500).optional(),
  gridCode: z.string().regex(/^\d{15}$/).optional(),
  categoryCode: z.string().regex(/^\d{4}$/).optional(),
  photos: Photos.optional(),
  reporter: z.object({ name: z.string().max(100).optional(), phone: z.string().regex(/^[0-9+\- ]{3,20}$/).optional() }).optional(),
  externalRef: z.string().max(64).optional(),
});

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
export const ListQuery = z.object({
  status: z
    .string()
    .max(200)
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      const list = s.split(',').map((x) => x.trim()).filter(Boolean);
      for (const x of list) {
        if (!(INCIDENT_STATUSES as readonly string[]).includes(x)) ctx.addIssue({ code: 'custom', message: `unknown status ${x}` });
      }
      return list;
    }),
  category: z.string().regex(/^\d{1,4}$/).optional(),
  grid: z.string().regex(/^\d{1,20}$/).optional(),
  department: DeptCode.optional(),
  leadDepartment: DeptCode.optional().describe('the lead department only (department also matches co-handlers); what a department ranking counts'),
  channel: Channel.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  overdue: flag.optional(),
  urged: flag.optional(),
  reworked: flag.optional().describe('sent back by a failed verification at least once (返工), as the statistics count it'),
  returned: flag.optional().describe('returned by a department at least once (退回), as the statistics count it'),
  warning: Warning.optional(),
  assignedToMe: flag.optional().describe('only cases with an open part assigned to the caller'),
  q: z.string().max(100).optional().describe('text search over code, description and address: every part must occur (Chinese as a substring, Latin letters and digits as a word prefix); four or more digits alone look for codes beginning with them; results newest first'),
  sort: z.enum(['reportedAt', 'dueAt', 'updatedAt']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});
type ListQueryT = z.infer<typeof ListQuery>;

export function filterOf(q: ListQueryT): ListFilter {
  return {
    status: q.status,
    category: q.category,
    grid: q.grid,
    department: q.department,
    leadDepartment: q.leadDepartment,
    channel: q.channel,
    from: q.from ? Date.parse(q.from) : undefined,
    to: q.to ? Date.parse(q.to) : undefined,
    overdue: q.overdue,
    urged: q.urged,
    reworked: q.reworked,
    returned: q.returned,
    warning: q.warning,
    assignedToMe: q.assignedToMe,
    q: q.q?.trim() || undefined,
    sort: q.sort,
    order: q.order,
  };
}

const LimitsZ = z.object({ register: TimeLimit, dispatch: TimeLimit, handle: TimeLimit, verify: TimeLimit });
const CategoryFields = z.object({
  majorCode: z.string().regex(/^\d{2}$/),
  nameZh: z.string().trim().min(1).max(100),
  nameEn: z.string().trim().min(1).max(150),
  type: z.enum(['component', 'event']),
  caseType: z.enum(['immediate', 'committed', 'coordinated']),
  departmentCodes: z.array(DeptCode).max(13),
  limits: LimitsZ,
  status: z.enum(['active', 'retired']).optional(),
});
const Category = CategoryFields.extend({ code: z.string(), status: z.enum(['active', 'retired']), version: z.number() });
const Major = z.object({ code: z.string(), nameZh: z.string(), nameEn: z.string(), sort: z.number(), status: z.enum(['active', 'retired']) });
const CaseTypeZ = z.enum(['immediate', 'committed', 'coordinated']);
const WorkflowZ = z.object({
  selfResolve: z.enum(['off', 'verify', 'no-verify']),
  skipRegisterForGridWorker: z.boolean(),
  verificationRequired: z.boolean(),
  verifier: z.enum(['grid', 'reporter', 'centre']),
  coordinationRequired: z.boolean(),
  closer: z.enum(['desk', 'supervisor']),
});
const WorkflowRecordZ = WorkflowZ.extend({ caseType: CaseTypeZ, version: z.number() });
const CalendarZ = z.object({
  periods: z.array(z.tuple([z.number().int().min(0).max(1440), z.number().int().min(0).max(1440)])).min(1).max(6),
  weekendDays: z.array(z.number().int().min(0).max(6)).max(7),
  years: z
    .array(
      z.object({
        year: z.number().int().min(2000).max(2100),
        holidays: z.array(z.iso.date()).max(366),
        workingWeekends: z.array(z.iso.date()).max(60),
        source: z.string().max(200).default(''),
      }),
    )
    .max(50),
});

const Detail = z.object({
    incident: Incident,
    reporterUserName: z.string().nullable().describe('the reporting user by name, when the reporter is a user'),
    mergedIntoCode: z.string().nullable().describe('the code of the case this one was merged into'),
    timeline: z.array(Event),
    links: z.array(z.object({ kind: z.string(), incidentId: z.number(), linkedIncidentId: z.number(), data: z.record(z.string(), z.unknown()), at: z.string() })),
    urges: z.array(z.object({ at: z.string(), actorName: z.string().nullable(), note: z.string().nullable() })).describe('who urged the case, when, with what note; newest first'),
    allowedActions: z.array(ActionName),
    suggestedDispatch: z.object({ leadDepartmentCode: z.string().nullable(), coHandlerDepartmentCodes: z.array(z.string()) }).nullable(),
    extensionPending: z.object({ requestedBy: z.string(), requestedAt: z.string(), extension: TimeLimit, reason: z.string() }).nullable(),
    deferPending: z.object({ requestedBy: z.string(), requestedAt: z.string(), reason: z.string() }).nullable(),
    escalation: z.array(z.object({ departmentCode: z.string(), calledAt: z.string(), respondBy: z.string(), respondedAt: z.string().nullable() })),
    tasks: z.array(z.object({
      departmentCode: z.string(),
      role: z.enum(['lead', 'co']),
      handleBy: IsoNullable,
      status: z.enum(['open', 'replied']),
      overdue: z.boolean(),
      result: z.string().nullable(),
      photos: z.array(z.string()),
      repliedAt: IsoNullable,
      repliedByName: z.string().nullable(),
      assigneeName: z.string().nullable(),
      assignedToMe: z.boolean(),
      assignedAt: IsoNullable,
    })).describe("each department's part (联动处置): its deadline, reply and assignee; the lead's first"),
  });

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface IncidentRouteDeps {
  incidents: IncidentService;
  config: IncidentConfigService;
}

export async function incidentRoutes(app: FastifyInstance, deps: IncidentRouteDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { incidents } = deps;

  r.post('/api/incidents', {
    config: { policy: permission('incidents.report') },
    schema: {
      tags: TAGS,
      summary: 'Report an incident from any channel; send an Idempotency-Key header to make retries safe',
      headers: z.object({ 'idempotency-key': z.string().regex(IDEMPOTENCY_KEY_RE).optional() }),
      body: CreateBody,
      response: {
        201: z.object({ incident: Incident, possibleDuplicates: z.array(Duplicate) }),
        400: ErrorBody, 403: ErrorBody, 409: ErrorBody, 422: ErrorBody,
      },
    },
  }, async (request, reply) => {
    const result = await incidents.create(requirePrincipal(request), actorOf(request), request.body, request.headers['idempotency-key']);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return reply.status(result.status as 201).send(result.body as never);
  });

  r.get('/api/incidents', {
    config: { policy: permission('incidents.read') },
    schema: { tags: TAGS, summary: 'Search incidents in the caller scope', querystring: ListQuery, response: { 200: Page } },
  }, async (request) => {
    const q = request.query;
    return incidents.list(requirePrincipal(request), filterOf(q), q.page, q.pageSize);
  });

  r.get('/api/incidents/export', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: 'Export the filtered list as CSV or XLSX',
      querystring: ListQuery.extend({ format: z.enum(['csv', 'xlsx']).default('csv') }),
    },
  }, async (request, reply) => {
    const rows = await incidents.exportRows(requirePrincipal(request), filterOf(request.query));
    const names = await incidents.exportNames();
    const stamp = shanghai(new Date().toISOString()).slice(0, 10).replaceAll('-', '');
    const format = request.query.format;
    const body = format === 'xlsx' ? await toXlsx(rows, names) : toCsv(rows, names);
    return reply
      .header('content-type', format === 'xlsx' ? XLSX_MIME : 'text/csv; charset=utf-8')
      .header('content-disposition', attachmentName(`事件-${stamp}.${format}`, `incidents-${stamp}.${format}`))
      .send(body);
  });

  r.get('/api/incidents/map', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: 'Positions of the filtered incidents for the map (newest first, at most `limit`)',
      querystring: ListQuery.omit({ page: true, pageSize: true, sort: true, order: true }).extend({
        limit: z.coerce.number().int().min(1).max(20_000).default(5_000),
      }),
      response: {
        200: z.object({
          items: z.array(z.object({
            id: z.number(), code: z.string(), status: Status, warning: Warning, overdue: z.boolean(),
            categoryCode: z.string().nullable(), lng: z.number(), lat: z.number(),
          })),
          truncated: z.boolean(),
        }),
      },
    },
  }, async (request) => {
    const q = request.query;
    return incidents.mapPoints(requirePrincipal(request), filterOf({ ...q, page: 1, pageSize: 1 }), q.limit);
  });

  r.get('/api/incidents/queues', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: "The caller's work queues with how many cases wait in each and how many of them were urged (督办)",
      response: {
        200: z.object({
          items: z.array(z.object({ queue: z.enum(QUEUES), total: z.number(), totalCapped: z.boolean(), urged: z.number(), urgedCapped: z.boolean() })),
        }),
      },
    },
  }, async (request) => ({ items: await incidents.queueSummary(requirePrincipal(request)) }));

  r.get('/api/incidents/queues/:queue', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: 'A work queue of what waits on the caller, in the caller scope',
      params: z.object({ queue: z.enum(QUEUES) }),
      querystring: z.object({ page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(20) }),
      response: { 200: Page },
    },
  }, async (request) => incidents.queue(requirePrincipal(request), request.params.queue, request.query.page, request.query.pageSize));

  r.get('/api/incidents/:id', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: 'An incident with its timeline and the actions the caller may take',
      params: IdParams,
      response: {
        200: Detail,
        404: ErrorBody,
      },
    },
  }, async (request) => incidents.detail(requirePrincipal(request), request.params.id));

  r.post('/api/incidents/:id/actions', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: 'Take one state-machine action; `version` must be the incident version the caller saw',
      params: IdParams,
      body: ActionBody,
      response: {
        200: z.object({ incident: Incident, events: z.array(Event), allowedActions: z.array(ActionName), possibleDuplicates: z.array(Duplicate).optional() }),
        403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody,
      },
    },
  }, async (request) => {
    const { version: v, ...body } = request.body;
    // The machine names people by string ids, as it does actors.
    const action = body.type === 'assign' ? { ...body, assigneeUserId: String(body.assigneeUserId) } : body;
    return incidents.act(requirePrincipal(request), actorOf(request), request.params.id, v, action as Exclude<Action, { type: 'merge' }>);
  });

  r.get('/api/incidents/:id/assignees', {
    config: { policy: permission('incidents.handle') },
    schema: {
      tags: TAGS,
      summary: "Whom the caller may assign the case's parts to: the handlers of each of the caller's departments on the case",
      params: IdParams,
      response: {
        200: z.object({ items: z.array(z.object({ departmentCode: z.string(), handlers: z.array(z.object({ userId: z.number(), name: z.string() })) })) }),
        404: ErrorBody,
      },
    },
  }, async (request) => ({ items: await incidents.assignees(requirePrincipal(request), request.params.id) }));

  r.get('/api/incidents/:id/duplicates', {
    config: { policy: permission('incidents.read') },
    schema: { tags: TAGS, summary: 'Open incidents of the same category nearby', params: IdParams, response: { 200: z.object({ items: z.array(Duplicate) }), 404: ErrorBody } },
  }, async (request) => ({ items: await incidents.duplicates(requirePrincipal(request), request.params.id) }));

  r.post('/api/incidents/:id/merge', {
    config: { policy: permission('incidents.register') },
    schema: {
      tags: TAGS,
      summary: 'Merge this incident into another open one; both timelines stay and the reporters are linked',
      params: IdParams,
      // The surviving case by its case code (what people see) or by its id.
      body: z.union([
        z.object({ intoCode: z.string().regex(/^\d{12,14}$/), version, note: Note.optional() }).strict(),
        z.object({ intoId: z.number().int().positive(), version, note: Note.optional() }).strict(),
      ]),
      response: { 200: Detail, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => {
    const b = request.body;
    const principal = requirePrincipal(request);
    const intoId = 'intoId' in b ? b.intoId : await incidents.idOfCode(principal, b.intoCode);
    return incidents.merge(principal, actorOf(request), request.params.id, b.version, intoId, b.note);
  });

  // ---- categories ----
  const configure = permission('incidents.configure');

  r.get('/api/incident-categories', {
    config: { policy: permission('incidents.read') },
    schema: { tags: TAGS, summary: 'Major and minor categories with their limits', response: { 200: z.object({ majors: z.array(Major), categories: z.array(Category) }) } },
  }, async () => deps.config.listCategories());

  r.get('/api/incident-categories/export', {
    config: { policy: configure },
    schema: {
      tags: TAGS,
      summary: 'The categories as an XLSX workbook, JSON civicgrid.categories/1 or CSV (each is the import format)',
      querystring: z.object({ format: z.enum(CATEGORY_FILE_FORMATS).default('xlsx') }),
    },
  }, async (request, reply) => {
    // The local (Asia/Shanghai) date in the file name; the Chinese name for browsers that read filename*.
    const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const format = request.query.format;
    const disposition = `attachment; filename="incident-categories-${day}.${format}"; filename*=UTF-8''${encodeURIComponent(`事件分类与时限-${day}.${format}`)}`;
    reply.header('content-disposition', disposition);
    if (format === 'json') return reply.header('content-type', 'application/json; charset=utf-8').send(await deps.config.exportCategories('json'));
    if (format === 'csv') return reply.header('content-type', 'text/csv; charset=utf-8').send(await deps.config.exportCategories('csv'));
    return reply.header('content-type', XLSX_MIME).send(await deps.config.exportCategories('xlsx'));
  });

  r.post('/api/incident-categories', {
    config: { policy: configure },
    schema: { tags: TAGS, summary: 'Create a minor category', body: CategoryFields.extend({ code: z.string().regex(/^\d{4}$/) }), response: { 201: Category, 409: ErrorBody, 422: ErrorBody } },
  }, async (request, reply) => reply.status(201).send(await deps.config.createCategory(actorOf(request), request.body)));

  r.put('/api/incident-categories/:code', {
    config: { policy: configure },
    schema: {
      tags: TAGS,
      summary: 'Update a minor category (running clocks keep the limits copied at registration)',
      params: z.object({ code: z.string().regex(/^\d{4}$/) }),
      body: CategoryFields.extend({ version }),
      response: { 200: Category, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => deps.config.updateCategory(actorOf(request), request.params.code, request.body));

  r.put('/api/incident-categories/majors/:code', {
    config: { policy: configure },
    schema: {
      tags: TAGS,
      summary: 'Create or update a major category',
      params: z.object({ code: z.string().regex(/^\d{2}$/) }),
      body: z.object({ nameZh: z.string().trim().min(1).max(100), nameEn: z.string().trim().min(1).max(150), sort: z.number().int().optional(), status: z.enum(['active', 'retired']).optional() }),
      response: { 200: Major, 422: ErrorBody },
    },
  }, async (request) => deps.config.upsertMajor(actorOf(request), { code: request.params.code, ...request.body }));

  await app.register(async (scoped) => {
    // The body is the file as it is (XLSX, JSON or CSV): read as bytes, its form told by ?format=, the content type or its first bytes.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    scoped.withTypeProvider<ZodTypeProvider>().post('/api/incident-categories/import', {
      config: { policy: configure },
      bodyLimit: 5 * 1024 * 1024,
      schema: {
        tags: TAGS,
        summary: 'Import categories from an XLSX workbook, JSON civicgrid.categories/1 or CSV as the export writes them (body: the file); all or nothing, safe to re-run',
        querystring: z.object({ format: z.enum(CATEGORY_FILE_FORMATS).optional().describe('default: told from the content type (application/json, text/csv, the XLSX type or application/octet-stream), else from the content') }),
        response: { 200: z.object({ created: z.number(), updated: z.number(), unchanged: z.number(), majors: z.number() }), 422: ErrorBody },
      },
    }, async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError(422, 'CATEGORY_IMPORT_UNREADABLE');
      const format = request.query.format ?? categoryFileFormat(request.headers['content-type'], body);
      return deps.config.importCategories(actorOf(request), body, format);
    });
  });

  // ---- workflows ----
  r.get('/api/incident-workflows', {
    config: { policy: permission('incidents.read') },
    schema: { tags: TAGS, summary: 'The workflow of each case type (即办 / 承诺 / 协调)', response: { 200: z.object({ workflows: z.array(WorkflowRecordZ) }) } },
  }, async () => ({ workflows: await deps.config.listWorkflows() }));

  r.put('/api/incident-workflows/:caseType', {
    config: { policy: configure },
    schema: {
      tags: TAGS,
      summary: "Replace a case type's workflow (applies to its open cases from their next step)",
      params: z.object({ caseType: CaseTypeZ }),
      body: WorkflowZ.extend({ version: z.number().int().min(0) }),
      response: { 200: WorkflowRecordZ, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => deps.config.putWorkflow(actorOf(request), request.params.caseType, request.body));

  // ---- calendar ----
  r.get('/api/incident-calendar', {
    config: { policy: permission('incidents.read') },
    schema: { tags: TAGS, summary: 'The working-time calendar', response: { 200: CalendarZ } },
  }, async () => deps.config.getCalendar());

  r.put('/api/incident-calendar', {
    config: { policy: configure },
    schema: { tags: TAGS, summary: 'Replace the working-time calendar (periods, weekend days, years)', body: CalendarZ, response: { 200: CalendarZ, 422: ErrorBody } },
  }, async (request) => deps.config.putCalendar(actorOf(request), request.body));

  r.put('/api/incident-calendar/years/:year', {
    config: { policy: configure },
    schema: {
      tags: TAGS,
      summary: "Replace one year's holidays and swapped working days (调休), the rest of the calendar unchanged",
      params: z.object({ year: z.coerce.number().int().min(2000).max(2100) }),
      body: z.object({ holidays: z.array(z.iso.date()).max(366), workingWeekends: z.array(z.iso.date()).max(60) }),
      response: { 200: CalendarZ, 422: ErrorBody },
    },
  }, async (request) => deps.config.putCalendarYear(actorOf(request), request.params.year, request.body));
}

/** Category and department names for an export (the categories' own names, 大类 / 小类). */
export interface ExportNames {
  category(code: string | null): string;
  department(code: string | null): string;
}

/** Headers and cells of an export: Chinese headers, names rather than codes (codes of places stay beside their names). */
function exportColumns(n: ExportNames): [string, (i: IncidentView) => string | number][] {
  return [
    ['事件编号', (i) => i.code],
    ['状态', (i) => STATUS_ZH[i.status]],
    ['来源', (i) => CHANNEL_ZH[i.channel]],
    ['分类', (i) => n.category(i.categoryCode)],
    ['街道', (i) => i.streetName ?? i.streetCode],
    ['社区', (i) => i.communityName ?? i.communityCode],
    ['网格', (i) => i.gridName ?? i.gridCode],
    ['网格编码', (i) => i.gridCode],
    ['主办部门', (i) => n.department(i.leadDepartmentCode)],
    ['上报时间', (i) => shanghai(i.reportedAt)],
    ['当前时限', (i) => (i.dueAt ? shanghai(i.dueAt) : '')],
    ['是否超期', (i) => (i.overdue ? '是' : '否')],
    ['预警', (i) => WARNING_ZH[i.overdue ? 'red' : i.warning]],
    ['督办次数', (i) => i.urgeCount],
    ['返工次数', (i) => i.reworkCount],
    ['地址', (i) => i.address ?? ''],
    ['问题描述', (i) => i.description],
  ];
}

/** A download name in Chinese (RFC 5987) with an ASCII fallback for old clients. */
function attachmentName(name: string, fallback: string): string {
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** An instant as Asia/Shanghai wall-clock 'YYYY-MM-DD HH:mm'. */
function shanghai(isoText: string): string {
  return new Date(Date.parse(isoText) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

function csvCell(v: string | number): string {
  let s = String(v);
  // Cells starting with = + - @ would run as formulas in a spreadsheet.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(rows: readonly IncidentView[], names: ExportNames): string {
  const columns = exportColumns(names);
  const lines = [columns.map(([h]) => h).join(',')];
  for (const r of rows) lines.push(columns.map(([, f]) => csvCell(f(r))).join(','));
  // BOM so that Excel opens UTF-8 Chinese text correctly.
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

async function toXlsx(rows: readonly IncidentView[], names: ExportNames): Promise<Buffer> {
  const columns = exportColumns(names);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('事件');
  ws.addRow(columns.map(([h]) => h));
  for (const r of rows) ws.addRow(columns.map(([, f]) => f(r)));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A categories file's form by its content type; a type that says nothing (or none) by its first bytes: a ZIP is a workbook, `{` JSON, else CSV. */
export function categoryFileFormat(contentType: string | undefined, body: Buffer): CategoryFileFormat {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/csv') return 'csv';
  if (type === XLSX_MIME) return 'xlsx';
  if (body.subarray(0, 2).toString('latin1') === 'PK') return 'xlsx';
  return /^\s*[{[]/.test(body.subarray(0, 64).toString('utf8').replace(/^\uFEFF/, '')) ? 'json' : type === 'application/octet-stream' ? 'xlsx' : 'csv';
}
