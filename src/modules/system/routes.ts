import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppDb } from '../../database.js';
import { pendingMigrations, type Migrations } from '../../infra/db/migrator.js';
import { PUBLIC } from '../../infra/http/policy.js';

/** The permission that shows the health check's details (accounts/catalogue.ts). */
const SYSTEM_READ = 'system.read';

/** Health and the API's own description. */
export async function systemRoutes(app: FastifyInstance, deps: { db: AppDb; migrations: Migrations; version: string }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Anyone (a load balancer) may learn up or down; what runs where is for signed-in operators only.
  const Details = { version: z.string().optional(), database: z.string().optional(), pendingMigrations: z.array(z.string()).optional() };
  r.get('/api/health', {
    config: { policy: PUBLIC },
    schema: {
      tags: ['system'],
      summary: 'Database reachable and migrations current; version, database kind and pending migrations only for users with system.read',
      response: {
        200: z.object({ status: z.literal('ok'), ...Details }),
        503: z.object({ status: z.literal('unavailable'), ...Details, error: z.string().optional() }),
      },
    },
  }, async (request, reply) => {
    const operator = request.principal?.can(SYSTEM_READ) === true;
    const details = (pending: string[]) => (operator ? { version: deps.version, database: deps.db.dialect, pendingMigrations: pending } : {});
    try {
      await sql`select 1`.execute(deps.db.primary);
      const pending = await pendingMigrations(deps.db.primary as never, deps.migrations);
      if (pending.length > 0) return reply.status(503).send({ status: 'unavailable' as const, ...details(pending) });
      return { status: 'ok' as const, ...details(pending) };
    } catch (err) {
      request.log.error({ err }, 'health check failed');
      return reply.status(503).send({ status: 'unavailable' as const, ...details([]), ...(operator ? { error: (err as Error).message } : {}) });
    }
  });

  r.get('/api/openapi.json', {
    config: { policy: PUBLIC },
    schema: { hide: true },
  }, async () => app.swagger());
}
