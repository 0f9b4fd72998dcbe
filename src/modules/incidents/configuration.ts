/**
 * Categories and the working calendar as data (issue 4 items 1 and 2):
 * edited in the console, imported from a spreadsheet, seeded with the
 * reference district's defaults. Every change is audited.
 */
import ExcelJS from 'exceljs';
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { fromJson, toJson } from '../../infra/db/values.js';
import { AppError } from '../../infra/http/errors.js';
import {
  DEFAULT_MAJOR_CATEGORIES,
  DEFAULT_MINOR_CATEGORIES,
  type CaseType,
  type CategoryType,
  type StageLimits,
} from './data/categories.js';
import { createWorkCalendar } from './rules/calendar.js';
import {
  CATEGORY_SHEET_COLUMNS,
  CATEGORY_SHEET_HEADERS,
  STAGES,
  categoriesToCsv,
  categoriesToJson,
  checkCategoryFile,
  csvText,
  readCategoryCsv,
  readCategoryJson,
  readSheet,
  sheetRows,
  type CategoryFile,
  type CategoryFileFormat,
} from './rules/category-file.js';
import { CASE_TYPES, type Workflow } from './rules/workflow.js';
import { defaultCalendarDefinition, type CalendarDefinition, type CategoryRecord, type MajorRecord, type ReferenceData } from './reference.js';
import './messages.js';

export interface CategoryInput {
  code: string;
  majorCode: string;
  nameZh: string;
  nameEn: string;
  type: CategoryType;
  caseType: CaseType;
  departmentCodes: string[];
  limits: StageLimits;
  status?: 'active' | 'retired';
}

export interface MajorInput {
  code: string;
  nameZh: string;
  nameEn: string;
  sort?: number;
  status?: 'active' | 'retired';
}

export { CATEGORY_SHEET_COLUMNS, CATEGORY_SHEET_HEADERS, formatLimit, parseLimit } from './rules/category-file.js';

export class IncidentConfigService {
  constructor(
    private readonly db: AppDb,
    private readonly reference: ReferenceData,
  ) {}

  async listCategories(): Promise<{ majors: MajorRecord[]; categories: CategoryRecord[] }> {
    const ref = await this.reference.get();
    return { majors: ref.majors, categories: [...ref.categories.values()] };
  }

  private async checkCategory(input: CategoryInput): Promise<void> {
    const ref = await this.reference.get();
    const problems: string[] = [];
    if (!/^\d{2}$/.test(input.majorCode)) problems.push('majorCode');
    if (!/^\d{4}$/.test(input.code) || !input.code.startsWith(input.majorCode)) problems.push('code');
    if (!ref.majors.some((m) => m.code === input.majorCode)) problems.push('majorCode');
    for (const d of input.departmentCodes) if (!ref.departments.has(d)) problems.push(`department:${d}`);
    if (new Set(input.departmentCodes).size !== input.departmentCodes.length) problems.push('departmentCodes');
    for (const s of STAGES) {
      const l = input.limits[s];
      if (!l || !(l.amount > 0) || (l.unit !== 'hours' && l.unit !== 'days')) problems.push(`limits.${s}`);
    }
    if (problems.length > 0) throw new AppError(422, 'CATEGORY_INVALID', { problems: [...new Set(problems)] });
  }

  async createCategory(actor: AuditActor, input: CategoryInput, now = Date.now()): Promise<CategoryRecord> {
    await this.checkCategory(input);
    const ref = await this.reference.get();
    if (ref.categories.has(input.code)) throw new AppError(409, 'CATEGORY_EXISTS', { code: input.code });
    await this.db.transaction(async (tx) => {
      await tx.insertInto('incident_categories').values(categoryRow(input, 1, now)).execute();
      await appendAudit(tx, actor, { action: 'incident_category.create', objectType: 'incident_category', objectId: input.code, details: { ...input } }, now);
    });
    this.reference.invalidate();
    return this.category(input.code);
  }

