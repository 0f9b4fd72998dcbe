import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import ExcelJS from 'exceljs';

/**
 * Reads a spreadsheet as rows of strings, streaming, so a million-row file
 * never sits in memory: CSV (RFC 4180, UTF-8 with or without BOM, comma or
 * tab) or XLSX (first worksheet). The first row is the header.
 */
export type TableFormat = 'csv' | 'xlsx';

export function detectFormat(path: string): TableFormat {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04 ? 'xlsx' : 'csv';
  } finally {
    closeSync(fd);
  }
}

/** Streaming CSV parser: quoted fields with "" escapes and embedded newlines. */
export async function* csvRows(path: string): AsyncGenerator<string[]> {
  let field = '';
  let row: string[] = [];
  let quoted = false;
  let afterQuote = false;
  let first = true;
  let sep: string | null = null;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    let text = chunk as string;
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const nl = text.indexOf('\n');
      const line = nl < 0 ? text : text.slice(0, nl);
      sep = line.includes('\t') && !line.includes(',') ? '\t' : ',';
      first = false;
    }
    const out: string[][] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += text.slice(start, i + 1);
            i++;
            start = i + 1;
          } else if (i + 1 === text.length) {
            // A quote at the chunk end: it closes or escapes; decide on the next chunk.
            field += text.slice(start, i);
            start = i + 1;
            quoted = false;
            afterQuote = true;
          } else {
            field += text.slice(start, i);
            start = i + 1;
            quoted = false;
          }
        }
        continue;
      }
      if (afterQuote && c === '"' && i === 0) {
        // The previous chunk ended on the first half of an escaped quote.
        field += '"';
        quoted = true;
        afterQuote = false;
        start = i + 1;
        continue;
      }
      afterQuote = false;
      if (c === '"' && i === start && field === '') {
        quoted = true;
        start = i + 1;
      } else if (c === sep) {
        row.push(field + text.slice(start, i));
        field = '';
        start = i + 1;
      } else if (c === '\n' || c === '\r') {
        row.push(field + text.slice(start, i));
        field = '';
        if (c === '\r' && text[i + 1] === '\n') i++;
        start = i + 1;
        out.push(row);
        row = [];
      }
    }
    field += text.slice(start);
    for (const r of out) if (!(r.length === 1 && r[0] === '')) yield r;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    if (!(row.length === 1 && row[0] === '')) yield row;
  }
}

function cellText(value: ExcelJS.CellValue): string {
  if (value == null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value) return String(value.text);
    if ('result' in value) return value.result == null ? '' : cellText(value.result as ExcelJS.CellValue);
  }
  return String(value);
}

export async function* xlsxRows(path: string): AsyncGenerator<string[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', worksheets: 'emit' });
  for await (const sheet of reader) {
    let expected = 1;
    for await (const row of sheet) {
      const r = row as ExcelJS.Row;
      // Keep row numbers aligned with the sheet: empty rows in between count.
      while (expected < r.number) {
        yield [];
        expected++;
      }
      const values = r.values as ExcelJS.CellValue[];
      const out: string[] = [];
      for (let i = 1; i < values.length; i++) out.push(cellText(values[i]));
      yield out;
      expected++;
    }
    return;
  }
}

export function tableRows(path: string): AsyncGenerator<string[]> {
  return detectFormat(path) === 'xlsx' ? xlsxRows(path) : csvRows(path);
}

/** Header and the first few data rows, for the mapping step. */
export async function previewTable(path: string, sampleRows = 5): Promise<{ format: TableFormat; headers: string[]; sample: string[][] }> {
  const format = detectFormat(path);
  const it = tableRows(path);
  let headers: string[] = [];
  const sample: string[][] = [];
  for await (const r of it) {
    if (headers.length === 0) headers = r.map((h) => h.trim());
    else sample.push(r);
    if (sample.length >= sampleRows) break;
  }
  await it.return(undefined);
  return { format, headers, sample };
}
