/**
 * 12345 满意率 / citizen satisfaction (docs/kpis.md): of the cases rated in
 * a period, the share rated 满意 or 基本满意:
 *
 *   satisfaction rate = (satisfied + basically satisfied) / rated
 *
 * split by the case's channel (hotline = 12345 work orders, citizen = the
 * public page, other = a rating of a case that came in another way).
 */
export type SatisfactionChannel = 'hotline' | 'citizen' | 'other';
export const SATISFACTION_CHANNELS: readonly SatisfactionChannel[] = ['hotline', 'citizen', 'other'];

export interface SatisfactionFigures {
  rated: number;
  satisfied: number;
  basicallySatisfied: number;
  unsatisfied: number;
  /** null when nothing was rated. */
  rate: number | null;
}

export function channelOf(incidentChannel: string): SatisfactionChannel {
  if (incidentChannel === 'hotline_12345') return 'hotline';
  if (incidentChannel === 'citizen') return 'citizen';
  return 'other';
}

export function emptyFigures(): SatisfactionFigures {
  return { rated: 0, satisfied: 0, basicallySatisfied: 0, unsatisfied: 0, rate: null };
}

/** Adds `n` ratings of one verdict and recomputes the rate. */
export function addVerdict(f: SatisfactionFigures, verdict: string, n: number): SatisfactionFigures {
  const next = { ...f, rated: f.rated + n };
  if (verdict === 'satisfied') next.satisfied += n;
  else if (verdict === 'basically_satisfied') next.basicallySatisfied += n;
  else next.unsatisfied += n;
  next.rate = next.rated === 0 ? null : (next.satisfied + next.basicallySatisfied) / next.rated;
  return next;
}

/** A day period (YYYY-MM-DD, Beijing time: China keeps no daylight saving) as epoch bounds [from, to). */
export function periodBounds(from: string, to: string): { start: number; end: number } {
  return { start: Date.parse(`${from}T00:00:00+08:00`), end: Date.parse(`${to}T00:00:00+08:00`) + 86_400_000 };
}
