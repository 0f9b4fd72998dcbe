/**
 * /api/grids: the territory tree, the point locator, the map's GeoJSON,
 * import/export and grid administration.
 *
 * Reads need grid.read and are filtered by the caller's scope in the query
 * (visibility.ts): a grid outside it answers 404. Writes need grid.manage
 * and a grid scope over the grid. Locate answers 200 in both cases, with
 * `inside: false` and a reason when the point is in no grid the caller may
 * see: "outside" is an answer about the point, not an error of the request.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { messageFor } from '../../infra/http/errors.js';
import { permission } from '../../infra/http/policy.js';
import { GRID_LEVELS } from './rules/codes.js';
import type { GridService } from './service.js';
import { gridVisibility, inScopeSubtree } from './visibility.js';
import { departmentGridVisibility } from './department-grids.js';

const Level = z.enum(GRID_LEVELS as unknown as ['district', 'street', 'community', 'unit']);
const Code = z.string().regex(/^\d{6,15}$/);
const CodeParams = z.object({ code: Code });
const Ref = z.object({ code: z.string(), name: z.string() });
const ListItem = z.object({ code: z.string(), name: z.string(), level: Level, parentCode: z.string().nullable(), status: z.enum(['active', 'retired']) });
const Worker = z.object({
  userId: z.number(), username: z.string(), displayName: z.string(),
  role: z.enum(['full_time', 'part_time']), from: z.string(), to: z.string().nullable(),
});
const Card = ListItem.extend({
  chain: z.array(z.object({ code: z.string(), name: z.string(), level: Level })),
  attributes: z.record(z.string(), z.unknown()),
  workers: z.array(Worker),
  childCounts: z.object({ street: z.number(), community: z.number(), unit: z.number() }),
  incidents: z.object({ open: z.number(), overdue: z.number(), last30Days: z.number() }).optional(),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  labelPoint: z.tuple([z.number(), z.number()]),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  retiredAt: z.string().nullable(),
});
const Problem = z.object({
  code: z.string(), featureCode: z.string().optional(), otherCode: z.string().optional(),
  file: z.number().optional(), index: z.number().optional(), message: z.string(), details: z.record(z.string(), z.unknown()),
});
const Report = z.object({
  ok: z.boolean(), dryRun: z.boolean(), partial: z.boolean(), applied: z.boolean(),
  tolerances: z.object({ overlapM2: z.number(), gapM2: z.number() }),
  counts: z.object({ features: z.number(), created: z.number(), updated: z.number(), unchanged: z.number(), retired: z.number(), restored: z.number() }),
  byLevel: z.object({ district: z.number(), street: z.number(), community: z.number(), unit: z.number() }),
  problems: z.array(Problem),
  changes: z.array(z.object({ code: z.string(), level: Level, kinds: z.array(z.string()), related: z.array(z.string()).optional() })),
});
const FeatureCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(z.object({ type: z.literal('Feature'), id: z.number().optional(), properties: z.record(z.string(), z.unknown()), geometry: z.unknown() })),
});
const DepartmentCode = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);
const DepartmentParams = z.object({ department: DepartmentCode });
const DepartmentReport = z.object({
  ok: z.boolean(), dryRun: z.boolean(), applied: z.boolean(), department: z.string(),
  tolerances: z.object({ overlapM2: z.number() }),
  counts: z.object({ features: z.number(), created: z.number(), updated: z.number(), unchanged: z.number(), retired: z.number(), restored: z.number() }),
  problems: z.array(Problem),
  changes: z.array(z.object({ code: z.string(), kinds: z.array(z.string()) })),
});
const DepartmentLocated = z.object({ code: z.string(), grid: Ref.nullable() }).optional();
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });

/** Imports of a whole city can be large; the import route alone accepts up to this. */
const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

