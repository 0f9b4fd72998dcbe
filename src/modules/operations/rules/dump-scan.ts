/**
 * Reads a mariadb-dump / mysqldump SQL stream as it is written and learns
 * from the artefact itself what a manifest needs: the rows of every table
 * (counted tuple by tuple in the extended INSERT statements), the rows of a
 * few small tables in full (migrations, the audit head), the binary log
 * position the dump's snapshot corresponds to, and whether the dump ran to
 * its end. Counting from the dump rather than from the live database is what
 * makes the counts match the snapshot exactly while the server keeps writing.
 *
 * The grammar is the dump tools' own: newlines in values are escaped as \n,
 * so a row never spans lines (mysqldump writes a whole INSERT on one line,
 * mariadb-dump 10.11 one row per line after `INSERT INTO … VALUES`); strings
 * in single quotes with backslash escapes; binary columns as 0x… (--hex-blob).
 */
import { StringDecoder } from 'node:string_decoder';

export interface BinlogPosition {
  file: string;
  position: number;
}

export interface DumpScan {
  /** Rows per table; a table created by the dump with no INSERT counts 0. */
  counts: Record<string, number>;
  /** The rows of the captured tables, each as column name → value (strings, numbers, null). */
  rows: Record<string, Record<string, string | number | null>[]>;
  /** From `-- CHANGE MASTER TO …` (--master-data=2) or `-- CHANGE REPLICATION SOURCE TO …` (--source-data=2). */
  binlog: BinlogPosition | null;
  /** MariaDB's `-- SET GLOBAL gtid_slave_pos='…'` line, when present. */
  gtid: string | null;
  /** The closing `-- Dump completed` line was seen: the dump was not cut short. */
  completed: boolean;
}

type Value = string | number | null;

