import { describe, expect, it } from 'vitest';
import { applyLiveEvent, MAP_LIMIT, TICKER_LIMIT, type LiveEvent, type ScreenState } from './screen.js';

const T0 = '2026-12-03T08:00:00.000Z';
const later = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

function state(): ScreenState {
  return {
    figures: {
      at: T0,
      today: { date: '2026-12-03', reported: 5, closed: 1, overdue: 2 },
      open: {
        total: 3,
        byStatus: [{ code: 'reported', name: null, nameEn: null, count: 1 }, { code: 'dispatched', name: null, nameEn: null, count: 2 }],
        byCategory: [{ code: '01', name: '市容环境', nameEn: 'City appearance', count: 2 }, { code: null, name: null, nameEn: null, count: 1 }],
        byStreet: [{ code: '430111001', name: '东街道', nameEn: null, count: 3 }],
      },
      redList: [],
      cases: { items: [], truncated: false },
    },
    ticker: [],
  };
}

const event = (over: Partial<LiveEvent>): LiveEvent => ({
  eventId: 1, incidentId: 100, code: '202612030001', action: 'report', fromStatus: null, toStatus: 'reported', at: later(1),
  gridCode: '430111001001001', categoryCode: null, leadDepartmentCode: null, warning: 'none', position: { lng: 113, lat: 28 }, ...over,
});

describe('applyLiveEvent', () => {
  it('counts a new report, shows it on the map and in the ticker', () => {
    const s = applyLiveEvent(state(), event({}));
    expect(s.figures.today.reported).toBe(6);
    expect(s.figures.open.total).toBe(4);
    expect(s.figures.open.byStatus.find((t) => t.code === 'reported')!.count).toBe(2);
    expect(s.figures.open.byCategory.find((t) => t.code === null)!.count).toBe(2);
    expect(s.figures.cases.items.map((c) => c.code)).toEqual(['202612030001']);
    expect(s.ticker.map((t) => t.code)).toEqual(['202612030001']);
  });

  it('moves a registered case from not classified to its major category, and a closed one off the map and red list', () => {
    let s = applyLiveEvent(state(), event({}));
    s = applyLiveEvent(s, event({ eventId: 2, action: 'register', fromStatus: 'reported', toStatus: 'registered', categoryCode: '0101', warning: 'red', at: later(2) }));
    expect(s.figures.open.byCategory.find((t) => t.code === null)!.count).toBe(1);
    expect(s.figures.open.byCategory.find((t) => t.code === '01')!.count).toBe(3);
    expect(s.figures.redList).toMatchObject([{ code: '202612030001', status: 'registered', categoryName: '市容环境', streetName: '东街道' }]);
    s = applyLiveEvent(s, event({ eventId: 3, action: 'close', fromStatus: 'registered', toStatus: 'closed', categoryCode: '0101', warning: 'red', at: later(3) }));
    expect(s.figures.today.closed).toBe(2);
    expect(s.figures.open.total).toBe(3);
    expect(s.figures.open.byStatus.find((t) => t.code === 'registered')).toBeUndefined();
    expect(s.figures.cases.items).toEqual([]);
    expect(s.figures.redList).toEqual([]);
    expect(s.ticker.map((t) => t.eventId)).toEqual([3, 2, 1]);
  });

  it('does not count again what the overview read already counted, nor the same event twice', () => {
    const before = applyLiveEvent(state(), event({ at: T0 }));
    expect(before.figures).toEqual(state().figures);
    expect(before.ticker).toHaveLength(1);
    expect(applyLiveEvent(before, event({ at: T0 }))).toBe(before);
  });

  it('keeps the ticker and the map capped however long it runs', () => {
    let s = state();
    for (let i = 1; i <= MAP_LIMIT + 50; i++) s = applyLiveEvent(s, event({ eventId: i, incidentId: i, code: String(i), at: later(i) }));
    expect(s.ticker).toHaveLength(TICKER_LIMIT);
    expect(s.ticker[0]!.eventId).toBe(MAP_LIMIT + 50);
    expect(s.figures.cases.items).toHaveLength(MAP_LIMIT);
    expect(s.figures.cases.items[0]!.incidentId).toBe(MAP_LIMIT + 50);
  });
});
