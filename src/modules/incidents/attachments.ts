/**
 * Photos on incidents: the incident's report photos, a department's
 * after-photos, a verifier's photos, a grid worker's before/after photos when
 * self-resolving. Files themselves live in the generic file store
 * (infra/files) by content hash; this module links them to incidents and
 * decides who may see them:
 *
 * - a hash an action names must be a stored file that the caller uploaded or
 *   may already see (422 INCIDENT_FILE_UNKNOWN otherwise, for any of them);
 * - each reference is a row of `incident_files` (incident, hash, event seq,
 *   kind) written in the action's transaction, beside the event whose
 *   `attachments` lists it;
 * - a file is served to its uploaders and to whoever may see an incident
 *   that references it; everyone else gets 404.
 */
import type { ColumnType, Kysely, Migration } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import type { Principal } from '../../infra/auth/principal.js';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';
import { deferred } from '../../infra/db/mysql-driver.js';
import type { FileService } from '../../infra/files/files.js';
import { AppError, defineMessages } from '../../infra/http/errors.js';
import type { IncidentEventDraft } from './rules/state-machine.js';
import type { Flag } from '../../infra/db/values.js';

/** What a photo shows on its incident. */
export type AttachmentKind = 'report' | 'reply' | 'verify' | 'before' | 'after' | 'other';

export interface IncidentFileTable {
  incident_id: number;
  hash: string;
  /** The event (incident_events.seq) whose attachments list the file. */
  event_seq: number;
  kind: AttachmentKind;
  created_at: number;
  /** 1 once an operator released the photo for the public map (modules/citizens); defaults to 0. */
  public: ColumnType<Flag, Flag | undefined, Flag>;
}

export interface IncidentFileTables {
  incident_files: IncidentFileTable;
}

