import { describe, expect, it } from 'vitest';
import { revisitFigures, satisfactionRate, sumFigures } from './figures.js';

describe('revisit figures', () => {
  it('gives the seed figures: 239 helped, 207 answered, 173 satisfied again, 83.5 %', () => {
    const orders = Array.from({ length: 250 }, (_, i) => ({ helped: i < 239, answered: i < 207, satisfied: i < 173 }));
    expect(revisitFigures(orders)).toEqual({ helped: 239, answered: 207, satisfiedAgain: 173, ratePercent: 83.5 });
  });

  it('truncates the rate to one decimal instead of rounding', () => {
    expect(satisfactionRate(173, 207)).toBe(83.5);
    expect(satisfactionRate(2, 3)).toBe(66.6);
    expect(satisfactionRate(1, 1)).toBe(100);
    expect(satisfactionRate(0, 5)).toBe(0);
  });

  it('has no rate when nothing was answered', () => {
    expect(satisfactionRate(0, 0)).toBeNull();
    expect(revisitFigures([{ helped: true, answered: false, satisfied: false }]).ratePercent).toBeNull();
  });

  it('counts a verdict only once the caller was answered', () => {
    expect(revisitFigures([{ helped: true, answered: false, satisfied: true }]).satisfiedAgain).toBe(0);
  });

  it('sums street rows into a total whose rate is recomputed, not averaged', () => {
    const total = sumFigures([{ helped: 10, answered: 10, satisfiedAgain: 10 }, { helped: 100, answered: 90, satisfiedAgain: 45 }]);
    expect(total).toEqual({ helped: 110, answered: 100, satisfiedAgain: 55, ratePercent: 55 });
  });
});
