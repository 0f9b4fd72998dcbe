/**
 * 中心工作 (campaigns): a checklist or survey pushed to grid nodes with a
 * deadline. Its targets are the base data rows (places, households or
 * residents) under those nodes, read live (not copied at the push), so a
 * target added during the campaign is counted too. Grid workers fill one
 * form per target; a finding becomes an incident through the incident loop.
 */
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { codePrefix, gridInScope, type Scope } from '../../infra/auth/scope.js';
import { fromFlag, fromJson, insertedId, toFlag, toIso, toJson } from '../../infra/db/values.js';
import { AppError, conflict, notFound } from '../../infra/http/errors.js';
import { isDuplicateKeyError } from '../../infra/idempotency/idempotency.js';
import { GRID_CODE_LENGTH, GRID_LEVELS } from '../grid/rules/codes.js';
import type { FileService } from '../../infra/files/files.js';
import type { IncidentService } from '../incidents/service.js';
import { checkAnswers, formProblems, type Answer, type Question } from './rules/questions.js';
import type { CampaignStatus, CampaignTable, TargetType } from './tables.js';
import './messages.js';

type CampaignRow = Selectable<CampaignTable>;

export interface CampaignView {
  id: number;
  title: string;
  description: string | null;
  targetType: TargetType;
  placeTypes: string[];
  questions: Question[];
  owner: { code: string; name: string };
  grids: { code: string; name: string }[];
  categoryCode: string | null;
  deadline: string;
  status: CampaignStatus;
  version: number;
  createdAt: string;
  pushedAt: string | null;
  closedAt: string | null;
  /** Within the caller's scope. */
  progress: { total: number; done: number; problems: number };
}

export interface GridProgress { gridCode: string; name: string; total: number; done: number; problems: number }

export interface TargetView {
  targetId: number;
  gridCode: string;
  label: string;
  detail: string | null;
  response: ResponseView | null;
}

export interface ResponseView {
  answers: Record<string, Answer>;
  problem: boolean;
  problemNote: string | null;
  incident: { id: number; code: string } | null;
  filledAt: string;
}

export interface CampaignInput {
  title: string;
  description?: string | undefined;
  targetType: TargetType;
  placeTypes?: string[] | undefined;
  questions: Question[];
  gridCodes: string[];
  deadline: string;
  categoryCode?: string | undefined;
}

const TARGET_PAGE = 200;

/** The grid column of each target table (all keep their unit grid). */
const TARGET_TABLE = { place: 'places', household: 'households', resident: 'residents' } as const;

/** The ancestors of a node and the node itself: a campaign pushed to any of them reaches it. */
function selfAndAncestors(code: string): string[] {
  return GRID_LEVELS.map((l) => GRID_CODE_LENGTH[l]).filter((n) => n <= code.length).map((n) => code.slice(0, n));
}

/** The parts of the pushed nodes a caller's grid scopes reach: the narrower of each overlapping pair. */
export function areaOf(pushed: readonly string[], scopes: readonly Scope[]): string[] {
  const out = new Set<string>();
  for (const s of scopes) {
    if (s.kind !== 'grid' || s.code === '') continue;
    for (const g of pushed) {
      if (g.startsWith(s.code)) out.add(g);
      else if (s.code.startsWith(g)) out.add(s.code);
    }
  }
  // Drop a node already inside another of the set.
  return [...out].filter((c) => ![...out].some((o) => o !== c && c.startsWith(o))).sort();
}

export class CampaignService {
  constructor(private readonly db: AppDb, private readonly incidents: IncidentService, private readonly files: FileService) {}