export const incidentFilesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await tableOptions(
      dialectOfKysely(db),
      db.schema
        .createTable('incident_files')
        .addColumn('incident_id', 'integer', (c) => c.notNull())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('event_seq', 'integer', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('incident_files_pk', ['incident_id', 'event_seq', 'hash']),
    ).execute();
    // Access checks go from the file to its incidents.
    await db.schema.createIndex('incident_files_hash').on('incident_files').columns(['hash', 'incident_id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('incident_files').execute();
  },
};

/** The hooks the incident service calls: check the files an action names, then link them in its transaction. */
export interface AttachmentPort {
  check(principal: Principal, events: readonly IncidentEventDraft[]): Promise<void>;
  link(tx: Kysely<Database>, incidentId: number, lastSeq: number, events: readonly IncidentEventDraft[]): Promise<void>;
}

/** Which incidents of a list a caller may see (the incident service answers, with its scope rules). */
export interface IncidentVisibility {
  visibleIds(principal: Principal, ids: readonly number[]): Promise<number[]>;
}

/** Each attachment of an event with its kind (self-resolve lists before and after photos). */
export function attachmentsOf(event: IncidentEventDraft): { hash: string; kind: AttachmentKind }[] {
  const data = event.data as { beforePhotos?: unknown; afterPhotos?: unknown };
  const before = new Set(Array.isArray(data.beforePhotos) ? (data.beforePhotos as string[]) : []);
  const after = new Set(Array.isArray(data.afterPhotos) ? (data.afterPhotos as string[]) : []);
  const out: { hash: string; kind: AttachmentKind }[] = [];
  const seen = new Set<string>();
  for (const hash of event.attachments) {
    if (seen.has(hash)) continue;
    seen.add(hash);
    let kind: AttachmentKind;
    if (before.has(hash)) kind = 'before';
    else if (after.has(hash)) kind = 'after';
    else if (event.action === 'report') kind = 'report';
    else if (event.action === 'reply') kind = 'reply';
    else if (event.action === 'verify-pass' || event.action === 'verify-fail') kind = 'verify';
    else kind = 'other';
    out.push({ hash, kind });
  }
  return out;
}

/** Incidents looked at per step when deciding whether a caller may see a file. */
const CAN_READ_PAGE = 500;

/** Files of cases moved out of the business store (the archive module answers). */
export interface ArchivedFiles {
  canReadFile(principal: Principal, hash: string): Promise<boolean>;
}

/** Whether the caller may see an object of some domain that shows this stored file. */
export type FileReader = (principal: Principal, hash: string) => Promise<boolean>;

export class IncidentAttachments implements AttachmentPort {
  /** Photos of archived cases stay viewable to those who may see the case. */
  archived: ArchivedFiles | null = null;

  constructor(
    private readonly db: AppDb,
    readonly files: FileService,
    private readonly incidents: IncidentVisibility,
  ) {}

  async check(principal: Principal, events: readonly IncidentEventDraft[]): Promise<void> {
    const hashes = [...new Set(events.flatMap((e) => e.attachments))];
    if (hashes.length === 0) return;
    const stored = await this.files.existing(hashes);
    const known = hashes.filter((h) => stored.has(h));
    const mine = await this.files.uploadedBy(principal.userId, known);
    const others = known.filter((h) => !mine.has(h));
    const visible = others.length > 0 ? await this.visibleHashes(principal, others) : new Set<string>();
    // Unknown and not-yours read alike: a hash alone does not grant a file.
    const refused = hashes.filter((h) => !mine.has(h) && !visible.has(h));
    if (refused.length > 0) throw new AppError(422, 'INCIDENT_FILE_UNKNOWN', { hashes: refused });
  }

  async link(tx: Kysely<Database>, incidentId: number, lastSeq: number, events: readonly IncidentEventDraft[]): Promise<void> {
    const rows = events.flatMap((e, i) =>
      attachmentsOf(e).map((a) => ({ incident_id: incidentId, hash: a.hash, event_seq: lastSeq + i + 1, kind: a.kind, created_at: e.at })),
    );
    if (rows.length > 0) await tx.executeQuery(deferred(tx.insertInto('incident_files').values(rows).compile()));
  }

  /** Of these hashes, those referenced by an incident the caller may see. */
  private async visibleHashes(principal: Principal, hashes: readonly string[]): Promise<Set<string>> {
    const links = await this.db.primary
      .selectFrom('incident_files')
      .select(['hash', 'incident_id'])
      .where('hash', 'in', [...hashes])
      .execute();
    if (links.length === 0) return new Set();
    const ids = await this.incidents.visibleIds(principal, [...new Set(links.map((l) => Number(l.incident_id)))]);
    const ok = new Set(ids);
    return new Set(links.filter((l) => ok.has(Number(l.incident_id))).map((l) => l.hash));
  }

  /**
   * Other domains whose objects show stored files (assessment evidence,
   * livelihood project photos…): each answers whether the caller may see an
   * object showing the file. Registered at start (src/platform.ts).
   */
  private readonly readers: FileReader[] = [];
  /** Who may upload: the incident loop's photo takers, and the permissions other domains add with their readers. */
  private readonly uploaders = new Set(['incidents.report', 'incidents.handle', 'incidents.verify']);

  addReader(reader: FileReader, uploadPermissions: readonly string[] = []): void {
    this.readers.push(reader);
    for (const p of uploadPermissions) this.uploaders.add(p);
  }

  /** Lets a domain that serves its photos itself have them uploaded here. */
  allowUploads(permissions: readonly string[]): void {
    for (const p of permissions) this.uploaders.add(p);
  }

  mayUpload(principal: Principal): boolean {
    return [...this.uploaders].some((p) => principal.can(p));
  }

  /** Whether the caller may see a stored file: its uploader, someone who may see an incident showing it, or an object of another domain. */
  async canRead(principal: Principal, hash: string): Promise<boolean> {
    if ((await this.files.uploadedBy(principal.userId, [hash])).has(hash)) return true;
    if (await this.onVisibleIncident(principal, hash)) return true;
    if (this.archived && (await this.archived.canReadFile(principal, hash))) return true;
    for (const reader of this.readers) if (await reader(principal, hash)) return true;
    return false;
  }

  private async onVisibleIncident(principal: Principal, hash: string): Promise<boolean> {
    // One picture can be on many incidents (the demo's pool is): look at them a page at a time,
    // newest first, and stop at the first the caller may see.
    let below = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const page = await this.db.primary
        .selectFrom('incident_files')
        .select('incident_id')
        .where('hash', '=', hash)
        .where('incident_id', '<', below)
        .orderBy('incident_id', 'desc')
        .limit(CAN_READ_PAGE)
        .execute();
      if (page.length === 0) return false;
      const ids = [...new Set(page.map((r) => Number(r.incident_id)))];
      if ((await this.incidents.visibleIds(principal, ids)).length > 0) return true;
      below = ids[ids.length - 1]!;
    }
  }
}

defineMessages({
  INCIDENT_FILE_UNKNOWN: {
    'zh-CN': '照片不存在或无权使用，请重新上传',
    en: 'A photo is unknown or not yours to use; upload it again',
  },
  INCIDENT_UPLOAD_FORBIDDEN: {
    'zh-CN': '您的角色不能上传事件照片',
    en: 'None of your roles may upload incident photos',
  },
});
