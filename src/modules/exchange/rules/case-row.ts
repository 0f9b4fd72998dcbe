/**
 * One record of an exchange file checked and normalized before anything is
 * written (docs/exchange.md, "Importing cases"). Pure: what needs our data
 * (categories, departments, grids, scope) is checked by the service.
 */
import { INCIDENT_CHANNELS } from '../../incidents/service.js';
import type { IncidentChannel } from '../../incidents/tables.js';

export interface CaseRow {
  /** The case's code in the source system. */
  code: string;
  /** open: enters our intake; closed: kept as history with its own times. */
  kind: 'intake' | 'history';
  description: string;
  address: string | null;
  lng: number | null;
  lat: number | null;
  gridCode: string | null;
  minorCode: string | null;
  majorCode: string | null;
  caseType: 'component' | 'event' | null;
  /** The source's channel when it is one of ours (history keeps it), otherwise null. */
  channel: IncidentChannel | null;
  leadDepartmentCode: string | null;
  reportedAt: number;
  registeredAt: number | null;
  dispatchedAt: number | null;
  repliedAt: number | null;
  verifiedAt: number | null;
  closedAt: number | null;
}

export type CaseField = keyof CaseRow | 'outcome';

export interface CaseRowProblem {
  field: CaseField;
  code: string;
}

export type CaseRowResult = { ok: true; value: CaseRow } | { ok: false; problems: CaseRowProblem[] };

/** Codes as systems write them: letters, digits, dot, dash, underscore, colon. */
const CODE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const TIME_FIELDS = ['reportedAt', 'registeredAt', 'dispatchedAt', 'repliedAt', 'verifiedAt', 'closedAt'] as const;
type TimeField = (typeof TIME_FIELDS)[number];