  async updateCategory(actor: AuditActor, code: string, input: Omit<CategoryInput, 'code'> & { version: number }, now = Date.now()): Promise<CategoryRecord> {
    const full: CategoryInput = { ...input, code };
    await this.checkCategory(full);
    await this.db.transaction(async (tx) => {
      const result = await tx
        .updateTable('incident_categories')
        .set({ ...categoryRow(full, input.version + 1, now), created_at: undefined })
        .where('code', '=', code)
        .where('version', '=', input.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        const current = await tx.selectFrom('incident_categories').select('version').where('code', '=', code).executeTakeFirst();
        if (!current) throw new AppError(404, 'NOT_FOUND', { objectType: 'incident_category' });
        throw new AppError(409, 'CONFLICT', { currentVersion: Number(current.version) });
      }
      await appendAudit(tx, actor, { action: 'incident_category.update', objectType: 'incident_category', objectId: code, details: { ...full } }, now);
    });
    this.reference.invalidate();
    return this.category(code);
  }

  async upsertMajor(actor: AuditActor, input: MajorInput, now = Date.now()): Promise<MajorRecord> {
    if (!/^\d{2}$/.test(input.code)) throw new AppError(422, 'CATEGORY_INVALID', { problems: ['code'] });
    await this.db.transaction(async (tx) => {
      const exists = await tx.selectFrom('incident_category_majors').select('code').where('code', '=', input.code).executeTakeFirst();
      const values = { name: input.nameZh, name_en: input.nameEn, sort: input.sort ?? Number(input.code), status: input.status ?? 'active', updated_at: now };
      if (exists) await tx.updateTable('incident_category_majors').set(values).where('code', '=', input.code).execute();
      else await tx.insertInto('incident_category_majors').values({ code: input.code, ...values, created_at: now }).execute();
      await appendAudit(tx, actor, { action: 'incident_category_major.save', objectType: 'incident_category_major', objectId: input.code, details: { ...input } }, now);
    });
    this.reference.invalidate();
    return (await this.reference.get()).majors.find((m) => m.code === input.code)!;
  }

  async category(code: string): Promise<CategoryRecord> {
    const c = (await this.reference.get()).categories.get(code);
    if (!c) throw new AppError(404, 'NOT_FOUND', { objectType: 'incident_category' });
    return c;
  }

  /** Inserts the default majors and categories that do not exist yet (first start, demo). */
  async seedDefaults(now = Date.now()): Promise<{ majors: number; categories: number }> {
    const db = this.db.primary;
    const majors = new Set((await db.selectFrom('incident_category_majors').select('code').execute()).map((r) => r.code));
    const minors = new Set((await db.selectFrom('incident_categories').select('code').execute()).map((r) => r.code));
    const newMajors = DEFAULT_MAJOR_CATEGORIES.filter((m) => !majors.has(m.code));
    const newMinors = DEFAULT_MINOR_CATEGORIES.filter((c) => !minors.has(c.code));
    await this.db.transaction(async (tx) => {
      if (newMajors.length > 0) {
        await tx
          .insertInto('incident_category_majors')
          .values(newMajors.map((m) => ({ code: m.code, name: m.nameZh, name_en: m.nameEn, sort: Number(m.code), status: 'active' as const, created_at: now, updated_at: now })))
          .execute();
      }
      if (newMinors.length > 0) {
        await tx.insertInto('incident_categories').values(newMinors.map((c) => categoryRow({ ...c, departmentCodes: [...c.departmentCodes] }, 1, now))).execute();
      }
    });
    this.reference.invalidate();
    return { majors: newMajors.length, categories: newMinors.length };
  }

  // ---- exchange files (XLSX, JSON, CSV) ---------------------------------------

