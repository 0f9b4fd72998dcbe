/**
 * The non-database parts of a backup: hashing whole files, and the stored
 * files (<dataDir>/files, content-addressed) copied into the backup with a
 * sha256sum-style listing, then back into a data directory with every byte
 * checked against that listing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { AppError } from '../../infra/http/errors.js';
import type { ManifestPart } from './rules/manifest.js';

export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** A part of the manifest for a file inside the backup directory. */
export async function partOf(backupDir: string, path: string): Promise<ManifestPart> {
  return { path, ...(await sha256File(join(backupDir, path))) };
}

/** Flushes a file (or directory) to disk: a finished backup survives a power cut. */
export async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies a file, hashing the bytes as they pass; writes to a temporary name and renames it into place. */
export async function copyHashed(from: string, to: string, mode = 0o640): Promise<{ sha256: string; bytes: number }> {
  await mkdir(dirname(to), { recursive: true });
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const tmp = `${to}.partial`;
  await pipeline(createReadStream(from, { highWaterMark: 1 << 20 }), tap, createWriteStream(tmp, { mode }));
  await syncPath(tmp);
  await rename(tmp, to);
  return { sha256: hash.digest('hex'), bytes };
}

async function* walk(root: string, dir: string = root): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      // Uploads in flight: never referenced by a row (bytes are renamed into place before the row is written).
      if (dir === root && e.name === 'tmp') continue;
      yield* walk(root, full);
    } else if (e.isFile()) {
      yield relative(root, full).split(sep).join('/');
    }
  }
}

export interface FilesCopy {
  count: number;
  bytes: number;
  /** Originals whose bytes do not hash to their name (damaged in the store before the backup). */
  mismatched: string[];
}

/**
 * Files copied at once: each copy ends with an fsync, and concurrent fsyncs
 * share the file system's journal commits, so a batch costs about what one
 * file does (one at a time, 512 photos took 19 s in the drill).
 */
const BATCH = 64;

/**
 * Copies <dataDir>/files into <backup>/files and writes the listing. Called
 * after the database snapshot: bytes are stored before their row is written,
 * so every file the snapshot refers to is already there; files stored since
 * are copied too, harmlessly.
 */
export async function backupFiles(filesRoot: string, backupDir: string, listingName: string): Promise<FilesCopy> {
  const listing = createWriteStream(join(backupDir, listingName), { mode: 0o640 });
  const result: FilesCopy = { count: 0, bytes: 0, mismatched: [] };
  const copyBatch = async (batch: string[]) => {
    const copied = await Promise.all(batch.map((rel) => copyHashed(join(filesRoot, rel), join(backupDir, 'files', rel))));
    for (const [i, rel] of batch.entries()) {
      const { sha256, bytes } = copied[i]!;
      const name = rel.split('/').pop()!;
      if (/^[0-9a-f]{64}$/.test(name) && name !== sha256) result.mismatched.push(rel);
      if (!listing.write(`${sha256}  files/${rel}\n`)) await new Promise<void>((r) => listing.once('drain', () => r()));
      result.count++;
      result.bytes += bytes;
    }
  };
  try {
    if (existsSync(filesRoot)) {
      let batch: string[] = [];
      for await (const rel of walk(filesRoot)) {
        batch.push(rel);
        if (batch.length === BATCH) {
          await copyBatch(batch);
          batch = [];
        }
      }
      await copyBatch(batch);
    }
  } finally {
    await new Promise<void>((done, fail) => listing.end((err?: Error | null) => (err ? fail(err) : done())));
  }
  return result;
}

export interface ListedFile {
  sha256: string;
  /** `files/ab/cd/<name>`, relative to the backup directory. */
  path: string;
}

export function parseListing(text: string): ListedFile[] {
  const out: ListedFile[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) {2}(files\/[^\0]+)$/.exec(line);
    if (!m || m[2]!.split('/').includes('..')) throw new AppError(422, 'BACKUP_CORRUPT', { part: 'files.sha256', reason: `line ${i + 1} is unreadable` });
    out.push({ sha256: m[1]!, path: m[2]! });
  }
  return out;
}

/** Checks every listed file's bytes in the backup without copying (dry run). */
export async function checkFiles(backupDir: string, files: ListedFile[]): Promise<void> {
  for (const f of files) {
    const src = join(backupDir, f.path);
    if (!existsSync(src)) throw new AppError(422, 'BACKUP_CORRUPT', { part: f.path, reason: 'is missing' });
    if ((await sha256File(src)).sha256 !== f.sha256) throw new AppError(422, 'BACKUP_CORRUPT', { part: f.path, reason: 'does not match its SHA-256' });
  }
}

/** Copies the listed files into <dataDir>/files, checking each one's bytes on the way. */
export async function restoreFiles(backupDir: string, files: ListedFile[], dataDir: string): Promise<{ count: number; bytes: number }> {
  let bytes = 0;
  for (let i = 0; i < files.length; i += BATCH) {
    await Promise.all(files.slice(i, i + BATCH).map(async (f) => {
      const src = join(backupDir, f.path);
      if (!existsSync(src)) throw new AppError(422, 'BACKUP_CORRUPT', { part: f.path, reason: 'is missing' });
      const copied = await copyHashed(src, join(dataDir, f.path));
      if (copied.sha256 !== f.sha256) throw new AppError(422, 'BACKUP_CORRUPT', { part: f.path, reason: 'does not match its SHA-256' });
      bytes += copied.bytes;
    }));
  }
  return { count: files.length, bytes };
}

export async function isEmptyDir(path: string): Promise<boolean> {
  if (!existsSync(path)) return true;
  if (!(await stat(path)).isDirectory()) return false;
  return (await readdir(path)).length === 0;
}
