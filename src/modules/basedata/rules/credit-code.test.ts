import { describe, expect, it } from 'vitest';
import {
  CREDIT_CODE_AUTHORITIES,
  creditCodeCheckChar,
  makeCreditCode,
  organizationCodeCheckChar,
  parseCreditCode,
} from './credit-code.js';

/**
 * Codes published online by their holders, collected in python-stdnum's
 * test suite and in public validator write-ups (e.g. 全聚德 91110000101623741K).
 * They cover letter check characters, letters in the subject code (MA…),
 * a non-market authority (12…) and individual businesses (92…).
 */
const PUBLIC_CODES = [
  '121200004013590816',
  '91110000600037341L',
  '91110000710926094P',
  '91110000101623741K',
  '911101066976941872',
  '91120224064012553U',
  '91152201078371135X',
  '9115220107837757XE',
  '91310115MA1K3BTP2B',
  '91340600MA2PBM9HXD',
  '91420684MA4927PJ7B',
  '9144030071526726XG',
  '91620105L015101280',
  '91620105MA71T4YW8Q',
  '92340602MA2PBMEM24',
  '92340621MA2UK3PJXE',
];

describe('credit code check characters', () => {
  it('agrees with real issued codes', () => {
    for (const code of PUBLIC_CODES) {
      expect(creditCodeCheckChar(code.slice(0, 17)), code).toBe(code[17]);
      expect(organizationCodeCheckChar(code.slice(8, 16)), code).toBe(code[16]);
    }
  });

  it('maps check value 31 to 0 and 30 to Y', () => {
    const found = new Set<string>();
    for (let serial = 0; serial < 3000; serial++) found.add(makeCreditCode({ region: '430111', serial })[17]!);
    expect(found.has('0')).toBe(true);
    expect(found.has('Y')).toBe(true);
    expect(found.size).toBe(31);
  });

  it('refuses input outside the character set', () => {
    expect(() => creditCodeCheckChar('9111000060003734I')).toThrow(RangeError);
    expect(() => creditCodeCheckChar('911100006000373')).toThrow(RangeError);
    expect(() => organizationCodeCheckChar('6000373')).toThrow(RangeError);
  });
});

