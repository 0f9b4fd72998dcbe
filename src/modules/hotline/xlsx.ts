import ExcelJS from 'exceljs';
import { AppError } from '../../infra/http/errors.js';
import type { OrderRow } from './rules/order-row.js';

/** Header names the hotline exports use (Chinese first), per field. */
const HEADERS: Record<keyof OrderRow, string[]> = {
  orderNo: ['工单编号', '工单号', '编号', 'order number', 'orderno'],
  receivedAt: ['受理时间', '来电时间', '登记时间', 'received', 'receivedat'],
  callerName: ['来电人', '诉求人', '姓名', 'caller', 'callername'],
  callerPhone: ['联系电话', '来电号码', '电话', 'phone', 'callerphone'],
  address: ['地址', '事发地址', '诉求地址', 'address'],
  lng: ['经度', 'lng', 'longitude'],
  lat: ['纬度', 'lat', 'latitude'],
  content: ['诉求内容', '工单内容', '内容', 'content'],
  originalVerdict: ['原评价', '回访结果', '满意度', 'verdict', 'originalverdict'],
};
const REQUIRED: (keyof OrderRow)[] = ['orderNo', 'receivedAt', 'address', 'content'];

function cellValue(v: ExcelJS.CellValue): unknown {
  if (v == null) return null;
  if (v instanceof Date || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('text' in v) return String(v.text);
    if ('result' in v) return cellValue(v.result as ExcelJS.CellValue);
  }
  return null;
}

/** The rows of the first sheet, keyed by field through the header row; row numbers are the sheet's. */
export async function readOrderSheet(data: Buffer): Promise<{ row: number; values: Partial<Record<keyof OrderRow, unknown>> }[]> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    throw new AppError(422, 'HOTLINE_XLSX_UNREADABLE');
  }
  const sheet = wb.worksheets[0];
  if (!sheet) throw new AppError(422, 'HOTLINE_XLSX_UNREADABLE');
  const columns = new Map<number, keyof OrderRow>();
  sheet.getRow(1).eachCell((cell, col) => {
    const name = String(cellValue(cell.value) ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
    for (const [field, names] of Object.entries(HEADERS) as [keyof OrderRow, string[]][]) {
      if (names.includes(name) && ![...columns.values()].includes(field)) columns.set(col, field);
    }
  });
  const missing = REQUIRED.filter((f) => ![...columns.values()].includes(f));
  if (missing.length > 0) throw new AppError(422, 'HOTLINE_XLSX_COLUMNS', { missing: missing.map((f) => HEADERS[f][0]).join('、') });
  const out: { row: number; values: Partial<Record<keyof OrderRow, unknown>> }[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, n) => {
    if (n === 1) return;
    const values: Partial<Record<keyof OrderRow, unknown>> = {};
    let any = false;
    for (const [col, field] of columns) {
      const v = cellValue(row.getCell(col).value);
      if (v !== null && v !== '') any = true;
      values[field] = v;
    }
    if (any) out.push({ row: n, values });
  });
  return out;
}
