/**
 * The manifest of a backup (`manifest.json` in the backup directory): what
 * was backed up, from which program and schema, the row counts and audit
 * head of the snapshot, and the SHA-256 of every part. Restore checks a
 * backup against it before it writes anything, and the restored database
 * against it afterwards. Pure: no I/O here.
 */
import { z } from 'zod';

export const BACKUP_FORMAT = 'civicgrid-backup';
/** Bumped when the layout changes in a way an older restore cannot read. */
export const BACKUP_FORMAT_VERSION = 1;

export const MANIFEST_FILE = 'manifest.json';
/** sha256sum-style listing of the stored files: `<sha256>  files/ab/cd/<name>`. */
export const FILES_LIST = 'files.sha256';
export const SQLITE_PART = 'civicgrid.db';
/** The archive store's file, when it is a SQLite file of its own (docs/archive.md). */
export const ARCHIVE_SQLITE_PART = 'civicgrid-archive.db';
export const MYSQL_PART = 'database.sql.gz';
export const KEYS_PART = 'field-keys.json';
export const AUDIT_KEYS_PART = 'audit-keys.json';
/** The signed audit anchors up to the snapshot's head, one JSON line each. */
export const ANCHORS_PART = 'audit-anchors.jsonl';
export const CONFIG_PART = 'civicgrid.json';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const partSchema = z.object({
  /** Relative to the backup directory. */
  path: z.string().min(1).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must stay inside the backup'),
  bytes: z.number().int().nonnegative(),
  sha256,
});

export const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int().positive(),
  createdAt: z.string(),
  program: z.object({ name: z.string(), version: z.string() }),
  database: z.object({
    dialect: z.enum(['sqlite', 'mysql']),
    /** sqlite-online-backup, or the dump tool's name. */
    method: z.string(),
    tool: z.string().nullable(),
    /** The name of the database dumped (MySQL), for replaying its binary log. */
    name: z.string().nullable(),
    /** Where the snapshot sits in the source server's binary log (MySQL with log_bin on). */
    binlog: z.object({ file: z.string(), position: z.number().int().nonnegative(), gtid: z.string().nullable() }).nullable(),
  }),
  migrations: z.array(z.string()),
  counts: z.record(z.string(), z.number().int().nonnegative()),
  audit: z.object({ headSeq: z.number().int().nonnegative(), headHash: z.string(), anchorSeq: z.number().int().nonnegative() }),
  /** file: the key file is a part; config-file: the keys are in the config file part; environment / omitted: not in the backup. */
  keys: z.object({ source: z.enum(['file', 'config-file', 'environment', 'omitted']) }),
  /** The same for the audit chain's HMAC keys (AUDIT_KEYS_PART when a file). */
  auditKeys: z.object({ source: z.enum(['file', 'config-file', 'environment', 'omitted']) }),
  files: z.object({ count: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }),
  parts: z.array(partSchema).min(1),
  timings: z.record(z.string(), z.number()),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestPart = z.infer<typeof partSchema>;

export type ManifestProblem =
  | { code: 'BACKUP_MANIFEST_INVALID'; details: { problems: string[] } }
  | { code: 'BACKUP_FORMAT_UNSUPPORTED'; details: { formatVersion: number; supported: number } }
  | { code: 'BACKUP_TOO_NEW'; details: { unknownMigrations: string[]; programVersion: string } };

/**
 * Reads a manifest and checks that this program can restore it: the format
 * is known, and every migration the backup's schema went through is one this
 * program knows (a backup made by a newer version has tables this one would
 * not understand). An older schema is fine: the next start migrates it.
 */
export function readManifest(json: unknown, knownMigrations: readonly string[]): { ok: true; manifest: Manifest } | { ok: false; problem: ManifestProblem } {
  const head = z.object({ format: z.literal(BACKUP_FORMAT), formatVersion: z.number().int() }).safeParse(json);
  if (head.success && head.data.formatVersion > BACKUP_FORMAT_VERSION) {
    return { ok: false, problem: { code: 'BACKUP_FORMAT_UNSUPPORTED', details: { formatVersion: head.data.formatVersion, supported: BACKUP_FORMAT_VERSION } } };
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problem: { code: 'BACKUP_MANIFEST_INVALID', details: { problems: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) } } };
  }
  const known = new Set(knownMigrations);
  const unknown = parsed.data.migrations.filter((m) => !known.has(m));
  if (unknown.length > 0) return { ok: false, problem: { code: 'BACKUP_TOO_NEW', details: { unknownMigrations: unknown, programVersion: parsed.data.program.version } } };
  return { ok: true, manifest: parsed.data };
}

export interface CountMismatch {
  table: string;
  expected: number;
  actual: number | null;
}

/**
 * Tables whose restored row count is not what the manifest says: `exact`
 * after a plain restore; `at-least` after a point-in-time recovery, which
 * replays later changes on top, for the tables named in `only` (those that
 * only grow: other tables may lose rows to later changes, e.g. expired
 * idempotency keys or revoked role assignments).
 */
export function compareCounts(
  expected: Record<string, number>,
  actual: Record<string, number>,
  mode: 'exact' | 'at-least',
  only?: readonly string[],
): CountMismatch[] {
  const out: CountMismatch[] = [];
  for (const [table, n] of Object.entries(expected)) {
    if (only && !only.includes(table)) continue;
    const got = actual[table];
    if (got === undefined) out.push({ table, expected: n, actual: null });
    else if (mode === 'exact' ? got !== n : got < n) out.push({ table, expected: n, actual: got });
  }
  return out;
}

/** Total bytes of the parts, for the summary line. */
export function backupBytes(manifest: Pick<Manifest, 'parts' | 'files'>): number {
  return manifest.parts.reduce((s, p) => s + p.bytes, 0) + manifest.files.bytes;
}
