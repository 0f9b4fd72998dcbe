/**
 * 督查考核 (docs/assessment.md): versioned schemes, periods pinned to a
 * scheme version when opened and frozen with their results when closed,
 * supervisors' manual scores with evidence. Scores come from
 * rules/assessment.ts over the statistics store's counts of each unit.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Scope } from '../../infra/auth/scope.js';
import type { Principal } from '../../infra/auth/principal.js';
import { fromJson, toJson } from '../../infra/db/values.js';
import type { FileService } from '../../infra/files/files.js';
import { AppError } from '../../infra/http/errors.js';
import { GRID_CODE_LENGTH } from '../grid/rules/codes.js';
import { periodDays, rankScores, schemeProblem, scoreUnit, type AssessmentSubject, type DeductionResult, type IndicatorResult, type SchemeDefinition } from './rules/assessment.js';
import { zeroMeasures } from './rules/rollup.js';
import type { EvaluationService } from './service.js';
import './messages.js';

export interface SchemeView {
  subject: AssessmentSubject;
  version: number;
  definition: SchemeDefinition;
  createdAt: string;
  createdBy: string | null;
}

export interface EvidenceView {
  score: number;
  note: string;
  attachments: string[];
  enteredBy: string | null;
  enteredAt: string;
}

export interface UnitResult {
  code: string;
  name: string | null;
  score: number;
  rank: number;
  indicators: (IndicatorResult & { evidence: EvidenceView | null })[];
  deductions: DeductionResult[];
}

export interface PeriodResults {
  subject: AssessmentSubject;
  period: string;
  from: string;
  to: string;
  status: 'unopened' | 'open' | 'closed';
  schemeVersion: number;
  closedAt: string | null;
  closedBy: string | null;
  units: UnitResult[];
}

export interface ScoreInput {
  subject: AssessmentSubject;
  period: string;
  indicatorKey: string;
  unitCode: string;
  score: number;
  note: string;
  attachments: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Every unit of the district: the statistics store is read whole and the caller's scopes filter the rows shown. */
const WHOLE: readonly Scope[] = [{ kind: 'grid', code: '' }];

/** Whether a scope covers a unit: a grid scope its streets (and, at district level, every department); a department scope itself. */
function covers(scopes: readonly Scope[], subject: AssessmentSubject, code: string): boolean {
  return scopes.some((s) => subject === 'street'
    ? s.kind === 'grid' && code.startsWith(s.code)
    : s.kind === 'department' ? s.code === code : s.code.length <= GRID_CODE_LENGTH.district);
}

/** Scheme edits and closing are the district's: a grid scope at district level. */
function requireDistrict(scopes: readonly Scope[]): void {
  if (!scopes.some((s) => s.kind === 'grid' && s.code.length <= GRID_CODE_LENGTH.district)) throw new AppError(403, 'ASSESSMENT_DISTRICT_ONLY');
}

/**
 * Whether the caller may see a photo backing a manual score: one of the
 * scores naming it is of a unit the caller's evaluation.read scope covers
 * (the file route asks every domain that shows files, see AttachmentService).
 */
export async function canReadEvidence(db: AppDb, principal: Principal, hash: string): Promise<boolean> {
  const scopes = principal.scopesFor('evaluation.read');
  if (scopes.length === 0 || !/^[0-9a-f]{64}$/.test(hash)) return false;
  const rows = await db.primary.selectFrom('assessment_scores as s').innerJoin('assessment_periods as p', 'p.id', 's.period_id')
    .select(['p.subject', 's.unit_code', 's.attachments']).where('s.attachments', 'like', `%${hash}%`).execute();
  return rows.some((r) => fromJson<string[]>(r.attachments, []).includes(hash) && covers(scopes, r.subject, r.unit_code));
}

export class AssessmentService {
  constructor(private readonly db: AppDb, private readonly evaluation: EvaluationService, private readonly files: FileService) {}

  private periodOf(period: string): { from: string; to: string } {
    const days = periodDays(period);
    if (!days) throw new AppError(400, 'ASSESSMENT_PERIOD_INVALID', { period });
    return days;
  }