function text(v: unknown): string {
  if (v == null) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

/** An ISO 8601 instant with its zone (how the export writes times), or epoch milliseconds. */
export function parseInstant(v: unknown): number | null | undefined {
  if (v == null || text(v) === '') return null;
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v : undefined;
  const s = text(v);
  if (/^\d{12,14}$/.test(s)) return Number(s);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

function coordinate(v: unknown, min: number, max: number): number | null | undefined {
  if (v == null || text(v) === '') return null;
  const n = typeof v === 'number' ? v : Number(text(v));
  if (!Number.isFinite(n) || n < min || n > max) return undefined;
  return n;
}

/** Checks one raw record; every problem of the record is reported, not only the first. */
export function parseCaseRow(raw: Record<string, unknown>, options: { now: number }): CaseRowResult {
  const problems: CaseRowProblem[] = [];
  const code = text(raw.code);
  if (code === '') problems.push({ field: 'code', code: 'EXCHANGE_CODE_MISSING' });
  else if (!CODE.test(code)) problems.push({ field: 'code', code: 'EXCHANGE_CODE_INVALID' });

  const outcome = text(raw.outcome);
  let kind: CaseRow['kind'] | null = null;
  if (outcome === 'open' || outcome === 'deferred') kind = 'intake';
  else if (outcome === 'closed') kind = 'history';
  // Refused (不予立案) and merged cases carry no decision time and no loop to count: they stay with their source.
  else if (outcome === 'rejected' || outcome === 'merged') problems.push({ field: 'outcome', code: 'EXCHANGE_OUTCOME_NOT_IMPORTED' });
  else problems.push({ field: 'outcome', code: 'EXCHANGE_OUTCOME_INVALID' });

  const description = text(raw.description);
  if (description === '') problems.push({ field: 'description', code: 'EXCHANGE_DESCRIPTION_MISSING' });
  else if (description.length > 4000) problems.push({ field: 'description', code: 'EXCHANGE_TEXT_TOO_LONG' });
  const address = text(raw.address) || null;
  if (address !== null && address.length > 500) problems.push({ field: 'address', code: 'EXCHANGE_TEXT_TOO_LONG' });

  const lng = coordinate(raw.lng, -180, 180);
  const lat = coordinate(raw.lat, -90, 90);
  if (lng === undefined) problems.push({ field: 'lng', code: 'EXCHANGE_POSITION_INVALID' });
  if (lat === undefined) problems.push({ field: 'lat', code: 'EXCHANGE_POSITION_INVALID' });
  if (lng !== undefined && lat !== undefined && (lng === null) !== (lat === null)) problems.push({ field: lng === null ? 'lng' : 'lat', code: 'EXCHANGE_POSITION_INVALID' });
  const gridCode = text(raw.gridCode) || null;
  if (gridCode !== null && !/^\d{15}$/.test(gridCode)) problems.push({ field: 'gridCode', code: 'EXCHANGE_GRID_INVALID' });
  if (lng === null && lat === null && gridCode === null) problems.push({ field: 'gridCode', code: 'EXCHANGE_LOCATION_MISSING' });

  const minorCode = text(raw.minorCode) || null;
  if (minorCode !== null && !/^\d{4}$/.test(minorCode)) problems.push({ field: 'minorCode', code: 'EXCHANGE_CATEGORY_UNKNOWN' });
  const majorCode = text(raw.majorCode) || null;
  if (majorCode !== null && minorCode !== null && !minorCode.startsWith(majorCode)) problems.push({ field: 'majorCode', code: 'EXCHANGE_CATEGORY_MISMATCH' });
  const caseTypeText = text(raw.caseType) || null;
  const caseType = caseTypeText === 'component' || caseTypeText === 'event' ? caseTypeText : null;
  if (caseTypeText !== null && caseType === null) problems.push({ field: 'caseType', code: 'EXCHANGE_CATEGORY_MISMATCH' });
  const channelText = text(raw.channel);
  const channel = (INCIDENT_CHANNELS as readonly string[]).includes(channelText) ? (channelText as IncidentChannel) : null;
  const leadDepartmentCode = text(raw.leadDepartmentCode) || null;

  const times = {} as Record<TimeField, number | null>;
  for (const f of TIME_FIELDS) {
    const t = parseInstant(raw[f]);
    // A day of slack for clocks; a time in the future is a typo.
    if (t === undefined || (t !== null && (t > options.now + 86_400_000 || t < Date.UTC(2000, 0, 1)))) {
      problems.push({ field: f, code: 'EXCHANGE_TIME_INVALID' });
      times[f] = null;
    } else times[f] = t;
  }
  if (raw.reportedAt == null || text(raw.reportedAt) === '') problems.push({ field: 'reportedAt', code: 'EXCHANGE_TIME_MISSING' });

  if (kind === 'history') {
    // A closed case is kept with its loop: registered (or self-resolved), and, when a department handled it, dispatched and replied.
    if (minorCode === null) problems.push({ field: 'minorCode', code: 'EXCHANGE_CATEGORY_MISSING' });
    for (const f of ['registeredAt', 'closedAt'] as const) if (raw[f] == null || text(raw[f]) === '') problems.push({ field: f, code: 'EXCHANGE_TIME_MISSING' });
    if (times.dispatchedAt !== null) {
      if (leadDepartmentCode === null) problems.push({ field: 'leadDepartmentCode', code: 'EXCHANGE_DEPARTMENT_MISSING' });
      if (raw.repliedAt == null || text(raw.repliedAt) === '') problems.push({ field: 'repliedAt', code: 'EXCHANGE_TIME_MISSING' });
    }
    let last = -Infinity;
    for (const f of TIME_FIELDS) {
      const t = times[f];
      if (t === null) continue;
      if (t < last) problems.push({ field: f, code: 'EXCHANGE_TIMES_OUT_OF_ORDER' });
      else last = t;
    }
  }

  if (problems.length > 0 || kind === null) return { ok: false, problems };
  return {
    ok: true,
    value: {
      code, kind, description, address, lng: lng ?? null, lat: lat ?? null, gridCode, minorCode, majorCode, caseType, channel,
      leadDepartmentCode: kind === 'history' && times.dispatchedAt !== null ? leadDepartmentCode : null,
      reportedAt: times.reportedAt!, registeredAt: times.registeredAt, dispatchedAt: times.dispatchedAt, repliedAt: times.repliedAt,
      verifiedAt: times.verifiedAt, closedAt: times.closedAt,
    },
  };
}
