import type { FieldCipher } from '../../../infra/crypto/field-cipher.js';
import { isIsoDate } from '../rules/dates.js';
import { parseIdNumber } from '../rules/id-number.js';
import { parsePhone } from '../rules/phone.js';
import { pinyinInitials } from '../rules/pinyin.js';
import { parseTags, POPULATION_LABELS, RELATION_LABELS } from '../rules/tags.js';

/**
 * The resident file shape, shared by import and export: one field per
 * column. The header of the export is the first label, so an exported file
 * imports back with the suggested mapping unchanged.
 */
export const RESIDENT_FIELDS = [
  { key: 'name', labels: ['姓名', 'name', '名字'], required: true },
  { key: 'idNumber', labels: ['身份证号', 'idNumber', '身份证号码', '公民身份号码', '证件号码'], required: true },
  { key: 'phone', labels: ['手机号', 'phone', '联系电话', '电话', '手机'], required: false },
  { key: 'gridCode', labels: ['网格编码', 'gridCode', '所属网格', '网格码'], required: true },
  { key: 'population', labels: ['人口类型', 'population', '户籍类型', '户籍/流动'], required: false },
  { key: 'ethnicity', labels: ['民族', 'ethnicity'], required: false },
  { key: 'education', labels: ['文化程度', 'education', '学历'], required: false },
  { key: 'workplace', labels: ['工作单位', 'workplace', '服务处所'], required: false },
  { key: 'tags', labels: ['特殊人群', 'tags', '标签', '人员标签'], required: false },
  { key: 'householdNo', labels: ['户号', 'householdNo'], required: false },
  { key: 'relation', labels: ['与户主关系', 'relation'], required: false },
  { key: 'building', labels: ['楼栋', 'building', '楼栋名称'], required: false },
  { key: 'buildingAddress', labels: ['楼栋地址', 'buildingAddress', '地址'], required: false },
  { key: 'roomNo', labels: ['房号', 'roomNo', '门牌号', '房间号'], required: false },
  { key: 'dwellingRelation', labels: ['人房关系', 'dwellingRelation', '居住关系'], required: false },
  { key: 'moveInDate', labels: ['入住日期', 'moveInDate', '迁入日期'], required: false },
] as const;

export type ResidentFieldKey = (typeof RESIDENT_FIELDS)[number]['key'];
export const FIELD_KEYS: readonly ResidentFieldKey[] = RESIDENT_FIELDS.map((f) => f.key);
/** Field → source column header. */
export type ColumnMapping = Partial<Record<ResidentFieldKey, string>>;

function canon(s: string): string {
  return s.normalize('NFKC').replace(/[\s_\-（）()*：:]/g, '').toLowerCase();
}

/** Matches headers to fields by label, ignoring case, spaces and punctuation. */
export function suggestMapping(headers: readonly string[]): ColumnMapping {
  const out: ColumnMapping = {};
  const used = new Set<string>();
  for (const f of RESIDENT_FIELDS) {
    const labels = new Set(f.labels.map(canon));
    const h = headers.find((x) => !used.has(x) && labels.has(canon(x)));
    if (h !== undefined) {
      out[f.key] = h;
      used.add(h);
    }
  }
  return out;
}

export function missingRequired(mapping: ColumnMapping): ResidentFieldKey[] {
  return RESIDENT_FIELDS.filter((f) => f.required && !mapping[f.key]).map((f) => f.key);
}

/** Column index of each field in the source header row (-1 when unmapped). */
export function columnIndexes(headers: readonly string[], mapping: ColumnMapping): number[] {
  return FIELD_KEYS.map((k) => (mapping[k] === undefined ? -1 : headers.indexOf(mapping[k])));
}

export interface RowError {
  rowNo: number;
  code: string;
  message: string;
}

/** A row ready to write: personal data already encrypted. */
export interface PreparedRow {
  rowNo: number;
  gridCode: string;
  name: string;
  initials: string;
  idCipher: string;
  idBidx: string;
  birthDate: string;
  sex: 'male' | 'female';
  phoneCipher: string | null;
  phoneBidx: string | null;
  population: 'registered' | 'floating';
  ethnicity: string | null;
  education: string | null;
  workplace: string | null;
  tags: string[];
  householdNo: string | null;
  relation: string | null;
  building: string | null;
  buildingAddress: string | null;
  roomNo: string | null;
  dwellingRelation: 'owner' | 'tenant' | 'occupant';
  moveInDate: string | null;
}

export type PrepareResult = { ok: true; row: PreparedRow } | { ok: false; errors: RowError[] };

