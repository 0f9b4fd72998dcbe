import { describe, expect, it } from 'vitest';
import { parseOrderRow, parseReceived } from './order-row.js';

const NOW = Date.UTC(2026, 11, 4, 8);
const GOOD = { orderNo: 'GD2026110300012', receivedAt: '2026-11-03 09:30', callerName: '张三', callerPhone: '138 1234 5678', address: '雨花区某路 1 号', lng: 113.03, lat: 28.13, content: '噪音扰民', originalVerdict: '不满意' };

describe('hotline order rows', () => {
  it('reads a wall-clock time as Asia/Shanghai', () => {
    expect(parseReceived('2026-11-03 09:30')).toBe(Date.UTC(2026, 10, 3, 1, 30));
    expect(parseReceived('2026/11/3')).toBe(Date.UTC(2026, 10, 2, 16));
    expect(parseReceived('2026-11-03T01:30:00Z')).toBe(Date.UTC(2026, 10, 3, 1, 30));
    expect(parseReceived(new Date(Date.UTC(2026, 10, 3, 9, 30)), true)).toBe(Date.UTC(2026, 10, 3, 1, 30));
    expect(parseReceived('2026-02-30 10:00')).toBeNull();
    expect(parseReceived('yesterday')).toBeNull();
  });

  it('normalizes a good row', () => {
    const r = parseOrderRow(GOOD, { now: NOW });
    expect(r).toEqual({ ok: true, value: { ...GOOD, receivedAt: Date.UTC(2026, 10, 3, 1, 30), callerPhone: '13812345678' } });
  });

  it('reports every problem of a bad row with its field', () => {
    const r = parseOrderRow({ orderNo: 'no spaces allowed', receivedAt: '2099-01-01', callerPhone: '123', address: '', lng: 500, lat: 28, content: '' }, { now: NOW });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      { field: 'orderNo', code: 'HOTLINE_ORDER_NO_INVALID' },
      { field: 'receivedAt', code: 'HOTLINE_RECEIVED_INVALID' },
      { field: 'callerPhone', code: 'PHONE_INVALID' },
      { field: 'address', code: 'HOTLINE_ADDRESS_MISSING' },
      { field: 'lng', code: 'HOTLINE_POSITION_INVALID' },
      { field: 'content', code: 'HOTLINE_CONTENT_MISSING' },
    ]);
  });

  it('accepts an order without position (it stays unassigned) but not half a position', () => {
    const r = parseOrderRow({ ...GOOD, lng: null, lat: '' }, { now: NOW });
    expect(r.ok && r.value.lng === null && r.value.lat === null).toBe(true);
    expect(parseOrderRow({ ...GOOD, lat: null }, { now: NOW })).toEqual({ ok: false, problems: [{ field: 'lat', code: 'HOTLINE_POSITION_INVALID' }] });
  });
});
