import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { Principal } from '../../infra/auth/principal.js';
import { gridInScope } from '../../infra/auth/scope.js';
import { fromJson } from '../../infra/db/values.js';
import { AppError } from '../../infra/http/errors.js';
import { isDuplicateKeyError } from '../../infra/idempotency/idempotency.js';
import type { GridLocatorPort } from '../incidents/locator.js';
import type { ReferenceData } from '../incidents/reference.js';
import type { ImportedCase, IncidentService, ListFilter } from '../incidents/service.js';
import { readCaseFile, type CaseFileFormat } from './rules/case-file.js';
import { parseCaseRow, type CaseField, type CaseRow } from './rules/case-row.js';
import type { ExchangeCase } from './rules/formats.js';
import { historyOf } from './rules/history.js';
import { stageOf, stageTimes } from './rules/standard.js';
import './messages.js';

const STEP_ACTIONS = ['register', 'self-resolve', 'dispatch', 'reply', 'verify-pass', 'close'];
/** One import at most: written in one transaction, so a file is a batch, not a migration of years. */
export const CASE_IMPORT_MAX_ROWS = 5000;
const SOURCE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

export interface CaseImportProblem {
  /** The CSV line (header = 1), or the feature's / item's position (1-based). */
  row: number;
  sourceCode: string | null;
  field: CaseField;
  code: string;
}

export interface CaseImportResult {
  dryRun: boolean;
  format: CaseFileFormat;
  source: string;
  rows: number;
  /** Open cases entered (or, dry, that would enter) the intake queue. */
  intake: number;
  /** Closed cases kept (or that would be kept) as history. */
  history: number;
  /** Records imported before from this source: left as they are. */
  known: number;
  problems: CaseImportProblem[];
  /** The cases written: the source's code and ours. */
  cases: { row: number; sourceCode: string; code: string; kind: 'intake' | 'history' }[];
}

/** The caller as the intake sees an import: it reports where it may import, and nowhere else. */
function importer(p: Principal): Principal {
  const assignments = p.scopesFor('exchange.import').map((scope) => ({ id: 0, role: 'exchange_import', scope }));
  return new Principal(p.userId, p.username, p.displayName, assignments, new Map([['exchange_import', ['incidents.report', 'exchange.import']]]));
}

/** Cases in the exchange record: export as GeoJSON, JSON or CSV, and import from the same files (docs/exchange.md). */
export class ExchangeService {
  constructor(private readonly db: AppDb, private readonly incidents: IncidentService, private readonly reference: ReferenceData, private readonly locator: GridLocatorPort) {}