const MESSAGES: Record<string, string> = {
  NAME_REQUIRED: '姓名不能为空 / name is required',
  ID_LENGTH: '身份证号应为 18 位 / ID number must have 18 characters',
  ID_CHARS: '身份证号含非法字符 / ID number has invalid characters',
  ID_REGION: '身份证号地区码不正确 / invalid region code in ID number',
  ID_BIRTH_DATE: '身份证号出生日期不存在 / impossible birth date in ID number',
  ID_CHECKSUM: '身份证号校验位错误 / ID number check character is wrong',
  PHONE_INVALID: '电话号码格式不正确 / invalid phone number',
  GRID_UNKNOWN: '网格编码不存在或不是单元网格 / unknown unit grid',
  GRID_OUT_OF_SCOPE: '网格不在导入人的管理范围内 / grid outside the importer scope',
  POPULATION_INVALID: '人口类型应为 户籍 或 流动 / population must be 户籍 or 流动',
  TAG_UNKNOWN: '未知的特殊人群标签 / unknown tag',
  RELATION_INVALID: '人房关系应为 产权人、租户 或 居住 / dwelling relation must be owner, tenant or occupant',
  DATE_INVALID: '入住日期不存在或格式不正确（YYYY-MM-DD）/ impossible or malformed move-in date',
  DATE_BEFORE_BIRTH: '入住日期早于出生日期 / move-in date before birth',
  DATE_IN_FUTURE: '入住日期晚于今天 / move-in date in the future',
  ROOM_WITHOUT_BUILDING: '有房号但缺少楼栋 / room number without a building',
  DUPLICATE_IN_FILE: '同一身份证号在文件中重复出现 / the same ID number appears earlier in the file',
  EXISTS_OUT_OF_SCOPE: '该居民已在导入人管理范围外登记 / the resident is registered outside the importer scope',
};

export function errorMessage(code: string, detail = ''): string {
  return (MESSAGES[code] ?? code) + (detail ? ` (${detail})` : '');
}

/** What a row check needs besides the row: cipher, the date, valid grids. */
export interface PrepareContext {
  cipher: FieldCipher;
  today: string;
  /** Unit grid codes that exist. */
  grids: ReadonlySet<string>;
  /** Grid code prefixes the importer may write to; null = everywhere (CLI). */
  scopePrefixes: readonly string[] | null;
}

const initialsCache = new Map<string, string>();
/** pinyin-pro takes ~20 µs a name; names repeat a lot in a district. */
function initialsOf(name: string): string {
  let v = initialsCache.get(name);
  if (v === undefined) {
    v = pinyinInitials(name);
    if (initialsCache.size > 500_000) initialsCache.clear();
    initialsCache.set(name, v);
  }
  return v;
}

function cell(values: readonly string[], i: number): string {
  return (values[i] ?? '').trim();
}

/**
 * Validates one row (values in FIELD_KEYS order) and, when it is good,
 * encrypts and indexes it. All errors of a row are reported, not just the
 * first. Pure apart from the cipher's random IVs, so it runs in workers.
 */
export function prepareRow(rowNo: number, values: readonly string[], ctx: PrepareContext): PrepareResult {
  const errors: RowError[] = [];
  const err = (code: string, detail = '') => errors.push({ rowNo, code, message: errorMessage(code, detail) });
  const v = (k: ResidentFieldKey) => cell(values, FIELD_KEYS.indexOf(k));
  const name = v('name');
  if (name === '') err('NAME_REQUIRED');
  const id = parseIdNumber(v('idNumber'), ctx.today);
  if (!id.ok) err(id.code);
  const phoneRaw = v('phone');
  const phone = phoneRaw === '' ? null : parsePhone(phoneRaw);
  if (phone && !phone.ok) err('PHONE_INVALID');
  const gridCode = v('gridCode');
  if (!ctx.grids.has(gridCode)) err('GRID_UNKNOWN', gridCode);
  else if (ctx.scopePrefixes && !ctx.scopePrefixes.some((p) => gridCode.startsWith(p))) err('GRID_OUT_OF_SCOPE', gridCode);
  const popRaw = v('population');
  const population = popRaw === '' ? 'registered' : POPULATION_LABELS[popRaw];
  if (!population) err('POPULATION_INVALID', popRaw);
  const tags = parseTags(v('tags'));
  if (tags.unknown.length > 0) err('TAG_UNKNOWN', tags.unknown.join('、'));
  const relRaw = v('dwellingRelation');
  const dwellingRelation = relRaw === '' ? 'occupant' : RELATION_LABELS[relRaw];
  if (!dwellingRelation) err('RELATION_INVALID', relRaw);
  const moveIn = v('moveInDate').replace(/\//g, '-');
  if (moveIn !== '') {
    if (!isIsoDate(moveIn)) err('DATE_INVALID', moveIn);
    else if (moveIn > ctx.today) err('DATE_IN_FUTURE', moveIn);
    else if (id.ok && moveIn < id.birthDate) err('DATE_BEFORE_BIRTH', moveIn);
  }
  const building = v('building');
  const roomNo = v('roomNo');
  if (roomNo !== '' && building === '') err('ROOM_WITHOUT_BUILDING');
  if (errors.length > 0 || !id.ok || (phone && !phone.ok)) return { ok: false, errors };
  const opt = (s: string) => (s === '' ? null : s);
  return {
    ok: true,
    row: {
      rowNo,
      gridCode,
      name,
      initials: initialsOf(name),
      idCipher: ctx.cipher.encrypt(id.value),
      idBidx: ctx.cipher.blindIndex(id.value),
      birthDate: id.birthDate,
      sex: id.sex,
      phoneCipher: phone ? ctx.cipher.encrypt(phone.value) : null,
      phoneBidx: phone ? ctx.cipher.blindIndex(phone.value) : null,
      population: population!,
      ethnicity: opt(v('ethnicity')),
      education: opt(v('education')),
      workplace: opt(v('workplace')),
      tags: tags.tags,
      householdNo: opt(v('householdNo')),
      relation: opt(v('relation')),
      building: opt(building),
      buildingAddress: opt(v('buildingAddress')),
      roomNo: opt(roomNo),
      dwellingRelation: dwellingRelation!,
      moveInDate: opt(moveIn),
    },
  };
}
