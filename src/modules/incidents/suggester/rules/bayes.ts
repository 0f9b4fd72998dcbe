/**
 * Category suggestion from a description: multinomial naive Bayes over
 * character n-grams (1 to 3 characters), which suits Chinese text with no
 * word segmentation. Pure: trained and used in memory, serialized as JSON.
 *
 * Scoring is sparse: a class's log-likelihood is written as a part that
 * depends only on the number of n-grams and the class's total, plus a sum
 * over the n-grams the class has actually seen, so one suggestion touches
 * only the (n-gram, class) pairs present in the text, not every class for
 * every n-gram.
 */

export interface Sample {
  text: string;
  label: string;
}

export interface BayesModel {
  format: 1;
  /** Smoothing (Laplace / Lidstone). */
  alpha: number;
  labels: string[];
  /** Documents per label (for the prior). */
  docs: number[];
  /** N-gram occurrences per label. */
  totals: number[];
  vocabulary: number;
  /** n-gram → flat [labelIndex, count, labelIndex, count, …]. */
  grams: Record<string, number[]>;
}

export interface Suggestion {
  label: string;
  /** Posterior probability among the labels, 0–1. */
  confidence: number;
}

const MAX_N = 3;

/** NFKC, lower case, digits folded to 0 (building numbers say nothing about the category), punctuation and spaces dropped. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[0-9]+/g, '0').replace(/[\s\p{P}\p{S}]+/gu, '');
}

/** The character n-grams (1..3) of a text, with repeats. */
export function ngrams(text: string): string[] {
  const cs = Array.from(normalizeText(text));
  const out: string[] = [];
  for (let n = 1; n <= MAX_N; n++) {
    for (let i = 0; i + n <= cs.length; i++) out.push(cs.slice(i, i + n).join(''));
  }
  return out;
}

/**
 * Trains on labelled texts. N-grams seen only once in the whole corpus are
 * dropped (`minCount`): they are mostly names and noise, and dropping them
 * keeps the stored model small.
 */
export function trainBayes(samples: Iterable<Sample>, options: { alpha?: number; minCount?: number } = {}): BayesModel {
  const alpha = options.alpha ?? 0.1;
  const minCount = options.minCount ?? 2;
  const labelIndex = new Map<string, number>();
  const labels: string[] = [];
  const docs: number[] = [];
  const counts = new Map<string, Map<number, number>>();
  const seen = new Map<string, number>();
  for (const s of samples) {
    let li = labelIndex.get(s.label);
    if (li === undefined) {
      li = labels.length;
      labelIndex.set(s.label, li);
      labels.push(s.label);
      docs.push(0);
    }
    docs[li]!++;
    for (const g of ngrams(s.text)) {
      seen.set(g, (seen.get(g) ?? 0) + 1);
      let m = counts.get(g);
      if (!m) counts.set(g, (m = new Map()));
      m.set(li, (m.get(li) ?? 0) + 1);
    }
  }
  const totals = labels.map(() => 0);
  const grams: Record<string, number[]> = {};
  let vocabulary = 0;
  for (const [g, m] of counts) {
    if ((seen.get(g) ?? 0) < minCount) continue;
    vocabulary++;
    const flat: number[] = [];
    for (const [li, c] of m) {
      flat.push(li, c);
      totals[li]! += c;
    }
    grams[g] = flat;
  }
  return { format: 1, alpha, labels, docs, totals, vocabulary, grams };
}

/** A model ready to score: logarithms computed once. */
export class BayesClassifier {
  private readonly logPrior: Float64Array;
  private readonly logDenominator: Float64Array;
  private readonly logAlpha: number;
  private readonly gramIndex: Map<string, { labels: Int32Array; gains: Float64Array }>;

  constructor(readonly model: BayesModel) {
    const n = model.labels.length;
    const docTotal = model.docs.reduce((a, b) => a + b, 0);
    this.logPrior = new Float64Array(n);
    this.logDenominator = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.logPrior[i] = Math.log(model.docs[i]! / docTotal);
      this.logDenominator[i] = Math.log(model.totals[i]! + model.alpha * model.vocabulary);
    }
    this.logAlpha = Math.log(model.alpha);
    this.gramIndex = new Map();
    for (const [g, flat] of Object.entries(model.grams)) {
      const labels = new Int32Array(flat.length / 2);
      const gains = new Float64Array(flat.length / 2);
      for (let k = 0; k < flat.length; k += 2) {
        labels[k / 2] = flat[k]!;
        gains[k / 2] = Math.log(flat[k + 1]! + model.alpha) - this.logAlpha;
      }
      this.gramIndex.set(g, { labels, gains });
    }
  }

  /** The `k` most probable labels with their posterior probability; empty when the text has no known n-gram. */
  suggest(text: string, k = 3): Suggestion[] {
    const n = this.model.labels.length;
    if (n === 0) return [];
    const scores = new Float64Array(n);
    let known = 0;
    for (const g of ngrams(text)) {
      const entry = this.gramIndex.get(g);
      // N-grams outside the vocabulary carry no evidence for any class: skipped.
      if (!entry) continue;
      known++;
      for (let j = 0; j < entry.labels.length; j++) scores[entry.labels[j]!]! += entry.gains[j]!;
    }
    if (known === 0) return [];
    // Every counted n-gram contributes log(alpha) − log(denominator) before its gain; the log(alpha) part is equal for all classes and cancels.
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      scores[i] = scores[i]! + this.logPrior[i]! - known * this.logDenominator[i]!;
      if (scores[i]! > max) max = scores[i]!;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(scores[i]! - max);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!).slice(0, k);
    return order.map((i) => ({ label: this.model.labels[i]!, confidence: Math.exp(scores[i]! - max) / sum }));
  }
}
