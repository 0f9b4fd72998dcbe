/**
 * The archive store (存档库, docs/archive.md): closed, rejected and merged
 * cases past an age, with their timeline, departments, links, file links and
 * search tokens, moved out of the business store (move.ts) and still found
 * by code and text, shown read-only, counted by a statistics rebuild.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { AppDb } from '../../database.js';
import type { Principal } from '../../infra/auth/principal.js';
import { departmentInScope, gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { openDatabase, type Db } from '../../infra/db/database.js';
import { containsPattern } from '../../infra/db/like.js';
import { migrateToLatest } from '../../infra/db/migrator.js';
import { fromJson } from '../../infra/db/values.js';
import { notFound } from '../../infra/http/errors.js';
import { queryParts, queryRuns, tokensMatch } from '../incidents/rules/search-tokens.js';
import { eventView, isCodeQuery, namePlaces, viewOf, type EventView, type IncidentView } from '../incidents/service.js';
import type { IncidentTable } from '../incidents/tables.js';
import { ARCHIVE_MIGRATIONS, ARCHIVE_MIGRATION_TABLES } from './migrations.js';
import type { ArchiveIncidentTable, ArchiveTables } from './tables.js';

/** An archived event with its case's unit grid: the statistics store's TimelineRow. */
export interface ArchivedTimelineRow {
  id: number;
  incident_id: number;
  seq: number;
  action: string;
  to_status: string;
  data: string;
  at: number;
  grid_code: string;
  actor_user_id: number | null;
}

export interface ArchivedCase {
  archived: true;
  archivedAt: string;
  incident: IncidentView;
  reporterUserName: string | null;
  mergedIntoCode: string | null;
  timeline: (EventView & { actorName: string | null })[];
  links: { kind: string; code: string | null; at: string }[];
}

export interface ArchiveSearchPage {
  items: (IncidentView & { archived: true })[];
  /** More matches may follow this page. */
  more: boolean;
  /** The scan stopped at its bound before filling the page: narrow the query. */
  truncated: boolean;
}

type ArchiveRow = Selectable<ArchiveIncidentTable>;
type Eb = ExpressionBuilder<ArchiveTables, 'archive_incidents'>;

/** Archive rows looked at per text search at most (the archive has no text index: it is the slow path). */
const SCAN_LIMIT = 20_000;
const SCAN_PAGE = 500;

export class ArchiveStore {
  readonly db: Db<ArchiveTables>;
  private ready: Promise<void> | null = null;

  constructor(private readonly business: AppDb, options: { url: string }) {
    // Its own small pool; full durability: once a case is moved, this is its only copy.
    this.db = openDatabase<ArchiveTables>({ url: options.url, poolSize: 4 });
  }

