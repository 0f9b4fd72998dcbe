import { describe, expect, it } from 'vitest';
import { containsPattern } from './like.js';

describe('containsPattern', () => {
  it('escapes the LIKE wildcards and the escape character itself', () => {
    expect(containsPattern('gw_test01')).toBe('%gw!_test01%');
    expect(containsPattern('50%!')).toBe('%50!%!!%');
    expect(containsPattern('张三')).toBe('%张三%');
  });
});