describe('parseCreditCode', () => {
  it('accepts real codes and splits them', () => {
    for (const code of PUBLIC_CODES) {
      const r = parseCreditCode(code);
      expect(r.ok, code).toBe(true);
      expect(r.ok && r.subjectCheckValid, code).toBe(true);
    }
    expect(parseCreditCode('91110000600037341L')).toEqual({
      ok: true,
      value: '91110000600037341L',
      authority: '9',
      orgType: '1',
      regionCode: '110000',
      subjectCode: '600037341',
      subjectCheckValid: true,
    });
  });

  it('normalizes case, spaces and full-width characters', () => {
    for (const raw of ['91 110000 600037341l', '９１１１００００６０００３７３４１Ｌ']) {
      const r = parseCreditCode(raw);
      expect(r.ok && r.value).toBe('91110000600037341L');
    }
  });

  it('reports CREDIT_CODE_LENGTH', () => {
    for (const raw of ['', '12345', '91110000600037341', '91110000600037341L0']) {
      expect(parseCreditCode(raw)).toEqual({ ok: false, code: 'CREDIT_CODE_LENGTH' });
    }
  });

  it('reports CREDIT_CODE_CHARS for I O Z S V and letters in the region', () => {
    for (const raw of ['9111000060003IOZSV', '91110000600037341I', '9111000060003734VL', '911A0000600037341L', 'S1110000600037341L', '91110000-00037341L']) {
      expect(parseCreditCode(raw)).toEqual({ ok: false, code: 'CREDIT_CODE_CHARS' });
    }
  });

  it('reports CREDIT_CODE_AUTHORITY and CREDIT_CODE_ORG_TYPE', () => {
    const withPrefix = (prefix: string): string => {
      const first17 = `${prefix}110000600037341`;
      return first17 + creditCodeCheckChar(first17);
    };
    expect(parseCreditCode(withPrefix('01'))).toEqual({ ok: false, code: 'CREDIT_CODE_AUTHORITY' });
    expect(parseCreditCode(withPrefix('B1'))).toEqual({ ok: false, code: 'CREDIT_CODE_AUTHORITY' });
    expect(parseCreditCode(withPrefix('94'))).toEqual({ ok: false, code: 'CREDIT_CODE_ORG_TYPE' });
    expect(parseCreditCode(withPrefix('99'))).toEqual({ ok: false, code: 'CREDIT_CODE_ORG_TYPE' });
    expect(parseCreditCode(withPrefix('Y2'))).toEqual({ ok: false, code: 'CREDIT_CODE_ORG_TYPE' });
    expect(parseCreditCode(withPrefix('N3')).ok).toBe(true);
    expect(parseCreditCode(withPrefix('59')).ok).toBe(true);
  });

  it('reports CREDIT_CODE_REGION', () => {
    for (const region of ['000000', '990000', '200000']) {
      const first17 = `91${region}600037341`;
      expect(parseCreditCode(first17 + creditCodeCheckChar(first17))).toEqual({ ok: false, code: 'CREDIT_CODE_REGION' });
    }
    const central = '12100000600037341';
    expect(parseCreditCode(central + creditCodeCheckChar(central)).ok).toBe(true);
  });

  it('reports CREDIT_CODE_CHECKSUM', () => {
    expect(parseCreditCode('91110000600037341N')).toEqual({ ok: false, code: 'CREDIT_CODE_CHECKSUM' });
    expect(parseCreditCode('91110000600073341L')).toEqual({ ok: false, code: 'CREDIT_CODE_CHECKSUM' });
  });

  it('flags, but accepts, a subject code with a wrong GB 11714 check', () => {
    const first17 = '911100006000373401'.slice(0, 17);
    const r = parseCreditCode(first17 + creditCodeCheckChar(first17));
    expect(r.ok).toBe(true);
    expect(r.ok && r.subjectCheckValid).toBe(false);
  });
});

describe('makeCreditCode', () => {
  it('makes codes that parse, for every authority and organization type', () => {
    let serial = 1;
    for (const [authority, entry] of Object.entries(CREDIT_CODE_AUTHORITIES)) {
      for (const orgType of Object.keys(entry.orgTypes)) {
        const code = makeCreditCode({ authority, orgType, region: '430111', serial: serial++ });
        const r = parseCreditCode(code);
        expect(r.ok, code).toBe(true);
        expect(r.ok && [r.authority, r.orgType, r.regionCode, r.subjectCheckValid]).toEqual([authority, orgType, '430111', true]);
      }
    }
  });

  it('is deterministic and distinct per serial', () => {
    expect(makeCreditCode({ region: '430111', serial: 42 })).toBe(makeCreditCode({ region: '430111', serial: 42 }));
    expect(makeCreditCode({ region: '430111', serial: 42 })).not.toBe(makeCreditCode({ region: '430111', serial: 43 }));
    expect(makeCreditCode({ region: '430111', serial: 42 }).slice(0, 2)).toBe('91');
  });

  it('refuses inputs that cannot make a valid code', () => {
    expect(() => makeCreditCode({ authority: 'B', region: '430111', serial: 1 })).toThrow(RangeError);
    expect(() => makeCreditCode({ authority: '9', orgType: '9', region: '430111', serial: 1 })).toThrow(RangeError);
    expect(() => makeCreditCode({ region: '990000', serial: 1 })).toThrow(RangeError);
    expect(() => makeCreditCode({ region: '430111', serial: 100_000_000 })).toThrow(RangeError);
    expect(() => makeCreditCode({ region: '430111', serial: -1 })).toThrow(RangeError);
  });
});