  async scheme(subject: AssessmentSubject): Promise<{ active: SchemeView; versions: { version: number; createdAt: string; createdBy: string | null }[] }> {
    const rows = await this.db.primary.selectFrom('assessment_schemes').selectAll().where('subject', '=', subject).orderBy('version', 'desc').execute();
    const names = await this.userNames(rows.map((r) => r.created_by));
    const view = (r: (typeof rows)[number]): SchemeView => ({
      subject, version: Number(r.version), definition: fromJson<SchemeDefinition>(r.definition, { indicators: [], deductions: [] }),
      createdAt: iso(Number(r.created_at)), createdBy: r.created_by == null ? null : names.get(Number(r.created_by)) ?? null,
    });
    const active = rows[0];
    if (!active) throw new AppError(404, 'NOT_FOUND', { objectType: 'assessment_scheme' });
    return { active: view(active), versions: rows.map((r) => { const v = view(r); return { version: v.version, createdAt: v.createdAt, createdBy: v.createdBy }; }) };
  }

  /** Saves the scheme as its next version; open and closed periods keep the version they were pinned to. */
  async saveScheme(actor: AuditActor, scopes: readonly Scope[], subject: AssessmentSubject, definition: SchemeDefinition, now = Date.now()): Promise<SchemeView> {
    requireDistrict(scopes);
    const problem = schemeProblem(definition);
    if (problem) throw new AppError(400, 'ASSESSMENT_SCHEME_INVALID', { problem });
    await this.db.transaction(async (tx) => {
      const top = await tx.selectFrom('assessment_schemes').select('version').where('subject', '=', subject).orderBy('version', 'desc').executeTakeFirst();
      const version = Number(top?.version ?? 0) + 1;
      await tx.insertInto('assessment_schemes').values({ subject, version, definition: toJson(definition), created_at: now, created_by: actor.userId }).execute();
      await appendAudit(tx, actor, { action: 'assessment.scheme.save', objectType: 'assessment_scheme', objectId: `${subject}:${version}`, details: { definition } }, now);
    });
    return (await this.scheme(subject)).active;
  }

  /** Enters (or replaces) a supervisor's score of a manual item; the first entry of a period opens it on the active scheme. */
  async enterScore(actor: AuditActor, scopes: readonly Scope[], input: ScoreInput, now = Date.now()): Promise<PeriodResults> {
    this.periodOf(input.period);
    const names = await this.unitNames(input.subject);
    // Outside the caller's scope reads as unknown.
    if (!names.has(input.unitCode) || !covers(scopes, input.subject, input.unitCode)) throw new AppError(404, 'NOT_FOUND', { objectType: input.subject });
    if (input.attachments.length > 0 && actor.userId !== null) {
      const mine = await this.files.uploadedBy(actor.userId, input.attachments);
      const refused = input.attachments.filter((h) => !mine.has(h));
      if (refused.length > 0) throw new AppError(422, 'ASSESSMENT_FILE_UNKNOWN', { hashes: refused });
    }
    await this.db.transaction(async (tx) => {
      const period = await this.openPeriod(tx, actor, input.subject, input.period, now);
      if (period.status === 'closed') throw new AppError(409, 'ASSESSMENT_PERIOD_CLOSED', { period: input.period });
      const scheme = await this.schemeById(tx, period.scheme_id);
      const indicator = scheme.indicators.find((i) => i.key === input.indicatorKey);
      if (!indicator || indicator.kind !== 'manual') throw new AppError(400, 'ASSESSMENT_NOT_MANUAL', { indicatorKey: input.indicatorKey });
      if (input.score < 0 || input.score > indicator.maxScore) throw new AppError(400, 'ASSESSMENT_SCORE_RANGE', { max: indicator.maxScore });
      const old = await tx.selectFrom('assessment_scores').select(['id', 'score', 'note']).where('period_id', '=', period.id)
        .where('indicator_key', '=', input.indicatorKey).where('unit_code', '=', input.unitCode).executeTakeFirst();
      const values = { score: input.score, note: input.note, attachments: toJson(input.attachments), entered_by: actor.userId, entered_at: now };
      // A close computed before this entry must not freeze results without it.
      await tx.updateTable('assessment_periods').set({ version: period.version + 1 }).where('id', '=', period.id).execute();
      if (old) await tx.updateTable('assessment_scores').set(values).where('id', '=', old.id).execute();
      else await tx.insertInto('assessment_scores').values({ period_id: period.id, indicator_key: input.indicatorKey, unit_code: input.unitCode, ...values }).execute();
      await appendAudit(tx, actor, {
        action: 'assessment.score.enter', objectType: 'assessment_period', objectId: `${input.subject}:${input.period}`,
        details: { unit: input.unitCode, indicator: input.indicatorKey, before: old ? { score: Number(old.score), note: old.note } : null, after: { score: input.score, note: input.note, attachments: input.attachments } },
      }, now);
    });
    return this.results(scopes, input.subject, input.period);
  }

