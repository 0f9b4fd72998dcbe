import { describe, expect, it } from 'vitest';
import {
  GRID_LEVELS,
  ancestorCodes,
  isDescendantCode,
  levelOfCode,
  parentCode,
  parseGridCode,
  validateChildCode,
} from './codes.js';

describe('grid codes', () => {
  it('orders levels root first', () => {
    expect(GRID_LEVELS).toEqual(['district', 'street', 'community', 'unit']);
  });

  it('derives the level from the code shape', () => {
    expect(levelOfCode('430111')).toBe('district');
    expect(levelOfCode('430111001')).toBe('street');
    expect(levelOfCode('430111001002')).toBe('community');
    expect(levelOfCode('430111001002003')).toBe('unit');
    for (const bad of ['', '43011', '4301110', '43011100100', '430111001002003004', '43011a', ' 430111', '430111.0']) {
      expect(levelOfCode(bad)).toBeNull();
    }
  });

  it('parses segments', () => {
    expect(parseGridCode('430111001002003')).toEqual({
      ok: true,
      value: { code: '430111001002003', level: 'unit', district: '430111', street: '001', community: '002', unit: '003' },
    });
    expect(parseGridCode('430111001')).toEqual({ ok: true, value: { code: '430111001', level: 'street', district: '430111', street: '001' } });
    expect(parseGridCode('4301x1')).toEqual({ ok: false, error: 'GRID_CODE_MALFORMED' });
    expect(parseGridCode('000000')).toEqual({ ok: false, error: 'GRID_CODE_MALFORMED' });
    expect(parseGridCode('430111000')).toEqual({ ok: false, error: 'GRID_CODE_ZERO_SEGMENT' });
    expect(parseGridCode('430111001000005')).toEqual({ ok: false, error: 'GRID_CODE_ZERO_SEGMENT' });
  });

  it('finds parents and ancestors by prefix', () => {
    expect(parentCode('430111001002003')).toBe('430111001002');
    expect(parentCode('430111001')).toBe('430111');
    expect(parentCode('430111')).toBeNull();
    expect(parentCode('bad')).toBeNull();
    expect(ancestorCodes('430111001002003')).toEqual(['430111', '430111001', '430111001002']);
    expect(ancestorCodes('430111')).toEqual([]);
  });

  it('holds the scope invariant: a code begins with every ancestor code', () => {
    const unit = '430111012034056';
    for (const a of ancestorCodes(unit)) {
      expect(unit.startsWith(a)).toBe(true);
      expect(isDescendantCode(unit, a)).toBe(true);
    }
    expect(isDescendantCode(unit, unit)).toBe(false);
    expect(isDescendantCode('430111001', '430111001002')).toBe(false);
    expect(isDescendantCode('430112001', '430111')).toBe(false);
    expect(isDescendantCode('430111001', '43011')).toBe(false);
  });

  it('validates a direct child code', () => {
    expect(validateChildCode('430111', '430111001')).toBeNull();
    expect(validateChildCode('430111001', '430111001999')).toBeNull();
    expect(validateChildCode('430111001', '430111002001')).toBe('GRID_CODE_NOT_NESTED');
    expect(validateChildCode('430111', '430112001')).toBe('GRID_CODE_NOT_NESTED');
    expect(validateChildCode('430111001', '430111')).toBe('GRID_CODE_NOT_NESTED');
    expect(validateChildCode('430111', '430111001001')).toBe('GRID_CODE_LEVEL_SKIPPED');
    expect(validateChildCode('430111', '43011100x')).toBe('GRID_CODE_MALFORMED');
    expect(validateChildCode('43011', '430111001')).toBe('GRID_CODE_MALFORMED');
    expect(validateChildCode('430111', '430111000')).toBe('GRID_CODE_ZERO_SEGMENT');
  });
});
