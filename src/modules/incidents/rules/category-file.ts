/**
 * The categories exchange file in its three forms (docs/exchange.md): the
 * XLSX workbook, JSON `civicgrid.categories/1` and CSV with `field/中文名`
 * headers. Each reader turns its file into the same raw records (the
 * workbook's text cells); `checkCategoryFile` is the one set of rules every
 * form goes through. Pure: the workbook's cells are read by the caller.
 */
import { csvHeaderFields, parseCsv, undefused, writeCsv } from '../../../infra/csv.js';
import type { CaseType, CategoryType, StageLimits } from '../data/categories.js';
import type { TimeLimit } from './calendar.js';

export const CATEGORIES_SCHEMA = 'civicgrid.categories/1';
export type CategoryFileFormat = 'xlsx' | 'json' | 'csv';
export const CATEGORY_FILE_FORMATS = ['xlsx', 'json', 'csv'] as const satisfies readonly CategoryFileFormat[];

export const STAGES = ['register', 'dispatch', 'handle', 'verify'] as const;

/** The workbook's and the CSV's columns, in order (export and import share them). */
export const CATEGORY_SHEET_COLUMNS = [
  'major_code', 'major_name', 'major_name_en', 'code', 'name', 'name_en', 'type', 'case_type', 'departments',
  'register', 'dispatch', 'handle', 'verify', 'status',
] as const;
export type SheetColumn = (typeof CATEGORY_SHEET_COLUMNS)[number];

/** The Chinese header of each column: the export writes them, the import reads them or the codes above. */
export const CATEGORY_SHEET_HEADERS: Readonly<Record<SheetColumn, string>> = {
  major_code: '大类编码', major_name: '大类名称', major_name_en: '大类英文名', code: '小类编码', name: '小类名称', name_en: '小类英文名',
  type: '类型', case_type: '办理类型', departments: '处置部门', register: '立案时限', dispatch: '派遣时限', handle: '处置时限', verify: '核查时限',
  status: '状态',
};

/** The database's column sizes (incident_category_majors, incident_categories). */
const NAME_MAX = 100;
const NAME_EN_MAX = 150;

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

export interface FileMajor {
  code: string;
  nameZh: string;
  nameEn: string;
  sort: number;
  status: 'active' | 'retired';
}

export interface FileCategory {
  code: string;
  majorCode: string;
  nameZh: string;
  nameEn: string;
  type: CategoryType;
  caseType: CaseType;
  departmentCodes: readonly string[];
  limits: StageLimits;
  status: 'active' | 'retired';
}

/** One minor category as read, as the workbook's text cells; `problems` are what the reader already found wrong with its shape. */
export interface RawCategoryRow {
  row: number;
  values: Partial<Record<SheetColumn, string>>;
  problems?: string[];
}

/** One major of the JSON file's `majors` list (the workbook and the CSV carry majors on their minors' rows). */
export interface RawMajor {
  row: number;
  values: { code: string; name: string; name_en: string; sort: string; status: string };
}

export interface CategoryFile {
  format: CategoryFileFormat;
  majors: RawMajor[];
  rows: RawCategoryRow[];
}

/** A refused record: its row (sheet row or CSV line, header = 1; the JSON item's 1-based position with its list) and what is wrong, by column name. */
export interface CategoryFileError {
  row: number;
  list?: 'majors' | 'categories';
  problems: string[];
}

export type CategoryFileRead = { ok: true; file: CategoryFile } | { ok: false; code: string; details: Record<string, unknown> };

// ---- writing ----------------------------------------------------------------

