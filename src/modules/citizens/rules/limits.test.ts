import { describe, expect, it } from 'vitest';
import { decideIntake, DEFAULT_INTAKE_LIMITS as L, normalisePhone } from './limits.js';

describe('intake limits', () => {
  it('lets the first reports of a client through, then asks for a challenge, then refuses', () => {
    expect(decideIntake({ clientHour: 0, clientDay: L.freePerClientPerDay - 1, phoneDay: 0 }, false, L)).toEqual({ kind: 'ok' });
    expect(decideIntake({ clientHour: 0, clientDay: L.freePerClientPerDay, phoneDay: 0 }, false, L)).toEqual({ kind: 'challenge' });
    expect(decideIntake({ clientHour: 0, clientDay: L.maxPerClientPerDay, phoneDay: 0 }, false, L)).toEqual({ kind: 'limited', by: 'client' });
    expect(decideIntake({ clientHour: L.maxPerClientPerHour, clientDay: L.maxPerClientPerHour, phoneDay: 0 }, false, L)).toEqual({ kind: 'limited', by: 'client' });
  });

  it('limits a phone whatever the address, and ignores the phone count when no phone is given', () => {
    expect(decideIntake({ clientHour: 0, clientDay: 0, phoneDay: L.maxPerPhonePerDay }, true, L)).toEqual({ kind: 'limited', by: 'phone' });
    expect(decideIntake({ clientHour: 0, clientDay: 0, phoneDay: L.maxPerPhonePerDay }, false, L)).toEqual({ kind: 'ok' });
  });

  it('counts one phone written in different ways as one', () => {
    expect(normalisePhone('+86 138-1234-5678')).toBe('13812345678');
    expect(normalisePhone('008613812345678')).toBe('13812345678');
    expect(normalisePhone('025-5288 1234')).toBe('02552881234');
  });
});
