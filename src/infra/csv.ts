/**
 * CSV as the platform's exchange files write and read it (docs/exchange.md):
 * UTF-8 with a BOM (Excel opens Chinese text right), CRLF lines, one header
 * row of `field/中文名` cells that a program and a person both read, and
 * cells that would run as spreadsheet formulas defused with a leading quote
 * mark, which the reader takes off again. Pure; knows no domain.
 */

/** One cell: null/undefined empty, booleans 1/0, formula starts defused (a negative number stays a number), quoted when needed. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  // Cells starting with = + - @ would run as formulas in a spreadsheet.
  if (/^[=+\-@\t\r]/.test(s) && !/^-\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The whole file: the `field/中文名` header, then one line per record, the columns' fields in order. */
export function writeCsv(columns: readonly (readonly [string, string])[], records: Iterable<Record<string, unknown>>): string {
  const lines = [columns.map(([f, zh]) => `${f}/${zh}`).join(',')];
  for (const r of records) lines.push(columns.map(([f]) => csvCell(r[f])).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** A header cell → its field, whether the file has the field, the Chinese name or both (`field/中文名`). */
export function csvHeaderFields(columns: readonly (readonly [string, string])[]): Map<string, string> {
  return new Map(columns.flatMap(([field, zh]) => [[field, field], [zh, field], [`${field}/${zh}`, field]]));
}

/** The writer's cells starting with = + - @ tab or CR got a leading quote mark; the reader takes it off again. */
export function undefused(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/**
 * RFC 4180: quoted cells may hold commas, quotes (doubled) and line breaks.
 * Answers the records' cells and each record's first line (blank lines are
 * skipped), or null when a quote is left open. A leading BOM is the caller's.
 */
export function parseCsv(text: string): { cells: string[][]; lines: number[] } | null {
  const cells: string[][] = [];
  const lines: number[] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let atCellStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && atCellStart) {
      quoted = true;
      atCellStart = false;
    } else if (ch === ',') {
      record.push(cell);
      cell = '';
      atCellStart = true;
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(cell);
      if (record.some((c) => c !== '')) {
        cells.push(record);
        lines.push(recordLine);
      }
      record = [];
      cell = '';
      atCellStart = true;
      line++;
      recordLine = line;
    } else {
      cell += ch;
      atCellStart = false;
    }
  }
  if (quoted) return null;
  record.push(cell);
  if (record.some((c) => c !== '')) {
    cells.push(record);
    lines.push(recordLine);
  }
  return { cells, lines };
}
