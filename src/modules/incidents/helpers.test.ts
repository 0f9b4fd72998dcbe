import { describe, expect, it } from 'vitest';
import { formatLimit, parseLimit } from './configuration.js';
import { ACTION_PERMISSIONS, haversineM, isCodeQuery, maskPhone } from './service.js';
import { REFUSAL_HTTP } from './messages.js';
import { ACTION_TYPES } from './rules/state-machine.js';
import { PERMISSION_CODES } from '../accounts/catalogue.js';

describe('incident service helpers', () => {
  it('takes a query of four or more digits as a code search', () => {
    expect(isCodeQuery(' 20261128 ')).toBe(true);
    expect(isCodeQuery('202611280012')).toBe(true);
    expect(isCodeQuery('16')).toBe(false);
    expect(isCodeQuery('16栋')).toBe(false);
    expect(isCodeQuery('2026 11')).toBe(false);
  });

  it('masks phone numbers, keeping only what identifies nobody', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('138 1234 5678')).toBe('138****5678');
    expect(maskPhone('0731-8888777')).toBe('073****8777');
    expect(maskPhone('12345678')).toBe('123***78');
    expect(maskPhone('110')).toBe('***');
  });

  it('measures distances on the ground', () => {
    expect(haversineM(113, 28, 113, 28)).toBe(0);
    // One thousandth of a degree of latitude is about 111 m.
    expect(haversineM(113, 28, 113, 28.001)).toBeCloseTo(111.2, 0);
    expect(haversineM(113, 28, 113.001, 28)).toBeCloseTo(98.2, 0);
  });

  it('reads and writes the spreadsheet form of a time limit', () => {
    expect(parseLimit('4h')).toEqual({ amount: 4, unit: 'hours' });
    expect(parseLimit(' 0.5 H ')).toEqual({ amount: 0.5, unit: 'hours' });
    expect(parseLimit('3d')).toEqual({ amount: 3, unit: 'days' });
    for (const bad of ['', '0h', '3', 'd', '-1d', '1w']) expect(parseLimit(bad)).toBeNull();
    expect(formatLimit({ amount: 2, unit: 'days' })).toBe('2d');
  });

  it('names a known permission for every action and a status for every refusal', () => {
    for (const type of ACTION_TYPES) {
      expect(ACTION_PERMISSIONS[type].length, type).toBeGreaterThan(0);
      for (const p of ACTION_PERMISSIONS[type]) expect(PERMISSION_CODES.has(p), p).toBe(true);
    }
    for (const m of Object.values(REFUSAL_HTTP)) expect([403, 409, 422]).toContain(m.status);
  });
});
