import type { FastifyInstance } from 'fastify';
import type { Config } from '../../src/infra/config.js';
import { loadDemo } from '../../src/modules/demo/load.js';
import { buildHttp } from '../../src/platform.js';
import { openTestPlatform } from './db.js';

/**
 * The real server on a random port over a fresh SQLite database with the demo
 * district (scale 0.2: two streets) and accounts, serving the built console (web/dist).
 */
export async function startTestServer(overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<{ url: string; app: FastifyInstance; close(): Promise<void> }> {
  const t = await openTestPlatform('sqlite', overrides);
  await loadDemo(t.platform, { scale: 0.2 });
  const { app } = await buildHttp(t.platform);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    app,
    async close() {
      await app.close();
      await t.close();
    },
  };
}
