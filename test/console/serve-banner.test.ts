import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/modules/demo/load.js';
import type { Platform } from '../../src/platform.js';
import { openTestPlatform } from '../support/db.js';

/**
 * `civicgrid serve` at the default log level (issue 15 item 8): the banner
 * with every demo account and the local-trial warning is the last thing it
 * prints, and requests add no lines.
 */
describe('the serve banner', () => {
  let platform: Platform;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const t = await openTestPlatform('sqlite');
    platform = t.platform;
    close = t.close;
    await loadDemo(platform, { scale: 0.2 });
  });
  afterAll(async () => close?.());

  it('prints the banner last and logs no request at info', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const env: NodeJS.ProcessEnv = { ...process.env, CIVICGRID_DB_URL: platform.config.dbUrl!, CIVICGRID_DATA_DIR: platform.config.dataDir, CIVICGRID_LOG_LEVEL: 'info', HOST: '127.0.0.1' };
    delete env.CIVICGRID_CONFIG;
    const child = spawn('node', ['--import', 'tsx', 'src/cli.ts', 'serve', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (out += b.toString('utf8')));
    try {
      const started = Date.now();
      while (!out.includes('local trial only') && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 200));
      expect(out).toContain('local trial only');
      for (const path of ['/api/health', '/', '/api/auth/me']) await fetch(`http://127.0.0.1:${port}${path}`);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    // The clock sweep may report its first run at any time: background work, not start-up.
    const background = (l: string) => l.startsWith('{') && (JSON.parse(l) as { msg?: string }).msg === 'incident warnings swept';
    const lines = out.split('\n').map((l) => l.trim()).filter((l) => l && !background(l));
    const banner = lines.findIndex((l) => l.startsWith('CivicGrid ') && l.includes('is running at'));
    expect(banner).toBeGreaterThanOrEqual(0);
    expect(lines.slice(banner + 1)).toEqual([
      expect.stringContaining('API reference'),
      'Demo accounts (password Demo#2026): admin, operator, dispatcher, supervisor, handler, worker, teamlead, street, leader, auditor, basedata, keyperson',
      'The demo password is for a local trial only: never expose a server with the demo accounts to a network.',
    ]);
    expect(out).not.toContain('incoming request');
  }, 90_000);
});
