import { parsePhone } from '../../basedata/rules/phone.js';

/**
 * One unsatisfied hotline order as the hotline system exports it (an XLSX
 * row or an API item), checked and normalized before anything is stored.
 */
export interface OrderRow {
  orderNo: string;
  receivedAt: number;
  callerName: string | null;
  /** Normalized digits (basedata/rules/phone.ts). */
  callerPhone: string | null;
  address: string;
  lng: number | null;
  lat: number | null;
  content: string;
  originalVerdict: string;
}

export interface RowProblem {
  field: keyof OrderRow;
  code: string;
}

export type RowResult = { ok: true; value: OrderRow } | { ok: false; problems: RowProblem[] };

const SHANGHAI_MS = 8 * 3_600_000;
/** Order numbers as hotline systems write them: letters, digits, dash, underscore, dot. */
const ORDER_NO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
const LOCAL_TIME = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

function text(v: unknown): string {
  if (v == null) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  return '';
}

/**
 * An instant: epoch ms, an ISO string with its zone, or a wall-clock time
 * 'YYYY-MM-DD HH:mm[:ss]' read as Asia/Shanghai (how hotline exports write
 * it). A spreadsheet date cell arrives as a Date holding the wall clock in UTC.
 */
export function parseReceived(v: unknown, wallClockDate = false): number | null {
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) return null;
    return wallClockDate ? ms - SHANGHAI_MS : ms;
  }
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v : null;
  const s = text(v);
  const local = LOCAL_TIME.exec(s);
  if (local) {
    const [y, mo, d, h, mi, se] = local.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number, number, number];
    const ms = Date.UTC(y, mo - 1, d, h, mi, se);
    const check = new Date(ms);
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return null;
    return ms - SHANGHAI_MS;
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function coordinate(v: unknown, min: number, max: number): number | null | undefined {
  if (v == null || text(v) === '') return null;
  const n = typeof v === 'number' ? v : Number(text(v));
  if (!Number.isFinite(n) || n < min || n > max) return undefined;
  return n;
}

/** Checks one raw row; every problem of the row is reported, not only the first. */
export function parseOrderRow(raw: Partial<Record<keyof OrderRow, unknown>>, options: { now: number; wallClockDates?: boolean }): RowResult {
  const problems: RowProblem[] = [];
  const orderNo = text(raw.orderNo);
  if (orderNo === '') problems.push({ field: 'orderNo', code: 'HOTLINE_ORDER_NO_MISSING' });
  else if (!ORDER_NO.test(orderNo)) problems.push({ field: 'orderNo', code: 'HOTLINE_ORDER_NO_INVALID' });
  const receivedAt = parseReceived(raw.receivedAt, options.wallClockDates ?? false);
  // A day of slack for clocks; an order received in the future is a typo.
  if (receivedAt === null || receivedAt > options.now + 86_400_000 || receivedAt < Date.UTC(2000, 0, 1)) problems.push({ field: 'receivedAt', code: 'HOTLINE_RECEIVED_INVALID' });
  const callerName = text(raw.callerName).slice(0, 40) || null;
  let callerPhone: string | null = null;
  const phoneText = text(raw.callerPhone);
  if (phoneText !== '') {
    const p = parsePhone(phoneText);
    if (p.ok) callerPhone = p.value;
    else problems.push({ field: 'callerPhone', code: 'PHONE_INVALID' });
  }
  const address = text(raw.address);
  if (address === '') problems.push({ field: 'address', code: 'HOTLINE_ADDRESS_MISSING' });
  else if (address.length > 300) problems.push({ field: 'address', code: 'HOTLINE_TEXT_TOO_LONG' });
  const lng = coordinate(raw.lng, -180, 180);
  const lat = coordinate(raw.lat, -90, 90);
  if (lng === undefined) problems.push({ field: 'lng', code: 'HOTLINE_POSITION_INVALID' });
  if (lat === undefined) problems.push({ field: 'lat', code: 'HOTLINE_POSITION_INVALID' });
  if ((lng === null) !== (lat === null) && lng !== undefined && lat !== undefined) problems.push({ field: lng === null ? 'lng' : 'lat', code: 'HOTLINE_POSITION_INVALID' });
  const content = text(raw.content);
  if (content === '') problems.push({ field: 'content', code: 'HOTLINE_CONTENT_MISSING' });
  else if (content.length > 4000) problems.push({ field: 'content', code: 'HOTLINE_TEXT_TOO_LONG' });
  const originalVerdict = text(raw.originalVerdict).slice(0, 40) || '不满意';
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: { orderNo, receivedAt: receivedAt!, callerName, callerPhone, address, lng: lng ?? null, lat: lat ?? null, content, originalVerdict },
  };
}