  async create(principal: Principal, actor: AuditActor, input: CampaignInput): Promise<CampaignView> {
    const problems = formProblems(input.questions);
    if (problems.length > 0) throw new AppError(422, 'CAMPAIGN_FORM_INVALID', { problems });
    const grids = [...new Set(input.gridCodes)];
    const known = await this.db.primary.selectFrom('grids').select(['code', 'level']).where('code', 'in', grids).where('status', '=', 'active').execute();
    const missing = grids.filter((g) => !known.some((k) => k.code === g));
    if (missing.length > 0) throw new AppError(422, 'CAMPAIGN_UNKNOWN_GRID', { gridCodes: missing });
    if (known.some((k) => k.level === 'district') && grids.length > 1) throw new AppError(422, 'CAMPAIGN_GRIDS_NESTED');
    if (grids.some((g) => grids.some((o) => o !== g && g.startsWith(o)))) throw new AppError(422, 'CAMPAIGN_GRIDS_NESTED');
    // The owner: the caller's manage scope that holds every pushed node (the narrowest, so a street's campaign stays the street's).
    const owner = principal.scopesFor('campaigns.manage').filter((s) => s.kind === 'grid' && s.code !== '' && grids.every((g) => g.startsWith(s.code)))
      .sort((a, b) => b.code.length - a.code.length)[0];
    if (!owner) throw new AppError(403, 'CAMPAIGN_OUT_OF_SCOPE', { gridCodes: grids });
    if (input.categoryCode) {
      const category = await this.db.primary.selectFrom('incident_categories').select('code').where('code', '=', input.categoryCode).where('status', '=', 'active').executeTakeFirst();
      if (!category) throw new AppError(422, 'CAMPAIGN_UNKNOWN_CATEGORY', { categoryCode: input.categoryCode });
    }
    const deadline = Date.parse(input.deadline);
    const now = Date.now();
    if (!(deadline > now)) throw new AppError(422, 'CAMPAIGN_DEADLINE_PAST', { deadline: input.deadline });
    const id = await this.db.transaction(async (tx) => {
      const campaignId = insertedId(await tx.insertInto('campaigns').values({
        title: input.title, description: input.description ?? null, target_type: input.targetType,
        place_types: toJson(input.targetType === 'place' ? input.placeTypes ?? [] : []), questions: toJson(input.questions),
        owner_code: owner.code, category_code: input.categoryCode ?? null, deadline_at: deadline, status: 'draft', version: 1,
        created_by: principal.userId, created_at: now, pushed_at: null, closed_at: null, updated_at: now,
      }).executeTakeFirstOrThrow());
      await tx.insertInto('campaign_grids').values(grids.map((g) => ({ campaign_id: campaignId, grid_code: g }))).execute();
      await appendAudit(tx, actor, { action: 'campaign.create', objectType: 'campaign', objectId: campaignId, details: { targetType: input.targetType, grids } }, now);
      return campaignId;
    });
    this.db.noteWrite(principal.userId);
    return this.detail(principal, id);
  }

