import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AnyKysely } from '../db/database.js';
import { AppError, defineMessages } from '../http/errors.js';
import { inspectImage, type ImageMime } from './images.js';
import { HASH_RE, type FileStore, type FileVariant } from './store.js';
import type { FileTables } from './tables.js';

export interface StoredFile {
  hash: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
  thumbnailSize: number;
  uploadedBy: number | null;
  createdAt: string;
}

export interface FileSettings {
  /** Largest upload accepted, in bytes. */
  uploadLimitBytes: number;
}

/**
 * Uploaded images by content hash: checks the content (JPEG, PNG, WebP
 * only), stores the bytes and a thumbnail in the FileStore, and records the
 * file and each uploader. Knows no domain: who may see a file is decided by
 * the module that references it.
 *
 * Order of writes: the bytes first (content-addressed, so a retry or a
 * concurrent upload of the same content is harmless), then the row. A crash
 * between the two leaves an unreferenced object that the next upload of the
 * same content adopts.
 */
export class FileService {
  private readonly db: Kysely<FileTables>;

  constructor(
    anyDb: AnyKysely,
    readonly store: FileStore,
    readonly settings: FileSettings,
  ) {
    this.db = anyDb as Kysely<FileTables>;
  }

  async upload(data: Buffer, userId: number, now = Date.now()): Promise<StoredFile & { deduplicated: boolean }> {
    if (data.length > this.settings.uploadLimitBytes) throw fileTooLarge(this.settings.uploadLimitBytes);
    if (data.length === 0) throw new AppError(415, 'FILE_TYPE_NOT_ALLOWED');
    const hash = createHash('sha256').update(data).digest('hex');
    const before = await this.get(hash);
    let file = before;
    let created = false;
    if (!before || !(await this.store.has(hash, 'original'))) {
      const image = await inspectImage(data);
      if (image === 'type') throw new AppError(415, 'FILE_TYPE_NOT_ALLOWED');
      if (image === 'corrupt') throw new AppError(422, 'FILE_CORRUPT');
      await this.store.put(hash, 'original', data);
      await this.store.put(hash, 'thumbnail', image.thumbnail);
      if (!before) {
        const recorded = await this.record(hash, data.length, image.mime, image.width, image.height, image.thumbnail.length, userId, now);
        file = recorded.file;
        created = recorded.created;
      }
    }
    await this.noteUploader(hash, userId, now);
    return { ...file!, deduplicated: !created };
  }

  private async record(
    hash: string, size: number, mime: ImageMime, width: number, height: number, thumbnailSize: number, userId: number, now: number,
  ): Promise<{ file: StoredFile; created: boolean }> {
    try {
      await this.db
        .insertInto('files')
        .values({ hash, size, mime, width, height, thumbnail_size: thumbnailSize, uploaded_by: userId, created_at: now })
        .execute();
    } catch (err) {
      // The same content uploaded at the same moment by someone else: theirs stands.
      const other = await this.get(hash);
      if (!other) throw err;
      return { file: other, created: false };
    }
    return { file: { hash, size, mime, width, height, thumbnailSize, uploadedBy: userId, createdAt: new Date(now).toISOString() }, created: true };
  }

  private async noteUploader(hash: string, userId: number, now: number): Promise<void> {
    const seen = await this.db.selectFrom('file_uploads').select('hash').where('hash', '=', hash).where('user_id', '=', userId).executeTakeFirst();
    if (seen) return;
    try {
      await this.db.insertInto('file_uploads').values({ hash, user_id: userId, created_at: now }).execute();
    } catch (err) {
      const again = await this.db.selectFrom('file_uploads').select('hash').where('hash', '=', hash).where('user_id', '=', userId).executeTakeFirst();
      if (!again) throw err;
    }
  }

  async get(hash: string): Promise<StoredFile | null> {
    if (!HASH_RE.test(hash)) return null;
    const row = await this.db.selectFrom('files').selectAll().where('hash', '=', hash).executeTakeFirst();
    if (!row) return null;
    return {
      hash: row.hash,
      size: Number(row.size),
      mime: row.mime,
      width: row.width == null ? null : Number(row.width),
      height: row.height == null ? null : Number(row.height),
      thumbnailSize: Number(row.thumbnail_size),
      uploadedBy: row.uploaded_by == null ? null : Number(row.uploaded_by),
      createdAt: new Date(Number(row.created_at)).toISOString(),
    };
  }

  /** Of the given hashes, those that are stored files. */
  async existing(hashes: readonly string[]): Promise<Set<string>> {
    const valid = [...new Set(hashes.filter((h) => HASH_RE.test(h)))];
    if (valid.length === 0) return new Set();
    const rows = await this.db.selectFrom('files').select('hash').where('hash', 'in', valid).execute();
    return new Set(rows.map((r) => r.hash));
  }

  /** Of the given hashes, those this user uploaded. */
  async uploadedBy(userId: number, hashes: readonly string[]): Promise<Set<string>> {
    const valid = [...new Set(hashes.filter((h) => HASH_RE.test(h)))];
    if (valid.length === 0) return new Set();
    const rows = await this.db.selectFrom('file_uploads').select('hash').where('user_id', '=', userId).where('hash', 'in', valid).execute();
    return new Set(rows.map((r) => r.hash));
  }

  open(hash: string, variant: FileVariant) {
    return this.store.open(hash, variant);
  }
}

export function fileTooLarge(limit: number): AppError {
  return new AppError(413, 'FILE_TOO_LARGE', { limitBytes: limit });
}

defineMessages({
  FILE_TYPE_NOT_ALLOWED: {
    'zh-CN': '只能上传 JPEG、PNG 或 WebP 图片（按文件内容识别）',
    en: 'Only JPEG, PNG or WebP images can be uploaded (recognised by content)',
  },
  FILE_TOO_LARGE: {
    'zh-CN': (p) => `文件过大，上限为 ${Math.round(Number(p.limitBytes) / 1048576)} MB`,
    en: (p) => `The file is too large; the limit is ${Math.round(Number(p.limitBytes) / 1048576)} MB`,
  },
  FILE_CORRUPT: { 'zh-CN': '图片已损坏，无法读取', en: 'The image is damaged and cannot be read' },
});
