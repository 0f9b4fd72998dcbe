/**
 * Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2):
 * discovery, services (the public categories), service definitions, POST
 * requests with an API key (scope open311.post), GET requests (list and one)
 * with service_request_id = the case code; JSON or XML by the path's suffix.
 * What a GET shows follows the public map's privacy (docs/citizens.md).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Principal } from '../../infra/auth/principal.js';
import { AppError, messageFor } from '../../infra/http/errors.js';
import { PUBLIC } from '../../infra/http/policy.js';
import type { ApiClientService } from '../clients/service.js';
import type { ReferenceData } from '../incidents/reference.js';
import type { IncidentService, IncidentView } from '../incidents/service.js';
import type { PublicMapService } from './public-map.js';
import { MILESTONE_WORDS, milestoneOf } from './rules/progress.js';
import { objectToXml, toXml } from './rules/open311-xml.js';

const TAGS = ['open311'];
const FORMATS = ['json', 'xml'] as const;
type Format = (typeof FORMATS)[number];
/** The spec's defaults for GET requests: the last 90 days, at most 1000. */
const DEFAULT_DAYS = 90;
const MAX_REQUESTS = 1000;
const SPEC = 'http://wiki.open311.org/GeoReport_v2';
/** When this interface last changed (discovery's changeset). */
const CHANGESET = '2026-12-04T00:00:00+08:00';

class Open311Error extends Error {
  constructor(readonly status: number, readonly description: string) {
    super(description);
  }
}

