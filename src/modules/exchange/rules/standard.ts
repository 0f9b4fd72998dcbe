/**
 * The case record CivicGrid exchanges with other systems (docs/exchange.md):
 * the closed loop of the digital urban-management model (数字化城市管理,
 * CJJ/T 106 and the GB/T 30428 family) names seven steps; a case's current
 * step is its stage. Pure: the times come from the timeline, read elsewhere.
 */
import type { IncidentStatus } from '../../incidents/rules/state-machine.js';

/** The case-bearing steps of the loop, in order (综合评价, the seventh, is the KPIs', not a case's). */
export const STANDARD_STAGES = ['collect', 'register', 'dispatch', 'handle', 'reply', 'verify_close'] as const;
export type StandardStage = (typeof STANDARD_STAGES)[number];

export const STAGE_NAMES: Record<StandardStage, string> = {
  collect: '信息收集', register: '案卷建立', dispatch: '任务派遣', handle: '任务处理', reply: '处理反馈', verify_close: '核查结案',
};

/** How the case stands beside its stage: still in the loop, or out of it and how. */
export type Outcome = 'open' | 'closed' | 'rejected' | 'merged' | 'deferred';

export const OUTCOME_NAMES: Record<Outcome, string> = { open: '办理中', closed: '已结案', rejected: '不予立案', merged: '已合并', deferred: '缓办' };

export function stageOf(status: IncidentStatus): { stage: StandardStage; outcome: Outcome } {
  switch (status) {
    case 'reported': return { stage: 'collect', outcome: 'open' };
    case 'registered': return { stage: 'register', outcome: 'open' };
    case 'dispatched': return { stage: 'dispatch', outcome: 'open' };
    case 'handling': return { stage: 'handle', outcome: 'open' };
    case 'replied': return { stage: 'reply', outcome: 'open' };
    case 'verifying':
    case 'verified': return { stage: 'verify_close', outcome: 'open' };
    case 'closed': return { stage: 'verify_close', outcome: 'closed' };
    // Refused at registration (不予立案) and merged into another case leave the loop where they were decided.
    case 'rejected': return { stage: 'register', outcome: 'rejected' };
    case 'merged': return { stage: 'register', outcome: 'merged' };
    case 'deferred': return { stage: 'dispatch', outcome: 'deferred' };
  }
}

/** When each step was reached, from the case's timeline: ISO instants (UTC) or null. */
export interface StageTimes {
  registeredAt: string | null;
  dispatchedAt: string | null;
  repliedAt: string | null;
  verifiedAt: string | null;
  closedAt: string | null;
}

/**
 * The step times of one case from its (action, at) pairs: the first
 * registration and dispatch, the last lead reply and verification (a
 * rework repeats them), the close.
 */
export function stageTimes(events: readonly { action: string; at: number; lead?: boolean }[]): StageTimes {
  const first = (actions: string[]) => {
    const at = events.filter((e) => actions.includes(e.action)).map((e) => e.at);
    return at.length ? new Date(Math.min(...at)).toISOString() : null;
  };
  const last = (actions: string[], pick: (e: { lead?: boolean }) => boolean = () => true) => {
    const at = events.filter((e) => actions.includes(e.action) && pick(e)).map((e) => e.at);
    return at.length ? new Date(Math.max(...at)).toISOString() : null;
  };
  return {
    registeredAt: first(['register', 'self-resolve']),
    dispatchedAt: first(['dispatch']),
    repliedAt: last(['reply', 'self-resolve'], (e) => e.lead !== false),
    verifiedAt: last(['verify-pass']),
    closedAt: last(['close']),
  };
}
