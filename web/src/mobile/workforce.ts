import { api } from '../shell/api.js';
import type { Position } from './offline/types.js';

/**
 * The workforce API the app uses (patrols, tracks, clock-in), as agreed with the server side in the
 * patrol contract: every write carries a client-made UUID and may be repeated safely.
 */
export interface WorkforceMe {
  userId: number;
  displayName: string;
  grids: { code: string; name: string; level: string }[];
  team: { id: number; name: string; communityCode: string; role: string } | null;
  clockToleranceM: number;
  onLeaveToday: boolean;
  shiftToday: { start: string; end: string } | null;
  clockedIn: { at: string } | null;
  activePatrol: { id: string; startedAt: string } | null;
}

export interface ClockAnswer {
  id: string;
  kind: 'in' | 'out';
  at: string;
  gridCode: string;
  distanceM: number;
}

export const WORKFORCE_ME = '/api/workforce/me';

export const workforceApi = {
  me: () => api.get<WorkforceMe>(WORKFORCE_ME),
};

export type { Position };

/** Default tolerance of a clock-in outside the grid, when the server's is not known yet (the contract's default). */
export const DEFAULT_CLOCK_TOLERANCE_M = 50;
