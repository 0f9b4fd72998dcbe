import { loadDemo } from '../src/modules/demo/load.js';
import { PHRASINGS } from '../src/modules/demo/phrasings.js';
import { DEFAULT_MINOR_CATEGORIES } from '../src/modules/incidents/data/categories.js';
import { BayesClassifier, trainBayes, type Sample } from '../src/modules/incidents/suggester/rules/bayes.js';
import { trainingSamples } from '../src/modules/incidents/suggester/service.js';
import { percentile, report } from './lib.js';
import { scratchPlatform } from './_scratch.js';

/**
 * `npm run bench -- suggest`: the category suggester (issue 16 part 3) on the
 * demo history. The demo words each report with one of a few phrasings per
 * category (src/modules/demo/phrasings.ts), so a random or time split would
 * test on sentences the model saw in training and measure memory, not
 * language (it scores 100 %). The held-out slice is therefore every case
 * worded with a phrasing the training slice never contains: one phrasing of
 * each category is held out, its cases are the test set, the others train.
 * Figures: top-1 and top-3 accuracy on that slice against the majority-class
 * baseline (always suggest the most frequent categories of the training
 * slice), with the time-split accuracy (train on the older 80 %, test on the
 * newest 20 %) printed beside for comparison; and the p95 latency of one
 * suggestion against a plain substring match of the 106 category names over
 * the same texts (whose accuracy is printed too: the demo's wording does not
 * contain the names). BENCH_SUGGEST_SCALE (default 0.3) and
 * BENCH_SUGGEST_MONTHS (default 6) size the history.
 */
export default async function suggestBench(): Promise<void> {
  const scale = Number(process.env.BENCH_SUGGEST_SCALE ?? 0.3);
  const months = Number(process.env.BENCH_SUGGEST_MONTHS ?? 6);
  const log = (m: string) => process.stderr.write(`[suggest] ${m}\n`);
  const s = await scratchPlatform('suggest');
  try {
    log(`loading the demo history (scale ${scale}, ${months} months)`);
    await loadDemo(s.platform, { scale, seed: 1, workforce: false, incidents: { months } });
    const all = await trainingSamples(s.platform.db, 1_000_000);
    // One phrasing per category held out (the last): its cases test, the others train.
    const heldOutPhrases = Object.values(PHRASINGS).map((ps) => ps[ps.length - 1]!);
    const isHeldOut = (x: Sample) => heldOutPhrases.some((p) => x.text.includes(p));
    const test = all.filter(isHeldOut);
    const train = all.filter((x) => !isHeldOut(x));
    // For comparison only: the time split (newest fifth held out), whose test sentences the training slice contains.
    const cut = Math.floor(all.length / 5);
    const timeClassifier = new BayesClassifier(trainBayes(all.slice(cut)));
    const timeTest = all.slice(0, cut);
    const timeTop1 = timeTest.filter((x) => timeClassifier.suggest(x.text, 1)[0]?.label === x.label).length / timeTest.length;
    const t0 = process.hrtime.bigint();
    const classifier = new BayesClassifier(trainBayes(train));
    const trainMs = Number(process.hrtime.bigint() - t0) / 1e6;
    log(`${train.length} training cases, ${test.length} held out; trained in ${trainMs.toFixed(0)} ms`);

    // Majority baseline: the three most frequent categories of the training slice, whatever the text.
    const freq = new Map<string, number>();
    for (const x of train) freq.set(x.label, (freq.get(x.label) ?? 0) + 1);
    const majority = [...freq.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([l]) => l);
    const names = DEFAULT_MINOR_CATEGORIES.map((c) => ({ code: c.code, name: c.nameZh }));
    const substring = (text: string): string | null => names.find((n) => text.includes(n.name))?.code ?? null;

    // Warm up both paths (JIT) outside the clock.
    for (const x of test.slice(0, 200)) {
      classifier.suggest(x.text, 3);
      substring(x.text);
    }
    let top1 = 0;
    let top3 = 0;
    let base1 = 0;
    let base3 = 0;
    let subHits = 0;
    const ms: number[] = [];
    const baseMs: number[] = [];
    const run = (x: Sample) => {
      const a = process.hrtime.bigint();
      const got = classifier.suggest(x.text, 3);
      ms.push(Number(process.hrtime.bigint() - a) / 1e6);
      if (got[0]?.label === x.label) top1++;
      if (got.some((g) => g.label === x.label)) top3++;
      const b = process.hrtime.bigint();
      const sub = substring(x.text);
      baseMs.push(Number(process.hrtime.bigint() - b) / 1e6);
      if (sub === x.label) subHits++;
      if (majority[0] === x.label) base1++;
      if (majority.includes(x.label)) base3++;
    };
    for (const x of test) run(x);
    const pct = (n: number) => Math.round((n / test.length) * 1000) / 10;
    const common = { scale, db: s.scratch.db, heldOut: test.length, trained: train.length };
    report({
      name: 'suggest_top1_accuracy', value: pct(top1), unit: '%', baseline: pct(base1), ...common, heldOutIs: 'cases worded with an unseen phrasing',
      baselineIs: 'majority class', substringMatchAccuracy: pct(subHits), timeSplitTop1: Math.round(timeTop1 * 1000) / 10,
    });
    report({ name: 'suggest_top3_accuracy', value: pct(top3), unit: '%', baseline: pct(base3), ...common, baselineIs: 'three most frequent classes' });
    const p95 = Math.round(percentile(ms, 95) * 1000) / 1000;
    const baseP95 = Math.round(percentile(baseMs, 95) * 1000) / 1000;
    report({ name: 'suggest_p95_latency', value: p95, unit: 'ms', baseline: baseP95, ...common, baselineIs: 'substring match of the 106 category names', goal: '< 5 ms', trainMs: Math.round(trainMs) });
  } finally {
    await s.close();
  }
}
