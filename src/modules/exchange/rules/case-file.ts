/**
 * Reads an exchange file of cases in any of the three forms the export
 * writes (docs/exchange.md): GeoJSON, JSON `civicgrid.case/1`, or CSV with
 * `field/中文名` headers. Pure: the rows come out as raw values, checked by
 * case-row.ts. A file that is none of these answers a file-level problem.
 */
import { csvHeaderFields, parseCsv, undefused } from '../../../infra/csv.js';
import { CSV_COLUMNS } from './formats.js';

export type CaseFileFormat = 'geojson' | 'json' | 'csv';

/** One record as read: `row` is the CSV line (header = 1) or the feature's / item's position (1-based). */
export interface RawCaseRow {
  row: number;
  values: Record<string, unknown>;
}

export type CaseFileResult = { ok: true; format: CaseFileFormat; rows: RawCaseRow[] } | { ok: false; code: string; details?: Record<string, unknown> };

const FIELD_OF_HEADER = csvHeaderFields(CSV_COLUMNS);

function fromCsv(text: string): CaseFileResult {
  const parsed = parseCsv(text);
  if (!parsed) return { ok: false, code: 'EXCHANGE_FILE_UNREADABLE', details: { format: 'csv' } };
  const [header, ...body] = parsed.cells;
  if (!header) return { ok: false, code: 'EXCHANGE_IMPORT_EMPTY' };
  const fields = header.map((h) => FIELD_OF_HEADER.get(h.trim()) ?? null);
  const missing = ['code', 'outcome', 'description', 'reportedAt'].filter((f) => !fields.includes(f));
  if (missing.length > 0) return { ok: false, code: 'EXCHANGE_CSV_COLUMNS', details: { missing: missing.join(', ') } };
  const rows = body.map((cells, i) => {
    const values: Record<string, unknown> = {};
    fields.forEach((f, col) => {
      if (f === null) return;
      const v = undefused((cells[col] ?? '').trim());
      values[f] = v === '' ? null : v;
    });
    return { row: parsed.lines[i + 1]!, values };
  });
  return { ok: true, format: 'csv', rows };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fromGeoJson(doc: Record<string, unknown>): CaseFileResult {
  if (!Array.isArray(doc.features)) return { ok: false, code: 'EXCHANGE_FILE_UNREADABLE', details: { format: 'geojson' } };
  const rows = doc.features.map((f: unknown, i) => {
    const feature = isRecord(f) ? f : {};
    const values: Record<string, unknown> = { ...(isRecord(feature.properties) ? feature.properties : {}) };
    if (values.code == null && (typeof feature.id === 'string' || typeof feature.id === 'number')) values.code = feature.id;
    const geometry = feature.geometry;
    if (isRecord(geometry) && geometry.type === 'Point' && Array.isArray(geometry.coordinates)) {
      // RFC 7946: longitude first.
      values.lng = geometry.coordinates[0] ?? null;
      values.lat = geometry.coordinates[1] ?? null;
    } else if (geometry === null || geometry === undefined) {
      values.lng = null;
      values.lat = null;
    } else {
      // Any other geometry is not a case's position: the row check reports it.
      values.lng = 'not a point';
      values.lat = 'not a point';
    }
    return { row: i + 1, values };
  });
  return { ok: true, format: 'geojson', rows };
}

/** Reads the file's text; `format` when the caller knows it, otherwise told from the content. */
export function readCaseFile(text: string, format?: CaseFileFormat): CaseFileResult {
  const body = text.replace(/^\uFEFF/, '');
  const looksJson = /^\s*[{[]/.test(body);
  if (format === 'csv' || (format === undefined && !looksJson)) {
    if (body.trim() === '') return { ok: false, code: 'EXCHANGE_IMPORT_EMPTY' };
    return fromCsv(body);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { ok: false, code: 'EXCHANGE_FILE_UNREADABLE', details: { format: format ?? 'json' } };
  }
  if (isRecord(doc) && doc.type === 'FeatureCollection' && format !== 'json') return fromGeoJson(doc);
  if (isRecord(doc) && Array.isArray(doc.cases) && format !== 'geojson') {
    if (doc.schema !== undefined && doc.schema !== 'civicgrid.case/1') return { ok: false, code: 'EXCHANGE_SCHEMA_UNKNOWN', details: { schema: String(doc.schema) } };
    return { ok: true, format: 'json', rows: doc.cases.map((c: unknown, i) => ({ row: i + 1, values: isRecord(c) ? { ...c } : {} })) };
  }
  return { ok: false, code: 'EXCHANGE_FILE_UNREADABLE', details: { format: format ?? 'json' } };
}
