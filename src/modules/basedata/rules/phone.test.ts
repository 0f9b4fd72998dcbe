import { describe, expect, it } from 'vitest';
import { parsePhone } from './phone.js';

describe('parsePhone', () => {
  it('normalizes mobile and landline numbers', () => {
    expect(parsePhone('138 1234 5678')).toEqual({ ok: true, value: '13812345678' });
    expect(parsePhone('+86-13812345678')).toEqual({ ok: true, value: '13812345678' });
    expect(parsePhone('１３８１２３４５６７８')).toEqual({ ok: true, value: '13812345678' });
    expect(parsePhone('(0731) 8888 1234')).toEqual({ ok: true, value: '073188881234' });
  });
  it('refuses what cannot be a phone', () => {
    for (const raw of ['', '12345', '12812345678', '1381234567', 'abc', '138123456789']) expect(parsePhone(raw).ok, raw).toBe(false);
  });
});