/** W3C date-time in Beijing time, as the spec's examples give a local offset. */
function w3c(ms: number | null): string | null {
  if (ms === null) return null;
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

function send(reply: FastifyReply, format: Format, status: number, value: unknown, xml: () => string) {
  return format === 'xml'
    ? reply.status(status).type('text/xml; charset=utf-8').send(xml())
    : reply.status(status).type('application/json; charset=utf-8').send(JSON.stringify(value));
}

function sendError(reply: FastifyReply, format: Format, status: number, description: string) {
  const errors = [{ code: status, description }];
  return send(reply, format, status, errors, () => toXml('errors', 'error', errors));
}

/** "<name>.<format>" of a path segment, or null. */
function splitFile(file: string): { name: string; format: Format } | null {
  const m = /^(.+)\.(json|xml)$/.exec(file);
  return m ? { name: m[1]!, format: m[2] as Format } : null;
}

const parseDate = (text: string | undefined): number | undefined => {
  if (!text) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Open311Error(400, `not a date: ${text}`);
  return ms;
};

export interface Open311Deps {
  incidents: IncidentService;
  publicMap: PublicMapService;
  reference: ReferenceData;
  apiClients: ApiClientService;
}

export async function open311Routes(app: FastifyInstance, deps: Open311Deps): Promise<void> {
  const { incidents, publicMap, reference, apiClients } = deps;
  const base = (request: FastifyRequest) => `${request.protocol}://${request.headers.host ?? 'localhost'}`;

  const guarded = (format: Format, reply: FastifyReply, work: () => Promise<unknown>) =>
    work().catch((err: unknown) => {
      if (err instanceof Open311Error) return sendError(reply, format, err.status, err.description);
      if (err instanceof AppError) return sendError(reply, format, err.status, `${err.code}: ${messageFor(err.code, 'en', err.details)}`);
      throw err;
    });

  const services = async (locale: 'zh-CN' | 'en') => {
    const ref = await reference.get();
    const codes = await publicMap.publicCategories();
    return codes.map((code) => {
      const c = ref.categories.get(code)!;
      const major = ref.majors.find((m) => m.code === c.majorCode);
      return {
        service_code: code,
        service_name: locale === 'en' ? c.nameEn : c.nameZh,
        description: locale === 'en' ? c.nameEn : c.nameZh,
        metadata: false,
        type: 'realtime',
        keywords: null,
        group: major ? (locale === 'en' ? major.nameEn : major.nameZh) : c.majorCode,
      };
    });
  };

  const requestView = async (locale: 'zh-CN' | 'en', origin: string, r: Awaited<ReturnType<PublicMapService['requests']>>[number]) => {
    const ref = await reference.get();
    const c = ref.categories.get(r.categoryCode);
    const milestone = milestoneOf({ action: '', fromStatus: null, toStatus: r.status, at: 0 }) ?? 'received';
    return {
      service_request_id: r.code,
      status: r.status === 'closed' ? 'closed' : 'open',
      status_notes: MILESTONE_WORDS[milestone][locale],
      service_name: c ? (locale === 'en' ? c.nameEn : c.nameZh) : r.categoryCode,
      service_code: r.categoryCode,
      requested_datetime: w3c(r.reportedAt),
      updated_datetime: w3c(r.updatedAt),
      expected_datetime: null,
      lat: r.lat,
      long: r.lng,
      media_url: r.photos[0] ? `${origin}/api/public/photos/${r.photos[0]}` : null,
    };
  };

  const r = app.withTypeProvider<ZodTypeProvider>();
  for (const format of FORMATS) {
    r.get(`/open311/v2/discovery.${format}`, {
      config: { policy: PUBLIC },
      schema: { tags: TAGS, summary: `GeoReport v2 discovery (${format.toUpperCase()})` },
    }, async (request, reply) => {
      const value = {
        changeset: CHANGESET,
        contact: 'CivicGrid district command centre',
        key_service: 'API keys (scope open311.post) are issued in the console under API clients',
        endpoints: [{ specification: SPEC, url: `${base(request)}/open311/v2`, changeset: CHANGESET, type: 'production', formats: ['text/xml', 'application/json'] }],
      };
      return send(reply, format, 200, value, () => objectToXml('discovery', value));
    });

    r.get(`/open311/v2/services.${format}`, {
      config: { policy: PUBLIC },
      schema: { tags: TAGS, summary: `GeoReport v2 service list: the public categories (${format.toUpperCase()})`, querystring: z.object({ jurisdiction_id: z.string().max(100).optional() }) },
    }, async (request, reply) => {
      const list = await services(request.locale);
      return send(reply, format, 200, list, () => toXml('services', 'service', list));
    });

    r.get(`/open311/v2/requests.${format}`, {
      config: { policy: PUBLIC },
      schema: {
        tags: TAGS,
        summary: `GeoReport v2 requests of public categories (${format.toUpperCase()}): the last 90 days by default, at most 1000, positions coarsened`,
        querystring: z.object({
          service_request_id: z.string().max(2000).optional(), service_code: z.string().max(20).optional(),
          start_date: z.string().max(40).optional(), end_date: z.string().max(40).optional(), status: z.string().max(20).optional(),
          jurisdiction_id: z.string().max(100).optional(),
        }),
      },
    }, async (request, reply) => guarded(format, reply, async () => {
      const q = request.query;
      const codes = q.service_request_id ? q.service_request_id.split(',').map((s) => s.trim()).filter(Boolean).slice(0, MAX_REQUESTS) : undefined;
      const status = q.status ? q.status.split(',').map((s) => s.trim()) : [];
      if (status.some((s) => s !== 'open' && s !== 'closed')) throw new Open311Error(400, 'status must be open or closed');
      const end = parseDate(q.end_date);
      let start = parseDate(q.start_date);
      if (!codes && start === undefined) start = (end ?? Date.now()) - DEFAULT_DAYS * 86_400_000;
      const rows = await publicMap.requests({
        ...(codes ? { codes } : {}), ...(q.service_code ? { serviceCode: q.service_code } : {}),
        ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}),
        ...(status.length === 1 ? { status: status[0] as 'open' | 'closed' } : {}),
      }, MAX_REQUESTS);
      const list = await Promise.all(rows.map((row) => requestView(request.locale, base(request), row)));
      return send(reply, format, 200, list, () => toXml('service_requests', 'request', list));
    }));

    await app.register(async (scoped) => {
      // The spec's POST body is a form (application/x-www-form-urlencoded); JSON is accepted too.
      scoped.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
      scoped.withTypeProvider<ZodTypeProvider>().post(`/open311/v2/requests.${format}`, {
        config: { policy: PUBLIC },
        schema: {
          tags: TAGS,
          summary: `GeoReport v2: create a service request (${format.toUpperCase()}); needs an API key with scope open311.post (api_key field or X-API-Key header)`,
          body: z.object({
            api_key: z.string().max(200).optional(), service_code: z.string().max(20).optional(), lat: z.union([z.string().max(40), z.number()]).optional(), long: z.union([z.string().max(40), z.number()]).optional(),
            address_string: z.string().max(200).optional(), description: z.string().max(1000).optional(), first_name: z.string().max(50).optional(),
            last_name: z.string().max(50).optional(), phone: z.string().max(20).optional(), email: z.string().max(200).optional(),
            media_url: z.string().max(1000).optional(), device_id: z.string().max(200).optional(), account_id: z.string().max(200).optional(),
            jurisdiction_id: z.string().max(100).optional(),
          }).catchall(z.unknown()),
        },
      }, async (request, reply) => guarded(format, reply, async () => {
        const b = request.body;
        const header = request.headers['x-api-key'];
        const client = await apiClients.authenticate((typeof header === 'string' ? header : undefined) ?? b.api_key, 'open311.post');
        if (!b.service_code || !(await publicMap.publicCategories()).includes(b.service_code)) throw new Open311Error(400, 'service_code not found');
        const coordinate = (v: string | number | undefined) => (v === undefined || String(v).trim() === '' ? NaN : Number(v));
        const lat = coordinate(b.lat);
        const lng = coordinate(b.long);
        if (!Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) throw new Open311Error(400, 'lat and long are required (WGS84 degrees); address_string alone is not enough');
        const description = (b.description ?? '').trim();
        if (description.length < 5) throw new Open311Error(400, 'description must have at least 5 characters');
        const name = [b.last_name, b.first_name].filter((x) => x && x.trim()).join('').trim();
        // The client's own intake principal: it may report within its grid scope only, and read nothing.
        const principal = new Principal(0, `client:${client.id}`, client.name, [{ id: 0, role: 'open311_intake', scope: { kind: 'grid', code: client.scopeCode } }], new Map([['open311_intake', ['incidents.report']]]));
        const created = await incidents.create(principal, { userId: null, username: `client:${client.name}`, ip: request.ip }, {
          channel: 'api',
          description,
          position: { lng, lat, crs: 'wgs84' },
          address: b.address_string?.trim() || undefined,
          categoryCode: b.service_code,
          reporter: name || b.phone ? { name: name || undefined, phone: b.phone?.trim() || undefined } : undefined,
          externalRef: b.device_id?.trim() || undefined,
        });
        const incident = (created.body as { incident: IncidentView }).incident;
        const answer = [{ service_request_id: incident.code, service_notice: MILESTONE_WORDS.received[request.locale], account_id: null }];
        return send(reply, format, 201, answer, () => toXml('service_requests', 'request', answer));
      }));
    });
  }

  r.get('/open311/v2/services/:file', {
    config: { policy: PUBLIC },
    schema: { tags: TAGS, summary: 'GeoReport v2 service definition (services/{service_code}.json or .xml): no extra attributes', params: z.object({ file: z.string().max(40) }) },
  }, async (request, reply) => {
    const file = splitFile(request.params.file);
    if (!file) return sendError(reply, 'json', 404, 'use services/{service_code}.json or .xml');
    if (!(await publicMap.publicCategories()).includes(file.name)) return sendError(reply, file.format, 404, 'service_code not found');
    const value = { service_code: file.name, attributes: [] };
    return send(reply, file.format, 200, value, () => objectToXml('service_definition', value));
  });

  r.get('/open311/v2/requests/:file', {
    config: { policy: PUBLIC },
    schema: { tags: TAGS, summary: 'GeoReport v2 one service request (requests/{service_request_id}.json or .xml), as a list of one', params: z.object({ file: z.string().max(40) }) },
  }, async (request, reply) => {
    const file = splitFile(request.params.file);
    if (!file) return sendError(reply, 'json', 404, 'use requests/{service_request_id}.json or .xml');
    const rows = await publicMap.requests({ codes: [file.name] }, 1);
    if (rows.length === 0) return sendError(reply, file.format, 404, 'service_request_id not found');
    const list = [await requestView(request.locale, base(request), rows[0]!)];
    return send(reply, file.format, 200, list, () => toXml('service_requests', 'request', list));
  });
}
