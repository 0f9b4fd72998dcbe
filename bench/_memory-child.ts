/**
 * Child process of memory.bench.ts: `server` opens the cached district,
 * builds the HTTP app and warms it (locator, reference caches, logins, lists,
 * searches, incident pages, queues) and prints its RSS; `bare` only imports
 * the same modules and prints its RSS. Run with --expose-gc.
 */
import { benchDatabase } from './_cache.js';
import { DEMO_PASSWORD } from '../src/modules/demo/load.js';
import { buildHttp, openPlatform } from '../src/platform.js';

const mode = process.argv[2];
const gc = (globalThis as { gc?: () => void }).gc;
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
};

if (mode === 'server') {
  const b = await benchDatabase({ quiet: true });
  const platform = await openPlatform(b.config);
  const { app } = await buildHttp(platform);
  await app.ready();
  const inject = async (method: 'GET' | 'POST', url: string, cookie?: string, payload?: unknown) => {
    const r = await app.inject({ method, url, ...(payload ? { payload: payload as object } : {}), ...(cookie ? { cookies: { cg_session: cookie } } : {}) });
    if (r.statusCode !== 200) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    return r;
  };
  const maxId = Number((await platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 1);
  for (const username of ['operator', 'street', 'dispatcher', 'handler', 'worker', 'leader']) {
    const r = await inject('POST', '/api/auth/login', undefined, { username, password: DEMO_PASSWORD });
    const cookie = r.cookies.find((c) => c.name === 'cg_session')!.value;
    for (const q of ['', 'status=handling', 'overdue=true', 'q=%E4%BA%95%E7%9B%96', 'category=04&page=3']) await inject('GET', `/api/incidents?pageSize=50&${q}`, cookie);
    for (const queue of ['to-register', 'to-dispatch', 'overdue']) await inject('GET', `/api/incidents/queues/${queue}`, cookie).catch(() => undefined);
    if (username === 'operator') for (let i = 0; i < 200; i++) await inject('GET', `/api/incidents/${1 + ((i * 104_729) % maxId)}`, cookie);
    await inject('GET', '/api/grids/locate?lng=113.05&lat=28.12', cookie).catch(() => undefined);
  }
  await settle();
  const m = process.memoryUsage();
  console.log(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external }));
  await app.close();
  await platform.close();
} else {
  await settle();
  const m = process.memoryUsage();
  console.log(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external }));
}
