import { describe, expect, it } from 'vitest';
import { maskIdNumber, maskName, maskPhone } from './masking.js';

describe('maskIdNumber', () => {
  it('keeps the first 6 and last 4 characters', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
    expect(maskIdNumber('110105491231002')).toBe('110105*****1002');
  });

  it('hides everything when the input is too short to keep both ends', () => {
    expect(maskIdNumber('1101050011')).toBe('**********');
    expect(maskIdNumber('11010500112')).toBe('110105*0112');
    expect(maskIdNumber('123')).toBe('***');
  });

  it('handles empty, null, undefined and padded input', () => {
    expect(maskIdNumber('')).toBe('');
    expect(maskIdNumber(null)).toBe('');
    expect(maskIdNumber(undefined)).toBe('');
    expect(maskIdNumber('  11010519491231002X ')).toBe('110105********002X');
  });
});

describe('maskPhone', () => {
  it('keeps the first 3 and last 4 characters', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('073188889999')).toBe('073*****9999');
  });

  it('hides everything when the input is too short to keep both ends', () => {
    expect(maskPhone('12345')).toBe('*****');
    expect(maskPhone('1234567')).toBe('*******');
    expect(maskPhone('12345678')).toBe('123*5678');
  });

  it('handles empty and missing input', () => {
    expect(maskPhone('')).toBe('');
    expect(maskPhone(null)).toBe('');
    expect(maskPhone('   ')).toBe('');
  });
});

describe('maskName', () => {
  it('keeps the first character and the length', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('欧阳修')).toBe('欧**');
    expect(maskName('司马相如')).toBe('司***');
  });

  it('keeps name separators', () => {
    expect(maskName('买买提·艾力')).toBe('买**·**');
    expect(maskName('John Smith')).toBe('J*** *****');
  });

  it('masks a one-character name entirely and copes with empty input', () => {
    expect(maskName('张')).toBe('*');
    expect(maskName('')).toBe('');
    expect(maskName(null)).toBe('');
    expect(maskName(' 李四 ')).toBe('李*');
  });

  it('counts characters outside the basic plane as one', () => {
    expect(maskName('𠀀三')).toBe('𠀀*');
    expect(maskName('张𠀀𠀀')).toBe('张**');
  });
});