/** The records of one minor per row with its major's code and names, as the workbook and the CSV carry them. */
export function sheetRows(majors: readonly FileMajor[], categories: readonly FileCategory[]): Record<SheetColumn, string>[] {
  const byMajor = new Map(majors.map((m) => [m.code, m]));
  return categories.map((c) => {
    const m = byMajor.get(c.majorCode);
    return {
      major_code: c.majorCode, major_name: m?.nameZh ?? '', major_name_en: m?.nameEn ?? '', code: c.code, name: c.nameZh, name_en: c.nameEn,
      type: c.type, case_type: c.caseType, departments: c.departmentCodes.join(','),
      register: formatLimit(c.limits.register), dispatch: formatLimit(c.limits.dispatch), handle: formatLimit(c.limits.handle), verify: formatLimit(c.limits.verify),
      status: c.status,
    };
  });
}

export const CATEGORY_CSV_COLUMNS: readonly (readonly [SheetColumn, string])[] = CATEGORY_SHEET_COLUMNS.map((c) => [c, CATEGORY_SHEET_HEADERS[c]] as const);

export function categoriesToCsv(majors: readonly FileMajor[], categories: readonly FileCategory[]): string {
  return writeCsv(CATEGORY_CSV_COLUMNS, sheetRows(majors, categories));
}

export function categoriesToJson(majors: readonly FileMajor[], categories: readonly FileCategory[]): { schema: string; majors: FileMajor[]; categories: FileCategory[] } {
  return {
    schema: CATEGORIES_SCHEMA,
    majors: majors.map((m) => ({ code: m.code, nameZh: m.nameZh, nameEn: m.nameEn, sort: m.sort, status: m.status })),
    categories: categories.map((c) => ({
      code: c.code, majorCode: c.majorCode, nameZh: c.nameZh, nameEn: c.nameEn, type: c.type, caseType: c.caseType,
      departmentCodes: [...c.departmentCodes],
      limits: { register: { ...c.limits.register }, dispatch: { ...c.limits.dispatch }, handle: { ...c.limits.handle }, verify: { ...c.limits.verify } },
      status: c.status,
    })),
  };
}

// ---- reading ----------------------------------------------------------------

/** The workbook's or the CSV's header row → the column of each cell (codes, Chinese names, or `code/中文名`; null for others). */
const COLUMN_OF_HEADER = csvHeaderFields(CATEGORY_CSV_COLUMNS) as Map<string, SheetColumn>;

/** Reads the table of the workbook or the CSV: header row first (its row number given), then one minor per row. */
export function readSheet(format: 'xlsx' | 'csv', header: { row: number; cells: string[] }, body: { row: number; cells: string[] }[]): CategoryFileRead {
  const columns = header.cells.map((h) => COLUMN_OF_HEADER.get(h.trim()) ?? COLUMN_OF_HEADER.get(h.trim().toLowerCase()) ?? null);
  // Status may be left out (active); every other column is needed.
  const missing = CATEGORY_SHEET_COLUMNS.filter((c) => c !== 'status' && !columns.includes(c));
  if (missing.length > 0) return { ok: false, code: 'CATEGORY_IMPORT_INVALID', details: { errors: [{ row: header.row, problems: missing.map((m) => `missing column ${m}`) }] } };
  const rows: RawCategoryRow[] = [];
  for (const line of body) {
    const values: Partial<Record<SheetColumn, string>> = {};
    columns.forEach((c, i) => {
      const cell = (line.cells[i] ?? '').trim();
      // Only the CSV writer defuses formula starts; a workbook's cell is what it says.
      if (c !== null) values[c] = format === 'csv' ? undefused(cell) : cell;
    });
    if (CATEGORY_SHEET_COLUMNS.every((c) => !values[c])) continue;
    rows.push({ row: line.row, values });
  }
  return { ok: true, file: { format, majors: [], rows } };
}

/**
 * A CSV file's text: UTF-8 as the export writes it; a file that is not valid
 * UTF-8 is read as GB18030, the encoding Excel on a Chinese Windows saves
 * "CSV" in, so a workbook saved as CSV there imports as it is.
 */
export function csvText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