export async function gridRoutes(app: FastifyInstance, deps: { grids: GridService }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { grids } = deps;
  const read = permission('grid.read');
  const manage = permission('grid.manage');

  r.get('/api/grids', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: 'Grid nodes in the caller scope, by level, parent, code prefix or name',
      querystring: z.object({
        level: Level.optional(),
        parent: Code.optional(),
        q: z.string().max(64).optional(),
        status: z.enum(['active', 'retired', 'all']).default('active'),
        page: z.coerce.number().int().min(1).default(1),
        pageSize: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: { 200: z.object({ items: z.array(ListItem), total: z.number() }) },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    return grids.list(gridVisibility(p), request.query, p.userId);
  });

  r.get('/api/grids/locate', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: 'Point → unit grid, community, street, district. 200 with inside:false when the point is in no grid the caller may see',
      querystring: z.object({
        lng: z.coerce.number().min(-180).max(180),
        lat: z.coerce.number().min(-90).max(90),
        crs: z.enum(['wgs84', 'gcj02', 'bd09']).default('wgs84'),
        department: DepartmentCode.optional(),
      }),
      response: {
        200: z.union([
          z.object({
            inside: z.literal(true), unit: Ref, community: Ref.nullable(), street: Ref.nullable(), district: Ref.nullable(),
            wgs84: z.object({ lng: z.number(), lat: z.number() }), department: DepartmentLocated,
          }),
          z.object({
            inside: z.literal(false), reason: z.enum(['GRID_OUTSIDE_DISTRICT', 'GRID_OUTSIDE_SCOPE']), message: z.string(),
            wgs84: z.object({ lng: z.number(), lat: z.number() }), department: DepartmentLocated,
          }),
        ]),
        404: ErrorBody,
      },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    const { lng, lat, crs, department } = request.query;
    const { wgs84, grid } = grids.locator.locateChain(lng, lat, crs);
    // The department grid answers on its own: department grids are not limited to the caller's grid scope (department-grids.ts).
    const dept = department === undefined
      ? {}
      : { department: { code: department, grid: await grids.departments.locate(departmentGridVisibility(p), department, wgs84.lng, wgs84.lat) } };
    if (!grid) return { inside: false as const, reason: 'GRID_OUTSIDE_DISTRICT' as const, message: messageFor('GRID_OUTSIDE_DISTRICT', request.locale), wgs84, ...dept };
    if (!inScopeSubtree(gridVisibility(p), grid.unit.code)) {
      return { inside: false as const, reason: 'GRID_OUTSIDE_SCOPE' as const, message: messageFor('GRID_OUTSIDE_SCOPE', request.locale), wgs84, ...dept };
    }
    return { inside: true as const, ...grid, wgs84, ...dept };
  });

  r.get('/api/grids/geojson', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: 'Active grids of one level for the map (scope-filtered, 6 decimals, label point lx/ly per feature)',
      querystring: z.object({ level: Level.default('unit'), parent: Code.optional() }),
      response: { 200: FeatureCollection },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    return grids.mapFeatures(gridVisibility(p), { level: request.query.level, ...(request.query.parent ? { parent: request.query.parent } : {}) }, p.userId);
  });

  r.get('/api/grids/map-settings', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: 'Map settings: the base map (tile URLs with the key put in, labels, attribution, the tiles\' coordinate system); without one the map draws on a plain background',
      response: {
        200: z.object({
          tileUrl: z.string().nullable(),
          tiles: z.array(z.string()),
          labelTiles: z.array(z.string()),
          tileAttribution: z.string().nullable(),
          tileCrs: z.enum(['wgs84', 'gcj02']),
        }),
      },
    },
  }, async () => {
    const b = grids.settings.basemap;
    return {
      tileUrl: b?.tiles[0] ?? null,
      tiles: b?.tiles ?? [],
      labelTiles: b?.labelTiles ?? [],
      tileAttribution: b?.attribution ?? null,
      tileCrs: b?.crs ?? 'wgs84',
    };
  });

  r.get('/api/grids/export', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: 'The active tree in the caller scope (or one level) as an importable GeoJSON FeatureCollection',
      querystring: z.object({ level: Level.optional() }),
      response: { 200: FeatureCollection },
    },
  }, async (request, reply) => {
    const p = requirePrincipal(request);
    void reply.header('content-disposition', `attachment; filename="grids${request.query.level ? `-${request.query.level}` : ''}.geojson"`);
    return grids.exportTree(gridVisibility(p), request.query.level);
  });

  r.post('/api/grids/import', {
    config: { policy: manage },
    bodyLimit: IMPORT_BODY_LIMIT,
    schema: {
      tags: ['grid'],
      summary: 'Import grids from GeoJSON FeatureCollections (one, or one per level). Dry run by default; 422 with the report when there are problems',
      body: z.object({
        // Features are checked one by one into the report; a file that is not a FeatureCollection is a bad request.
        files: z.array(z.looseObject({ type: z.literal('FeatureCollection'), features: z.array(z.unknown()) })).min(1).max(20),
        dryRun: z.boolean().default(true),
        partial: z.boolean().default(false),
        overlapToleranceM2: z.number().min(0).optional(),
        gapToleranceM2: z.number().min(0).optional(),
      }),
      response: { 200: Report, 403: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    const p = requirePrincipal(request);
    const b = request.body;
    const report = await grids.importFiles(
      b.files,
      { dryRun: b.dryRun, partial: b.partial, tolerances: { overlapM2: b.overlapToleranceM2, gapM2: b.gapToleranceM2 } },
      actorOf(request),
      p.scopesFor('grid.manage'),
    );
    if (!b.dryRun && !report.ok) {
      return reply.status(422).send({
        code: 'GRID_IMPORT_INVALID',
        message: messageFor('GRID_IMPORT_INVALID', request.locale, { report }),
        details: { report },
      });
    }
    return report;
  });

  // ---- 专业网格: department grids (department-grids.ts) --------------------------

  r.get('/api/grids/departments', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: 'Departments whose grids the caller may see (own department for a department scope, all for a grid scope), with active grid counts',
      response: { 200: z.object({ items: z.array(z.object({ code: z.string(), name: z.string(), gridCount: z.number() })) }) },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    return { items: await grids.departments.departments(departmentGridVisibility(p), p.userId) };
  });

  r.get('/api/grids/departments/:department/geojson', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: "A department's active grids for the map (6 decimals, label point lx/ly); 404 for a department the caller may not see",
      params: DepartmentParams,
      response: { 200: FeatureCollection, 404: ErrorBody },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    return grids.departments.mapFeatures(departmentGridVisibility(p), request.params.department, p.userId);
  });

  r.get('/api/grids/departments/:department/export', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: "A department's active grids as an importable GeoJSON FeatureCollection (properties code, name, attributes)",
      params: DepartmentParams,
      response: { 200: FeatureCollection, 404: ErrorBody },
    },
  }, async (request, reply) => {
    const p = requirePrincipal(request);
    void reply.header('content-disposition', `attachment; filename="department-grids-${request.params.department}.geojson"`);
    return grids.departments.exportDepartment(departmentGridVisibility(p), request.params.department);
  });

  r.get('/api/grids/departments/:department/history', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: "Changes of a department's grids by imports, newest first",
      params: DepartmentParams,
      querystring: z.object({ page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(50) }),
      response: {
        200: z.object({
          items: z.array(z.object({
            id: z.number(), code: z.string(), at: z.string(), username: z.string().nullable(),
            change: z.enum(['created', 'updated', 'retired', 'restored']), before: z.unknown(), after: z.unknown(), source: z.string(),
          })),
          total: z.number(),
        }),
        404: ErrorBody,
      },
    },
  }, async (request) => grids.departments.history(departmentGridVisibility(requirePrincipal(request)), request.params.department, request.query.page, request.query.pageSize));

  r.post('/api/grids/departments/:department/import', {
    config: { policy: manage },
    bodyLimit: IMPORT_BODY_LIMIT,
    schema: {
      tags: ['grid'],
      summary: "Replace a department's grids from one GeoJSON FeatureCollection (properties code, name). Dry run by default; 422 with the report when there are problems",
      params: DepartmentParams,
      body: z.object({
        file: z.unknown(),
        dryRun: z.boolean().default(true),
        overlapToleranceM2: z.number().min(0).optional(),
      }),
      response: { 200: DepartmentReport, 403: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    const p = requirePrincipal(request);
    const b = request.body;
    const report = await grids.departments.importFile(
      request.params.department, b.file, { dryRun: b.dryRun, overlapM2: b.overlapToleranceM2 }, actorOf(request), p.scopesFor('grid.manage'),
    );
    if (!b.dryRun && !report.ok) {
      return reply.status(422).send({
        code: 'GRID_DEPARTMENT_IMPORT_INVALID',
        message: messageFor('GRID_DEPARTMENT_IMPORT_INVALID', request.locale, { report }),
        details: { report },
      });
    }
    return report;
  });

  r.get('/api/grids/worker-candidates', {
    config: { policy: manage },
    schema: {
      tags: ['grid'],
      summary: 'Users holding the grid worker role within the caller scope (for assignment)',
      querystring: z.object({ q: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: { 200: z.object({ items: z.array(z.object({ userId: z.number(), username: z.string(), displayName: z.string(), scopeCode: z.string() })) }) },
    },
  }, async (request) => ({ items: await grids.workerCandidates(requirePrincipal(request), request.query.q, request.query.limit) }));

  r.get('/api/grids/:code', {
    config: { policy: read },
    schema: { tags: ['grid'], summary: 'A grid card: parent chain, workers, attributes, child counts (retired codes resolve too)', params: CodeParams, response: { 200: Card } },
  }, async (request) => {
    const p = requirePrincipal(request);
    return grids.card(gridVisibility(p), request.params.code, false, p.scopesFor('incidents.read'));
  });

  r.get('/api/grids/:code/neighbours', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: 'Active grids of the same level sharing an edge or a corner',
      params: CodeParams,
      response: { 200: z.object({ items: z.array(ListItem) }) },
    },
  }, async (request) => ({ items: await grids.neighbours(gridVisibility(requirePrincipal(request)), request.params.code) }));

  r.get('/api/grids/:code/history', {
    config: { policy: read },
    schema: {
      tags: ['grid'],
      summary: 'Changes of a grid, newest first',
      params: CodeParams,
      querystring: z.object({ page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(50) }),
      response: {
        200: z.object({
          items: z.array(z.object({
            id: z.number(), at: z.string(), username: z.string().nullable(),
            change: z.enum(['created', 'updated', 'retired', 'split', 'merged', 'renamed', 'geometry']),
            before: z.unknown(), after: z.unknown(), related: z.array(z.string()), source: z.string(),
            geometrySummary: z.object({ areaBeforeM2: z.number(), areaAfterM2: z.number(), verticesBefore: z.number(), verticesAfter: z.number() }).optional(),
          })),
          total: z.number(),
        }),
      },
    },
  }, async (request) => grids.history(gridVisibility(requirePrincipal(request)), request.params.code, request.query.page, request.query.pageSize));

  r.patch('/api/grids/:code', {
    config: { policy: manage },
    schema: {
      tags: ['grid'],
      summary: 'Edit a grid name and attributes (responsible people…); 409 on a stale version',
      params: CodeParams,
      body: z.object({
        version: z.number().int().min(1),
        name: z.string().trim().min(1).max(100).optional(),
        attributes: z.record(z.string(), z.unknown()).optional(),
      }),
      response: { 200: Card, 409: ErrorBody },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    return grids.update(p.scopesFor('grid.manage'), actorOf(request), request.params.code, request.body);
  });

  r.put('/api/grids/:code/workers', {
    config: { policy: manage },
    schema: {
      tags: ['grid'],
      summary: 'Set the current grid workers of a unit or community grid (removed ones are ended, not deleted)',
      params: CodeParams,
      body: z.object({
        workers: z.array(z.object({
          userId: z.number().int().positive(),
          role: z.enum(['full_time', 'part_time']),
          from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
        })).max(50),
      }),
      response: { 200: z.object({ items: z.array(Worker) }) },
    },
  }, async (request) => ({ items: await grids.setWorkers(requirePrincipal(request).scopesFor('grid.manage'), actorOf(request), request.params.code, request.body.workers) }));
}
