import { periodContaining, previousReportPeriod, shanghaiDay, type ReportKind, type ReportPeriod } from '../../../../src/modules/reports/rules/periods.js';

/** How many periods back the form offers, by kind. */
const BACK: Record<ReportKind, number> = { weekly: 12, monthly: 12, quarterly: 8 };

/** The periods a report can be asked for: the current one (so far) and those before it, newest first. */
export function recentPeriods(kind: ReportKind, now = Date.now()): ReportPeriod[] {
  const out = [periodContaining(kind, shanghaiDay(now))];
  while (out.length <= BACK[kind]) out.push(previousReportPeriod(kind, out[out.length - 1]!));
  return out;
}
