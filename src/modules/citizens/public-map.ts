/**
 * The public map of reports (docs/citizens.md): cases of public categories
 * only, positions coarsened to a fixed cell (rules/coarsen.ts), no personal
 * data (no reporter, no description: a description may name people), photos
 * only where an operator released them. The staff side: the category flag and
 * the photo release.
 */
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { notFound } from '../../infra/http/errors.js';
import type { ReferenceData } from '../incidents/reference.js';
import type { IncidentService } from '../incidents/service.js';
import { coarsen } from './rules/coarsen.js';
import { MILESTONE_WORDS, milestoneOf } from './rules/progress.js';

export interface PublicMapItem {
  code: string;
  categoryCode: string;
  categoryName: string;
  milestone: string;
  statusText: string;
  reportedAt: string;
  lng: number;
  lat: number;
  photos: string[];
}

/**
 * The demo's public categories: urban management (04) and environment (05),
 * things in public space. Public security, disputes and livelihood cases
 * stay off the map: they are about people.
 */
export const DEMO_PUBLIC_MAJORS = ['04', '05'];

/** How far back the map looks, and how many cases it shows at most (newest first). */
const MAP_DAYS = 90;
const MAP_LIMIT = 2000;

export class PublicMapService {
  constructor(
    private readonly db: AppDb,
    private readonly incidents: IncidentService,
    /** Categories and their names (Open311 reads them too). */
    readonly reference: ReferenceData,
    readonly cellM: number,
  ) {}

  /** Marks the demo's public categories (the demo loader calls it after seeding the categories). */
  async markDemoPublic(): Promise<void> {
    await this.db.primary.updateTable('incident_categories').set({ public: 1 }).where('major_code', 'in', DEMO_PUBLIC_MAJORS).execute();
  }

  /** The categories with their public flag (the configuration screen). */
  async categoryFlags(): Promise<{ code: string; public: boolean }[]> {
    const rows = await this.db.reader().selectFrom('incident_categories').select(['code', 'public']).orderBy('code').execute();
    return rows.map((r) => ({ code: r.code, public: Number(r.public) === 1 }));
  }

  async setCategoryPublic(actor: AuditActor, code: string, isPublic: boolean, now = Date.now()): Promise<{ code: string; public: boolean }> {
    await this.db.transaction(async (tx) => {
      const row = await tx.selectFrom('incident_categories').select('public').where('code', '=', code).executeTakeFirst();
      if (!row) throw notFound('incident_category');
      await tx.updateTable('incident_categories').set({ public: isPublic ? 1 : 0 }).where('code', '=', code).execute();
      await appendAudit(tx, actor, { action: 'incident_category.public', objectType: 'incident_category', objectId: code, details: { from: Number(row.public) === 1, to: isPublic } }, now);
    });
    return { code, public: isPublic };
  }

  /** Releases (or withdraws) one photo of a case for the public map; 404 when the caller may not see the case or the case has no such photo. */
  async setPhotoPublic(principal: Principal, actor: AuditActor, incidentId: number, hash: string, isPublic: boolean, now = Date.now()): Promise<{ hash: string; public: boolean }> {
    if ((await this.incidents.visibleIds(principal, [incidentId])).length === 0) throw notFound('incident');
    await this.db.transaction(async (tx) => {
      const rows = await tx.selectFrom('incident_files').select('hash').where('incident_id', '=', incidentId).where('hash', '=', hash).execute();
      if (rows.length === 0) throw notFound('file');
      await tx.updateTable('incident_files').set({ public: isPublic ? 1 : 0 }).where('incident_id', '=', incidentId).where('hash', '=', hash).execute();
      await appendAudit(tx, actor, { action: 'incident.photo_public', objectType: 'incident', objectId: incidentId, details: { hash, public: isPublic } }, now);
    });
    return { hash, public: isPublic };
  }

  /** The released photos of a case (staff side). */
  async publicPhotos(principal: Principal, incidentId: number): Promise<string[]> {
    if ((await this.incidents.visibleIds(principal, [incidentId])).length === 0) throw notFound('incident');
    const rows = await this.db.reader(principal.userId).selectFrom('incident_files').select('hash').distinct()
      .where('incident_id', '=', incidentId).where('public', '=', 1).orderBy('hash').execute();
    return rows.map((r) => r.hash);
  }

