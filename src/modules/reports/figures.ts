/** The key figures a report shows, in order, with their labels: shared by the XLSX and the PDF so both say the same. */
import type { KpiFigures } from '../evaluation/service.js';

export type FigureFormat = 'count' | 'rate' | 'hours';

export interface FigureRow {
  label: string;
  value: (f: KpiFigures) => number | null;
  format: FigureFormat;
}

export const FIGURE_ROWS: readonly FigureRow[] = [
  { label: '上报数', value: (f) => f.counts.reported, format: 'count' },
  { label: '立案数', value: (f) => f.counts.registered, format: 'count' },
  { label: '应结案数', value: (f) => f.counts.due, format: 'count' },
  { label: '结案数', value: (f) => f.counts.closed, format: 'count' },
  { label: '按期结案数', value: (f) => f.counts.closed_on_time, format: 'count' },
  { label: '超期数', value: (f) => f.counts.overdue, format: 'count' },
  { label: '缓办数', value: (f) => f.counts.deferred, format: 'count' },
  { label: '结案率', value: (f) => f.kpis.closeRate, format: 'rate' },
  { label: '按期结案率', value: (f) => f.kpis.onTimeCloseRate, format: 'rate' },
  { label: '超期率', value: (f) => f.kpis.overdueRate, format: 'rate' },
  { label: '返工率', value: (f) => f.kpis.reworkRate, format: 'rate' },
  { label: '退回率', value: (f) => f.kpis.returnRate, format: 'rate' },
  { label: '即办率', value: (f) => f.kpis.immediateRate, format: 'rate' },
  { label: '平均处置时长（工作小时）', value: (f) => f.kpis.averageHandlingHours, format: 'hours' },
];

/** A value as printed: '86.4%', '12.3', '1,024'; '—' for no value (a rate over no cases). */
export function formatFigure(value: number | null, format: FigureFormat): string {
  if (value === null) return '—';
  if (format === 'rate') return `${(value * 100).toFixed(1)}%`;
  if (format === 'hours') return value.toFixed(1);
  return value.toLocaleString('en-US');
}

/** The change from the previous period as printed: '+3', '−2.1 个百分点'. */
export function formatChange(now: number | null, before: number | null, format: FigureFormat): string {
  if (now === null || before === null) return '—';
  const d = now - before;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const abs = Math.abs(d);
  if (format === 'rate') return `${sign}${(abs * 100).toFixed(1)} 个百分点`;
  if (format === 'hours') return `${sign}${abs.toFixed(1)}`;
  return `${sign}${abs.toLocaleString('en-US')}`;
}

/** A rank and its move since the previous period: '3（↑2）', '5（新）'. */
export function formatRank(rank: number | null, previousRank: number | null): string {
  if (rank === null) return '—';
  if (previousRank === null) return `${rank}（新）`;
  const d = previousRank - rank;
  return d > 0 ? `${rank}（↑${d}）` : d < 0 ? `${rank}（↓${-d}）` : `${rank}（—）`;
}
