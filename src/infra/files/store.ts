import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** The renditions kept per file: the bytes as uploaded, and a small preview. */
export type FileVariant = 'original' | 'thumbnail';

/**
 * Where file bytes live, addressed by content hash. The local store below is
 * the default; an S3-compatible store (MinIO, OSS, COS…) is a second
 * implementation of this interface chosen by configuration (docs/files.md).
 * Writes are idempotent (same hash, same bytes) so a retried or concurrent
 * upload of the same content is harmless.
 */
export interface FileStore {
  /** Stores the bytes unless the object exists; true when it was already there. */
  put(hash: string, variant: FileVariant, data: Buffer): Promise<boolean>;
  has(hash: string, variant: FileVariant): Promise<boolean>;
  /** A stream of the bytes and their size, or null when there is no such object. */
  open(hash: string, variant: FileVariant): Promise<{ stream: Readable; size: number } | null>;
  /** Reads the whole object (small files, tests). */
  read(hash: string, variant: FileVariant): Promise<Buffer | null>;
}

export const HASH_RE = /^[0-9a-f]{64}$/;

/**
 * Files under a directory: `<root>/ab/cd/<hash>` for the original and
 * `<root>/ab/cd/<hash>.thumb` for the thumbnail. Each object is written to a
 * temporary file, flushed to disk, and renamed into place, so a reader never
 * sees half a file and a crash leaves at most a stray file under `tmp/`.
 */
export class LocalFileStore implements FileStore {
  constructor(readonly root: string) {}

  pathOf(hash: string, variant: FileVariant): string {
    if (!HASH_RE.test(hash)) throw new Error('not a sha256 hex hash');
    return join(this.root, hash.slice(0, 2), hash.slice(2, 4), variant === 'original' ? hash : `${hash}.thumb`);
  }

  async has(hash: string, variant: FileVariant): Promise<boolean> {
    try {
      await stat(this.pathOf(hash, variant));
      return true;
    } catch {
      return false;
    }
  }

  async put(hash: string, variant: FileVariant, data: Buffer): Promise<boolean> {
    if (await this.has(hash, variant)) return true;
    const target = this.pathOf(hash, variant);
    const dir = join(target, '..');
    const tmpDir = join(this.root, 'tmp');
    await mkdir(dir, { recursive: true });
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${hash.slice(0, 16)}-${randomBytes(6).toString('hex')}`);
    try {
      const handle = await open(tmp, 'wx', 0o640);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Same content under the same name: a concurrent rename of identical bytes is harmless.
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    // Make the new directory entry durable too (a 2xx means the file survives power loss).
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
    return false;
  }

  async open(hash: string, variant: FileVariant): Promise<{ stream: Readable; size: number } | null> {
    const path = this.pathOf(hash, variant);
    try {
      const s = await stat(path);
      return { stream: createReadStream(path), size: s.size };
    } catch {
      return null;
    }
  }

  async read(hash: string, variant: FileVariant): Promise<Buffer | null> {
    const opened = await this.open(hash, variant);
    if (!opened) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
