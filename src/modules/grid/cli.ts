/**
 * `civicgrid grid import FILE... [--dry-run] [--partial]` and
 * `civicgrid grid export [--out FILE] [--level L]`,
 * `civicgrid grid import-department DEPT FILE [--dry-run]` and
 * `civicgrid grid export-department DEPT [--out FILE]`.
 * Import prints every problem as a table and exits 1 when there are any
 * (nothing is written then); --json prints the whole report instead.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import type { AuditActor } from '../../infra/audit/audit.js';
import type { Platform } from '../../platform.js';
import { GRID_LEVELS, type GridLevel } from './rules/codes.js';
import type { ImportReport } from './importer.js';
import { SEE_ALL } from './visibility.js';
import { SEE_ALL_DEPARTMENTS, type DepartmentGridImportReport } from './department-grids.js';

export interface GridCliDeps {
  withPlatform<T>(fn: (p: Platform) => Promise<T>): Promise<T>;
  actor(): AuditActor;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('not a non-negative number');
  return n;
}

function level(value: string): GridLevel {
  if (!(GRID_LEVELS as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${GRID_LEVELS.join(', ')}`);
  return value as GridLevel;
}

/** Fixed-width text table (CJK characters count double). */
export function table(header: string[], rows: string[][]): string {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\uFFFF]/.test(ch) ? 2 : 1), 0);
  const cols = header.map((h, i) => Math.min(80, Math.max(width(h), ...rows.map((r) => width(r[i] ?? '')))));
  const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - width(s)));
  const line = (r: string[]) => r.map((c, i) => pad(c, cols[i]!)).join('  ').trimEnd();
  return [line(header), line(cols.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function printReport(report: ImportReport, files: string[]): void {
  const c = report.counts;
  console.log(`${report.dryRun ? 'dry run' : report.applied ? 'imported' : 'not imported'} (${report.partial ? 'partial' : 'full'} import, tolerances: overlap ${report.tolerances.overlapM2} m², gap ${report.tolerances.gapM2} m²)`);
  console.log(`features ${c.features}: created ${c.created}, updated ${c.updated}, restored ${c.restored}, unchanged ${c.unchanged}, retired ${c.retired}`);
  if (report.problems.length > 0) {
    console.log(`\n${report.problems.length} problem(s):`);
    console.log(table(
      ['problem', 'grid', 'other', 'file', 'feature', 'message'],
      report.problems.map((p) => [p.code, p.featureCode ?? '', p.otherCode ?? '', p.file === undefined ? '' : (files[p.file] ?? String(p.file)), p.index === undefined ? '' : String(p.index), p.message]),
    ));
  }
  const notable = report.changes.filter((ch) => !ch.kinds.includes('created') || ch.related);
  if (notable.length > 0 && notable.length <= 200) {
    console.log(`\nchanges:`);
    console.log(table(['grid', 'level', 'change', 'related'], notable.map((ch) => [ch.code, ch.level, ch.kinds.join('+'), (ch.related ?? []).join(' ')])));
  }
}

export function printDepartmentReport(report: DepartmentGridImportReport, file: string): void {
  const c = report.counts;
  console.log(`${report.dryRun ? 'dry run' : report.applied ? 'imported' : 'not imported'} (department ${report.department}, overlap tolerance ${report.tolerances.overlapM2} m²)`);
  console.log(`features ${c.features}: created ${c.created}, updated ${c.updated}, restored ${c.restored}, unchanged ${c.unchanged}, retired ${c.retired}`);
  if (report.problems.length > 0) {
    console.log(`\n${report.problems.length} problem(s):`);
    console.log(table(
      ['problem', 'grid', 'other', 'file', 'feature', 'message'],
      report.problems.map((p) => [p.code, p.featureCode ?? '', p.otherCode ?? '', p.file === undefined ? '' : file, p.index === undefined ? '' : String(p.index), p.message]),
    ));
  }
  const notable = report.changes.filter((ch) => !ch.kinds.includes('created'));
  if (notable.length > 0 && notable.length <= 200) {
    console.log(`\nchanges:`);
    console.log(table(['grid', 'change'], notable.map((ch) => [ch.code, ch.kinds.join('+')])));
  }
}

export function registerGridCommands(program: Command, deps: GridCliDeps): void {
  const grid = program.command('grid').description('the grid tree: import and export GeoJSON');

  grid
    .command('import <files...>')
    .description('import grids from GeoJSON FeatureCollections (one file, or one per level); properties: code, name, level?, parent?')
    .option('--dry-run', 'check and report every problem and change; write nothing')
    .option('--partial', 'add or update the given grids only; do not retire grids missing from the files')
    .option('--overlap-tolerance <m2>', 'siblings may overlap by this many m² (default 1, or CIVICGRID_GRID_OVERLAP_M2)', nonNegative)
    .option('--gap-tolerance <m2>', 'a parent may be uncovered by this many m² (default 1, or CIVICGRID_GRID_GAP_M2)', nonNegative)
    .option('--json', 'print the report as JSON')
    .action(async (files: string[], opts: { dryRun?: boolean; partial?: boolean; overlapTolerance?: number; gapTolerance?: number; json?: boolean }) => {
      const parsed: unknown[] = [];
      for (const file of files) {
        try {
          parsed.push(JSON.parse(readFileSync(file, 'utf8')));
        } catch (err) {
          console.error(`cannot read ${file}: ${(err as Error).message}`);
          process.exitCode = 1;
          return;
        }
      }
      await deps.withPlatform(async (p) => {
        const report = await p.grid.importFiles(
          parsed,
          { dryRun: opts.dryRun === true, partial: opts.partial === true, tolerances: { overlapM2: opts.overlapTolerance, gapM2: opts.gapTolerance } },
          deps.actor(),
          null,
        );
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else printReport(report, files);
        if (!report.ok) process.exitCode = 1;
      });
    });

  grid
    .command('import-department <department> <file>')
    .description("replace a department's own grids (专业网格) from one GeoJSON FeatureCollection; properties: code, name (others kept as attributes)")
    .option('--dry-run', 'check and report every problem and change; write nothing')
    .option('--overlap-tolerance <m2>', "the department's grids may overlap by this many m² (default 1, or CIVICGRID_GRID_OVERLAP_M2)", nonNegative)
    .option('--json', 'print the report as JSON')
    .action(async (department: string, file: string, opts: { dryRun?: boolean; overlapTolerance?: number; json?: boolean }) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        console.error(`cannot read ${file}: ${(err as Error).message}`);
        process.exitCode = 1;
        return;
      }
      await deps.withPlatform(async (p) => {
        const report = await p.grid.departments.importFile(department, parsed, { dryRun: opts.dryRun === true, overlapM2: opts.overlapTolerance }, deps.actor(), null);
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else printDepartmentReport(report, file);
        if (!report.ok) process.exitCode = 1;
      });
    });

  grid
    .command('export-department <department>')
    .description("write a department's active grids as a GeoJSON FeatureCollection that `grid import-department` reads back")
    .option('--out <file>', 'output file (default: standard output)')
    .action(async (department: string, opts: { out?: string }) => {
      await deps.withPlatform(async (p) => {
        const fc = await p.grid.departments.exportDepartment(SEE_ALL_DEPARTMENTS, department);
        const text = `${JSON.stringify(fc)}\n`;
        if (opts.out) {
          writeFileSync(opts.out, text);
          console.log(`wrote ${fc.features.length} department grids to ${opts.out}`);
        } else {
          process.stdout.write(text);
        }
      });
    });

  grid
    .command('export')
    .description('write the active tree (or one level) as a GeoJSON FeatureCollection that `grid import` reads back')
    .option('--out <file>', 'output file (default: standard output)')
    .option('--level <level>', `only one level: ${GRID_LEVELS.join(', ')}`, level)
    .action(async (opts: { out?: string; level?: GridLevel }) => {
      await deps.withPlatform(async (p) => {
        const fc = await p.grid.exportTree(SEE_ALL, opts.level);
        const text = `${JSON.stringify(fc)}\n`;
        if (opts.out) {
          writeFileSync(opts.out, text);
          console.log(`wrote ${fc.features.length} grids to ${opts.out}`);
        } else {
          process.stdout.write(text);
        }
      });
    });
}
