/**
 * The revisit figures of the seed (不满意工单督促回访): 助力件数 (orders
 * helped), 已反馈 (orders answered), 重新满意 (answered and satisfied again)
 * and 满意率 = 重新满意 / 已反馈. The seed reports 173 / 207 as 83.5 %: the
 * rate is truncated to one decimal, not rounded (rounding gives 83.6).
 */
export interface RevisitFacts {
  helped: boolean;
  answered: boolean;
  satisfied: boolean;
}

export interface RevisitFigures {
  /** 助力件数 */
  helped: number;
  /** 已反馈 */
  answered: number;
  /** 重新满意 */
  satisfiedAgain: number;
  /** 满意率 in percent, truncated to one decimal; null when nothing was answered. */
  ratePercent: number | null;
}

/** 满意率 in percent with one decimal, truncated as the seed reports it (173 / 207 → 83.5). */
export function satisfactionRate(satisfiedAgain: number, answered: number): number | null {
  if (answered <= 0) return null;
  // Integer arithmetic: a float product such as 0.835 * 1000 could fall just under its integer.
  return Math.floor((satisfiedAgain * 1000) / answered) / 10;
}

/** The figures of a set of orders. A verdict counts only once the caller was answered. */
export function revisitFigures(orders: Iterable<RevisitFacts>): RevisitFigures {
  let helped = 0;
  let answered = 0;
  let satisfiedAgain = 0;
  for (const o of orders) {
    if (o.helped) helped++;
    if (o.answered) {
      answered++;
      if (o.satisfied) satisfiedAgain++;
    }
  }
  return { helped, answered, satisfiedAgain, ratePercent: satisfactionRate(satisfiedAgain, answered) };
}

/** Adds counted figures (e.g. per street rows into the district's total). */
export function sumFigures(rows: Iterable<Pick<RevisitFigures, 'helped' | 'answered' | 'satisfiedAgain'>>): RevisitFigures {
  let helped = 0;
  let answered = 0;
  let satisfiedAgain = 0;
  for (const r of rows) {
    helped += r.helped;
    answered += r.answered;
    satisfiedAgain += r.satisfiedAgain;
  }
  return { helped, answered, satisfiedAgain, ratePercent: satisfactionRate(satisfiedAgain, answered) };
}