  async cases(principal: Principal, filter: ListFilter): Promise<ExchangeCase[]> {
    const views = await this.incidents.exportRows(principal, filter);
    const ref = await this.reference.get();
    const events = new Map<number, { action: string; at: number; lead?: boolean }[]>();
    const ids = views.map((v) => v.id);
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await this.db.reader(principal.userId).selectFrom('incident_events').select(['incident_id', 'action', 'at', 'data'])
        .where('incident_id', 'in', ids.slice(i, i + 1000)).where('action', 'in', STEP_ACTIONS).execute();
      for (const r of rows) {
        const data = r.action === 'reply' ? fromJson<{ part?: string }>(r.data, {}) : {};
        const list = events.get(Number(r.incident_id)) ?? [];
        list.push({ action: r.action, at: Number(r.at), ...(r.action === 'reply' ? { lead: data.part !== 'co-handler' } : {}) });
        events.set(Number(r.incident_id), list);
      }
    }
    return views.map((v) => {
      const category = v.categoryCode ? ref.categories.get(v.categoryCode) : undefined;
      return {
        code: v.code, externalRef: v.externalRef, ...stageOf(v.status), status: v.status,
        caseType: category?.type ?? null, majorCode: v.categoryCode?.slice(0, 2) ?? null, minorCode: v.categoryCode,
        gridCode: v.gridCode, communityCode: v.communityCode, streetCode: v.streetCode, lng: v.lng, lat: v.lat, address: v.address,
        description: v.description, channel: v.channel, leadDepartmentCode: v.leadDepartmentCode, reportedAt: v.reportedAt,
        dueAt: v.dueAt, overdue: v.overdue, ...stageTimes(events.get(v.id) ?? []),
      };
    });
  }

  /**
   * Imports the cases of an exchange file: every record is checked against
   * our categories, departments, grids and the caller's scope first; a dry
   * run stops there. Otherwise all are written in one transaction, or, with
   * `partial`, the valid ones. A record this source sent before is known and
   * left alone (the unique source + code), so a file imported twice makes
   * its cases once.
   */
  async importCases(
    principal: Principal,
    actor: AuditActor,
    text: string,
    options: { source: string; format?: CaseFileFormat | undefined; dryRun: boolean; partial: boolean },
    now = Date.now(),
  ): Promise<CaseImportResult> {
    if (!SOURCE.test(options.source)) throw new AppError(422, 'EXCHANGE_SOURCE_INVALID');
    const file = readCaseFile(text, options.format);
    if (!file.ok) throw new AppError(422, file.code, file.details ?? {});
    if (file.rows.length === 0) throw new AppError(422, 'EXCHANGE_IMPORT_EMPTY');
    if (file.rows.length > CASE_IMPORT_MAX_ROWS) throw new AppError(422, 'EXCHANGE_IMPORT_TOO_MANY', { max: CASE_IMPORT_MAX_ROWS });
    const ref = await this.reference.get();
    const scopes = principal.scopesFor('exchange.import');
    await this.locator.ready?.();
    const problems: CaseImportProblem[] = [];
    const valid: { row: number; value: CaseRow; gridCode: string }[] = [];
    const seen = new Set<string>();
    const grids = await this.activeUnitGrids(file.rows.flatMap((r) => (typeof r.values.gridCode === 'string' ? [r.values.gridCode.trim()] : [])));
    for (const raw of file.rows) {
      const sourceCode = typeof raw.values.code === 'string' || typeof raw.values.code === 'number' ? String(raw.values.code).trim() || null : null;
      const problem = (field: CaseField, code: string) => problems.push({ row: raw.row, sourceCode, field, code });
      const r = parseCaseRow(raw.values, { now });
      if (!r.ok) {
        for (const p of r.problems) problem(p.field, p.code);
        continue;
      }
      const v = r.value;
      if (seen.has(v.code)) {
        problem('code', 'EXCHANGE_CODE_REPEATED');
        continue;
      }
      seen.add(v.code);
      let bad = false;
      if (v.minorCode !== null) {
        const category = ref.categories.get(v.minorCode);
        // A closed case may keep a category retired since; an open one enters the intake under a category in force.
        if (!category || (v.kind === 'intake' && category.status !== 'active')) {
          problem('minorCode', 'EXCHANGE_CATEGORY_UNKNOWN');
          bad = true;
        } else if (v.caseType !== null && v.caseType !== category.type) {
          problem('caseType', 'EXCHANGE_CATEGORY_MISMATCH');
          bad = true;
        }
      }
      if (v.leadDepartmentCode !== null && !ref.departments.has(v.leadDepartmentCode)) {
        problem('leadDepartmentCode', 'EXCHANGE_DEPARTMENT_UNKNOWN');
        bad = true;
      }
      // Our grids place the case: its position first, the record's grid code when the position falls in none of ours.
      const located = v.lng === null || v.lat === null ? null : this.locator.locate(v.lng, v.lat);
      const gridCode = located ?? (v.gridCode !== null && grids.has(v.gridCode) ? v.gridCode : null);
      if (gridCode === null) {
        problem(v.lng === null ? 'gridCode' : 'lng', 'EXCHANGE_LOCATION_UNRESOLVED');
        bad = true;
      } else if (!gridInScope(gridCode, scopes)) {
        problem('gridCode', 'EXCHANGE_OUT_OF_SCOPE');
        bad = true;
      }
      if (!bad && gridCode !== null) valid.push({ row: raw.row, value: v, gridCode });
    }
    problems.sort((a, b) => a.row - b.row);
    const knownCodes = await this.knownCodes(options.source, valid.map((v) => v.value.code));
    const fresh = valid.filter((v) => !knownCodes.has(v.value.code));
    const result = (cases: CaseImportResult['cases']): CaseImportResult => ({
      dryRun: options.dryRun, format: file.format, source: options.source, rows: file.rows.length,
      intake: fresh.filter((v) => v.value.kind === 'intake').length, history: fresh.filter((v) => v.value.kind === 'history').length,
      known: valid.length - fresh.length, problems, cases,
    });
    if (options.dryRun) return result([]);
    if (problems.length > 0 && !options.partial) throw new AppError(422, 'EXCHANGE_IMPORT_INVALID', { problems });
    if (fresh.length === 0) return result([]);
    const cases: ImportedCase[] = fresh.map(({ value: v, gridCode }) => {
      if (v.kind === 'intake') {
        return {
          kind: 'intake',
          input: {
            channel: 'exchange_import', description: v.description, address: v.address ?? undefined, gridCode,
            position: v.lng === null || v.lat === null ? undefined : { lng: v.lng, lat: v.lat, crs: 'wgs84' },
            categoryCode: v.minorCode ?? undefined, externalRef: v.code,
          },
        };
      }
      const category = ref.categories.get(v.minorCode!)!;
      const { state, events } = historyOf({
        gridCode, channel: v.channel ?? 'exchange_import', description: v.description, reportedAt: v.reportedAt, registeredAt: v.registeredAt!,
        dispatchedAt: v.dispatchedAt, repliedAt: v.repliedAt, verifiedAt: v.verifiedAt, closedAt: v.closedAt!, leadDepartmentCode: v.leadDepartmentCode,
        source: { system: options.source, code: v.code },
      }, category, ref.calendar);
      return {
        kind: 'history',
        history: { state, events, channel: v.channel ?? 'exchange_import', description: v.description, lng: v.lng, lat: v.lat, address: v.address, externalRef: v.code },
      };
    });
    let written: { id: number; code: string }[];
    try {
      written = await this.incidents.importCases(importer(principal), actor, cases, async (tx, i, incidentId) => {
        const f = fresh[i]!;
        await tx.insertInto('exchange_case_imports').values({
          source_system: options.source, source_code: f.value.code, incident_id: incidentId, kind: f.value.kind, imported_by: principal.userId, imported_at: now,
        }).execute();
      }, (tx) => appendAudit(tx, actor, {
        action: 'exchange.cases.import', objectType: 'exchange_import', objectId: null,
        details: { source: options.source, format: file.format, rows: file.rows.length, written: fresh.length, known: valid.length - fresh.length, problems: problems.length },
      }, now).then(() => undefined));
    } catch (err) {
      // Another import of the same source and codes won the unique index: this one wrote nothing.
      if (isDuplicateKeyError(err)) throw new AppError(409, 'EXCHANGE_IMPORT_CONCURRENT');
      throw err;
    }
    return result(written.map((w, i) => ({ row: fresh[i]!.row, sourceCode: fresh[i]!.value.code, code: w.code, kind: fresh[i]!.value.kind })));
  }

  private async activeUnitGrids(codes: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const wanted = [...new Set(codes.filter((c) => /^\d{15}$/.test(c)))];
    for (let i = 0; i < wanted.length; i += 1000) {
      const rows = await this.db.primary.selectFrom('grids').select('code').where('code', 'in', wanted.slice(i, i + 1000))
        .where('level', '=', 'unit').where('status', '=', 'active').execute();
      for (const r of rows) out.add(r.code);
    }
    return out;
  }

  private async knownCodes(source: string, codes: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < codes.length; i += 1000) {
      const rows = await this.db.primary.selectFrom('exchange_case_imports').select('source_code')
        .where('source_system', '=', source).where('source_code', 'in', codes.slice(i, i + 1000)).execute();
      for (const r of rows) out.add(r.source_code);
    }
    return out;
  }
}
