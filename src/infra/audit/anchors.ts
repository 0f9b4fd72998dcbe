import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { AnyKysely } from '../db/database.js';
import { auditKeyringOf } from './audit.js';
import type { AuditKeyring } from './chain.js';
import type { AuditTables } from './tables.js';

/**
 * A signed statement, kept outside the database, that the chain reached `seq`
 * with `hash` at `at`. The keyed chain stops a rewrite by someone without the
 * key; anchors also catch what the chain alone cannot: the newest records cut
 * off together with the head. Appended one JSON line each to a file a month.
 */
export interface AuditAnchor {
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  mac: string;
}

const FILE_RE = /^audit-anchors-\d{4}-\d{2}\.jsonl$/;

function anchorMac(key: Buffer, a: Pick<AuditAnchor, 'seq' | 'hash' | 'at'>): string {
  return createHmac('sha256', key).update(`civicgrid-audit-anchor\n${a.seq}\n${a.hash}\n${a.at}`).digest('hex');
}

export function signAnchor(keyring: AuditKeyring, seq: number, hash: string, at: string): AuditAnchor {
  return { seq, hash, at, keyId: keyring.activeId, mac: anchorMac(keyring.keys.get(keyring.activeId)!, { seq, hash, at }) };
}

/** Whether the anchor was signed by a key of the ring. */
export function anchorIsValid(keyring: AuditKeyring, a: AuditAnchor): boolean {
  const key = keyring.keys.get(a.keyId);
  if (!key || typeof a.mac !== 'string' || !/^[0-9a-f]{64}$/.test(a.mac)) return false;
  return timingSafeEqual(Buffer.from(anchorMac(key, a), 'hex'), Buffer.from(a.mac, 'hex'));
}

export class AnchorFileError extends Error {
  override name = 'AnchorFileError';
}

/** Every anchor in the folder, oldest file first; a line that does not parse is an error, never skipped. */
export function readAnchors(dir: string): AuditAnchor[] {
  if (!existsSync(dir)) return [];
  const out: AuditAnchor[] = [];
  for (const name of readdirSync(dir).filter((n) => FILE_RE.test(n)).sort()) out.push(...parseAnchorLines(readFileSync(join(dir, name), 'utf8'), name));
  return out;
}

/**
 * Appends an anchor for the current head unless the last one written by this
 * call site already names it. Returns the anchor written, or null.
 */
export async function writeAnchor(anyDb: AnyKysely, dir: string, lastSeq: number | null, now = new Date()): Promise<AuditAnchor | null> {
  const db = anyDb as Kysely<AuditTables>;
  const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  const seq = Number(head.seq);
  if (seq === 0 || seq === lastSeq) return null;
  const anchor = signAnchor(auditKeyringOf(anyDb), seq, head.hash, now.toISOString());
  appendAnchors(dir, [anchor]);
  return anchor;
}

/** Appends anchors to the files of their months (a restore puts back those of its backup). */
export function appendAnchors(dir: string, anchors: readonly AuditAnchor[]): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const a of anchors) appendFileSync(join(dir, `audit-anchors-${a.at.slice(0, 7)}.jsonl`), `${JSON.stringify(a)}\n`, { mode: 0o600 });
}

/** Anchors from JSON lines (a backup's part); a line that does not parse is an error. */
export function parseAnchorLines(text: string, source: string): AuditAnchor[] {
  const out: AuditAnchor[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const a = JSON.parse(line) as AuditAnchor;
      if (!Number.isSafeInteger(a.seq) || typeof a.hash !== 'string' || typeof a.at !== 'string' || typeof a.keyId !== 'string') throw new Error('fields missing');
      out.push(a);
    } catch (err) {
      throw new AnchorFileError(`${source} line ${i + 1}: not an anchor (${(err as Error).message})`);
    }
  });
  return out;
}
