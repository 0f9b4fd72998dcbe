import { describe, expect, it } from 'vitest';
import { ID_MAX_SEQ, idNumberCheckChar, makeIdNumber, normalizeIdNumber, parseIdNumber } from './id-number.js';

const TODAY = '2025-06-30';

describe('identity number check character', () => {
  it('matches the worked examples of GB 11643-1999', () => {
    // Appendix A: Beijing Chaoyang 11010519491231002X, Shantou 440524188001010014.
    expect(idNumberCheckChar('11010519491231002')).toBe('X');
    expect(idNumberCheckChar('44052418800101001')).toBe('4');
  });

  it('produces every check character of the MOD 11-2 table', () => {
    const seen = new Set<string>();
    for (let seq = 0; seq < 200; seq++) seen.add(idNumberCheckChar(`43011119900101${String(seq).padStart(3, '0')}`));
    expect([...seen].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
  });

  it('refuses input that is not 17 digits', () => {
    expect(() => idNumberCheckChar('1101051949123100')).toThrow(RangeError);
    expect(() => idNumberCheckChar('1101051949123100A')).toThrow(RangeError);
  });
});

describe('parseIdNumber', () => {
  it('decodes the standard example', () => {
    expect(parseIdNumber('11010519491231002X', TODAY)).toEqual({
      ok: true,
      value: '11010519491231002X',
      regionCode: '110105',
      birthDate: '1949-12-31',
      sex: 'female',
    });
  });

  it('normalizes a lower-case x, spaces and full-width characters', () => {
    for (const raw of ['11010519491231002x', ' 110105 19491231 002X ', '１１０１０５１９４９１２３１００２Ｘ']) {
      const r = parseIdNumber(raw, TODAY);
      expect(r.ok && r.value).toBe('11010519491231002X');
    }
    expect(normalizeIdNumber('１１０１０５x')).toBe('110105X');
  });

  it('derives sex from the 17th digit', () => {
    const male = parseIdNumber(makeIdNumber('430111', '19800229', 7, 'male'), TODAY);
    const female = parseIdNumber(makeIdNumber('430111', '19800229', 7, 'female'), TODAY);
    expect(male.ok && male.sex).toBe('male');
    expect(female.ok && female.sex).toBe('female');
    expect(male.ok && male.birthDate).toBe('1980-02-29');
  });

  it('reports ID_LENGTH', () => {
    for (const raw of ['', '11010519491231002', '11010519491231002X1', '110105491231002']) {
      expect(parseIdNumber(raw, TODAY)).toEqual({ ok: false, code: 'ID_LENGTH' });
    }
  });

  it('reports ID_CHARS', () => {
    for (const raw of ['1101051949123100XX', '11010519491231002Y', '11010519A91231002X', '-1010519491231002X']) {
      expect(parseIdNumber(raw, TODAY)).toEqual({ ok: false, code: 'ID_CHARS' });
    }
  });

  it('reports ID_REGION for an implausible province prefix', () => {
    for (const region of ['000000', '100105', '190105', '600105', '910105']) {
      const first17 = `${region}19491231002`;
      expect(parseIdNumber(first17 + idNumberCheckChar(first17), TODAY)).toEqual({ ok: false, code: 'ID_REGION' });
    }
  });

  it('reports ID_BIRTH_DATE for impossible, future and pre-1900 dates', () => {
    const withDate = (ymd: string): string => {
      const first17 = `110105${ymd}002`;
      return first17 + idNumberCheckChar(first17);
    };
    for (const ymd of ['19490231', '19491301', '19490001', '19490100', '19000229', '20250701', '18991231']) {
      expect(parseIdNumber(withDate(ymd), TODAY)).toEqual({ ok: false, code: 'ID_BIRTH_DATE' });
    }
    // The standard's own second example was born in 1880: checksum right, date refused.
    expect(parseIdNumber('440524188001010014', TODAY)).toEqual({ ok: false, code: 'ID_BIRTH_DATE' });
    expect(parseIdNumber(withDate('20000229'), TODAY).ok).toBe(true);
    expect(parseIdNumber(withDate('20250630'), TODAY).ok).toBe(true);
    expect(parseIdNumber(withDate('19000101'), TODAY).ok).toBe(true);
  });

  it('reports ID_CHECKSUM for a single wrong digit or swapped neighbours', () => {
    expect(parseIdNumber('110105194912310020', TODAY)).toEqual({ ok: false, code: 'ID_CHECKSUM' });
    expect(parseIdNumber('11010519491231003X', TODAY)).toEqual({ ok: false, code: 'ID_CHECKSUM' });
    expect(parseIdNumber('11010519491231020X', TODAY)).toEqual({ ok: false, code: 'ID_CHECKSUM' });
  });

  it('refuses a malformed today', () => {
    expect(() => parseIdNumber('11010519491231002X', '20250630')).toThrow(RangeError);
  });
});

describe('makeIdNumber', () => {
  it('makes numbers that parse back to their inputs', () => {
    for (const [region, ymd, seq, sex] of [
      ['430111', '1990-01-01', 0, 'female'],
      ['430111', '19900101', 0, 'male'],
      ['810000', '20241231', ID_MAX_SEQ, 'male'],
      ['650102', '19000101', 123, 'female'],
    ] as const) {
      const id = makeIdNumber(region, ymd, seq, sex);
      const r = parseIdNumber(id, TODAY);
      expect(r).toEqual({
        ok: true,
        value: id,
        regionCode: region,
        birthDate: `${ymd.replaceAll('-', '').slice(0, 4)}-${ymd.replaceAll('-', '').slice(4, 6)}-${ymd.replaceAll('-', '').slice(6)}`,
        sex,
      });
    }
  });

  it('is deterministic and collision-free over seq and sex', () => {
    expect(makeIdNumber('430111', '19900101', 5, 'male')).toBe(makeIdNumber('430111', '19900101', 5, 'male'));
    const ids = new Set<string>();
    for (let seq = 0; seq <= ID_MAX_SEQ; seq++) {
      ids.add(makeIdNumber('430111', '19900101', seq, 'male'));
      ids.add(makeIdNumber('430111', '19900101', seq, 'female'));
    }
    expect(ids.size).toBe(2 * (ID_MAX_SEQ + 1));
  });

  it('refuses inputs that cannot make a valid number', () => {
    expect(() => makeIdNumber('990000', '19900101', 0, 'male')).toThrow(RangeError);
    expect(() => makeIdNumber('43011', '19900101', 0, 'male')).toThrow(RangeError);
    expect(() => makeIdNumber('430111', '19900230', 0, 'male')).toThrow(RangeError);
    expect(() => makeIdNumber('430111', '18991231', 0, 'male')).toThrow(RangeError);
    expect(() => makeIdNumber('430111', '19900101', 500, 'male')).toThrow(RangeError);
    expect(() => makeIdNumber('430111', '19900101', 1.5, 'male')).toThrow(RangeError);
    expect(() => makeIdNumber('430111', '19900101', -1, 'male')).toThrow(RangeError);
  });
});
