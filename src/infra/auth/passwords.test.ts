import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, generatePassword, hashPassword, verifyPassword } from './passwords.js';

const policy = { minLength: 8, minClasses: 3 };

describe('password policy', () => {
  it('accepts a long password of three classes not containing the username', () => {
    expect(checkPasswordPolicy('Harbor#river9', 'wangfang', policy)).toEqual([]);
  });
  it('names every violation', () => {
    expect(checkPasswordPolicy('abc', 'wangfang', policy)).toEqual(['too_short', 'classes']);
    expect(checkPasswordPolicy('abcdefgh1', 'wangfang', policy)).toEqual(['classes']);
    expect(checkPasswordPolicy('WangFang#2026', 'wangfang', policy)).toEqual(['contains_username']);
    expect(checkPasswordPolicy(`A1#${'x'.repeat(130)}`, 'wangfang', policy)).toEqual(['too_long']);
  });
  it('counts characters, not UTF-16 units, for length', () => {
    expect(checkPasswordPolicy('网格A1#网格', 'wangfang', policy)).toEqual(['too_short']);
  });
  it('generates passwords that pass the strictest policy', () => {
    for (let i = 0; i < 200; i++) {
      expect(checkPasswordPolicy(generatePassword(), 'someone', { minLength: 16, minClasses: 4 })).toEqual([]);
    }
  });
});

describe('password hashing', () => {
  it('verifies the right password only, with a per-hash salt', async () => {
    const a = await hashPassword('Harbor#river9');
    const b = await hashPassword('Harbor#river9');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$\d+\$8\$1\$/);
    expect(await verifyPassword('Harbor#river9', a)).toBe(true);
    expect(await verifyPassword('Harbor#river8', a)).toBe(false);
    expect(await verifyPassword('Harbor#river9', 'md5$abc')).toBe(false);
  });
});