  /** The categories as a file of the given form (docs/exchange.md); each imports back unchanged. */
  async exportCategories(format: 'xlsx'): Promise<Buffer>;
  async exportCategories(format: 'json'): Promise<ReturnType<typeof categoriesToJson>>;
  async exportCategories(format: 'csv'): Promise<string>;
  async exportCategories(format: CategoryFileFormat): Promise<Buffer | string | ReturnType<typeof categoriesToJson>> {
    const { majors, categories } = await this.listCategories();
    if (format === 'json') return categoriesToJson(majors, categories);
    if (format === 'csv') return categoriesToCsv(majors, categories);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('categories');
    ws.addRow(CATEGORY_SHEET_COLUMNS.map((c) => CATEGORY_SHEET_HEADERS[c]));
    for (const row of sheetRows(majors, categories)) ws.addRow(CATEGORY_SHEET_COLUMNS.map((c) => row[c]));
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  /**
   * Imports majors and categories from a file of any of the three forms:
   * each is read into the same records, checked by the same rules
   * (rules/category-file.ts) and applied by the same code. All or nothing:
   * any bad record refuses the whole file with its row and fields;
   * re-importing the same file changes nothing (records equal to the stored
   * ones are counted unchanged). Categories the file does not name are kept.
   */
  async importCategories(actor: AuditActor, body: Buffer, format: CategoryFileFormat, now = Date.now()): Promise<CategoryImportResult> {
    const read = format === 'xlsx' ? await readWorkbook(body) : format === 'json' ? readCategoryJson(body.toString('utf8')) : readCategoryCsv(csvText(body));
    if (!read.ok) throw new AppError(422, read.code, read.details);
    return this.applyCategoryFile(actor, read.file, now);
  }

  private async applyCategoryFile(actor: AuditActor, file: CategoryFile, now: number): Promise<CategoryImportResult> {
    const ref = await this.reference.get();
    const checked = checkCategoryFile(file, { departments: ref.departments, majors: ref.majors });
    if (!checked.ok) throw new AppError(422, 'CATEGORY_IMPORT_INVALID', { errors: checked.errors.slice(0, 100) });

    const result = await this.db.transaction(async (tx) => {
      // Counted per attempt: the transaction may run this callback more than once.
      let created = 0;
      let updated = 0;
      let unchanged = 0;
      let majorCount = 0;
      for (const m of checked.majors.values()) {
        const old = ref.majors.find((x) => x.code === m.code);
        // Sort and status only when the file carries them (JSON); the workbook's rows name a major, nothing more.
        if (old && old.nameZh === m.nameZh && old.nameEn === m.nameEn && (m.sort ?? old.sort) === old.sort && (m.status ?? old.status) === old.status) continue;
        majorCount++;
        if (old) {
          await tx.updateTable('incident_category_majors')
            .set({ name: m.nameZh, name_en: m.nameEn, sort: m.sort ?? old.sort, status: m.status ?? old.status, updated_at: now })
            .where('code', '=', m.code).execute();
        } else {
          await tx.insertInto('incident_category_majors')
            .values({ code: m.code, name: m.nameZh, name_en: m.nameEn, sort: m.sort ?? Number(m.code), status: m.status ?? 'active', created_at: now, updated_at: now })
            .execute();
        }
      }
      for (const c of checked.categories) {
        const input: CategoryInput = { ...c, departmentCodes: [...c.departmentCodes] };
        const old = ref.categories.get(input.code);
        if (!old) {
          await tx.insertInto('incident_categories').values(categoryRow(input, 1, now)).execute();
          created++;
        } else if (sameCategory(old, input)) {
          unchanged++;
        } else {
          await tx.updateTable('incident_categories').set({ ...categoryRow(input, old.version + 1, now), created_at: undefined }).where('code', '=', input.code).execute();
          updated++;
        }
      }
      await appendAudit(tx, actor, { action: 'incident_category.import', objectType: 'incident_category', details: { format: file.format, created, updated, unchanged, majors: majorCount } }, now);
      return { created, updated, unchanged, majors: majorCount };
    });
    this.reference.invalidate();
    return result;
  }

  // ---- workflows ------------------------------------------------------------

  async listWorkflows(): Promise<WorkflowRecord[]> {
    const ref = await this.reference.get();
    return CASE_TYPES.map((caseType) => ({ caseType, ...ref.workflows[caseType], version: ref.workflowVersions[caseType] }));
  }

  /**
   * Replaces the workflow of one case type under the version check (0 for
   * the shipped default, which has no row yet). Applies to every open case
   * of that type from its next step: a workflow says who takes a step, not
   * how long it takes, so there is no running clock to protect.
   */
  async putWorkflow(actor: AuditActor, caseType: CaseType, input: Workflow & { version: number }, now = Date.now()): Promise<WorkflowRecord> {
    const { version, ...workflow } = input;
    const before = (await this.reference.get()).workflows[caseType];
    const values = {
      self_resolve: workflow.selfResolve,
      skip_register_for_grid_worker: workflow.skipRegisterForGridWorker ? 1 : 0,
      verification_required: workflow.verificationRequired ? 1 : 0,
      verifier: workflow.verifier,
      coordination_required: workflow.coordinationRequired ? 1 : 0,
      closer: workflow.closer,
      version: version + 1,
      updated_at: now,
    };
    await this.db.transaction(async (tx) => {
      const row = await tx.selectFrom('incident_workflows').select('version').where('case_type', '=', caseType).executeTakeFirst();
      const current = row ? Number(row.version) : 0;
      if (current !== version) throw new AppError(409, 'CONFLICT', { currentVersion: current });
      if (row) {
        const result = await tx.updateTable('incident_workflows').set(values).where('case_type', '=', caseType).where('version', '=', version).executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw new AppError(409, 'CONFLICT', { currentVersion: current + 1 });
      } else {
        await tx.insertInto('incident_workflows').values({ case_type: caseType, ...values }).execute();
      }
      const changed = (Object.keys(workflow) as (keyof Workflow)[]).filter((k) => workflow[k] !== before[k]);
      await appendAudit(tx, actor, {
        action: 'incident_workflow.update', objectType: 'incident_workflow', objectId: caseType,
        details: { caseType, changes: Object.fromEntries(changed.map((k) => [k, { from: before[k], to: workflow[k] }])), version: version + 1 },
      }, now);
    });
    this.reference.invalidate();
    return (await this.listWorkflows()).find((w) => w.caseType === caseType)!;
  }

  // ---- calendar -------------------------------------------------------------

  async getCalendar(): Promise<CalendarDefinition> {
    return (await this.reference.get()).calendarDefinition;
  }

  async putCalendar(actor: AuditActor, def: CalendarDefinition, now = Date.now()): Promise<CalendarDefinition> {
    try {
      createWorkCalendar(def);
    } catch (err) {
      throw new AppError(422, 'CALENDAR_INVALID', { reason: (err as Error).message });
    }
    await this.db.transaction(async (tx) => {
      await writeCalendar(tx, def, now);
      await appendAudit(tx, actor, { action: 'work_calendar.update', objectType: 'work_calendar', objectId: 1, details: { years: def.years.map((y) => y.year) } }, now);
    });
    this.reference.invalidate();
    return this.getCalendar();
  }

  /**
   * Replaces one year's holidays and swapped working days, leaving the other
   * years and the working periods as they are (two people editing different
   * years do not undo each other). The audit record lists the days added and
   * removed.
   */
  async putCalendarYear(actor: AuditActor, year: number, days: { holidays: string[]; workingWeekends: string[] }, now = Date.now()): Promise<CalendarDefinition> {
    const holidays = [...new Set(days.holidays)].sort();
    const workingWeekends = [...new Set(days.workingWeekends)].sort();
    // Validated against the weekend days in force (a year's days depend on nothing else), before the
    // transaction: reading reference data inside it would wait on the write it is part of (SQLite).
    const { weekendDays, periods } = (await this.reference.get()).calendarDefinition;
    try {
      createWorkCalendar({ periods, weekendDays, years: [{ year, holidays, workingWeekends }] });
    } catch (err) {
      throw new AppError(422, 'CALENDAR_INVALID', { reason: (err as Error).message });
    }
    await this.db.transaction(async (tx) => {
      const row = await tx.selectFrom('work_calendar_years').select(['holidays', 'working_weekends']).where('year', '=', year).executeTakeFirst();
      const old = row ? { holidays: fromJson<string[]>(row.holidays, []), workingWeekends: fromJson<string[]>(row.working_weekends, []) } : undefined;
      const values = { holidays: toJson(holidays), working_weekends: toJson(workingWeekends), source: 'console', updated_at: now };
      if (old) await tx.updateTable('work_calendar_years').set(values).where('year', '=', year).execute();
      else await tx.insertInto('work_calendar_years').values({ year, ...values }).execute();
      const diff = (before: string[], after: string[]) => ({ added: after.filter((d) => !before.includes(d)), removed: before.filter((d) => !after.includes(d)) });
      await appendAudit(tx, actor, {
        action: 'work_calendar.year', objectType: 'work_calendar', objectId: year,
        details: { year, holidays: diff(old?.holidays ?? [], holidays), workingWeekends: diff(old?.workingWeekends ?? [], workingWeekends) },
      }, now);
    });
    this.reference.invalidate();
    return this.getCalendar();
  }

  /** Seeds the shipped calendar when none is stored (every install needs one for deadlines). */
  async seedCalendar(now = Date.now()): Promise<boolean> {
    const row = await this.db.primary.selectFrom('work_calendar').select('id').where('id', '=', 1).executeTakeFirst();
    if (row) return false;
    await this.db.transaction((tx) => writeCalendar(tx, defaultCalendarDefinition(), now));
    this.reference.invalidate();
    return true;
  }
}

async function writeCalendar(tx: Parameters<Parameters<AppDb['transaction']>[0]>[0], def: CalendarDefinition, now: number): Promise<void> {
  const settings = { periods: toJson(def.periods), weekend_days: toJson(def.weekendDays), updated_at: now };
  const exists = await tx.selectFrom('work_calendar').select('id').where('id', '=', 1).executeTakeFirst();
  if (exists) await tx.updateTable('work_calendar').set(settings).where('id', '=', 1).execute();
  else await tx.insertInto('work_calendar').values({ id: 1, ...settings }).execute();
  await tx.deleteFrom('work_calendar_years').execute();
  if (def.years.length > 0) {
    await tx
      .insertInto('work_calendar_years')
      .values(def.years.map((y) => ({ year: y.year, holidays: toJson(y.holidays), working_weekends: toJson(y.workingWeekends), source: y.source ?? '', updated_at: now })))
      .execute();
  }
}

function categoryRow(c: CategoryInput, version: number, now: number) {
  return {
    code: c.code,
    major_code: c.majorCode,
    name: c.nameZh,
    name_en: c.nameEn,
    type: c.type,
    case_type: c.caseType,
    department_codes: toJson(c.departmentCodes),
    limits: toJson({ register: c.limits.register, dispatch: c.limits.dispatch, handle: c.limits.handle, verify: c.limits.verify }),
    status: c.status ?? ('active' as const),
    version,
    created_at: now,
    updated_at: now,
  };
}

function sameCategory(a: CategoryRecord, b: CategoryInput): boolean {
  return (
    a.majorCode === b.majorCode && a.nameZh === b.nameZh && a.nameEn === b.nameEn && a.type === b.type &&
    a.caseType === b.caseType && a.departmentCodes.join(',') === b.departmentCodes.join(',') &&
    (b.status ?? 'active') === a.status &&
    STAGES.every((s) => a.limits[s].amount === b.limits[s].amount && a.limits[s].unit === b.limits[s].unit)
  );
}

export interface CategoryImportResult {
  created: number;
  updated: number;
  unchanged: number;
  /** Majors created or changed. */
  majors: number;
}

/** The first sheet's cells as text (header row 1), for the shared reader. */
async function readWorkbook(file: Buffer): Promise<ReturnType<typeof readSheet>> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(file as unknown as ArrayBuffer);
  } catch {
    return { ok: false, code: 'CATEGORY_IMPORT_UNREADABLE', details: { format: 'xlsx' } };
  }
  const ws = wb.worksheets[0];
  if (!ws) return { ok: false, code: 'CATEGORY_IMPORT_UNREADABLE', details: { format: 'xlsx' } };
  const width = Math.max(ws.columnCount, CATEGORY_SHEET_COLUMNS.length);
  const cells = (row: ExcelJS.Row): string[] => Array.from({ length: width }, (_, i) => {
    const v = row.getCell(i + 1).value;
    if (v == null) return '';
    if (typeof v === 'object' && 'text' in v) return String((v as { text: unknown }).text).trim();
    if (typeof v === 'object' && 'result' in v) return String((v as { result: unknown }).result ?? '').trim();
    return String(v).trim();
  });
  const body: { row: number; cells: string[] }[] = [];
  for (let r = 2; r <= ws.rowCount; r++) body.push({ row: r, cells: cells(ws.getRow(r)) });
  return readSheet('xlsx', { row: 1, cells: cells(ws.getRow(1)) }, body);
}

export interface WorkflowRecord extends Workflow {
  caseType: CaseType;
  /** 0 while the shipped default is in force. */
  version: number;
}

export type { MajorRecord, CategoryRecord };
