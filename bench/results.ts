/**
 * `npm run bench:results [-- NAME…]`: runs the benchmark suite (or the named
 * ones) and writes bench/RESULTS.md from the JSON lines they print, with the
 * date, the machine, the database and the commit. Never edit RESULTS.md by
 * hand. The file keeps one section per database (a run with BENCH_DB_URL set
 * writes the MariaDB/MySQL one, a run without it the SQLite one): a full run
 * replaces the section, a run of named benches only the figures it printed,
 * and every figure says which of the listed runs measured it.
 *
 * Every run is also kept as bench/runs/<date>-<db>.json (its description and
 * figures). `npm run bench:results -- --apply FILE…` writes such recorded runs
 * into RESULTS.md without running anything: runs measured on separate
 * branches merge that way instead of by editing the table.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { redactUrl } from '../src/infra/db/database.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(here, 'RESULTS.md');
const applying = process.argv.includes('--apply');
const names = applying ? [] : process.argv.slice(2).filter((a) => !a.startsWith('-'));
const applyFiles = applying ? process.argv.slice(2).filter((a) => !a.startsWith('-')) : [];
const url = process.env.BENCH_DB_URL;

async function databaseVersion(): Promise<string> {
  if (!url) {
    const db = new SQLite(':memory:');
    const v = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
    db.close();
    return `SQLite ${v} (better-sqlite3, WAL)`;
  }
  const c = await createConnection({ uri: url.replace(/^mariadb:/, 'mysql:') });
  const [rows] = await c.query('select version() as v');
  await c.end();
  return `${(rows as { v: string }[])[0]!.v} at ${redactUrl(url)}`;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

interface Line {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
  scale: number;
  db: string;
  [k: string]: unknown;
}

function run(): Promise<{ lines: Line[]; code: number; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'run.ts'), ...names], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: Line[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!text.startsWith('{')) continue;
        try {
          const x = JSON.parse(text) as Line;
          if (typeof x.name === 'string' && typeof x.value === 'number') lines.push(x);
        } catch {
          // not a figure
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ lines, code: code ?? 1, seconds: (Date.now() - t0) / 1000 }));
  });
}

const cell = (v: unknown) => String(v).replaceAll('|', '\\|').replaceAll('\n', ' ');

function table(lines: Line[]): string {
  const rows = lines.map((l) => {
    const { name, value, unit, baseline, ratio, scale, db, goal, ...rest } = l;
    const details = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
    return `| ${cell(name)} | ${cell(value)} | ${cell(unit)} | ${cell(baseline)} | ${cell(ratio)} | ${cell(scale)} | ${cell(db)} | ${cell(goal ?? '')} | ${cell(details)} |`;
  });
  return ['| figure | value | unit | baseline | ratio | scale | db | goal | details |', '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

/** A run as kept in bench/runs/: enough to write its rows again. */
interface RecordedRun {
  key: 'sqlite' | 'mysql';
  /** Named benches; empty for a full run (which replaces the whole section). */
  names: string[];
  description: string;
  lines: Line[];
  code: number;
}

