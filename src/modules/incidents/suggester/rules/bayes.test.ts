import { describe, expect, it } from 'vitest';
import { BayesClassifier, ngrams, normalizeText, trainBayes, type Sample } from './bayes.js';

const SAMPLES: Sample[] = [
  { text: '小区门口的路灯晚上不亮了', label: 'lamp' },
  { text: '路灯坏了好几天，晚上黑漆漆', label: 'lamp' },
  { text: '这条路的路灯一闪一闪', label: 'lamp' },
  { text: '井盖被压碎了，很危险', label: 'manhole' },
  { text: '下水道井盖不见了', label: 'manhole' },
  { text: '人行道上的井盖翘起来了', label: 'manhole' },
  { text: '楼下烧烤油烟太大，呛得受不了', label: 'smoke' },
  { text: '饭店油烟直接排到居民楼', label: 'smoke' },
];

/** The same posterior, computed the textbook way: every class, every n-gram, dense. */
function denseScores(model: ReturnType<typeof trainBayes>, text: string): number[] {
  const docs = model.docs.reduce((a, b) => a + b, 0);
  const scores = model.labels.map((_, i) => {
    let s = Math.log(model.docs[i]! / docs);
    for (const g of ngrams(text)) {
      const flat = model.grams[g];
      if (!flat) continue;
      let c = 0;
      for (let k = 0; k < flat.length; k += 2) if (flat[k] === i) c = flat[k + 1]!;
      s += Math.log((c + model.alpha) / (model.totals[i]! + model.alpha * model.vocabulary));
    }
    return s;
  });
  const max = Math.max(...scores);
  const z = scores.reduce((a, s) => a + Math.exp(s - max), 0);
  return scores.map((s) => Math.exp(s - max) / z);
}

describe('naive Bayes category suggester', () => {
  it('normalizes text and cuts 1- to 3-character n-grams', () => {
    expect(normalizeText('１２栋， 路灯！Ａ')).toBe('0栋路灯a');
    expect(ngrams('路灯坏')).toEqual(['路', '灯', '坏', '路灯', '灯坏', '路灯坏']);
  });

  it('suggests the right class for unseen phrasings', () => {
    const c = new BayesClassifier(trainBayes(SAMPLES, { minCount: 1 }));
    expect(c.suggest('晚上路灯不亮')[0]!.label).toBe('lamp');
    expect(c.suggest('井盖碎了')[0]!.label).toBe('manhole');
    expect(c.suggest('烧烤店油烟扰民')[0]!.label).toBe('smoke');
  });

  it('gives the same posterior as the dense textbook computation', () => {
    const model = trainBayes(SAMPLES, { minCount: 1 });
    const c = new BayesClassifier(model);
    const text = '路边井盖旁的路灯也坏了';
    const dense = denseScores(model, text);
    for (const s of c.suggest(text, 3)) expect(s.confidence).toBeCloseTo(dense[model.labels.indexOf(s.label)]!, 10);
  });

  it('returns at most k suggestions, best first, with confidences summing to at most 1', () => {
    const c = new BayesClassifier(trainBayes(SAMPLES, { minCount: 1 }));
    const s = c.suggest('路灯', 2);
    expect(s).toHaveLength(2);
    expect(s[0]!.confidence).toBeGreaterThanOrEqual(s[1]!.confidence);
    expect(s[0]!.confidence + s[1]!.confidence).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('suggests nothing for text with no known n-gram, or with no model', () => {
    expect(new BayesClassifier(trainBayes(SAMPLES)).suggest('xyz')).toEqual([]);
    expect(new BayesClassifier(trainBayes([])).suggest('路灯')).toEqual([]);
  });

  it('drops n-grams seen once in the corpus', () => {
    const model = trainBayes(SAMPLES, { minCount: 2 });
    expect(model.grams['路灯']).toBeDefined();
    expect(model.grams['漆漆']).toBeUndefined();
  });

  it('survives a JSON round trip', () => {
    const model = trainBayes(SAMPLES, { minCount: 1 });
    const back = new BayesClassifier(JSON.parse(JSON.stringify(model)) as typeof model);
    expect(back.suggest('路灯不亮')).toEqual(new BayesClassifier(model).suggest('路灯不亮'));
  });
});
