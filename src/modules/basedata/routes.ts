import { createWriteStream, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { AppError } from '../../infra/http/errors.js';
import { API_KEY, permission } from '../../infra/http/policy.js';
import { IDEMPOTENCY_KEY_RE } from '../../infra/idempotency/idempotency.js';
import type { IncidentService } from '../incidents/service.js';
import { FIELD_KEYS, RESIDENT_FIELDS } from './import/fields.js';
import { importUploadDir, type ImportService } from './import/service.js';
import { RESIDENT_TAGS } from './rules/tags.js';
import { EXPORT, KEYPERSONS, MANAGE, READ, UNMASK, type BasedataService, type ExportRow } from './service.js';
import { COMPONENT_STATUSES } from './tables.js';
import type { ApiClientService } from '../clients/service.js';
import type { ShareService } from './share.js';

const TAGS = ['basedata'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const GridCode = z.string().regex(/^\d{15}$/);
const Paging = { page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(20) };
const Created = z.object({ id: z.number() });
const Population = z.enum(['registered', 'floating']);
const Tag = z.enum(Object.keys(RESIDENT_TAGS) as [string, ...string[]]);
const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();
const Lng = z.number().min(-180).max(180);
const Lat = z.number().min(-90).max(90);
/** A page of a list, newest first; the count stops at a cap, as the residents search does. */
const Paged = <T extends z.ZodType>(item: T) => z.object({
  items: z.array(item),
  total: z.number().describe('matches; when totalCapped, more than this match (counts stop at 10,000)'),
  totalCapped: z.boolean(),
});

const Resident = z.object({
  id: z.number(),
  gridCode: z.string(),
  name: z.string(),
  idNumber: z.string().describe('masked: first 6 and last 4'),
  phone: z.string().nullable().describe('masked: first 3 and last 4'),
  birthDate: z.string(),
  sex: z.enum(['male', 'female']),
  population: Population,
  ethnicity: z.string().nullable(),
  education: z.string().nullable(),
  workplace: z.string().nullable(),
  householdId: z.number().nullable(),
  relation: z.string().nullable(),
  tags: z.array(z.string()),
  version: z.number(),
  updatedAt: z.string().nullable(),
});
const Visit = z.object({
  id: z.number(), householdId: z.number(), gridCode: z.string(), visitorUserId: z.number(), visitorName: z.string().nullable(), visitedAt: z.string(), summary: z.string(),
  finding: z.string().nullable(), followUp: z.string().nullable(), incidentId: z.number().nullable(),
  incidentCode: z.string().nullable().describe('code of the incident the finding became'), pendingIncident: z.boolean(),
});
const Relation = z.enum(['owner', 'tenant', 'occupant']);
const DwellingUseEnum = z.enum(['residential', 'commercial', 'mixed', 'other']);
const OwnershipEnum = z.enum(['private', 'public', 'rental', 'collective', 'other']);
const DateString = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const ImportProgress = z.object({
  jobId: z.number(), status: z.string(), fileName: z.string(), totalRows: z.number().nullable(), lastRow: z.number(), okRows: z.number(),
  errorRows: z.number(), error: z.string().nullable(), mapping: z.record(z.string(), z.string()), createdAt: z.string().nullable(), updatedAt: z.string().nullable(),
});

export interface BasedataRouteDeps {
  basedata: BasedataService;
  imports: ImportService;
  share: ShareService;
  apiClients: ApiClientService;
  incidents: IncidentService | null;
  dataDir: string;
  importWorkers: number;
}

function csvCell(v: string): string {
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const EXPORT_HEADERS = RESIDENT_FIELDS.map((f) => f.labels[0]);

export async function basedataRoutes(app: FastifyInstance, deps: BasedataRouteDeps): Promise<void> {
  const { basedata, imports, share, apiClients } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  // ---- residents ----
  // ID numbers and phones are searched with POST: a GET query string would put them in the access log.
  const SearchFields = {
    q: z.string().max(64).optional(), address: z.string().max(100).optional(), buildingId: z.coerce.number().int().positive().optional(),
    tag: Tag.optional(), gridCode: z.string().regex(/^\d{6,15}$/).optional(), ...Paging,
  };
  const SearchResult = z.object({ items: z.array(Resident), total: z.number(), totalCapped: z.boolean() });
  r.get('/api/residents', {
    config: { policy: permission(READ) },
    schema: {
      tags: TAGS,
      summary: 'Search residents in the caller scope: name or pinyin initials (prefix), address, building, tag; for ID number or phone use POST /api/residents/search',
      querystring: z.strictObject(SearchFields),
      response: { 200: SearchResult, 400: ErrorBody },
    },
  }, async (request) => basedata.searchResidents(requirePrincipal(request), request.query));

  r.post('/api/residents/search', {
    config: { policy: permission(READ) },
    schema: {
      tags: TAGS,
      summary: 'Search residents in the caller scope, also by exact ID number or phone (blind index), which stay out of URLs and logs',
      body: z.object({ ...SearchFields, idNumber: z.string().max(40).optional(), phone: z.string().max(40).optional() }),
      response: { 200: SearchResult, 400: ErrorBody },
    },
  }, async (request) => basedata.searchResidents(requirePrincipal(request), request.body));

  const ResidentBody = z.object({
    gridCode: GridCode, name: z.string().min(1).max(64), idNumber: z.string().min(1).max(40), phone: opt(z.string().max(40)),
    population: Population, ethnicity: opt(z.string().max(32)), education: opt(z.string().max(32)), workplace: opt(z.string().max(200)),
    householdId: opt(z.number().int().positive()), relation: opt(z.string().max(16)), tags: z.array(Tag).max(20).optional(),
  });
  r.post('/api/residents', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, summary: 'Register a resident (ID number validated, encrypted, indexed)', body: ResidentBody, response: { 201: Created, 400: ErrorBody, 409: ErrorBody, 422: ErrorBody } },
  }, async (request, reply) => reply.status(201).send({ id: await basedata.createResident(requirePrincipal(request), actorOf(request), request.body) }));

  r.get('/api/residents/:id', {
    config: { policy: permission(READ) },
    schema: {
      tags: TAGS, params: IdParams,
      response: {
        200: z.object({
          resident: Resident,
          householdNo: z.string().nullable().describe('the number of the resident\'s household'),
          dwellings: z.array(z.object({ id: z.number(), dwellingId: z.number(), buildingId: z.number(), address: z.string(), relation: Relation, fromDate: z.string(), toDate: z.string().nullable() })),
          keyPerson: z.object({ category: z.string(), level: z.string(), notes: z.string() }).nullable().optional(),
        }),
        404: ErrorBody,
      },
    },
  }, async (request) => basedata.getResident(requirePrincipal(request), request.params.id));

  r.patch('/api/residents/:id', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, params: IdParams,
      body: ResidentBody.omit({ idNumber: true, householdId: true }).partial().extend({ version: z.number().int().positive() }),
      response: { 204: z.null(), 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => {
    const { version, ...patch } = request.body;
    await basedata.updateResident(requirePrincipal(request), actorOf(request), request.params.id, version, patch);
    return reply.status(204).send(null);
  });

  r.post('/api/residents/:id/unmask', {
    config: { policy: permission(UNMASK) },
    schema: {
      tags: TAGS, summary: 'Clear ID number and phone of one resident; needs a reason; audited', params: IdParams,
      body: z.object({ reason: z.string().min(1).max(200) }),
      response: { 200: z.object({ idNumber: z.string(), phone: z.string().nullable() }), 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
    },
  }, async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    return basedata.unmask(requirePrincipal(request), actorOf(request), request.params.id, request.body.reason);
  });

  r.post('/api/residents/:id/move-in', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, summary: 'Move into a dwelling (closes the current links; history stays)', params: IdParams, body: z.object({ dwellingId: z.number().int().positive(), relation: Relation, date: DateString }), response: { 204: z.null(), 400: ErrorBody, 404: ErrorBody, 422: ErrorBody } },
  }, async (request, reply) => {
    await basedata.moveIn(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  r.post('/api/residents/:id/move-out', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, params: IdParams, body: z.object({ date: DateString }), response: { 204: z.null(), 400: ErrorBody, 404: ErrorBody, 422: ErrorBody } },
  }, async (request, reply) => {
    await basedata.moveOut(requirePrincipal(request), actorOf(request), request.params.id, request.body.date);
    return reply.status(204).send(null);
  });

  r.get('/api/residents/export', {
    config: { policy: permission(EXPORT) },
    schema: {
      tags: TAGS, summary: 'Export residents (clear values, the import shape) as CSV or XLSX; audited with the row count',
      querystring: z.object({ format: z.enum(['csv', 'xlsx']).default('csv'), q: z.string().max(64).optional(), tag: Tag.optional(), gridCode: z.string().regex(/^\d{6,15}$/).optional() }),
    },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const { format, ...filter } = request.query;
    let count = 0;
    const batches: ExportRow[][] = [];
    for await (const b of basedata.exportResidents(principal, filter)) {
      batches.push(b);
      count += b.length;
    }
    await basedata.auditExport(actorOf(request), count, filter);
    const stamp = new Date().toISOString().slice(0, 10);
    void reply.header('cache-control', 'no-store');
    if (format === 'xlsx') {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('residents');
      ws.addRow(EXPORT_HEADERS);
      for (const b of batches) for (const row of b) ws.addRow(FIELD_KEYS.map((k) => row[k]));
      return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="residents-${stamp}.xlsx"`).send(Buffer.from(await wb.xlsx.writeBuffer()));
    }
    const lines = [EXPORT_HEADERS.join(',')];
    for (const b of batches) for (const row of b) lines.push(FIELD_KEYS.map((k) => csvCell(row[k])).join(','));
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="residents-${stamp}.csv"`)
      .send(`\uFEFF${lines.join('\r\n')}\r\n`);
  });

  // ---- places of living ----
  r.get('/api/buildings', {
    config: { policy: permission(READ) },
    schema: {
      tags: TAGS, querystring: z.object({ gridCode: z.string().regex(/^\d{6,15}$/).optional(), q: z.string().max(64).optional(), ...Paging }),
      response: { 200: z.object({ items: z.array(z.object({ id: z.number(), gridCode: z.string(), name: z.string(), address: z.string(), floors: z.number().nullable() })), total: z.number() }) },
    },
  }, async (request) => basedata.listBuildings(requirePrincipal(request), request.query));

  r.post('/api/buildings', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS,
      body: z.object({ gridCode: GridCode, name: z.string().min(1).max(100), address: z.string().min(1).max(255), lng: opt(z.number().min(-180).max(180)), lat: opt(z.number().min(-90).max(90)), floors: opt(z.number().int().min(1).max(200)), entrances: z.array(z.string().min(1).max(50)).max(50).optional() }),
      response: { 201: Created, 403: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await basedata.createBuilding(requirePrincipal(request), actorOf(request), request.body) }));

  r.patch('/api/buildings/:id', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, summary: 'Correct a building; the addresses of its dwellings follow a new address; audited with the changed fields', params: IdParams,
      body: z.object({ name: z.string().trim().min(1).max(100), address: z.string().trim().min(1).max(255), floors: opt(z.number().int().min(1).max(200)), lng: opt(Lng), lat: opt(Lat) }).partial(),
      response: { 204: z.null(), 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => {
    await basedata.updateBuilding(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  const Occupant = z.object({ id: z.number(), name: z.string(), relation: Relation });
  r.get('/api/buildings/:id', {
    config: { policy: permission(READ) },
    schema: {
      tags: TAGS, summary: 'A building with every dwelling and its current occupants', params: IdParams,
      response: {
        200: z.object({
          building: z.object({ id: z.number(), gridCode: z.string(), name: z.string(), address: z.string(), lng: z.number().nullable(), lat: z.number().nullable(), floors: z.number().nullable() }),
          entrances: z.array(z.object({ id: z.number(), name: z.string() })),
          dwellings: z.array(z.object({ id: z.number(), entranceId: z.number().nullable(), roomNo: z.string(), address: z.string(), area: z.number().nullable(), use: z.string(), ownership: z.string(), occupants: z.array(Occupant) })),
        }),
        404: ErrorBody,
      },
    },
  }, async (request) => basedata.buildingView(requirePrincipal(request), request.params.id));

  r.post('/api/dwellings', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS,
      body: z.object({ buildingId: z.number().int().positive(), entrance: opt(z.string().max(50)), roomNo: z.string().min(1).max(50), area: opt(z.number().positive().max(100000)), use: DwellingUseEnum.default('residential'), ownership: OwnershipEnum.default('private') }),
      response: { 201: Created, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await basedata.createDwelling(requirePrincipal(request), actorOf(request), request.body) }));

  r.patch('/api/dwellings/:id', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, summary: 'Correct a dwelling (room number, area, use, ownership); audited with the changed fields', params: IdParams,
      body: z.object({ roomNo: z.string().trim().min(1).max(50), area: opt(z.number().positive().max(100000)), use: DwellingUseEnum, ownership: OwnershipEnum }).partial(),
      response: { 204: z.null(), 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => {
    await basedata.updateDwelling(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  const Link = z.object({ id: z.number(), resident: Resident.nullable(), relation: Relation, fromDate: z.string(), toDate: z.string().nullable() });
  r.get('/api/dwellings/:id', {
    config: { policy: permission(READ) },
    schema: {
      tags: TAGS, summary: 'Who lives here now, and who lived here before', params: IdParams,
      response: {
        200: z.object({
          dwelling: z.object({ id: z.number(), buildingId: z.number(), gridCode: z.string(), roomNo: z.string(), address: z.string(), area: z.number().nullable(), use: z.string(), ownership: z.string() }),
          households: z.array(z.object({ id: z.number(), householdNo: z.string() })),
          current: z.array(Link), history: z.array(Link),
        }),
        404: ErrorBody,
      },
    },
  }, async (request) => basedata.dwellingView(requirePrincipal(request), request.params.id));

  r.post('/api/households', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, body: z.object({ householdNo: z.string().min(1).max(40), gridCode: GridCode, dwellingId: opt(z.number().int().positive()) }), response: { 201: Created, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody } },
  }, async (request, reply) => reply.status(201).send({ id: await basedata.createHousehold(requirePrincipal(request), actorOf(request), request.body) }));

  r.patch('/api/households/:id', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, summary: 'Renumber a household, move it to another dwelling, or name its head (one of its members); audited', params: IdParams,
      body: z.object({ householdNo: z.string().trim().min(1).max(40), dwellingId: opt(z.number().int().positive()), headResidentId: opt(z.number().int().positive()) }).partial(),
      response: { 204: z.null(), 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    await basedata.updateHousehold(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  r.get('/api/households/:id', {
    config: { policy: permission(READ) },
    schema: {
      tags: TAGS, params: IdParams,
      response: {
        200: z.object({
          household: z.object({ id: z.number(), householdNo: z.string(), gridCode: z.string(), dwellingId: z.number().nullable(), headResidentId: z.number().nullable() }),
          dwelling: z.object({ id: z.number(), address: z.string(), buildingId: z.number() }).nullable(),
          members: z.array(Resident), visits: z.array(Visit),
        }),
        404: ErrorBody,
      },
    },
  }, async (request) => basedata.householdView(requirePrincipal(request), request.params.id));

  r.get('/api/basedata/grid-summary', {
    config: { policy: permission(READ) },
    schema: {
      tags: TAGS, summary: 'Counts in a grid subtree, residents by tag and population', querystring: z.object({ gridCode: z.string().regex(/^\d{6,15}$/) }),
      response: { 200: z.object({ gridCode: z.string(), residents: z.number(), households: z.number(), dwellings: z.number(), buildings: z.number(), byTag: z.record(z.string(), z.number()), byPopulation: z.record(z.string(), z.number()) }), 404: ErrorBody },
    },
  }, async (request) => basedata.gridSummary(requirePrincipal(request), request.query.gridCode));

  r.get('/api/basedata/tags', {
    config: { policy: permission(READ) },
    schema: { tags: TAGS, response: { 200: z.array(z.object({ code: z.string(), name: z.string(), nameEn: z.string() })) } },
  }, async () => Object.entries(RESIDENT_TAGS).map(([code, l]) => ({ code, name: l.zh, nameEn: l.en })));

  // ---- visits ----
  r.post('/api/households/:id/visits', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS,
      summary: 'Record a household visit; createIncident turns the finding into an incident in the same step. Send an Idempotency-Key header to make retries safe (a repeat answers the first visit)',
      params: IdParams,
      headers: z.object({ 'idempotency-key': z.string().regex(IDEMPOTENCY_KEY_RE).optional() }),
      body: z.object({
        visitedAt: z.iso.datetime().optional(), summary: z.string().min(1).max(2000), finding: opt(z.string().max(2000)), followUp: opt(z.string().max(2000)),
        createIncident: z.boolean().default(false), categoryCode: z.string().max(32).optional(),
      }),
      response: { 201: Visit, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const { createIncident, categoryCode, ...input } = request.body;
    const key = request.headers['idempotency-key'];
    const incidents = deps.incidents;
    const incident = createIncident && input.finding
      ? async (gridCode: string): Promise<number | null> => {
        if (!incidents || !principal.can('incidents.report')) return null;
        try {
          // The visit's key goes on to the incident, so a retried visit finds the incident its first attempt made.
          const res = await incidents.create(principal, actorOf(request), {
            channel: 'grid_worker', description: input.finding!, gridCode, ...(categoryCode ? { categoryCode } : {}),
          }, key);
          return (res.body as { incident?: { id: number } }).incident?.id ?? null;
        } catch (err) {
          request.log.warn({ code: err instanceof AppError ? err.code : 'error' }, 'visit finding could not become an incident; flagged pending');
          return null;
        }
      }
      : null;
    const idempotency = key ? { key, payload: { householdId: request.params.id, ...request.body } } : undefined;
    const { id, replayed } = await basedata.recordVisit(principal, actorOf(request), request.params.id, input, incident, idempotency);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return reply.status(201).send(await basedata.visitById(principal, request.params.id, id));
  });

  r.get('/api/basedata/visits-due', {
    config: { policy: permission(READ) },
    schema: {
      tags: TAGS,
      summary: 'Households of a community or unit grid due a routine visit (by the special groups living there), never-visited first, then the earliest due',
      querystring: z.object({
        gridCode: z.string().regex(/^\d{12,15}$/).describe('a community or unit grid inside the caller scope'),
        withinDays: z.coerce.number().int().min(0).max(60).default(3).describe('also list visits falling due within this many days'),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: {
        200: z.object({
          items: z.array(z.object({
            householdId: z.number(), householdNo: z.string(), gridCode: z.string(), address: z.string().nullable(), headName: z.string().nullable(),
            tags: z.array(z.string()), intervalDays: z.number(), lastVisitedAt: z.string().nullable(),
            dueAt: z.string().nullable().describe('null: never visited, due at once'), overdue: z.boolean(),
          })),
          total: z.number().describe('households due within the window (the list holds at most `limit`)'),
          truncated: z.boolean().describe('the grid holds more tagged residents than one list reads: ask for a smaller grid'),
        }),
      },
    },
  }, async (request) => basedata.visitsDue(requirePrincipal(request), request.query));

  r.get('/api/households/:id/visits', {
    config: { policy: permission(READ) },
    schema: { tags: TAGS, params: IdParams, response: { 200: z.array(Visit), 404: ErrorBody } },
  }, async (request) => basedata.listVisits(requirePrincipal(request), request.params.id));

  // ---- organizations, places, components, key persons ----
  // Edits are PATCH with only the fields that change; an object outside the caller's scope answers 404.
  const Edited = { 204: z.null(), 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody };

  const Organization = z.object({ id: z.number(), gridCode: z.string(), name: z.string(), creditCode: z.string(), kind: z.string(), address: z.string(), legalPerson: z.string().nullable() });
  const OrganizationFields = {
    gridCode: GridCode, name: z.string().min(1).max(200), creditCode: z.string().min(1).max(40), kind: z.string().min(1).max(32), address: z.string().max(300), legalPerson: opt(z.string().max(64)),
  };
  r.get('/api/organizations', {
    config: { policy: permission(READ) },
    schema: { tags: TAGS, summary: 'Organizations in the caller scope, newest first', querystring: z.object({ gridCode: z.string().regex(/^\d{6,15}$/).optional(), q: z.string().max(64).optional(), ...Paging }), response: { 200: Paged(Organization) } },
  }, async (request) => basedata.listOrganizations(requirePrincipal(request), request.query));

  r.post('/api/organizations', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, summary: 'Register an organization (unified social credit code validated)',
      body: z.object({ ...OrganizationFields, kind: OrganizationFields.kind.default('enterprise'), address: OrganizationFields.address.default('') }),
      response: { 201: Created, 400: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await basedata.createOrganization(requirePrincipal(request), actorOf(request), request.body) }));

  r.patch('/api/organizations/:id', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, summary: 'Edit an organization (a new credit code is validated and must be unused); audited', params: IdParams,
      body: z.strictObject(OrganizationFields).partial(),
      response: { ...Edited, 409: ErrorBody },
    },
  }, async (request, reply) => {
    await basedata.updateOrganization(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  const Place = z.object({ id: z.number(), gridCode: z.string(), name: z.string(), type: z.string(), address: z.string(), lng: z.number().nullable(), lat: z.number().nullable(), contactName: z.string().nullable(), lastInspectedAt: z.string().nullable() });
  const PlaceFields = {
    gridCode: GridCode, name: z.string().min(1).max(200), type: z.string().regex(/^[a-z_]{2,32}$/), address: z.string().max(300),
    lng: opt(Lng), lat: opt(Lat), contactName: opt(z.string().max(64)),
  };
  r.get('/api/places', {
    config: { policy: permission(READ) },
    schema: { tags: TAGS, summary: 'Places in the caller scope, newest first', querystring: z.object({ gridCode: z.string().regex(/^\d{6,15}$/).optional(), type: z.string().max(32).optional(), ...Paging }), response: { 200: Paged(Place) } },
  }, async (request) => basedata.listPlaces(requirePrincipal(request), request.query));

  r.post('/api/places', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, summary: 'Register a place (school, market, hospital, small_* for the 九小场所); lng and lat both or neither',
      body: z.object({ ...PlaceFields, address: PlaceFields.address.default('') }),
      response: { 201: Created, 400: ErrorBody, 403: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await basedata.createPlace(requirePrincipal(request), actorOf(request), request.body) }));

  r.patch('/api/places/:id', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, summary: 'Edit a place; lng and lat are both set or both null once applied; audited', params: IdParams,
      body: z.strictObject(PlaceFields).partial(),
      response: Edited,
    },
  }, async (request, reply) => {
    await basedata.updatePlace(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  r.get('/api/places/:id', {
    config: { policy: permission(READ) },
    schema: {
      tags: TAGS, summary: 'A place with its inspection history, newest first', params: IdParams,
      response: {
        200: z.object({
          place: Place,
          inspections: z.array(z.object({
            id: z.number(), inspectedAt: z.string(), inspectorUserId: z.number().nullable(), inspectorName: z.string().nullable(),
            result: z.enum(['pass', 'issues', 'fail']), notes: z.string(),
          })),
        }),
        404: ErrorBody,
      },
    },
  }, async (request) => basedata.placeView(requirePrincipal(request), request.params.id));

  r.post('/api/places/:id/inspections', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, params: IdParams, body: z.object({ result: z.enum(['pass', 'issues', 'fail']), notes: z.string().max(2000).default('') }), response: { 201: Created, 404: ErrorBody } },
  }, async (request, reply) => reply.status(201).send({ id: await basedata.inspectPlace(requirePrincipal(request), actorOf(request), request.params.id, request.body) }));

  const ComponentStatus = z.enum(COMPONENT_STATUSES);
  // The response keeps status a plain string so a value written by another tool never fails the whole list.
  const Component = z.object({ id: z.number(), gridCode: z.string(), classCode: z.string(), name: z.string(), lng: z.number(), lat: z.number(), ownerDepartment: z.string().nullable(), status: z.string().describe('ok, damaged or missing') });
  const ComponentFields = { gridCode: GridCode, classCode: z.string().regex(/^\d{4,6}$/), name: z.string().min(1).max(100), lng: Lng, lat: Lat, ownerDepartment: opt(z.string().max(32)) };
  r.get('/api/components', {
    config: { policy: permission(READ) },
    schema: { tags: TAGS, summary: 'City components in the caller scope, newest first', querystring: z.object({ gridCode: z.string().regex(/^\d{6,15}$/).optional(), classCode: z.string().max(16).optional(), ...Paging }), response: { 200: Paged(Component) } },
  }, async (request) => basedata.listComponents(requirePrincipal(request), request.query));

  r.post('/api/components', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS,
      body: z.object(ComponentFields),
      response: { 201: Created, 403: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await basedata.createComponent(requirePrincipal(request), actorOf(request), request.body) }));

  r.patch('/api/components/:id', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, summary: 'Edit a city component, its status (ok, damaged, missing) included; audited', params: IdParams,
      body: z.strictObject({ ...ComponentFields, status: ComponentStatus }).partial(),
      response: Edited,
    },
  }, async (request, reply) => {
    await basedata.updateComponent(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  r.get('/api/key-persons', {
    config: { policy: permission(KEYPERSONS) },
    schema: {
      tags: TAGS, summary: 'Key persons in the caller scope, newest first', querystring: z.object({ gridCode: z.string().regex(/^\d{6,15}$/).optional(), ...Paging }),
      response: { 200: Paged(z.object({ id: z.number(), category: z.string(), level: z.string(), notes: z.string(), resident: Resident })) },
    },
  }, async (request) => basedata.listKeyPersons(requirePrincipal(request), request.query));

  r.put('/api/residents/:id/key-person', {
    config: { policy: permission(KEYPERSONS) },
    schema: { tags: TAGS, params: IdParams, body: z.object({ category: z.string().min(1).max(32), level: z.enum(['low', 'medium', 'high']), notes: z.string().max(2000).default('') }), response: { 200: Created, 404: ErrorBody } },
  }, async (request) => ({ id: await basedata.setKeyPerson(requirePrincipal(request), actorOf(request), request.params.id, request.body) }));

  // ---- import ----
  await app.register(async (scoped) => {
    // Uploads arrive as the raw file body (no multipart dependency); the file name comes in the query.
    for (const type of ['text/csv', 'application/octet-stream', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']) {
      scoped.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
    }
    const s = scoped.withTypeProvider<ZodTypeProvider>();
    s.post('/api/residents/imports', {
      config: { policy: permission(MANAGE) },
      bodyLimit: 512 * 1024 * 1024,
      schema: {
        tags: TAGS, summary: 'Upload a CSV or XLSX file (raw body); answers headers, a sample and a suggested column mapping',
        querystring: z.object({ fileName: z.string().min(1).max(200).default('upload.csv') }),
        response: {
          201: z.object({ jobId: z.number(), format: z.string(), headers: z.array(z.string()), sample: z.array(z.array(z.string())), suggestedMapping: z.record(z.string(), z.string()), missing: z.array(z.string()) }),
          400: ErrorBody,
        },
      },
    }, async (request, reply) => {
      const principal = requirePrincipal(request);
      const dir = importUploadDir(deps.dataDir);
      mkdirSync(dir, { recursive: true });
      const path = resolve(dir, `${Date.now()}-${principal.userId}-${Math.random().toString(36).slice(2, 8)}`);
      const body = request.body as unknown;
      if (body instanceof Readable) await pipeline(body, createWriteStream(path, { mode: 0o600 }));
      else throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE');
      return reply.status(201).send(await imports.createJob(path, request.query.fileName, principal.userId));
    });
  });

  r.get('/api/residents/import-fields', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, response: { 200: z.array(z.object({ key: z.string(), label: z.string(), required: z.boolean() })) } },
  }, async () => RESIDENT_FIELDS.map((f) => ({ key: f.key, label: f.labels[0], required: f.required })));

  r.put('/api/residents/imports/:id/mapping', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, summary: 'Confirm the column mapping (field → header)', params: IdParams, body: z.record(z.string(), z.string()), response: { 200: ImportProgress, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody } },
  }, async (request) => {
    const principal = requirePrincipal(request);
    await imports.setMapping(request.params.id, request.body, principal.userId);
    return imports.progress(request.params.id, principal.userId);
  });

  r.post('/api/residents/imports/:id/run', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, summary: 'Start or resume the import in the background; poll GET …/imports/:id for progress', params: IdParams, response: { 202: ImportProgress, 404: ErrorBody, 409: ErrorBody } },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const job = await imports.progress(request.params.id, principal.userId);
    // A job left 'running' by a stopped server can be resumed once it has been quiet for two minutes.
    const stale = job.status === 'running' && Date.now() - Date.parse(job.updatedAt ?? '') > 120_000;
    if ((job.status === 'running' && !stale) || job.status === 'done') throw new AppError(409, 'IMPORT_STATE', { status: job.status });
    const actor = actorOf(request);
    void imports.run(request.params.id, { scopes: principal.scopesFor(MANAGE), workers: deps.importWorkers, actor })
      .catch((err: unknown) => request.log.error({ err, jobId: request.params.id }, 'import failed'));
    return reply.status(202).send({ ...job, status: 'running' });
  });

  r.get('/api/residents/imports/:id', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, params: IdParams, response: { 200: ImportProgress, 404: ErrorBody } },
  }, async (request) => imports.progress(request.params.id, requirePrincipal(request).userId));

  r.get('/api/residents/imports/:id/errors.csv', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, summary: 'The error file: row, code, message', params: IdParams },
  }, async (request, reply) => {
    const chunks: string[] = [];
    for await (const c of imports.errorCsv(request.params.id, requirePrincipal(request).userId)) chunks.push(c);
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${request.params.id}-errors.csv"`).send(chunks.join(''));
  });

  // ---- data sharing ----
  r.post('/api/share/residents/verify', {
    // Authenticated by API key, not by session: the key carries scope, fields and rate limit.
    config: { policy: API_KEY },
    schema: {
      tags: TAGS, summary: 'Batch check (X-Api-Key): does each ID number belong to a resident of the agreed area, and which community',
      headers: z.object({ 'x-api-key': z.string().max(200).optional() }),
      body: z.object({ idNumbers: z.array(z.string().max(40)).min(1).max(1000) }),
      response: {
        200: z.object({ results: z.array(z.object({ idNumber: z.string(), valid: z.boolean(), found: z.boolean(), community: z.object({ code: z.string(), name: z.string() }).nullable().optional() })) }),
        401: ErrorBody, 403: ErrorBody, 429: ErrorBody,
      },
    },
  }, async (request) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'share.residents.verify');
    return { results: await share.verify(client, request.ip, request.body.idNumbers) };
  });
}
