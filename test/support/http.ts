import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadDemo, DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import type { Dialect } from '../../src/infra/db/database.js';
import type { Config } from '../../src/infra/config.js';
import { buildHttp, type Platform } from '../../src/platform.js';
import type { RegisteredRoute } from '../../src/infra/http/policy.js';
import { openTestPlatform } from './db.js';

export { DEMO_PASSWORD };

export interface TestApp {
  platform: Platform;
  app: FastifyInstance;
  routes: RegisteredRoute[];
  /** Logs in and returns the session cookie value. */
  login(username: string, password?: string): Promise<string>;
  request(opts: { method?: string; url: string; cookie?: string; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The HTTP app over a fresh database of the given dialect with the demo district at scale 0.2: two streets. */
export async function openTestApp(dialect: Dialect, overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<TestApp> {
  const t = await openTestPlatform(dialect, overrides);
  await loadDemo(t.platform, { scale: 0.2 });
  const { app, routes } = await buildHttp(t.platform);
  const request: TestApp['request'] = (opts) =>
    app.inject({
      method: (opts.method ?? 'GET') as 'GET',
      url: opts.url,
      headers: { ...(opts.cookie ? { cookie: `cg_session=${opts.cookie}` } : {}), ...(opts.headers ?? {}) },
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
    });
  return {
    platform: t.platform,
    app,
    routes,
    request,
    async login(username, password = DEMO_PASSWORD) {
      const res = await request({ method: 'POST', url: '/api/auth/login', body: { username, password } });
      if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
      const cookie = res.cookies.find((c) => c.name === 'cg_session');
      if (!cookie) throw new Error('no session cookie');
      return cookie.value;
    },
    async close() {
      await app.close();
      await t.close();
    },
  };
}