  /** Freezes a period's results as they stand (scores, ranks, breakdowns); a closed period is never reopened. */
  async close(actor: AuditActor, scopes: readonly Scope[], subject: AssessmentSubject, period: string, now = Date.now()): Promise<PeriodResults> {
    requireDistrict(scopes);
    const days = this.periodOf(period);
    // The period may not close before it has ended (Asia/Shanghai): its figures are not complete.
    const today = new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);
    if (days.to >= today) throw new AppError(409, 'ASSESSMENT_PERIOD_NOT_OVER', { period, to: days.to });
    const opened = await this.db.transaction((tx) => this.openPeriod(tx, actor, subject, period, now));
    if (opened.status === 'closed') throw new AppError(409, 'ASSESSMENT_PERIOD_CLOSED', { period });
    // Computed outside the write (it reads the statistics store); a score entered meanwhile bumps the period's version and refuses the close.
    const units = await this.compute(this.db.primary, subject, period, opened.scheme_id);
    await this.db.transaction(async (tx) => {
      const now2 = await tx.selectFrom('assessment_periods').select(['status', 'version']).where('id', '=', opened.id).executeTakeFirstOrThrow();
      if (now2.status === 'closed') throw new AppError(409, 'ASSESSMENT_PERIOD_CLOSED', { period });
      if (Number(now2.version) !== opened.version) throw new AppError(409, 'ASSESSMENT_PERIOD_CHANGED', { period });
      await tx.updateTable('assessment_periods')
        .set({ status: 'closed', closed_at: now, closed_by: actor.userId, results: toJson(units), version: opened.version + 1 })
        .where('id', '=', opened.id).execute();
      await appendAudit(tx, actor, {
        action: 'assessment.period.close', objectType: 'assessment_period', objectId: `${subject}:${period}`,
        details: { schemeId: opened.scheme_id, scores: units.map((u) => ({ code: u.code, score: u.score, rank: u.rank })) },
      }, now);
    });
    return this.results(scopes, subject, period);
  }

  /** A period's results, within the caller's scopes: frozen when closed, computed now otherwise. */
  async results(scopes: readonly Scope[], subject: AssessmentSubject, period: string): Promise<PeriodResults> {
    const days = this.periodOf(period);
    const db = this.db.primary;
    const row = await db.selectFrom('assessment_periods').selectAll().where('subject', '=', subject).where('period', '=', period).executeTakeFirst();
    const schemeId = row ? Number(row.scheme_id) : Number((await db.selectFrom('assessment_schemes').select('id').where('subject', '=', subject).orderBy('version', 'desc').executeTakeFirstOrThrow()).id);
    const version = Number((await db.selectFrom('assessment_schemes').select('version').where('id', '=', schemeId).executeTakeFirstOrThrow()).version);
    const units = row?.status === 'closed' ? fromJson<UnitResult[]>(row.results, []) : await this.compute(db, subject, period, schemeId);
    const closedBy = row?.closed_by == null ? null : (await this.userNames([row.closed_by])).get(Number(row.closed_by)) ?? null;
    return {
      subject, period, ...days, status: row ? row.status : 'unopened', schemeVersion: version,
      closedAt: row?.closed_at == null ? null : iso(Number(row.closed_at)), closedBy,
      units: units.filter((u) => covers(scopes, subject, u.code)),
    };
  }

  private async openPeriod(tx: Transaction<Database>, actor: AuditActor, subject: AssessmentSubject, period: string, now: number) {
    const found = await tx.selectFrom('assessment_periods').selectAll().where('subject', '=', subject).where('period', '=', period).executeTakeFirst();
    if (found) return { ...found, id: Number(found.id), scheme_id: Number(found.scheme_id), version: Number(found.version) };
    const active = await tx.selectFrom('assessment_schemes').select(['id', 'version']).where('subject', '=', subject).orderBy('version', 'desc').executeTakeFirstOrThrow();
    await tx.insertInto('assessment_periods').values({
      subject, period, scheme_id: Number(active.id), status: 'open', opened_at: now, opened_by: actor.userId, closed_at: null, closed_by: null, results: null, version: 1,
    }).execute();
    await appendAudit(tx, actor, { action: 'assessment.period.open', objectType: 'assessment_period', objectId: `${subject}:${period}`, details: { schemeVersion: Number(active.version) } }, now);
    const row = await tx.selectFrom('assessment_periods').selectAll().where('subject', '=', subject).where('period', '=', period).executeTakeFirstOrThrow();
    return { ...row, id: Number(row.id), scheme_id: Number(row.scheme_id), version: Number(row.version) };
  }

  private async schemeById(tx: Kysely<Database>, id: number): Promise<SchemeDefinition> {
    const row = await tx.selectFrom('assessment_schemes').select('definition').where('id', '=', id).executeTakeFirstOrThrow();
    return fromJson<SchemeDefinition>(row.definition, { indicators: [], deductions: [] });
  }

  /** Every unit's score and rank for the period by the given scheme version, from the statistics store and the manual scores. */
  private async compute(tx: Kysely<Database>, subject: AssessmentSubject, period: string, schemeId: number): Promise<UnitResult[]> {
    const scheme = await this.schemeById(tx, schemeId);
    const counts = await this.evaluation.countsBy(WHOLE, subject === 'department' ? 'departments' : 'streets', this.periodOf(period));
    const names = await this.unitNames(subject);
    const scores = await tx.selectFrom('assessment_scores as s').innerJoin('assessment_periods as p', 'p.id', 's.period_id')
      .select(['s.unit_code', 's.indicator_key', 's.score', 's.note', 's.attachments', 's.entered_by', 's.entered_at'])
      .where('p.subject', '=', subject).where('p.period', '=', period).execute();
    const enteredBy = await this.userNames(scores.map((s) => s.entered_by));
    const scored = [...names].map(([code, name]) => {
      const mine = scores.filter((s) => s.unit_code === code);
      const result = scoreUnit(scheme, counts.get(code) ?? zeroMeasures(), mine.map((s) => ({ indicatorKey: s.indicator_key, score: Number(s.score) })));
      const indicators = result.indicators.map((i) => {
        const s = mine.find((x) => x.indicator_key === i.key);
        return {
          ...i,
          evidence: s && i.kind === 'manual'
            ? { score: Number(s.score), note: s.note, attachments: fromJson<string[]>(s.attachments, []), enteredBy: s.entered_by == null ? null : enteredBy.get(Number(s.entered_by)) ?? null, enteredAt: iso(Number(s.entered_at)) }
            : null,
        };
      });
      return { code, name, score: result.score, indicators, deductions: result.deductions };
    });
    return rankScores(scored);
  }

  /** The units assessed: the active departments, or the streets of the grid tree. */
  private async unitNames(subject: AssessmentSubject): Promise<Map<string, string>> {
    const db = this.db.primary;
    const rows = subject === 'department'
      ? await db.selectFrom('departments').select(['code', 'name']).where('status', '=', 'active').orderBy('code').execute()
      : await db.selectFrom('grids').select(['code', 'name']).where('level', '=', 'street').orderBy('code').execute();
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  private async userNames(ids: readonly (number | null)[]): Promise<Map<number, string>> {
    const wanted = [...new Set(ids.filter((x): x is number => x != null).map(Number))];
    if (wanted.length === 0) return new Map();
    const rows = await this.db.primary.selectFrom('users').select(['id', 'display_name']).where('id', 'in', wanted).execute();
    return new Map(rows.map((r) => [Number(r.id), r.display_name]));
  }
}