async function measure(): Promise<RecordedRun> {
  // Both read before the run: the figures are of the tree as it was when they started.
  const dirty = git(['status', '--porcelain']) !== '';
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const { lines, code, seconds } = await run();
  const cpu = cpus();
  const description = [
    `date: ${new Date().toISOString()}`,
    `machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB memory, ${osType()} ${release()}, Node ${process.version}`,
    `database: ${await databaseVersion()}`,
    `commit: ${commit}${dirty ? ' with uncommitted changes' : ''}`,
    `run: \`npm run bench:results${names.length ? ` -- ${names.join(' ')}` : ''}\`${process.env.BENCH_SCALE ? `, BENCH_SCALE=${process.env.BENCH_SCALE}` : ''}, ${Math.round(seconds)} s, exit code ${code}`,
  ].join('; ');
  const recorded: RecordedRun = { key: url ? 'mysql' : 'sqlite', names, description, lines, code };
  const dir = join(here, 'runs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replaceAll(':', '-').slice(0, 19)}-${recorded.key}${names.length ? `-${names.join('-')}` : ''}.json`);
  writeFileSync(file, `${JSON.stringify(recorded, null, 1)}\n`);
  console.error(`kept ${file}`);
  return recorded;
}

interface Row {
  name: string;
  run: number;
  cells: string;
}

/**
 * The rows and runs of a database's section as written before. A full run
 * (no names) replaces them all; a run of named benches replaces only the
 * figures it printed, and each row says which run measured it.
 */
function previousSection(text: string, key: string): { runs: string[]; rows: Row[] } {
  const m = new RegExp(`<!-- results:${key} -->([\\s\\S]*?)<!-- /results:${key} -->`).exec(text);
  if (!m) return { runs: [], rows: [] };
  const body = m[1]!;
  const runs = [...body.matchAll(/^- run (\d+): (.*)$/gm)].map((r) => r[2]!);
  const rows: Row[] = [];
  if (runs.length === 0) {
    // Written before runs were numbered: one run, described by its bullets, rows without a run column.
    const bullets = [...body.matchAll(/^- ([a-z]+: .*)$/gm)].map((b) => b[1]!);
    if (bullets.length === 0) return { runs: [], rows: [] };
    for (const line of body.split('\n')) {
      if (!line.startsWith('| ') || line.startsWith('| figure |')) continue;
      rows.push({ run: 1, name: line.slice(2).split(' | ')[0]!, cells: line });
    }
    return { runs: [bullets.join('; ')], rows };
  }
  for (const line of body.split('\n')) {
    const cells = /^\| (\d+) \| (.*)$/.exec(line);
    if (!cells) continue;
    rows.push({ run: Number(cells[1]), name: cells[2]!.split(' | ')[0]!, cells: `| ${cells[2]!}` });
  }
  return { runs, rows };
}

function write(r: RecordedRun): void {
  const key = r.key;
  const before = r.names.length > 0 && existsSync(out) ? previousSection(readFileSync(out, 'utf8'), key) : { runs: [], rows: [] };
  const measured = new Set(r.lines.map((l) => l.name));
  const kept = before.rows.filter((row) => !measured.has(row.name));
  // Renumber the runs that still have rows, oldest first, then this one.
  const keptRuns = [...new Set(kept.map((row) => row.run))].sort((a, b) => a - b);
  const runs = [...keptRuns.map((n) => before.runs[n - 1] ?? 'unknown'), r.description];
  const rows: Row[] = [
    ...kept.map((k) => ({ ...k, run: keptRuns.indexOf(k.run) + 1 })),
    ...table(r.lines).split('\n').slice(2).map((cells, i) => ({ name: r.lines[i]!.name, run: runs.length, cells })),
  ];
  const section = [
    `<!-- results:${key} -->`,
    `## ${key === 'mysql' ? 'MariaDB / MySQL' : 'SQLite'}`,
    '',
    ...runs.map((d, i) => `- run ${i + 1}: ${d}`),
    '',
    rows.length > 0
      ? ['| run | figure | value | unit | baseline | ratio | scale | db | goal | details |', '|---|---|---|---|---|---|---|---|---|---|', ...rows.map((x) => `| ${x.run} ${x.cells}`)].join('\n')
      : '_no figures were printed_',
    '',
    `<!-- /results:${key} -->`,
  ].join('\n');

  const head = [
    '# Benchmark results',
    '',
    'Written by `npm run bench:results` (SQLite) and `BENCH_DB_URL=mysql://… npm run bench:results` (MariaDB/MySQL); do not edit by hand.',
    'Each figure is one JSON line of `npm run bench`; the baseline is measured in the same run on the same machine (see each bench file).',
    'Machines shared with other work give noisy figures: compare ratios, and re-run before drawing conclusions.',
    '',
  ].join('\n');
  const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const sections = new Map<string, string>();
  for (const k of ['sqlite', 'mysql']) {
    const m = new RegExp(`<!-- results:${k} -->[\\s\\S]*?<!-- /results:${k} -->`).exec(previous);
    if (m) sections.set(k, m[0]);
  }
  sections.set(key, section);
  writeFileSync(out, `${head}\n${['sqlite', 'mysql'].filter((k) => sections.has(k)).map((k) => sections.get(k)).join('\n\n')}\n`);
  console.error(`wrote ${out} (${r.lines.length} figures)`);
}

if (applying) {
  if (applyFiles.length === 0) throw new Error('--apply needs the recorded runs (bench/runs/*.json) to write');
  for (const f of applyFiles) write(JSON.parse(readFileSync(f, 'utf8')) as RecordedRun);
} else {
  const recorded = await measure();
  write(recorded);
  process.exitCode = recorded.code;
}