  /** Draft → pushed (the workers see it), pushed → closed (no more answers). */
  async transition(principal: Principal, actor: AuditActor, id: number, version: number, to: 'pushed' | 'closed'): Promise<CampaignView> {
    const row = await this.manageable(principal, id);
    const from: CampaignStatus = to === 'pushed' ? 'draft' : 'pushed';
    if (row.status !== from) throw new AppError(409, 'CAMPAIGN_WRONG_STATUS', { status: row.status });
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const result = await tx.updateTable('campaigns').set({
        status: to, version: version + 1, updated_at: now, ...(to === 'pushed' ? { pushed_at: now } : { closed_at: now }),
      }).where('id', '=', id).where('version', '=', version).where('status', '=', from).executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw conflict({ currentVersion: Number(row.version) });
      await appendAudit(tx, actor, { action: to === 'pushed' ? 'campaign.push' : 'campaign.close', objectType: 'campaign', objectId: id }, now);
    });
    this.db.noteWrite(principal.userId);
    return this.detail(principal, id);
  }

  async list(principal: Principal, filter: { status?: CampaignStatus | undefined } = {}): Promise<CampaignView[]> {
    const scopes = principal.scopesFor('campaigns.read').filter((s) => s.kind === 'grid' && s.code !== '');
    if (scopes.length === 0) return [];
    const managed = principal.scopesFor('campaigns.manage').filter((s) => s.kind === 'grid' && s.code !== '');
    const db = this.db.reader(principal.userId);
    let q = db.selectFrom('campaigns').selectAll().where((eb) => eb.or([
      eb.and([eb('status', '!=', 'draft'), this.reaches(eb, scopes)]),
      // Drafts only to those who may push them.
      ...managed.map((s) => codePrefix('campaigns.owner_code', s.code)),
    ]));
    if (filter.status) q = q.where('status', '=', filter.status);
    const rows = await q.orderBy('id', 'desc').limit(100).execute();
    return Promise.all(rows.map((r) => this.view(db, principal, r)));
  }

  /** Campaigns pushed to a node that overlaps one of the scopes. */
  private reaches(eb: ExpressionBuilder<Database, 'campaigns'>, scopes: readonly Scope[]): Expression<SqlBool> {
    return eb.exists(eb.selectFrom('campaign_grids').select('campaign_grids.campaign_id').whereRef('campaign_grids.campaign_id', '=', 'campaigns.id')
      .where((g) => g.or(scopes.flatMap((s) => [codePrefix('campaign_grids.grid_code', s.code), g('campaign_grids.grid_code', 'in', selfAndAncestors(s.code))]))));
  }

  async detail(principal: Principal, id: number): Promise<CampaignView> {
    return this.view(this.db.primary, principal, await this.visible(principal, id));
  }

  /** Targets done / total per unit grid, within the caller's part of the campaign. */
  async progress(principal: Principal, id: number): Promise<GridProgress[]> {
    const row = await this.visible(principal, id);
    const db = this.db.reader(principal.userId);
    const area = areaOf(await this.gridsOf(db, id), principal.scopesFor('campaigns.read'));
    if (area.length === 0) return [];
    const totals = await this.targetQuery(db, row, area).select(['t.grid_code', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('t.grid_code').execute();
    const responses = await db.selectFrom('campaign_responses').select(['grid_code', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('problem').as('p')])
      .where('campaign_id', '=', id).where((eb) => eb.or(area.map((a) => codePrefix('grid_code', a)))).groupBy('grid_code').execute();
    const done = new Map(responses.map((r) => [r.grid_code, { n: Number(r.n), p: Number(r.p ?? 0) }]));
    const codes = totals.map((t) => t.grid_code);
    const names = new Map(codes.length === 0 ? [] : (await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', codes).execute()).map((g) => [g.code, g.name]));
    return totals.map((t) => ({
      gridCode: t.grid_code, name: names.get(t.grid_code) ?? t.grid_code, total: Number(t.n), done: done.get(t.grid_code)?.n ?? 0, problems: done.get(t.grid_code)?.p ?? 0,
    })).sort((a, b) => a.gridCode.localeCompare(b.gridCode));
  }

  /** The targets in the caller's part (optionally one grid node), with their answers; pending first. */
  async targets(principal: Principal, id: number, filter: { gridCode?: string | undefined; status?: 'pending' | 'done' | undefined; page?: number | undefined }): Promise<{ items: TargetView[]; total: number }> {
    const row = await this.visible(principal, id);
    const db = this.db.reader(principal.userId);
    let area = areaOf(await this.gridsOf(db, id), principal.scopesFor('campaigns.read'));
    if (filter.gridCode) area = areaOf(area, [{ kind: 'grid', code: filter.gridCode }]);
    if (area.length === 0) return { items: [], total: 0 };
    let q = this.targetQuery(db, row, area).leftJoin('campaign_responses as r', (j) => j.onRef('r.target_id', '=', 't.id').on('r.campaign_id', '=', id));
    if (filter.status === 'pending') q = q.where('r.id', 'is', null);
    if (filter.status === 'done') q = q.where('r.id', 'is not', null);
    const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const page = Math.max(1, filter.page ?? 1);
    const rows = await q.select(['t.id', 't.grid_code', 'r.id as response_id']).orderBy('t.grid_code').orderBy('t.id').limit(TARGET_PAGE).offset((page - 1) * TARGET_PAGE).execute();
    const ids = rows.map((r) => Number(r.id));
    const labels = await this.labels(db, row.target_type, ids);
    const responses = await this.responses(db, id, ids);
    return {
      total,
      items: rows.map((r) => ({ targetId: Number(r.id), gridCode: r.grid_code, ...(labels.get(Number(r.id)) ?? { label: String(r.id), detail: null }), response: responses.get(Number(r.id)) ?? null })),
    };
  }

  /**
   * A grid worker's answers for one target. Filling again replaces the
   * answers; the first finding becomes an incident in the target's unit grid
   * (with an idempotency key per campaign and target, so a phone's retry
   * makes one incident).
   */
  async respond(principal: Principal, actor: AuditActor, id: number, input: { targetId: number; answers: Record<string, Answer>; problemNote?: string | undefined }): Promise<TargetView> {
    const row = await this.visible(principal, id);
    if (row.status !== 'pushed') throw new AppError(409, 'CAMPAIGN_WRONG_STATUS', { status: row.status });
    const db = this.db.primary;
    const area = areaOf(await this.gridsOf(db, id), principal.scopesFor('campaigns.fill'));
    const target = area.length === 0 ? undefined : await this.targetQuery(db, row, area).select(['t.id', 't.grid_code']).where('t.id', '=', input.targetId).executeTakeFirst();
    if (!target) throw notFound('campaign target');
    const questions = fromJson<Question[]>(row.questions, []);
    const check = checkAnswers(questions, input.answers);
    const photoKeys = new Set(questions.filter((q) => q.type === 'photo').map((q) => q.key));
    const missingPhotos = check.issues.filter((i) => i.code === 'missing' && photoKeys.has(i.key)).map((i) => i.key);
    if (missingPhotos.length > 0) throw new AppError(422, 'CAMPAIGN_PHOTO_REQUIRED', { keys: missingPhotos, issues: check.issues });
    if (check.issues.length > 0) throw new AppError(422, 'CAMPAIGN_ANSWERS_INVALID', { issues: check.issues });
    const photoRows = [...photoKeys].flatMap((key) => [...new Set((input.answers[key] as string[] | undefined) ?? [])].map((hash) => ({ key, hash })));
    const photos = [...new Set(photoRows.map((p) => p.hash))];
    if (photos.length > 0) {
      // A photo is the caller's own upload or one this target's answers already show (a refill keeps it); a hash alone grants nothing.
      const mine = await this.files.uploadedBy(principal.userId, photos);
      const kept = new Set((await db.selectFrom('campaign_response_photos').select('hash').where('campaign_id', '=', id).where('target_id', '=', input.targetId)
        .where('hash', 'in', photos).execute()).map((r) => r.hash));
      const unknown = photos.filter((h) => !mine.has(h) && !kept.has(h));
      if (unknown.length > 0) throw new AppError(422, 'CAMPAIGN_PHOTO_UNKNOWN', { hashes: unknown });
    }
    const existing = await db.selectFrom('campaign_responses').select(['id', 'incident_id']).where('campaign_id', '=', id).where('target_id', '=', input.targetId).executeTakeFirst();
    let incidentId = existing?.incident_id == null ? null : Number(existing.incident_id);
    if (check.problem && incidentId === null) {
      const labels = await this.labels(db, row.target_type, [input.targetId]);
      const label = labels.get(input.targetId)?.label ?? String(input.targetId);
      const found = questions.filter((q) => check.problemKeys.includes(q.key)).map((q) => `${q.label}：${String(input.answers[q.key] === false ? '否' : input.answers[q.key])}`);
      const created = await this.incidents.create(principal, actor, {
        channel: 'grid_worker',
        description: `【中心工作·${row.title}】${label}：${found.join('；')}${input.problemNote ? `。${input.problemNote}` : ''}`.slice(0, 2000),
        gridCode: target.grid_code,
        ...(row.category_code ? { categoryCode: row.category_code } : {}),
        externalRef: `campaign:${id}:${row.target_type}:${input.targetId}`,
      }, `campaign:${id}:target:${input.targetId}`);
      incidentId = Number((created.body as { incident: { id: string | number } }).incident.id);
    }
    const now = Date.now();
    const write = () => this.db.transaction(async (tx) => {
      const values = {
        answers: toJson(input.answers), problem: toFlag(check.problem), problem_note: input.problemNote ?? null, incident_id: incidentId,
        filled_by: principal.userId, updated_at: now,
      };
      const current = await tx.selectFrom('campaign_responses').select('id').where('campaign_id', '=', id).where('target_id', '=', input.targetId).executeTakeFirst();
      if (current) await tx.updateTable('campaign_responses').set(values).where('id', '=', current.id).execute();
      else await tx.insertInto('campaign_responses').values({ ...values, campaign_id: id, target_id: input.targetId, grid_code: target.grid_code, filled_at: now }).execute();
      // The photo rows follow the answers: replaced as a whole, so a resend never adds a second row for a photo.
      await tx.deleteFrom('campaign_response_photos').where('campaign_id', '=', id).where('target_id', '=', input.targetId).execute();
      if (photoRows.length > 0) {
        await tx.insertInto('campaign_response_photos').values(photoRows.map((p) => ({
          campaign_id: id, target_id: input.targetId, question_key: p.key, hash: p.hash, grid_code: target.grid_code, created_at: now,
        }))).execute();
      }
      await appendAudit(tx, actor, { action: 'campaign.respond', objectType: 'campaign', objectId: id, details: { targetId: input.targetId, problem: check.problem, incidentId, photos: photoRows.length } }, now);
    });
    try {
      await write();
    } catch (err) {
      // Two sends of one target's first form raced (a phone retrying while the first is still in flight): the loser replaces the winner's answers.
      if (!isDuplicateKeyError(err)) throw err;
      await write();
    }
    this.db.noteWrite(principal.userId);
    const labels = await this.labels(db, row.target_type, [input.targetId]);
    return { targetId: input.targetId, gridCode: target.grid_code, ...(labels.get(input.targetId) ?? { label: String(input.targetId), detail: null }), response: (await this.responses(db, id, [input.targetId])).get(input.targetId) ?? null };
  }

  /**
   * The file reader of campaign photos: a photo answer is seen by whoever
   * may read the campaign's targets in the photo's unit grid
   * (campaigns.read scope), and by the campaign's managers.
   */
  async canReadPhoto(principal: Principal, hash: string): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return false;
    const read = principal.scopesFor('campaigns.read');
    const manage = principal.scopesFor('campaigns.manage');
    if (read.length === 0 && manage.length === 0) return false;
    const rows = await this.db.primary.selectFrom('campaign_response_photos as p').innerJoin('campaigns as c', 'c.id', 'p.campaign_id')
      .select(['p.grid_code', 'c.owner_code', 'c.status']).where('p.hash', '=', hash).limit(200).execute();
    return rows.some((r) => gridInScope(r.owner_code, manage) || (r.status !== 'draft' && gridInScope(r.grid_code, read)));
  }

  // ---- helpers --------------------------------------------------------------

  private targetQuery(db: Kysely<Database>, row: CampaignRow, area: readonly string[]) {
    const placeTypes = fromJson<string[]>(row.place_types, []);
    let q = db.selectFrom(`${TARGET_TABLE[row.target_type]} as t` as 'places as t').where((eb) => eb.or(area.map((a) => codePrefix('t.grid_code', a))));
    if (row.target_type === 'place' && placeTypes.length > 0) q = q.where('t.type', 'in', placeTypes);
    return q;
  }

  private async labels(db: Kysely<Database>, type: TargetType, ids: readonly number[]): Promise<Map<number, { label: string; detail: string | null }>> {
    if (ids.length === 0) return new Map();
    if (type === 'place') {
      const rows = await db.selectFrom('places').select(['id', 'name', 'address', 'type']).where('id', 'in', [...ids]).execute();
      return new Map(rows.map((r) => [Number(r.id), { label: r.name, detail: r.address }]));
    }
    if (type === 'household') {
      const rows = await db.selectFrom('households as h').leftJoin('dwellings as d', 'd.id', 'h.dwelling_id').select(['h.id', 'h.household_no', 'd.address']).where('h.id', 'in', [...ids]).execute();
      return new Map(rows.map((r) => [Number(r.id), { label: `户号 ${r.household_no}`, detail: r.address }]));
    }
    // Residents by name only: identity numbers and phones never leave the base data module here.
    const rows = await db.selectFrom('residents').select(['id', 'name', 'birth_date']).where('id', 'in', [...ids]).execute();
    return new Map(rows.map((r) => [Number(r.id), { label: r.name, detail: r.birth_date.slice(0, 4) }]));
  }

  private async responses(db: Kysely<Database>, campaignId: number, ids: readonly number[]): Promise<Map<number, ResponseView>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('campaign_responses as r').leftJoin('incidents as i', 'i.id', 'r.incident_id')
      .select(['r.target_id', 'r.answers', 'r.problem', 'r.problem_note', 'r.incident_id', 'i.code', 'r.filled_at'])
      .where('r.campaign_id', '=', campaignId).where('r.target_id', 'in', [...ids]).execute();
    return new Map(rows.map((r) => [Number(r.target_id), {
      answers: fromJson<Record<string, Answer>>(r.answers, {}), problem: fromFlag(r.problem), problemNote: r.problem_note,
      incident: r.incident_id === null ? null : { id: Number(r.incident_id), code: r.code ?? '' }, filledAt: toIso(r.filled_at)!,
    }]));
  }

  private async gridsOf(db: Kysely<Database>, id: number): Promise<string[]> {
    return (await db.selectFrom('campaign_grids').select('grid_code').where('campaign_id', '=', id).execute()).map((g) => g.grid_code);
  }

  /** A campaign the caller may read; one pushed elsewhere (another street) reads as not found, as does a draft to a non-manager. */
  private async visible(principal: Principal, id: number): Promise<CampaignRow> {
    const row = await this.db.primary.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('campaign');
    const manages = gridInScope(row.owner_code, principal.scopesFor('campaigns.manage'));
    const reached = areaOf(await this.gridsOf(this.db.primary, id), principal.scopesFor('campaigns.read')).length > 0;
    if (!(manages || (reached && row.status !== 'draft'))) throw notFound('campaign');
    return row;
  }

  private async manageable(principal: Principal, id: number): Promise<CampaignRow> {
    const row = await this.visible(principal, id);
    if (!gridInScope(row.owner_code, principal.scopesFor('campaigns.manage'))) throw new AppError(403, 'CAMPAIGN_OUT_OF_SCOPE', { gridCodes: [row.owner_code] });
    return row;
  }

  private async view(db: Kysely<Database>, principal: Principal, row: CampaignRow): Promise<CampaignView> {
    const grids = await this.gridsOf(db, Number(row.id));
    const names = new Map((await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', [...grids, row.owner_code]).execute()).map((g) => [g.code, g.name]));
    const area = areaOf(grids, principal.scopesFor('campaigns.read'));
    let progress = { total: 0, done: 0, problems: 0 };
    if (area.length > 0) {
      const total = await this.targetQuery(db, row, area).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const done = await db.selectFrom('campaign_responses').select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('problem').as('p')])
        .where('campaign_id', '=', Number(row.id)).where((eb) => eb.or(area.map((a) => codePrefix('grid_code', a)))).executeTakeFirstOrThrow();
      progress = { total: Number(total.n), done: Number(done.n), problems: Number(done.p ?? 0) };
    }
    return {
      id: Number(row.id), title: row.title, description: row.description, targetType: row.target_type, placeTypes: fromJson<string[]>(row.place_types, []),
      questions: fromJson<Question[]>(row.questions, []), owner: { code: row.owner_code, name: names.get(row.owner_code) ?? row.owner_code },
      grids: grids.map((g) => ({ code: g, name: names.get(g) ?? g })), categoryCode: row.category_code, deadline: toIso(row.deadline_at)!, status: row.status,
      version: Number(row.version), createdAt: toIso(row.created_at)!, pushedAt: toIso(row.pushed_at), closedAt: toIso(row.closed_at), progress,
    };
  }
}
