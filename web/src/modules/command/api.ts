import { api } from '../../shell/api.js';
import type { ScreenFigures } from '../../../../src/modules/command/rules/screen.js';

export type { LiveEvent, ScreenFigures, ScreenState, TickerItem } from '../../../../src/modules/command/rules/screen.js';
export { applyLiveEvent, SCREEN_OPEN_STATUSES } from '../../../../src/modules/command/rules/screen.js';

/** GET /api/command/overview (docs/command-screen.md). */
export interface Overview extends ScreenFigures {
  ranking: { from: string; to: string; items: { code: string; name: string | null; value: number | null; rank: number | null; previousRank: number | null }[] } | null;
  workers: { name: string; gridName: string | null; lng: number; lat: number; at: string }[] | null;
}

export const commandApi = {
  overview: () => api.get<Overview>('/api/command/overview'),
};

export const LIVE_PATH = '/api/live/incidents';
