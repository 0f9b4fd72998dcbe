/**
 * `npm run bench:results [-- NAME…]`: runs the benchmark suite (or the named
 * ones) and writes bench/RESULTS.md from the JSON lines they print, with the
 * date, the machine, the database and the commit. Never edit RESULTS.md by
 * hand. The file keeps one section per database (a run with BENCH_DB_URL set
 * writes the MariaDB/MySQL one, a run without it the SQLite one): a full run
 * replaces the section, a run of named benches only the figures it printed,
 * and every figure says which of the listed runs measured it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { redactUrl } from '../src/infra/db/database.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(here, 'RESULTS.md');
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const url = process.env.BENCH_DB_URL;
const key = url ? 'mysql' : 'sqlite';

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

// Both read before the run: the figures are of the tree as it was when they started.
const dirty = git(['status', '--porcelain']) !== '';
const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
const { lines, code, seconds } = await run();
const cpu = cpus();

/** One run's description, as listed under its database's heading. */
const thisRun = [
  `date: ${new Date().toISOString()}`,
  `machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB memory, ${osType()} ${release()}, Node ${process.version}`,
  `database: ${await databaseVersion()}`,
  `commit: ${commit}${dirty ? ' with uncommitted changes' : ''}`,
  `run: \`npm run bench:results${names.length ? ` -- ${names.join(' ')}` : ''}\`${process.env.BENCH_SCALE ? `, BENCH_SCALE=${process.env.BENCH_SCALE}` : ''}, ${Math.round(seconds)} s, exit code ${code}`,
].join('; ');

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
function previousSection(text: string): { runs: string[]; rows: Row[] } {
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

const before = names.length > 0 && existsSync(out) ? previousSection(readFileSync(out, 'utf8')) : { runs: [], rows: [] };
const measured = new Set(lines.map((l) => l.name));
const kept = before.rows.filter((r) => !measured.has(r.name));
// Renumber the runs that still have rows, oldest first, then this one.
const keptRuns = [...new Set(kept.map((r) => r.run))].sort((a, b) => a - b);
const runs = [...keptRuns.map((n) => before.runs[n - 1] ?? 'unknown'), thisRun];
const rows: Row[] = [
  ...kept.map((r) => ({ ...r, run: keptRuns.indexOf(r.run) + 1 })),
  ...table(lines).split('\n').slice(2).map((cells, i) => ({ name: lines[i]!.name, run: runs.length, cells })),
];
const section = [
  `<!-- results:${key} -->`,
  `## ${key === 'mysql' ? 'MariaDB / MySQL' : 'SQLite'}`,
  '',
  ...runs.map((r, i) => `- run ${i + 1}: ${r}`),
  '',
  rows.length > 0
    ? ['| run | figure | value | unit | baseline | ratio | scale | db | goal | details |', '|---|---|---|---|---|---|---|---|---|---|', ...rows.map((r) => `| ${r.run} ${r.cells}`)].join('\n')
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
console.error(`wrote ${out} (${lines.length} figures)`);
process.exitCode = code;
