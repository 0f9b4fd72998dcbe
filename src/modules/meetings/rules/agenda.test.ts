import { describe, expect, it } from 'vitest';
import { decisionOverdue, hardCaseReasons, levelOfCode, needSettlesDecision, nextLevel } from './agenda.js';

describe('joint meeting rules', () => {
  it('knows the level of a node by its code and refuses unit grids and junk', () => {
    expect(levelOfCode('430111')).toBe('district');
    expect(levelOfCode('430111001')).toBe('street');
    expect(levelOfCode('430111001002')).toBe('community');
    expect(levelOfCode('430111001002003')).toBeNull();
    expect(levelOfCode('43011100a')).toBeNull();
  });

  it('raises community items to their street and street items to the district, and nothing above', () => {
    expect(nextLevel('community', '430111001002')).toEqual({ level: 'street', code: '430111001' });
    expect(nextLevel('street', '430111001')).toEqual({ level: 'district', code: '430111' });
    expect(nextLevel('district', '430111')).toBeNull();
  });

  it('names every reason a case is hard, and none for a closed case', () => {
    const now = 1_000_000;
    expect(hardCaseReasons({ open: true, escalated: true, dueAt: now - 1, returnCount: 2 }, now)).toEqual(['escalated', 'overdue', 'returned']);
    expect(hardCaseReasons({ open: true, escalated: false, dueAt: now + 1, returnCount: 1 }, now)).toEqual([]);
    expect(hardCaseReasons({ open: false, escalated: true, dueAt: now - 1, returnCount: 3 }, now)).toEqual([]);
    expect(hardCaseReasons({ open: true, escalated: false, dueAt: null, returnCount: 2 }, now)).toEqual(['returned']);
  });

  it('counts a decision overdue only when open past its deadline', () => {
    expect(decisionOverdue({ status: 'open', deadlineAt: 10 }, 11)).toBe(true);
    expect(decisionOverdue({ status: 'open', deadlineAt: 10 }, 10)).toBe(false);
    expect(decisionOverdue({ status: 'done', deadlineAt: 10 }, 11)).toBe(false);
  });

  it('settles a need decision when its need is done or rejected, not before', () => {
    expect(['done', 'rejected'].map(needSettlesDecision)).toEqual([true, true]);
    expect(['collected', 'accepted', 'approved', 'in_progress'].map(needSettlesDecision)).toEqual([false, false, false, false]);
  });
});