  /** The map: recent cases of public categories, coarsened, newest first. */
  async items(locale: 'zh-CN' | 'en', now = Date.now()): Promise<PublicMapItem[]> {
    const db = this.db.reader();
    const rows = await db.selectFrom('incidents')
      .innerJoin('incident_categories', 'incident_categories.code', 'incidents.category_code')
      .select(['incidents.id', 'incidents.code', 'incidents.category_code', 'incidents.status', 'incidents.reported_at', 'incidents.lng', 'incidents.lat'])
      .where('incident_categories.public', '=', 1)
      .where('incidents.status', 'not in', ['rejected', 'merged'])
      .where('incidents.lng', 'is not', null)
      .where('incidents.reported_at', '>=', now - MAP_DAYS * 86_400_000)
      .orderBy('incidents.reported_at', 'desc')
      .limit(MAP_LIMIT)
      .execute();
    const photos = new Map<number, string[]>();
    const ids = rows.map((r) => Number(r.id));
    for (let i = 0; i < ids.length; i += 500) {
      const part = await db.selectFrom('incident_files').select(['incident_id', 'hash']).distinct()
        .where('incident_id', 'in', ids.slice(i, i + 500)).where('public', '=', 1).execute();
      for (const p of part) photos.set(Number(p.incident_id), [...(photos.get(Number(p.incident_id)) ?? []), p.hash]);
    }
    const categories = (await this.reference.get()).categories;
    return rows.map((r) => {
      const milestone = milestoneOf({ action: '', fromStatus: null, toStatus: r.status, at: 0 }) ?? 'received';
      const category = categories.get(r.category_code!);
      const at = coarsen(Number(r.lng), Number(r.lat), this.cellM);
      return {
        code: r.code,
        categoryCode: r.category_code!,
        categoryName: category ? (locale === 'en' ? category.nameEn : category.nameZh) : r.category_code!,
        milestone,
        statusText: MILESTONE_WORDS[milestone][locale],
        // The day only: the minute of a report can identify its reporter as well as the place can.
        reportedAt: new Date(Number(r.reported_at)).toISOString().slice(0, 10),
        lng: at.lng,
        lat: at.lat,
        photos: (photos.get(Number(r.id)) ?? []).sort(),
      };
    });
  }

  /**
   * Cases of public categories for Open311's GET requests (the same privacy
   * as the map): by codes, or filtered by category, report time and
   * open/closed, newest first.
   */
  async requests(filter: { codes?: string[]; serviceCode?: string; start?: number; end?: number; status?: 'open' | 'closed' }, limit: number) {
    const db = this.db.reader();
    let q = db.selectFrom('incidents')
      .innerJoin('incident_categories', 'incident_categories.code', 'incidents.category_code')
      .select(['incidents.id', 'incidents.code', 'incidents.category_code', 'incidents.status', 'incidents.reported_at', 'incidents.updated_at', 'incidents.closed_at', 'incidents.lng', 'incidents.lat'])
      .where('incident_categories.public', '=', 1)
      .where('incidents.status', 'not in', ['rejected', 'merged']);
    if (filter.codes) q = q.where('incidents.code', 'in', filter.codes.length > 0 ? filter.codes : ['']);
    if (filter.serviceCode) q = q.where('incidents.category_code', '=', filter.serviceCode);
    if (filter.start !== undefined) q = q.where('incidents.reported_at', '>=', filter.start);
    if (filter.end !== undefined) q = q.where('incidents.reported_at', '<=', filter.end);
    if (filter.status) q = q.where('incidents.status', filter.status === 'closed' ? '=' : '<>', 'closed');
    const rows = await q.orderBy('incidents.reported_at', 'desc').limit(limit).execute();
    const photos = new Map<number, string[]>();
    const ids = rows.map((r) => Number(r.id));
    if (ids.length > 0) {
      const part = await db.selectFrom('incident_files').select(['incident_id', 'hash']).distinct().where('incident_id', 'in', ids).where('public', '=', 1).execute();
      for (const p of part) photos.set(Number(p.incident_id), [...(photos.get(Number(p.incident_id)) ?? []), p.hash].sort());
    }
    return rows.map((r) => {
      const at = r.lng == null || r.lat == null ? null : coarsen(Number(r.lng), Number(r.lat), this.cellM);
      return {
        code: r.code, categoryCode: r.category_code!, status: r.status, reportedAt: Number(r.reported_at), updatedAt: Number(r.updated_at),
        closedAt: r.closed_at == null ? null : Number(r.closed_at), lng: at?.lng ?? null, lat: at?.lat ?? null, photos: photos.get(Number(r.id)) ?? [],
      };
    });
  }

  /** The public categories (Open311 services). */
  async publicCategories(): Promise<string[]> {
    const rows = await this.db.reader().selectFrom('incident_categories').select('code').where('public', '=', 1).where('status', '=', 'active').orderBy('code').execute();
    return rows.map((r) => r.code);
  }

  /** Whether a photo may be served to anyone: released on a case of a public category. */
  async isPublicPhoto(hash: string): Promise<boolean> {
    const row = await this.db.reader().selectFrom('incident_files')
      .innerJoin('incidents', 'incidents.id', 'incident_files.incident_id')
      .innerJoin('incident_categories', 'incident_categories.code', 'incidents.category_code')
      .select('incident_files.hash')
      .where('incident_files.hash', '=', hash).where('incident_files.public', '=', 1).where('incident_categories.public', '=', 1)
      .where('incidents.status', 'not in', ['rejected', 'merged'])
      .limit(1).executeTakeFirst();
    return row !== undefined;
  }
}

