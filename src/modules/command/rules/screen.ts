/**
 * How the big screen follows the live feed between two overview reads
 * (docs/command-screen.md): a pure step from (what is shown, one event) to
 * what is shown next, with every list capped so a screen left running for
 * days holds a bounded amount. The browser runs it; the overview read is the
 * truth it returns to on `reset` and every few minutes.
 */

/** The loop's open statuses (is_open = 1), as the server counts them. */
export const SCREEN_OPEN_STATUSES = ['reported', 'registered', 'dispatched', 'handling', 'replied', 'verifying', 'verified'];
/** Length of a major category code, the prefix of its minors' codes. */
const MAJOR_CODE_LENGTH = 2;
const STREET_CODE_LENGTH = 9;

export const TICKER_LIMIT = 30;
export const RED_LIMIT = 50;
export const MAP_LIMIT = 2000;

/** One event of GET /api/live/incidents, as sent. */
export interface LiveEvent {
  eventId: number;
  incidentId: number;
  code: string;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  at: string;
  gridCode: string;
  categoryCode: string | null;
  leadDepartmentCode: string | null;
  warning: string;
  position: { lng: number; lat: number } | null;
}

export interface ScreenTally {
  code: string | null;
  name: string | null;
  nameEn: string | null;
  count: number;
}

export interface ScreenRedCase {
  incidentId: number;
  code: string;
  status: string;
  categoryName: string | null;
  categoryNameEn: string | null;
  streetName: string | null;
  dueAt: string | null;
}

export interface ScreenCase {
  incidentId: number;
  code: string;
  status: string;
  warning: string;
  lng: number;
  lat: number;
}

/** What the screen shows that events change (the overview's answer, less what only a re-read can tell). */
export interface ScreenFigures {
  /** The overview's time: events at or before it are already in its counts. */
  at: string;
  today: { date: string; reported: number; closed: number; overdue: number };
  open: { total: number; byStatus: ScreenTally[]; byCategory: ScreenTally[]; byStreet: ScreenTally[] };
  redList: ScreenRedCase[];
  cases: { items: ScreenCase[]; truncated: boolean };
}

export interface TickerItem {
  eventId: number;
  code: string;
  action: string;
  toStatus: string;
  warning: string;
  at: string;
}

export interface ScreenState {
  figures: ScreenFigures;
  /** Newest first. */
  ticker: TickerItem[];
}

const isOpen = (status: string | null) => status !== null && SCREEN_OPEN_STATUSES.includes(status);

function bump(list: ScreenTally[], code: string | null, by: number): ScreenTally[] {
  const i = list.findIndex((t) => t.code === code);
  if (i < 0) return by > 0 ? [...list, { code, name: null, nameEn: null, count: by }] : list;
  const count = Math.max(0, list[i]!.count + by);
  const next = list.slice();
  if (count === 0) next.splice(i, 1);
  else next[i] = { ...list[i]!, count };
  return next;
}

/** The tallies for a case counted under (status, major, street), moved by `by`. */
function moveOpen(open: ScreenFigures['open'], status: string, major: string | null, street: string, by: number): ScreenFigures['open'] {
  return {
    total: Math.max(0, open.total + by),
    byStatus: bump(open.byStatus, status, by),
    byCategory: bump(open.byCategory, major, by),
    byStreet: bump(open.byStreet, street, by),
  };
}

const majorOf = (categoryCode: string | null) => (categoryCode ? categoryCode.slice(0, MAJOR_CODE_LENGTH) : null);

export function applyLiveEvent(state: ScreenState, e: LiveEvent): ScreenState {
  if (state.ticker.some((t) => t.eventId === e.eventId)) return state;
  const ticker = [{ eventId: e.eventId, code: e.code, action: e.action, toStatus: e.toStatus, warning: e.warning, at: e.at }, ...state.ticker].slice(0, TICKER_LIMIT);
  const f = state.figures;
  // The overview read already counted what happened before it.
  if (Date.parse(e.at) <= Date.parse(f.at)) return { figures: f, ticker };

  const today = { ...f.today };
  if (e.fromStatus === null) today.reported += 1;
  if (e.toStatus === 'closed' && e.fromStatus !== 'closed') today.closed += 1;

  const street = e.gridCode.slice(0, STREET_CODE_LENGTH);
  const major = majorOf(e.categoryCode);
  let open = f.open;
  // Registering classifies the case: before it, it was counted as not classified.
  const before = e.fromStatus === 'reported' && e.toStatus !== 'reported' ? null : major;
  if (isOpen(e.fromStatus)) open = moveOpen(open, e.fromStatus!, before, street, -1);
  if (isOpen(e.toStatus)) open = moveOpen(open, e.toStatus, major, street, 1);

  let items = f.cases.items.filter((c) => c.incidentId !== e.incidentId);
  if (isOpen(e.toStatus) && e.position) {
    items = [{ incidentId: e.incidentId, code: e.code, status: e.toStatus, warning: e.warning, lng: e.position.lng, lat: e.position.lat }, ...items].slice(0, MAP_LIMIT);
  }

  let redList = f.redList;
  const listed = redList.find((r) => r.incidentId === e.incidentId);
  if (isOpen(e.toStatus) && e.warning === 'red') {
    const category = f.open.byCategory.find((t) => t.code === major);
    const streetName = f.open.byStreet.find((t) => t.code === street)?.name ?? null;
    const entry: ScreenRedCase = listed
      ? { ...listed, status: e.toStatus }
      : { incidentId: e.incidentId, code: e.code, status: e.toStatus, categoryName: category?.name ?? null, categoryNameEn: category?.nameEn ?? null, streetName, dueAt: null };
    redList = listed ? redList.map((r) => (r.incidentId === e.incidentId ? entry : r)) : [...redList, entry].slice(0, RED_LIMIT);
  } else if (listed) {
    redList = redList.filter((r) => r.incidentId !== e.incidentId);
  }

  return { figures: { ...f, today, open, redList, cases: { ...f.cases, items } }, ticker };
}
