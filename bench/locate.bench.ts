import { DEMO_BBOX, generateDemoDistrict } from '../src/modules/grid/demo/district.js';
import { createRandom } from '../src/modules/grid/demo/random.js';
import { Locator, bruteForceLocate } from '../src/modules/grid/rules/locator.js';
import { machine, percentile, report } from './lib.js';

const POINTS = 2_000_000;
const BRUTE_POINTS = 20_000;
const PASSES = 5;

/**
 * Point → unit grid on the scale-1 demo district (951 unit grids): the
 * Locator against a loop over every grid, on uniform random points in the
 * district's bbox (about a third fall outside the district and answer null,
 * as stray GPS fixes do). Both must answer the same grid for every point
 * of the compared subset.
 */
export default async function locateBench(): Promise<void> {
  const features = generateDemoDistrict({ seed: 1, scale: 1 });
  const units = features.filter((f) => f.level === 'unit');
  const locator = new Locator(units);

  const rng = createRandom('locate-bench');
  const pts = new Float64Array(POINTS * 2);
  for (let i = 0; i < POINTS; i++) {
    pts[2 * i] = rng.range(DEMO_BBOX[0], DEMO_BBOX[2]);
    pts[2 * i + 1] = rng.range(DEMO_BBOX[1], DEMO_BBOX[3]);
  }

  let mismatches = 0;
  for (let i = 0; i < BRUTE_POINTS; i++) {
    const a = locator.locate(pts[2 * i]!, pts[2 * i + 1]!);
    const b = bruteForceLocate(units, pts[2 * i]!, pts[2 * i + 1]!);
    if (a !== b) {
      if (mismatches < 5) console.error(`locate mismatch at ${pts[2 * i]},${pts[2 * i + 1]}: locator ${a}, brute force ${b}`);
      mismatches++;
    }
  }
  if (mismatches > 0) {
    process.exitCode = 1;
    throw new Error(`locate: ${mismatches} of ${BRUTE_POINTS} points disagree with the brute force`);
  }

  // The checksum keeps the JIT from dropping the loop as dead code.
  let checksum = 0;
  const rates: number[] = [];
  for (let pass = 0; pass <= PASSES; pass++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < POINTS; i++) checksum += locator.locateIndex(pts[2 * i]!, pts[2 * i + 1]!);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    // Pass 0 warms the JIT up and is not counted.
    if (pass > 0) rates.push(POINTS / seconds);
  }

  const bruteRates: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BRUTE_POINTS; i++) {
      if (bruteForceLocate(units, pts[2 * i]!, pts[2 * i + 1]!) !== null) checksum++;
    }
    bruteRates.push(BRUTE_POINTS / (Number(process.hrtime.bigint() - t0) / 1e9));
  }

  const value = Math.round(percentile(rates, 50));
  const baseline = Math.round(percentile(bruteRates, 50));
  report({
    name: 'locate',
    value,
    unit: 'points/s',
    baseline,
    scale: 1,
    db: 'none',
    goal: '>= 1000000 points/s and >= 50x',
    grids: units.length,
    points: POINTS,
    baselinePoints: BRUTE_POINTS,
    machine: machine(),
    checksum,
  });
}
