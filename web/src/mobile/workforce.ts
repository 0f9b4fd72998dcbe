/**
 * The workforce API the app uses (patrols, tracks, clock-in), as agreed with the server side in the
 * patrol contract: every write carries a client-made UUID and may be repeated safely. The writes go
 * through the outbox (offline/senders.ts); this is the worker's own context, kept for offline use.
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

export const WORKFORCE_ME = '/api/workforce/me';

/** Tolerance of a clock-in outside the grid while the server's is not known yet (the contract's default). */
export const DEFAULT_CLOCK_TOLERANCE_M = 50;
