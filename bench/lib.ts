import { cpus, totalmem } from 'node:os';

/** One figure, printed as one JSON line (DESIGN.md "Quality bars"). */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The comparison figure measured in the same run on the same machine. */
  baseline: number;
  /** value / baseline, rounded to 3 decimals. */
  ratio?: number;
  scale: number;
  db: 'none' | 'sqlite' | 'mysql';
  /** Optional extra facts (e.g. goal, connections). */
  [extra: string]: unknown;
}

export const figures: Figure[] = [];

export function report(figure: Figure): void {
  // Three significant digits: a rollup read thousands of times faster than its baseline must not print as 0.
  const ratio = figure.ratio ?? (figure.baseline === 0 ? 0 : Number((figure.value / figure.baseline).toPrecision(3)));
  const line = { ...figure, ratio };
  figures.push(line);
  console.log(JSON.stringify(line));
}

export function machine(): string {
  return `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`;
}

/** Median of a list of numbers (the mean of the middle two for an even count); 0 for none. */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Percentile (0..100) of a list of numbers, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
