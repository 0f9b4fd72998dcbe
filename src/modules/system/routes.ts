import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppDb } from '../../database.js';
import { pendingMigrations, type Migrations } from '../../infra/db/migrator.js';
import { PUBLIC } from '../../infra/http/policy.js';

/** Health and the API's own description. */
export async function systemRoutes(app: FastifyInstance, deps: { db: AppDb; migrations: Migrations; version: string }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/health', {
    config: { policy: PUBLIC },
    schema: {
      tags: ['system'],
      summary: 'Database reachable and migrations current',
      response: {
        200: z.object({ status: z.literal('ok'), version: z.string(), database: z.string(), pendingMigrations: z.array(z.string()) }),
        503: z.object({ status: z.literal('unavailable'), version: z.string(), database: z.string(), pendingMigrations: z.array(z.string()), error: z.string().optional() }),
      },
    },
  }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(deps.db.primary);
      const pending = await pendingMigrations(deps.db.primary as never, deps.migrations);
      const body = { version: deps.version, database: deps.db.dialect, pendingMigrations: pending };
      if (pending.length > 0) return reply.status(503).send({ status: 'unavailable' as const, ...body });
      return { status: 'ok' as const, ...body };
    } catch (err) {
      return reply.status(503).send({
        status: 'unavailable' as const, version: deps.version, database: deps.db.dialect, pendingMigrations: [], error: (err as Error).message,
      });
    }
  });

  r.get('/api/openapi.json', {
    config: { policy: PUBLIC },
    schema: { hide: true },
  }, async () => app.swagger());
}
