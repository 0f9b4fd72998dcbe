import { describe, expect, it } from 'vitest';
import { DEFAULT_MINOR_CATEGORIES } from '../incidents/data/categories.js';
import { PHRASINGS } from './phrasings.js';

describe('demo phrasings', () => {
  it('has at least three phrasings for every minor category, none repeating the category name', () => {
    for (const c of DEFAULT_MINOR_CATEGORIES) {
      const ps = PHRASINGS[c.code];
      expect(ps, c.code).toBeDefined();
      expect(ps!.length, c.code).toBeGreaterThanOrEqual(3);
      for (const p of ps!) expect(p.includes(c.nameZh), `${c.code} ${p}`).toBe(false);
    }
    expect(Object.keys(PHRASINGS).sort()).toEqual(DEFAULT_MINOR_CATEGORIES.map((c) => c.code).sort());
  });
});