export function readCategoryCsv(text: string): CategoryFileRead {
  const parsed = parseCsv(text.replace(/^\uFEFF/, ''));
  if (!parsed) return { ok: false, code: 'CATEGORY_IMPORT_UNREADABLE', details: { format: 'csv' } };
  const [header, ...body] = parsed.cells;
  if (!header) return { ok: false, code: 'CATEGORY_IMPORT_UNREADABLE', details: { format: 'csv' } };
  return readSheet('csv', { row: parsed.lines[0]!, cells: header }, body.map((cells, i) => ({ row: parsed.lines[i + 1]!, cells })));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON scalar as the workbook's text: strings trimmed, numbers written out, anything else empty (then the rules name the field). */
function text(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

export function readCategoryJson(body: string): CategoryFileRead {
  let doc: unknown;
  try {
    doc = JSON.parse(body.replace(/^\uFEFF/, ''));
  } catch {
    return { ok: false, code: 'CATEGORY_IMPORT_UNREADABLE', details: { format: 'json' } };
  }
  if (!isRecord(doc) || !Array.isArray(doc.categories) || (doc.majors !== undefined && !Array.isArray(doc.majors))) {
    return { ok: false, code: 'CATEGORY_IMPORT_UNREADABLE', details: { format: 'json' } };
  }
  if (doc.schema !== undefined && doc.schema !== CATEGORIES_SCHEMA) return { ok: false, code: 'CATEGORY_IMPORT_SCHEMA', details: { schema: String(doc.schema) } };
  const majors: RawMajor[] = ((doc.majors ?? []) as unknown[]).map((item, i) => {
    const m = isRecord(item) ? item : {};
    return { row: i + 1, values: { code: text(m.code), name: text(m.nameZh), name_en: text(m.nameEn), sort: m.sort === undefined ? '' : text(m.sort) || 'x', status: text(m.status) } };
  });
  const rows: RawCategoryRow[] = (doc.categories as unknown[]).map((item, i) => {
    const c = isRecord(item) ? item : {};
    const problems: string[] = [];
    let departments = '';
    if (Array.isArray(c.departmentCodes) && c.departmentCodes.every((d) => typeof d === 'string')) departments = (c.departmentCodes as string[]).join(',');
    else if (c.departmentCodes !== undefined) problems.push('departments');
    const limits = isRecord(c.limits) ? c.limits : {};
    const values: Partial<Record<SheetColumn, string>> = {
      major_code: text(c.majorCode), code: text(c.code), name: text(c.nameZh), name_en: text(c.nameEn), type: text(c.type), case_type: text(c.caseType),
      departments, status: text(c.status),
    };
    for (const s of STAGES) {
      const l = limits[s];
      // { amount, unit } as the API writes it; '4h' as the workbook does.
      if (isRecord(l) && typeof l.amount === 'number' && (l.unit === 'hours' || l.unit === 'days')) values[s] = formatLimit({ amount: l.amount, unit: l.unit });
      else values[s] = text(l);
    }
    return { row: i + 1, values, ...(problems.length > 0 ? { problems } : {}) };
  });
  return { ok: true, file: { format: 'json', majors, rows } };
}

// ---- the rules ----------------------------------------------------------------

const digits = (s: string, n: number) => (/^\d+$/.test(s) ? s.padStart(n, '0') : s);

/**
 * Checks every record of the file against the rules of a category (codes:
 * two-digit major, four-digit minor under it; 部件/事件; 即办/承诺/协调;
 * known departments; four positive limits; names within the column sizes)
 * and the file as a whole (a code once; one name per major; a new major
 * named). Answers the majors and categories to apply, or every problem found.
 */
export function checkCategoryFile(
  file: CategoryFile,
  known: { departments: { has(code: string): boolean }; majors: readonly { code: string }[] },
): { ok: true; majors: Map<string, { code: string; nameZh: string; nameEn: string; sort?: number; status?: 'active' | 'retired' }>; categories: FileCategory[] } | { ok: false; errors: CategoryFileError[] } {
  const errors: CategoryFileError[] = [];
  const json = file.format === 'json';
  const majors = new Map<string, { code: string; nameZh: string; nameEn: string; sort?: number; status?: 'active' | 'retired' }>();
  for (const m of file.majors) {
    const problems: string[] = [];
    const code = digits(m.values.code, 2);
    if (!/^\d{2}$/.test(code)) problems.push('major_code');
    else if (majors.has(code)) problems.push('code repeated');
    const nameEn = m.values.name_en || m.values.name;
    if (!m.values.name || m.values.name.length > NAME_MAX || nameEn.length > NAME_EN_MAX) problems.push('major_name');
    const sort = m.values.sort === '' ? undefined : Number(m.values.sort);
    if (sort !== undefined && !Number.isSafeInteger(sort)) problems.push('major_sort');
    const status = m.values.status === '' ? undefined : m.values.status;
    if (status !== undefined && status !== 'active' && status !== 'retired') problems.push('major_status');
    if (problems.length > 0) errors.push({ row: m.row, list: 'majors', problems });
    else majors.set(code, { code, nameZh: m.values.name, nameEn, ...(sort !== undefined ? { sort } : {}), ...(status !== undefined ? { status: status as 'active' | 'retired' } : {}) });
  }
  const listed = new Set(majors.keys());
  const categories: FileCategory[] = [];
  const seen = new Set<string>();
  for (const r of file.rows) {
    const get = (c: SheetColumn) => r.values[c] ?? '';
    const problems = [...(r.problems ?? [])];
    const majorCode = digits(get('major_code'), 2);
    const code = digits(get('code'), 4);
    if (!/^\d{2}$/.test(majorCode)) problems.push('major_code');
    if (!/^\d{4}$/.test(code) || !code.startsWith(majorCode)) problems.push('code');
    if (seen.has(code)) problems.push('code repeated');
    seen.add(code);
    const type = get('type') as CategoryType;
    if (type !== 'component' && type !== 'event') problems.push('type');
    const caseType = get('case_type') as CaseType;
    if (caseType !== 'immediate' && caseType !== 'committed' && caseType !== 'coordinated') problems.push('case_type');
    const departmentCodes = get('departments').split(/[,，\s]+/).filter(Boolean);
    for (const d of departmentCodes) if (!known.departments.has(d)) problems.push(`unknown department ${d}`);
    if (new Set(departmentCodes).size !== departmentCodes.length) problems.push('departments');
    const limits = {} as Record<(typeof STAGES)[number], TimeLimit>;
    for (const s of STAGES) {
      const l = parseLimit(get(s));
      if (!l) problems.push(s);
      else limits[s] = l;
    }
    const status = (get('status') || 'active') as 'active' | 'retired';
    if (status !== 'active' && status !== 'retired') problems.push('status');
    if (!get('name') || !get('name_en') || get('name').length > NAME_MAX || get('name_en').length > NAME_EN_MAX) problems.push('name');
    // The major: from the JSON file's list, else named on the row (every row of a major naming it alike), else one we have.
    const majorName = get('major_name');
    if (/^\d{2}$/.test(majorCode) && !listed.has(majorCode)) {
      if (majorName) {
        const major = { code: majorCode, nameZh: majorName, nameEn: get('major_name_en') || majorName };
        const before = majors.get(majorCode);
        if (major.nameZh.length > NAME_MAX || major.nameEn.length > NAME_EN_MAX || (before && (before.nameZh !== major.nameZh || before.nameEn !== major.nameEn))) {
          problems.push('major_name');
        } else majors.set(majorCode, major);
      } else if (!majors.has(majorCode) && !known.majors.some((m) => m.code === majorCode)) problems.push('major_name');
    }
    if (problems.length > 0) {
      errors.push({ row: r.row, ...(json ? { list: 'categories' as const } : {}), problems: [...new Set(problems)] });
      continue;
    }
    categories.push({ code, majorCode, nameZh: get('name'), nameEn: get('name_en'), type, caseType, departmentCodes, limits, status });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, majors, categories };
}
