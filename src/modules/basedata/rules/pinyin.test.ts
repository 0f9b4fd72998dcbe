import { describe, expect, it } from 'vitest';
import { pinyinInitials } from './pinyin.js';

describe('pinyinInitials', () => {
  it('gives the first letter of each syllable', () => {
    expect(pinyinInitials('张三丰')).toBe('zsf');
    expect(pinyinInitials('李四')).toBe('ls');
    expect(pinyinInitials('欧阳修')).toBe('oyx');
  });

  it('reads polyphonic surnames as surnames', () => {
    expect(pinyinInitials('单田芳')).toBe('stf');
    expect(pinyinInitials('曾国藩')).toBe('zgf');
    expect(pinyinInitials('解缙')).toBe('xj');
    expect(pinyinInitials('仇英')).toBe('qy');
    expect(pinyinInitials('区华')).toBe('oh');
    expect(pinyinInitials('朴树')).toBe('ps');
    expect(pinyinInitials('查良镛')).toBe('zly');
    expect(pinyinInitials('尉迟恭')).toBe('ycg');
    expect(pinyinInitials('长孙无忌')).toBe('zswj');
  });

  it('reads the same characters normally outside the surname', () => {
    expect(pinyinInitials('王单')).toBe('wd');
    expect(pinyinInitials('李曾')).toBe('lc');
  });

  it('keeps Latin letters and digits, drops separators', () => {
    expect(pinyinInitials('买买提·艾力')).toBe('mmtal');
    expect(pinyinInitials('Tom张')).toBe('tomz');
    expect(pinyinInitials(' 张 三 ')).toBe('zs');
    expect(pinyinInitials('ＡＢ张')).toBe('abz');
  });

  it('handles ü and empty input', () => {
    expect(pinyinInitials('吕布')).toBe('lb');
    expect(pinyinInitials('')).toBe('');
    expect(pinyinInitials('   ')).toBe('');
    expect(pinyinInitials('·')).toBe('');
  });
});
