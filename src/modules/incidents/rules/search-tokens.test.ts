import { describe, expect, it } from 'vitest';
import { booleanModeMatch, fts5Match, indexTokens, queryParts, queryRuns, tokensMatch } from './search-tokens.js';

const hex = (ch: string) => ch.codePointAt(0)!.toString(16).padStart(5, '0');
const pair = (a: string, b: string) => `b${hex(a)}${hex(b)}`;

/** The scope narrowing the engines add to a match, here over the same tokens. */
function matches(tokens: string, q: string, scope: string[] = []): boolean {
  return tokensMatch(tokens, queryParts(q)) && (scope.length === 0 || scope.some((s) => tokens.split(' ').includes(`g${s}`)));
}

describe('incident search tokens', () => {
  const text = '20260115000123 井盖破损，周边居民投诉 桂园街道16栋 A区';
  const tokens = indexTokens(text, '430111001002003');

  it('indexes Chinese runs as ordered pairs plus the run end, words lowercased, and every grid level', () => {
    const list = tokens.split(' ');
    expect(list).toContain('wd20260115000123');
    expect(list.slice(1, 5)).toEqual([pair('井', '盖'), pair('盖', '破'), pair('破', '损'), `u${hex('损')}`]);
    expect(list).toContain('wda');
    expect(list).toContain('wd16');
    expect(list.filter((t) => t.startsWith('g'))).toEqual(['g430111', 'g430111001', 'g430111001002', 'g430111001002003']);
    expect(list.every((t) => /^[a-z0-9]{3,84}$/.test(t))).toBe(true);
  });

  it('matches Chinese substrings exactly, single characters anywhere, and word prefixes', () => {
    for (const q of ['井盖', '盖破损', '居民投诉', '破', '损', '街道', '栋', '2026', '20260115000123', 'a', '16', '井盖 投诉', '井盖，16']) expect(matches(tokens, q), q).toBe(true);
    for (const q of ['井破', '盖井', '积水', '2027', '6', '居投', '', '%', '  ']) expect(matches(tokens, q), q).toBe(false);
  });

  it('narrows by scope prefixes', () => {
    expect(matches(tokens, '井盖', ['430111001'])).toBe(true);
    expect(matches(tokens, '井盖', ['430111002', '430111001002'])).toBe(true);
    expect(matches(tokens, '井盖', ['430111002'])).toBe(false);
  });

  it('writes the same query for FTS5 and for InnoDB boolean mode', () => {
    const parts = queryParts('井盖破 损 A1');
    expect(fts5Match(parts, ['430111001'])).toBe(`"${pair('井', '盖')} ${pair('盖', '破')}" AND (b${hex('损')}* OR u${hex('损')}) AND wda1* AND g430111001`);
    expect(booleanModeMatch(parts, ['430111001', '430111002'])).toBe(`+"${pair('井', '盖')} ${pair('盖', '破')}" +(b${hex('损')}* u${hex('损')}) +wda1* +(g430111001 g430111002)`);
    expect(fts5Match(queryParts('井'), [])).toBe(`(b${hex('井')}* OR u${hex('井')})`);
  });

  it('gives the runs of a query for a substring prefilter', () => {
    expect(queryRuns('井盖，破损 A1')).toEqual(['井盖', '破损', 'a1']);
    expect(queryRuns('%_!')).toEqual([]);
  });

  it('refuses a scope that is not a grid code', () => {
    expect(() => fts5Match(queryParts('井盖'), ["1' OR '1"])).toThrow(/invalid grid prefix/);
  });
});
