import { describe, expect, it } from 'vitest';
import { onDutyNow, type DutyInput } from './duty.js';

const MIN = 60_000;
// 2026-01-05 00:00 Asia/Shanghai.
const dayStart = Date.UTC(2026, 0, 4, 16, 0);
const at = (hhmm: string) => dayStart + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;
const shift = { start: 8 * 60 + 30, end: 17 * 60 + 30 };
const base: DutyInput = { dayStart, shift, leave: null, clocks: [{ kind: 'in', at: at('08:20') }], patrolling: false, now: at('10:00') };

describe('onDutyNow', () => {
  it('is on duty within the shift once clocked in', () => {
    expect(onDutyNow(base)).toBe(true);
  });

  it('needs the shift: before its start, at its end and on a day off the worker is not on duty', () => {
    expect(onDutyNow({ ...base, now: at('08:29') })).toBe(false);
    expect(onDutyNow({ ...base, now: at('08:30') })).toBe(true);
    expect(onDutyNow({ ...base, now: at('17:29') })).toBe(true);
    expect(onDutyNow({ ...base, now: at('17:30') })).toBe(false);
    expect(onDutyNow({ ...base, shift: null })).toBe(false);
    expect(onDutyNow({ ...base, shift: null, patrolling: true })).toBe(false);
  });

  it('is off on approved leave, and pending leave changes nothing', () => {
    expect(onDutyNow({ ...base, leave: 'approved', patrolling: true })).toBe(false);
    expect(onDutyNow({ ...base, leave: 'pending' })).toBe(true);
  });

  it('needs the worker at work: on the rota without a clock-in or a patrol is absent', () => {
    expect(onDutyNow({ ...base, clocks: [] })).toBe(false);
    expect(onDutyNow({ ...base, clocks: [], patrolling: true })).toBe(true);
  });

  it('reads the last clock record so far, whatever the order given', () => {
    const out = { kind: 'out' as const, at: at('12:00') };
    const back = { kind: 'in' as const, at: at('13:00') };
    expect(onDutyNow({ ...base, clocks: [out, ...base.clocks], now: at('12:30') })).toBe(false);
    expect(onDutyNow({ ...base, clocks: [back, out, ...base.clocks], now: at('13:30') })).toBe(true);
    // A record after now (a phone's clock ahead) does not count yet.
    expect(onDutyNow({ ...base, clocks: [...base.clocks, out], now: at('11:00') })).toBe(true);
    expect(onDutyNow({ ...base, clocks: [{ kind: 'in', at: at('09:00') }, { kind: 'out', at: at('09:00') }] })).toBe(false);
    // Out for lunch but on patrol: the patrol says he is at work.
    expect(onDutyNow({ ...base, clocks: [...base.clocks, out], patrolling: true, now: at('12:30') })).toBe(true);
  });
});
