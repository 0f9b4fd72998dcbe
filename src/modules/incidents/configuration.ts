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
import { createWorkCalendar, type TimeLimit } from './rules/calendar.js';
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

const STAGES = ['register', 'dispatch', 'handle', 'verify'] as const;

/** '4h', '0.5h', '3d' → TimeLimit (the spreadsheet form). */
export function parseLimit(text: string): TimeLimit | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([hHdD])\s*$/.exec(text);
  if (!m) return null;
  const amount = Number(m[1]);
  if (!(amount > 0)) return null;
  return { amount, unit: m[2]!.toLowerCase() === 'h' ? 'hours' : 'days' };
}

export function formatLimit(limit: TimeLimit): string {
  return `${limit.amount}${limit.unit === 'hours' ? 'h' : 'd'}`;
}

/** The spreadsheet's columns, in order (export and import share them). */
export const CATEGORY_SHEET_COLUMNS = [
  'major_code', 'major_name', 'major_name_en', 'code', 'name', 'name_en', 'type', 'case_type', 'departments',
  'register', 'dispatch', 'handle', 'verify', 'status',
] as const;

/** The Chinese header of each column: the export writes them, the import reads them or the codes above. */
export const CATEGORY_SHEET_HEADERS: Readonly<Record<(typeof CATEGORY_SHEET_COLUMNS)[number], string>> = {
  major_code: '大类编码', major_name: '大类名称', major_name_en: '大类英文名', code: '小类编码', name: '小类名称', name_en: '小类英文名',
  type: '类型', case_type: '办理类型', departments: '处置部门', register: '立案时限', dispatch: '派遣时限', handle: '处置时限', verify: '核查时限',
  status: '状态',
};

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

  // ---- spreadsheet ----------------------------------------------------------

  async exportCategoriesXlsx(): Promise<Buffer> {
    const { majors, categories } = await this.listCategories();
    const byMajor = new Map(majors.map((m) => [m.code, m]));
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('categories');
    ws.addRow(CATEGORY_SHEET_COLUMNS.map((c) => CATEGORY_SHEET_HEADERS[c]));
    for (const c of categories) {
      const m = byMajor.get(c.majorCode);
      ws.addRow([
        c.majorCode, m?.nameZh ?? '', m?.nameEn ?? '', c.code, c.nameZh, c.nameEn, c.type, c.caseType,
        c.departmentCodes.join(','), ...STAGES.map((s) => formatLimit(c.limits[s])), c.status,
      ]);
    }
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  /**
   * Imports majors and categories from the first sheet (columns as
   * CATEGORY_SHEET_COLUMNS, header row first). All or nothing: any bad row
   * refuses the whole file with the row numbers; re-importing the same file
   * changes nothing (rows equal to the stored ones are skipped).
   */
  async importCategoriesXlsx(actor: AuditActor, file: Buffer, now = Date.now()): Promise<{ created: number; updated: number; unchanged: number; majors: number }> {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(file as unknown as ArrayBuffer);
    } catch {
      throw new AppError(422, 'CATEGORY_IMPORT_UNREADABLE');
    }
    const ws = wb.worksheets[0];
    if (!ws) throw new AppError(422, 'CATEGORY_IMPORT_UNREADABLE');
    const cell = (row: ExcelJS.Row, i: number): string => {
      const v = row.getCell(i + 1).value;
      if (v == null) return '';
      if (typeof v === 'object' && 'text' in v) return String((v as { text: unknown }).text).trim();
      if (typeof v === 'object' && 'result' in v) return String((v as { result: unknown }).result ?? '').trim();
      return String(v).trim();
    };
    const header = CATEGORY_SHEET_COLUMNS.map((_, i) => cell(ws.getRow(1), i).toLowerCase());
    const col = (name: (typeof CATEGORY_SHEET_COLUMNS)[number]) => {
      const i = header.indexOf(name);
      return i >= 0 ? i : header.indexOf(CATEGORY_SHEET_HEADERS[name]);
    };
    const missing = CATEGORY_SHEET_COLUMNS.filter((c) => c !== 'status' && col(c) < 0);
    if (missing.length > 0) throw new AppError(422, 'CATEGORY_IMPORT_INVALID', { errors: [{ row: 1, problems: missing.map((m) => `missing column ${m}`) }] });

    const ref = await this.reference.get();
    const majors = new Map<string, MajorInput>();
    const rows: { row: number; input: CategoryInput }[] = [];
    const errors: { row: number; problems: string[] }[] = [];
    const seen = new Set<string>();
    for (let r = 2; r <= ws.rowCount; r++) {
      const row = ws.getRow(r);
      const get = (name: (typeof CATEGORY_SHEET_COLUMNS)[number]) => (col(name) < 0 ? '' : cell(row, col(name)));
      if (CATEGORY_SHEET_COLUMNS.every((c) => get(c) === '')) continue;
      const problems: string[] = [];
      const majorCode = get('major_code').padStart(2, '0');
      const code = get('code').padStart(4, '0');
      if (!/^\d{2}$/.test(majorCode)) problems.push('major_code');
      if (!/^\d{4}$/.test(code) || !code.startsWith(majorCode)) problems.push('code');
      if (seen.has(code)) problems.push('code repeated');
      seen.add(code);
      const type = get('type') as CategoryType;
      if (type !== 'component' && type !== 'event') problems.push('type');
      const caseType = get('case_type') as CaseType;
      if (!['immediate', 'committed', 'coordinated'].includes(caseType)) problems.push('case_type');
      const departmentCodes = get('departments').split(/[,，\s]+/).filter(Boolean);
      for (const d of departmentCodes) if (!ref.departments.has(d)) problems.push(`unknown department ${d}`);
      const limits = {} as Record<(typeof STAGES)[number], TimeLimit>;
      for (const s of STAGES) {
        const l = parseLimit(get(s));
        if (!l) problems.push(s);
        else limits[s] = l;
      }
      const status = (get('status') || 'active') as 'active' | 'retired';
      if (status !== 'active' && status !== 'retired') problems.push('status');
      if (!get('name') || !get('name_en')) problems.push('name');
      if (problems.length > 0) {
        errors.push({ row: r, problems });
        continue;
      }
      if (get('major_name')) majors.set(majorCode, { code: majorCode, nameZh: get('major_name'), nameEn: get('major_name_en') || get('major_name') });
      else if (!ref.majors.some((m) => m.code === majorCode)) errors.push({ row: r, problems: ['major_name'] });
      rows.push({ row: r, input: { code, majorCode, nameZh: get('name'), nameEn: get('name_en'), type, caseType, departmentCodes, limits, status } });
    }
    if (errors.length > 0) throw new AppError(422, 'CATEGORY_IMPORT_INVALID', { errors: errors.slice(0, 100) });

    const result = await this.db.transaction(async (tx) => {
      // Counted per attempt: the transaction may run this callback more than once.
      let created = 0;
      let updated = 0;
      let unchanged = 0;
      let majorCount = 0;
      for (const m of majors.values()) {
        const old = ref.majors.find((x) => x.code === m.code);
        if (old && old.nameZh === m.nameZh && old.nameEn === m.nameEn) continue;
        majorCount++;
        if (old) await tx.updateTable('incident_category_majors').set({ name: m.nameZh, name_en: m.nameEn, updated_at: now }).where('code', '=', m.code).execute();
        else await tx.insertInto('incident_category_majors').values({ code: m.code, name: m.nameZh, name_en: m.nameEn, sort: Number(m.code), status: 'active', created_at: now, updated_at: now }).execute();
      }
      for (const { input } of rows) {
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
      await appendAudit(tx, actor, { action: 'incident_category.import', objectType: 'incident_category', details: { created, updated, unchanged, majors: majorCount } }, now);
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

export interface WorkflowRecord extends Workflow {
  caseType: CaseType;
  /** 0 while the shipped default is in force. */
  version: number;
}

export type { MajorRecord, CategoryRecord };
