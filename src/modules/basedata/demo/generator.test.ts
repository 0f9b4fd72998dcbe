import { describe, expect, it } from 'vitest';
import { FIELD_KEYS } from '../import/fields.js';
import { parseIdNumber } from '../rules/id-number.js';
import { generateHouseholds, residentCounts } from './generator.js';

const grids = Array.from({ length: 20 }, (_, i) => ({ code: `430111001001${String(i + 1).padStart(3, '0')}`, name: `第${i + 1}网格` }));

describe('resident generator', () => {
  it('makes the asked number of residents in about the asked number of households, with distinct valid IDs', () => {
    const counts = residentCounts(0.02);
    const ids = new Set<string>();
    let households = 0;
    let heads = 0;
    for (const h of generateHouseholds({ seed: 7, counts, grids })) {
      households++;
      for (const row of h) {
        const id = row[FIELD_KEYS.indexOf('idNumber')]!;
        expect(parseIdNumber(id, '2025-06-30').ok, id).toBe(true);
        ids.add(id);
        if (row[FIELD_KEYS.indexOf('relation')] === '户主') heads++;
      }
    }
    expect(ids.size).toBe(counts.residents);
    expect(heads).toBe(households);
    expect(Math.abs(households - counts.households) / counts.households).toBeLessThan(0.02);
  });

  it('is deterministic in its seed', () => {
    const first = (seed: number) => generateHouseholds({ seed, counts: { residents: 50, households: 30 }, grids }).next().value;
    expect(first(3)).toEqual(first(3));
    expect(first(3)).not.toEqual(first(4));
  });
});
