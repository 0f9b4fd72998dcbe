import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEPARTMENTS,
  DEFAULT_MAJOR_CATEGORIES,
  DEFAULT_MINOR_CATEGORIES,
  findDefaultMinorCategory,
} from './categories.js';

const HAN = /\p{Script=Han}/u;

describe('default classification', () => {
  it('has 13 departments, 8 majors and 106 minors', () => {
    expect(DEFAULT_DEPARTMENTS).toHaveLength(13);
    expect(DEFAULT_MAJOR_CATEGORIES).toHaveLength(8);
    expect(DEFAULT_MINOR_CATEGORIES).toHaveLength(106);
  });

  it('uses unique, well-formed codes', () => {
    const unique = (codes: string[]) => new Set(codes).size === codes.length;
    expect(unique(DEFAULT_DEPARTMENTS.map((d) => d.code))).toBe(true);
    expect(unique(DEFAULT_MAJOR_CATEGORIES.map((m) => m.code))).toBe(true);
    expect(unique(DEFAULT_MINOR_CATEGORIES.map((m) => m.code))).toBe(true);
    for (const d of DEFAULT_DEPARTMENTS) expect(d.code).toMatch(/^D\d{2}$/);
    for (const m of DEFAULT_MAJOR_CATEGORIES) expect(m.code).toMatch(/^\d{2}$/);
    for (const m of DEFAULT_MINOR_CATEGORIES) {
      expect(m.code).toMatch(/^\d{4}$/);
      expect(m.code.startsWith(m.majorCode)).toBe(true);
    }
  });

  it('names everything in Chinese and English', () => {
    for (const x of [...DEFAULT_DEPARTMENTS, ...DEFAULT_MAJOR_CATEGORIES, ...DEFAULT_MINOR_CATEGORIES]) {
      expect(x.nameZh).toMatch(HAN);
      expect(x.nameEn).toMatch(/^[A-Z][\x20-\x7e]+$/);
    }
    expect(new Set(DEFAULT_MINOR_CATEGORIES.map((m) => m.nameZh)).size).toBe(106);
  });

  it('puts every minor under an existing major, and every major has minors', () => {
    const majors = new Set(DEFAULT_MAJOR_CATEGORIES.map((m) => m.code));
    for (const m of DEFAULT_MINOR_CATEGORIES) expect(majors.has(m.majorCode)).toBe(true);
    for (const major of majors) {
      expect(DEFAULT_MINOR_CATEGORIES.filter((m) => m.majorCode === major).length).toBeGreaterThanOrEqual(8);
    }
  });

  it('references only existing departments, without repeats, and uses every department', () => {
    const departments = new Set(DEFAULT_DEPARTMENTS.map((d) => d.code));
    const used = new Set<string>();
    for (const m of DEFAULT_MINOR_CATEGORIES) {
      expect(m.departmentCodes.length).toBeGreaterThan(0);
      expect(new Set(m.departmentCodes).size).toBe(m.departmentCodes.length);
      for (const d of m.departmentCodes) {
        expect(departments.has(d)).toBe(true);
        used.add(d);
      }
    }
    expect(used).toEqual(departments);
  });

  it('has positive limits in known units, within the realistic bounds', () => {
    const H = 1;
    const inHours = (l: { amount: number; unit: string }) => l.amount * (l.unit === 'hours' ? H : 7 * H);
    for (const m of DEFAULT_MINOR_CATEGORIES) {
      for (const stage of ['register', 'dispatch', 'handle', 'verify'] as const) {
        const limit = m.limits[stage];
        expect(limit.amount).toBeGreaterThan(0);
        expect(['hours', 'days']).toContain(limit.unit);
      }
      expect(inHours(m.limits.register)).toBeLessThanOrEqual(1);
      expect(inHours(m.limits.dispatch)).toBeLessThanOrEqual(1);
      expect(inHours(m.limits.handle)).toBeGreaterThanOrEqual(4);
      expect(inHours(m.limits.handle)).toBeLessThanOrEqual(70);
      expect(inHours(m.limits.verify)).toBeLessThanOrEqual(7);
    }
  });

  it('uses both types and all case types', () => {
    expect(new Set(DEFAULT_MINOR_CATEGORIES.map((m) => m.type))).toEqual(new Set(['component', 'event']));
    expect(new Set(DEFAULT_MINOR_CATEGORIES.map((m) => m.caseType))).toEqual(
      new Set(['immediate', 'committed', 'coordinated']),
    );
  });

  it('finds a minor by code', () => {
    expect(findDefaultMinorCategory('0401')?.nameZh).toBe('井盖缺失破损');
    expect(findDefaultMinorCategory('9999')).toBeUndefined();
  });
});
