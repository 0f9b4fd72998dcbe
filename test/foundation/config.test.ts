import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, primaryDbUrl } from '../../src/infra/config.js';

describe('configuration', () => {
  it('defaults to SQLite under ./data on port 8080', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe('./data');
    expect(primaryDbUrl(c)).toMatch(/^sqlite:.*data\/civicgrid\.db$/);
    expect(c.sessionIdleMinutes).toBe(30);
  });

  it('reads environment variables over the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'civicgrid.json'), JSON.stringify({ port: 9000, sessionIdleMinutes: 10 }));
    const c = loadConfig({ CIVICGRID_DATA_DIR: dir, PORT: '9100' });
    expect(c.port).toBe(9100);
    expect(c.sessionIdleMinutes).toBe(10);
  });

  it('names the bad setting', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT \(port\)/);
    expect(() => loadConfig({ CIVICGRID_DB_URL: 'postgres://x' })).toThrow(/CIVICGRID_DB_URL/);
    expect(() => loadConfig({ CIVICGRID_AUDIT_RETENTION_DAYS: '30' })).toThrow(/at least 180/);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'civicgrid.json'), JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ CIVICGRID_DATA_DIR: dir })).toThrow(/unknown setting\(s\) prot/);
    writeFileSync(join(dir, 'civicgrid.json'), '{ nope');
    expect(() => loadConfig({ CIVICGRID_DATA_DIR: dir })).toThrow(/not valid JSON/);
  });
});
