import { describe, expect, it } from 'vitest';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, compareCounts, readManifest, type Manifest } from './manifest.js';

const manifest: Manifest = {
  format: BACKUP_FORMAT,
  formatVersion: BACKUP_FORMAT_VERSION,
  createdAt: '2026-12-03T07:00:00.000Z',
  program: { name: 'civicgrid', version: '0.1.0' },
  database: { dialect: 'sqlite', method: 'sqlite-online-backup', tool: null, name: null, binlog: null },
  migrations: ['0001_auth', '0002_audit'],
  counts: { users: 3, audit_log: 10 },
  audit: { headSeq: 10, headHash: 'a'.repeat(64), anchorSeq: 0 },
  keys: { source: 'file' },
  auditKeys: { source: 'file' },
  files: { count: 0, bytes: 0 },
  parts: [{ path: 'civicgrid.db', bytes: 4096, sha256: 'b'.repeat(64) }],
  timings: { totalMs: 12 },
};

describe('readManifest', () => {
  it('accepts a manifest of this format whose migrations are all known', () => {
    expect(readManifest(manifest, ['0001_auth', '0002_audit', '0003_departments'])).toEqual({ ok: true, manifest });
  });

  it('says which migrations a newer program made', () => {
    const r = readManifest({ ...manifest, migrations: [...manifest.migrations, '0099_future'] }, ['0001_auth', '0002_audit']);
    expect(r).toEqual({ ok: false, problem: { code: 'BACKUP_TOO_NEW', details: { unknownMigrations: ['0099_future'], programVersion: '0.1.0' } } });
  });

  it('refuses a newer format before looking at the rest', () => {
    const r = readManifest({ format: BACKUP_FORMAT, formatVersion: BACKUP_FORMAT_VERSION + 1, whatever: true }, []);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem.code).toBe('BACKUP_FORMAT_UNSUPPORTED');
  });

  it('names what is wrong in a damaged manifest, including parts pointing outside the backup', () => {
    const r = readManifest({ ...manifest, counts: { users: -1 }, parts: [{ path: '../etc/passwd', bytes: 1, sha256: 'c'.repeat(64) }] }, ['0001_auth', '0002_audit']);
    expect(r.ok).toBe(false);
    if (!r.ok && r.problem.code === 'BACKUP_MANIFEST_INVALID') {
      expect(r.problem.details.problems.join(' ')).toMatch(/counts\.users/);
      expect(r.problem.details.problems.join(' ')).toMatch(/parts\.0\.path: must stay inside the backup/);
    } else {
      throw new Error(`unexpected ${JSON.stringify(r)}`);
    }
    expect(readManifest('not json at all', []).ok).toBe(false);
    expect(readManifest({ format: 'something-else' }, []).ok).toBe(false);
  });
});

describe('compareCounts', () => {
  it('exact: every table equal', () => {
    expect(compareCounts({ a: 1, b: 2 }, { a: 1, b: 2, c: 9 }, 'exact')).toEqual([]);
    expect(compareCounts({ a: 1, b: 2 }, { a: 1, b: 3 }, 'exact')).toEqual([{ table: 'b', expected: 2, actual: 3 }]);
    expect(compareCounts({ a: 1 }, {}, 'exact')).toEqual([{ table: 'a', expected: 1, actual: null }]);
  });

  it('at-least: the named tables did not shrink', () => {
    expect(compareCounts({ a: 1, b: 5 }, { a: 4, b: 2 }, 'at-least', ['a'])).toEqual([]);
    expect(compareCounts({ a: 5, b: 5 }, { a: 4, b: 2 }, 'at-least', ['a'])).toEqual([{ table: 'a', expected: 5, actual: 4 }]);
  });
});
