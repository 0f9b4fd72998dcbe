import { describe, expect, it } from 'vitest';
import { milestoneOf, publicSteps } from './progress.js';

describe('public progress', () => {
  it('turns a full loop into plain milestones, leaving out urges and assignments', () => {
    const events = [
      { action: 'report', fromStatus: null, toStatus: 'reported', at: 1 },
      { action: 'register', fromStatus: 'reported', toStatus: 'registered', at: 2 },
      { action: 'dispatch', fromStatus: 'registered', toStatus: 'dispatched', at: 3 },
      { action: 'urge', fromStatus: 'dispatched', toStatus: 'dispatched', at: 4 },
      { action: 'assign', fromStatus: 'dispatched', toStatus: 'dispatched', at: 5 },
      { action: 'start-handling', fromStatus: 'dispatched', toStatus: 'handling', at: 6 },
      { action: 'reply', fromStatus: 'handling', toStatus: 'replied', at: 7 },
      { action: 'verify-fail', fromStatus: 'replied', toStatus: 'handling', at: 8 },
      { action: 'reply', fromStatus: 'handling', toStatus: 'replied', at: 9 },
      { action: 'verify-pass', fromStatus: 'replied', toStatus: 'verified', at: 10 },
      { action: 'close', fromStatus: 'verified', toStatus: 'closed', at: 11 },
    ];
    const steps = publicSteps(events, 'zh-CN');
    expect(steps.map((s) => s.milestone)).toEqual(['received', 'registered', 'dispatched', 'handling', 'handled', 'rework', 'handled', 'checked', 'closed']);
    expect(steps.at(-1)).toEqual({ milestone: 'closed', text: '已办结', at: 11 });
    expect(publicSteps(events, 'en')[0]!.text).toMatch(/received/);
  });

  it('shows a warning or a repeated status not at all', () => {
    expect(milestoneOf({ action: 'warn', fromStatus: 'handling', toStatus: 'handling', at: 1 })).toBeNull();
    const twice = [
      { action: 'report', fromStatus: null, toStatus: 'reported', at: 1 },
      { action: 'accept', fromStatus: 'reported', toStatus: 'reported', at: 2 },
    ];
    expect(publicSteps(twice, 'zh-CN')).toHaveLength(1);
  });
});