  /** Applies the store's migrations once (again after a failure). */
  ensureReady(): Promise<void> {
    this.ready ??= migrateToLatest(this.db.primary as never, ARCHIVE_MIGRATIONS, ARCHIVE_MIGRATION_TABLES).then(
      () => undefined,
      (err: unknown) => {
        this.ready = null;
        throw err;
      },
    );
    return this.ready;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Rows the caller may see: the same scope rules as the business cases (grid, lead department, a department on the case). */
  private visible(eb: Eb, scopes: readonly Scope[]): Expression<SqlBool> {
    const base = scopeFilter(eb, scopes, { grid: 'archive_incidents.grid_code', department: 'archive_incidents.lead_department_code' });
    const departments = scopes.filter((s) => s.kind === 'department').map((s) => s.code);
    if (departments.length === 0) return base;
    return eb.or([
      base,
      eb.exists(
        eb.selectFrom('archive_incident_departments')
          .select('archive_incident_departments.incident_id')
          .whereRef('archive_incident_departments.incident_id', '=', 'archive_incidents.id')
          .where('archive_incident_departments.department_code', 'in', departments),
      ),
    ]);
  }

  /** Of these archived cases, the ids the caller may see. */
  async visibleIds(principal: Principal, ids: readonly number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    await this.ensureReady();
    const scopes = principal.scopesFor('incidents.read');
    const rows = await this.db.primary.selectFrom('archive_incidents').select(['id', 'grid_code', 'lead_department_code']).where('id', 'in', [...ids]).execute();
    const departments = scopes.some((s) => s.kind === 'department')
      ? await this.db.primary.selectFrom('archive_incident_departments').select(['incident_id', 'department_code']).where('incident_id', 'in', [...ids]).execute()
      : [];
    return rows
      .filter((r) => gridInScope(r.grid_code, scopes)
        || (r.lead_department_code != null && departmentInScope(r.lead_department_code, scopes))
        || departments.some((d) => Number(d.incident_id) === Number(r.id) && departmentInScope(d.department_code, scopes)))
      .map((r) => Number(r.id));
  }

  /** Of these archived cases, the codes of those the caller may see, by id. */
  async visibleCodes(principal: Principal, ids: readonly number[]): Promise<{ id: number; code: string }[]> {
    const visible = await this.visibleIds(principal, ids);
    if (visible.length === 0) return [];
    const rows = await this.db.primary.selectFrom('archive_incidents').select(['id', 'code']).where('id', 'in', visible).execute();
    return rows.map((r) => ({ id: Number(r.id), code: r.code }));
  }

  /** An archived case by its code, read-only, with its timeline; 404 when not archived or outside the caller's scope. */
  async byCode(principal: Principal, code: string): Promise<ArchivedCase> {
    await this.ensureReady();
    const scopes = principal.scopesFor('incidents.read');
    const row = await this.db.primary.selectFrom('archive_incidents').selectAll().where('code', '=', code).where((eb) => this.visible(eb, scopes)).executeTakeFirst();
    if (!row) throw notFound('incident');
    const id = Number(row.id);
    const [events, links] = await Promise.all([
      this.db.primary.selectFrom('archive_incident_events').selectAll().where('incident_id', '=', id).orderBy('seq').execute(),
      this.db.primary.selectFrom('archive_incident_links').selectAll().where((eb) => eb.or([eb('incident_id', '=', id), eb('linked_incident_id', '=', id)])).orderBy('id').execute(),
    ]);
    const business = fromJson<Selectable<IncidentTable>>(row.business_row, null as never);
    const actorIds = [...new Set([...events.map((e) => e.actor_user_id), business.reporter_user_id].filter((x): x is number => x != null).map(Number))];
    const actors = actorIds.length > 0 ? await this.business.primary.selectFrom('users').select(['id', 'display_name']).where('id', 'in', actorIds).execute() : [];
    const names = new Map(actors.map((a) => [Number(a.id), a.display_name]));
    const [incident] = await namePlaces(this.business.primary, [viewOf(business)]);
    // Other cases are named by code (people never see internal ids): they may be in either store.
    const otherIds = [...new Set([business.merged_into, ...links.flatMap((l) => [l.incident_id, l.linked_incident_id])].filter((x): x is number => x != null).map(Number).filter((x) => x !== id))];
    const codes = await this.codesOf(otherIds);
    return {
      archived: true,
      archivedAt: new Date(Number(row.archived_at)).toISOString(),
      incident: incident!,
      reporterUserName: business.reporter_user_id == null ? null : names.get(Number(business.reporter_user_id)) ?? null,
      mergedIntoCode: business.merged_into == null ? null : codes.get(Number(business.merged_into)) ?? null,
      timeline: events.map((e) => ({ ...eventView(e), actorName: e.actor_user_id == null ? null : names.get(Number(e.actor_user_id)) ?? null })),
      links: links.map((l) => ({
        kind: l.kind,
        code: codes.get(Number(l.incident_id) === id ? Number(l.linked_incident_id) : Number(l.incident_id)) ?? null,
        at: new Date(Number(l.created_at)).toISOString(),
      })),
    };
  }

  /** Case codes of ids found in the business store or the archive. */
  private async codesOf(ids: readonly number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (ids.length === 0) return out;
    for (const r of await this.business.primary.selectFrom('incidents').select(['id', 'code']).where('id', 'in', [...ids]).execute()) out.set(Number(r.id), r.code);
    for (const r of await this.db.primary.selectFrom('archive_incidents').select(['id', 'code']).where('id', 'in', [...ids]).execute()) out.set(Number(r.id), r.code);
    return out;
  }

  /**
   * Archived cases in the caller's scope, newest first, matching a text query
   * as the business search does (every part occurs; four or more digits look
   * for codes beginning with them); no query lists them all. The archive has
   * no text index: a LIKE on the Chinese runs narrows the rows, the stored
   * tokens decide, and at most SCAN_LIMIT rows are looked at.
   */
  async search(principal: Principal, q: string | undefined, page: number, pageSize: number): Promise<ArchiveSearchPage> {
    await this.ensureReady();
    const scopes = principal.scopesFor('incidents.read');
    const text = q?.trim() ?? '';
    const want = page * pageSize + 1;
    const parts = text && !isCodeQuery(text) ? queryParts(text) : [];
    if (text && !isCodeQuery(text) && parts.length === 0) return { items: [], more: false, truncated: false };
    let query = this.db.primary.selectFrom('archive_incidents').selectAll().where('moved', '=', 1).where((eb) => this.visible(eb, scopes));
    if (text && isCodeQuery(text)) query = query.where('code', 'like', `${text}%`);
    for (const run of text && !isCodeQuery(text) ? queryRuns(text) : []) {
      // ASCII runs are word prefixes, matched case-insensitively by the tokens only (MySQL's binary collation would miss 'ABC' for 'abc').
      if ([...run].every((ch) => ch.codePointAt(0)! < 0x80)) continue;
      const pattern = containsPattern(run);
      query = query.where((eb) => eb.or([
        sql<SqlBool>`${eb.ref('description')} like ${pattern} escape '!'`,
        sql<SqlBool>`${eb.ref('address')} like ${pattern} escape '!'`,
      ]));
    }
    const matches: ArchiveRow[] = [];
    let scanned = 0;
    let below = Number.MAX_SAFE_INTEGER;
    let exhausted = false;
    while (matches.length < want && scanned < SCAN_LIMIT) {
      const rows = await query.where('id', '<', below).orderBy('id', 'desc').limit(SCAN_PAGE).execute();
      scanned += rows.length;
      for (const r of rows) if (parts.length === 0 || tokensMatch(r.tokens, parts)) matches.push(r);
      if (rows.length < SCAN_PAGE) {
        exhausted = true;
        break;
      }
      below = Number(rows[rows.length - 1]!.id);
    }
    const pageRows = matches.slice((page - 1) * pageSize, page * pageSize);
    const views = pageRows.map((r) => ({ ...viewOf(fromJson<Selectable<IncidentTable>>(r.business_row, null as never)), archived: true as const }));
    return { items: await namePlaces(this.business.primary, views), more: matches.length >= want, truncated: !exhausted && matches.length < want };
  }

  /** Whether some archived case showing this file is one the caller may see (its photos stay viewable). */
  async canReadFile(principal: Principal, hash: string): Promise<boolean> {
    await this.ensureReady();
    const rows = await this.db.primary.selectFrom('archive_incident_files').select('incident_id').where('hash', '=', hash).orderBy('incident_id', 'desc').limit(SCAN_PAGE).execute();
    return (await this.visibleIds(principal, [...new Set(rows.map((r) => Number(r.incident_id)))])).length > 0;
  }

  /** The highest archived incident id (a statistics rebuild reads ids up to it). */
  async maxIncidentId(): Promise<number> {
    await this.ensureReady();
    const r = await this.db.primary.selectFrom('archive_incidents').select(sql<number | null>`max(id)`.as('m')).executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  /**
   * The archived timeline of incidents in (fromId, toId], ordered by incident
   * and seq, for a statistics rebuild. Unconfirmed copies are included: the
   * rebuild takes the business store's rows first, so a case in both counts
   * once, and one already deleted there but not yet confirmed here is counted.
   */
  async timeline(fromId: number, toId: number): Promise<ArchivedTimelineRow[]> {
    await this.ensureReady();
    const rows = await sql<ArchivedTimelineRow>`select e.id, e.incident_id, e.seq, e.action, e.to_status, e.data, e.at, i.grid_code, e.actor_user_id
      from archive_incident_events e join archive_incidents i on i.id = e.incident_id
      where e.incident_id > ${fromId} and e.incident_id <= ${toId} order by e.incident_id, e.seq`.execute(this.db.primary as unknown as Kysely<unknown>);
    return rows.rows.map((r) => ({ ...r, id: Number(r.id), incident_id: Number(r.incident_id), seq: Number(r.seq), at: Number(r.at), actor_user_id: r.actor_user_id == null ? null : Number(r.actor_user_id) }));
  }
}
