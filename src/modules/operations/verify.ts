/**
 * Checks a restored database against its backup's manifest: the database's
 * own integrity check (SQLite), the row count of every table, the audit hash
 * chain end to end and its head, the bytes of every stored file a row
 * refers to, and a sample of residents whose ID numbers must decrypt with
 * the restored keys into valid numbers that match their blind index and
 * birth date.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../database.js';
import type { AuditAnchor } from '../../infra/audit/anchors.js';
import { verifyAuditChain } from '../../infra/audit/audit.js';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import type { Dialect } from '../../infra/db/database.js';
import { LocalFileStore } from '../../infra/files/store.js';
import { parseIdNumber } from '../basedata/rules/id-number.js';
import { compareCounts, type Manifest } from './rules/manifest.js';
import { auditPosition, kyselyRunner, tableCounts } from './snapshot.js';

/** Tables that only grow, compared after a point-in-time recovery. */
export const GROWING_TABLES = ['incidents', 'incident_events', 'residents', 'files', 'users'];

export interface VerifyOptions {
  /** The signed audit anchors that came with the backup. */
  anchors: readonly AuditAnchor[];
  db: Kysely<Database>;
  dialect: Dialect;
  manifest: Manifest;
  /** exact after a plain restore; rolled-forward after binary logs were replayed on top. */
  mode: 'exact' | 'rolled-forward';
  filesRoot: string;
  /** null when no keys are at hand (then the residents are not checked, and a warning says so). */
  cipher: FieldCipher | null;
  sample: number;
  today: string;
}

export interface VerifyReport {
  problems: string[];
  warnings: string[];
  integrity: string;
  tables: number;
  rows: number;
  auditRecords: number;
  auditHeadSeq: number;
  fileRows: number;
  residentsChecked: number;
}

async function integrity(db: Kysely<Database>, dialect: Dialect): Promise<string> {
  if (dialect !== 'sqlite') return 'loaded by the server (no file-level check on MySQL)';
  const rows = (await sql.raw('pragma integrity_check').execute(db)).rows as Record<string, unknown>[];
  const lines = rows.map((r) => String(Object.values(r)[0]));
  return lines.length === 1 && lines[0] === 'ok' ? 'ok' : lines.slice(0, 5).join('; ');
}

/** Resident ids spread evenly over the id range (deterministic). */
async function sampleResidents(db: Kysely<Database>, n: number) {
  const range = await db.selectFrom('residents').select((eb) => [eb.fn.min('id').as('lo'), eb.fn.max('id').as('hi')]).executeTakeFirst();
  if (!range || range.lo == null || range.hi == null || n <= 0) return [];
  const lo = Number(range.lo);
  const hi = Number(range.hi);
  const picked = new Map<number, { id: number; id_cipher: string; id_bidx: string; birth_date: string; phone_cipher: string | null; phone_bidx: string | null }>();
  for (let i = 0; i < n; i++) {
    const at = lo + Math.floor(((hi - lo) * i) / Math.max(1, n - 1));
    const row = await db.selectFrom('residents').select(['id', 'id_cipher', 'id_bidx', 'birth_date', 'phone_cipher', 'phone_bidx']).where('id', '>=', at).orderBy('id').limit(1).executeTakeFirst();
    if (row) picked.set(Number(row.id), row);
  }
  return [...picked.values()];
}

export async function verifyRestored(o: VerifyOptions): Promise<VerifyReport> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const run = kyselyRunner(o.db as unknown as Kysely<unknown>);

  const check = await integrity(o.db, o.dialect);
  if (o.dialect === 'sqlite' && check !== 'ok') problems.push(`integrity check: ${check}`);

  const counts = await tableCounts(run, o.dialect);
  const mismatches = o.mode === 'exact'
    ? compareCounts(o.manifest.counts, counts, 'exact')
    : compareCounts(o.manifest.counts, counts, 'at-least', GROWING_TABLES);
  for (const m of mismatches.slice(0, 10)) problems.push(`table ${m.table}: ${m.actual ?? 'missing'} rows, the backup has ${m.expected}`);

  const chain = await verifyAuditChain(o.db, o.anchors);
  if (!chain.ok) problems.push(`audit chain broken at seq ${chain.firstBroken!.seq} (${chain.firstBroken!.reason})`);
  const head = await auditPosition(run);
  if (o.mode === 'exact' && (head.headSeq !== o.manifest.audit.headSeq || head.headHash !== o.manifest.audit.headHash)) {
    problems.push(`audit head is seq ${head.headSeq}, the backup's is seq ${o.manifest.audit.headSeq}`);
  }
  if (o.mode === 'rolled-forward' && head.headSeq < o.manifest.audit.headSeq) problems.push(`audit head seq ${head.headSeq} is behind the backup's ${o.manifest.audit.headSeq}`);

  const store = new LocalFileStore(o.filesRoot);
  let fileRows = 0;
  let after = '';
  for (;;) {
    const page = await o.db.selectFrom('files').select('hash').where('hash', '>', after).orderBy('hash').limit(1000).execute();
    if (page.length === 0) break;
    for (const { hash } of page) {
      fileRows++;
      for (const variant of ['original', 'thumbnail'] as const) {
        if (!(await store.has(hash, variant))) problems.push(`stored file ${hash} (${variant}) is missing`);
      }
    }
    after = page[page.length - 1]!.hash;
    if (problems.length > 20) break;
  }

  let residentsChecked = 0;
  const residents = await sampleResidents(o.db, o.sample);
  if (residents.length > 0 && !o.cipher) {
    warnings.push('no field keys at hand: the residents\' ID numbers and phones were not checked; put the keys in place before starting the server');
  } else if (o.cipher) {
    for (const r of residents) {
      try {
        const id = o.cipher.decrypt(r.id_cipher);
        const parsed = parseIdNumber(id, o.today);
        if (o.cipher.blindIndex(id) !== r.id_bidx) problems.push(`resident ${r.id}: the ID number does not match its index`);
        else if (!parsed.ok || parsed.birthDate !== r.birth_date) problems.push(`resident ${r.id}: the ID number decrypts to no valid number for its birth date`);
        if (r.phone_cipher && r.phone_bidx && o.cipher.blindIndex(o.cipher.decrypt(r.phone_cipher)) !== r.phone_bidx) problems.push(`resident ${r.id}: the phone does not match its index`);
        residentsChecked++;
      } catch (err) {
        problems.push(`resident ${r.id}: cannot be decrypted with these keys (${(err as Error).message})`);
      }
      if (problems.length > 20) break;
    }
  }

  return {
    problems, warnings, integrity: check,
    tables: Object.keys(counts).length, rows: Object.values(counts).reduce((a, b) => a + b, 0),
    auditRecords: chain.records, auditHeadSeq: head.headSeq, fileRows, residentsChecked,
  };
}