const INSERT_PREFIX = /^INSERT INTO `((?:[^`]|``)+)` VALUES ?/;
const CREATE_TABLE = /^CREATE TABLE `((?:[^`]|``)+)` \($/;
const COLUMN_LINE = /^ {2}`((?:[^`]|``)+)` /;
const MASTER = /^-- CHANGE (?:MASTER|REPLICATION SOURCE) TO (?:MASTER|SOURCE)_LOG_FILE='([^']+)', (?:MASTER|SOURCE)_LOG_POS=(\d+)/;
const GTID = /^-- SET GLOBAL gtid_slave_pos='([^']*)'/;

const ESCAPES: Record<string, string> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a' };

function unescapeSql(body: string): string {
  return body.replace(/\\([\s\S])/g, (_, c: string) => ESCAPES[c] ?? c);
}

/** One quoted string, NULL, a number or a 0x literal, starting at `at`. */
const TOKEN = /'((?:[^'\\]|\\[\s\S])*)'|(NULL)|(0x[0-9A-Fa-f]*)|(-?[0-9][0-9.eE+-]*)/y;

/**
 * Walks one line of an INSERT's VALUES list: calls `onTuple` for each row,
 * with its values when `capture` is set (else with null, which is faster).
 * Returns 'more' when the statement goes on at the next line, 'end' at its
 * `;`. Throws on anything outside the grammar, so a damaged dump is not
 * counted as if it were whole.
 */
export function scanValues(text: string, capture: boolean, onTuple: (values: Value[] | null) => void): 'more' | 'end' {
  const n = text.length;
  if (n === 0) return 'more';
  if (!capture) return countTuples(text, onTuple);
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) !== 40 /* ( */) throw new Error(`dump: expected ( at ${i}`);
    i++;
    const values: Value[] | null = capture ? [] : null;
    for (;;) {
      TOKEN.lastIndex = i;
      const m = TOKEN.exec(text);
      if (!m) throw new Error(`dump: unreadable value at ${i}`);
      if (values) {
        if (m[1] !== undefined) values.push(unescapeSql(m[1]));
        else if (m[2] !== undefined) values.push(null);
        else if (m[3] !== undefined) values.push(m[3]);
        else values.push(Number(m[4]));
      }
      i = TOKEN.lastIndex;
      const c = text.charCodeAt(i);
      if (c === 44 /* , */) {
        i++;
        continue;
      }
      if (c === 41 /* ) */) {
        i++;
        break;
      }
      throw new Error(`dump: expected , or ) at ${i}`);
    }
    onTuple(values);
    const after = text.charCodeAt(i);
    if (after === 59 /* ; */ && i === n - 1) return 'end';
    if (after === 44 /* , */ && i === n - 1) return 'more';
    if (after === 44 /* , */) {
      i++;
      continue;
    }
    throw new Error(`dump: expected , or ; at ${i}`);
  }
}

const QUOTE_OR_BACKSLASH = /['\\]/g;

/**
 * The counting path of scanValues (most of a dump): finds the rows' opening
 * parentheses outside strings without parsing the values, several times
 * faster. Values other than strings (numbers, NULL, 0x…) hold no quote or
 * parenthesis.
 */
function countTuples(text: string, onTuple: (values: null) => void): 'more' | 'end' {
  const n = text.length;
  if (text.charCodeAt(0) !== 40 /* ( */) throw new Error('dump: expected ( at 0');
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 39 /* ' */) {
      QUOTE_OR_BACKSLASH.lastIndex = i + 1;
      for (;;) {
        const m = QUOTE_OR_BACKSLASH.exec(text);
        if (!m) throw new Error(`dump: unterminated string at ${i}`);
        if (m[0] === '\\') {
          QUOTE_OR_BACKSLASH.lastIndex = m.index + 2;
          continue;
        }
        i = m.index + 1;
        break;
      }
      continue;
    }
    if (c === 40 /* ( */) {
      if (depth !== 0) throw new Error(`dump: unexpected ( at ${i}`);
      depth = 1;
      onTuple(null);
    } else if (c === 41 /* ) */) {
      if (depth !== 1) throw new Error(`dump: unexpected ) at ${i}`);
      depth = 0;
    }
    i++;
  }
  const last = text.charCodeAt(n - 1);
  if (depth !== 0 || text.charCodeAt(n - 2) !== 41 /* ) */ || (last !== 44 /* , */ && last !== 59 /* ; */)) throw new Error('dump: the row list does not end with ), or );');
  return last === 59 ? 'end' : 'more';
}

/** A streaming scanner: push() the dump's bytes in order, then finish(). */
export class DumpScanner {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  private readonly counts: Record<string, number> = {};
  private readonly rows: Record<string, Record<string, Value>[]> = {};
  private readonly columns: Record<string, string[]> = {};
  private creating: string | null = null;
  /** The table whose INSERT statement continues on the next line. */
  private inserting: { table: string; keep: boolean; names: string[] } | null = null;
  private binlog: BinlogPosition | null = null;
  private gtid: string | null = null;
  private completed = false;

  /** `capture`: tables whose rows are kept whole (keep them small). */
  constructor(private readonly capture: readonly string[] = []) {}

  push(chunk: Buffer): void {
    const text = this.carry + this.decoder.write(chunk);
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      this.line(text.slice(start, end));
      start = end + 1;
    }
    this.carry = text.slice(start);
  }

  finish(): DumpScan {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (rest.length > 0) this.line(rest);
    return { counts: { ...this.counts }, rows: { ...this.rows }, binlog: this.binlog, gtid: this.gtid, completed: this.completed };
  }

  private values(text: string): 'more' | 'end' {
    const { table, keep, names } = this.inserting!;
    let count = 0;
    const end = scanValues(text, keep, (values) => {
      count++;
      if (values) (this.rows[table] ??= []).push(Object.fromEntries(values.map((v, k) => [names[k] ?? String(k), v])));
    });
    this.counts[table]! += count;
    return end;
  }

  private line(line: string): void {
    if (this.creating !== null) {
      const col = COLUMN_LINE.exec(line);
      if (col) this.columns[this.creating]!.push(col[1]!.replaceAll('``', '`'));
      else if (!line.startsWith('  ')) this.creating = null;
      return;
    }
    if (this.inserting) {
      if (this.values(line) === 'end') this.inserting = null;
      return;
    }
    if (line.startsWith('INSERT INTO `')) {
      const m = INSERT_PREFIX.exec(line);
      if (!m) throw new Error('dump: unreadable INSERT statement');
      const table = m[1]!.replaceAll('``', '`');
      this.inserting = { table, keep: this.capture.includes(table), names: this.columns[table] ?? [] };
      this.counts[table] ??= 0;
      if (this.values(line.slice(m[0].length)) === 'end') this.inserting = null;
      return;
    }
    if (line.startsWith('CREATE TABLE `')) {
      const m = CREATE_TABLE.exec(line);
      if (m) {
        const table = m[1]!.replaceAll('``', '`');
        this.counts[table] ??= 0;
        this.columns[table] = [];
        this.creating = table;
      }
      return;
    }
    if (line.startsWith('-- ')) {
      const master = MASTER.exec(line);
      if (master) this.binlog = { file: master[1]!, position: Number(master[2]) };
      const gtid = GTID.exec(line);
      if (gtid) this.gtid = gtid[1]!;
      if (line.startsWith('-- Dump completed')) this.completed = true;
    }
  }
}
