import { describe, expect, it } from 'vitest';
import { decideLivelihood, type LivelihoodAction, type LivelihoodStatus } from './state.js';

const at = (status: LivelihoodStatus, progress = 0) => ({ status, progress });
const approve = (over: Partial<Extract<LivelihoodAction, { kind: 'approve' }>> = {}): LivelihoodAction =>
  ({ kind: 'approve', owner: '市政科 李工', budgetCents: 1_200_000, deadline: '2026-12-31', today: '2026-12-04', ...over });

describe('民生实事 state machine', () => {
  it('walks a need from collected to done', () => {
    let s = at('collected');
    const steps: LivelihoodAction[] = [
      { kind: 'assess', decision: 'accept', reason: '' },
      approve(),
      { kind: 'progress', percent: 30, note: '施工队进场' },
      { kind: 'progress', percent: 80, note: '主体完工' },
      { kind: 'complete', note: '验收通过' },
      { kind: 'feedback' },
    ];
    const seen: string[] = [];
    for (const a of steps) {
      const d = decideLivelihood(s, a);
      if (!d.ok) throw new Error(d.code);
      s = d.next;
      seen.push(`${s.status}:${s.progress}`);
    }
    expect(seen).toEqual(['accepted:0', 'approved:0', 'in_progress:30', 'in_progress:80', 'done:100', 'done:100']);
  });

  it('rejects only with a reason, and a rejected need goes nowhere', () => {
    expect(decideLivelihood(at('collected'), { kind: 'assess', decision: 'reject', reason: '  ' })).toEqual({ ok: false, code: 'LIVELIHOOD_REASON_REQUIRED' });
    const r = decideLivelihood(at('collected'), { kind: 'assess', decision: 'reject', reason: '不属于政府职责' });
    expect(r).toEqual({ ok: true, next: { status: 'rejected', progress: 0 } });
    for (const a of [approve(), { kind: 'progress', percent: 10, note: 'x' }, { kind: 'complete', note: 'x' }, { kind: 'feedback' }, { kind: 'assess', decision: 'accept', reason: '' }] as LivelihoodAction[]) {
      expect(decideLivelihood(at('rejected'), a)).toEqual({ ok: false, code: 'LIVELIHOOD_WRONG_STATUS' });
    }
  });

  it('approves only an accepted need with an owner, a budget and a deadline not past', () => {
    expect(decideLivelihood(at('collected'), approve())).toEqual({ ok: false, code: 'LIVELIHOOD_WRONG_STATUS' });
    expect(decideLivelihood(at('accepted'), approve({ owner: ' ' }))).toEqual({ ok: false, code: 'LIVELIHOOD_OWNER_REQUIRED' });
    expect(decideLivelihood(at('accepted'), approve({ budgetCents: -1 }))).toEqual({ ok: false, code: 'LIVELIHOOD_BUDGET_INVALID' });
    expect(decideLivelihood(at('accepted'), approve({ budgetCents: 1.5 }))).toEqual({ ok: false, code: 'LIVELIHOOD_BUDGET_INVALID' });
    expect(decideLivelihood(at('accepted'), approve({ deadline: '2026-12-03' }))).toEqual({ ok: false, code: 'LIVELIHOOD_DEADLINE_INVALID' });
    expect(decideLivelihood(at('accepted'), approve({ deadline: '2026-02-30' }))).toEqual({ ok: false, code: 'LIVELIHOOD_DEADLINE_INVALID' });
    expect(decideLivelihood(at('accepted'), approve({ deadline: '2026-12-04', budgetCents: 0 })).ok).toBe(true);
  });

  it('keeps progress moving forward and below 100 until completion', () => {
    expect(decideLivelihood(at('in_progress', 50), { kind: 'progress', percent: 40, note: '返工' })).toEqual({ ok: false, code: 'LIVELIHOOD_PERCENT_INVALID' });
    expect(decideLivelihood(at('in_progress', 50), { kind: 'progress', percent: 100, note: '完成' })).toEqual({ ok: false, code: 'LIVELIHOOD_PERCENT_INVALID' });
    expect(decideLivelihood(at('in_progress', 50), { kind: 'progress', percent: 50, note: '' })).toEqual({ ok: false, code: 'LIVELIHOOD_NOTE_REQUIRED' });
    expect(decideLivelihood(at('accepted'), { kind: 'progress', percent: 10, note: '开工' })).toEqual({ ok: false, code: 'LIVELIHOOD_WRONG_STATUS' });
    expect(decideLivelihood(at('approved'), { kind: 'complete', note: '一次完成' })).toEqual({ ok: true, next: { status: 'done', progress: 100 } });
  });

  it('takes feedback only on a done project', () => {
    for (const s of ['collected', 'accepted', 'approved', 'in_progress'] as const) {
      expect(decideLivelihood(at(s), { kind: 'feedback' })).toEqual({ ok: false, code: 'LIVELIHOOD_WRONG_STATUS' });
    }
    expect(decideLivelihood(at('done', 100), { kind: 'complete', note: '再次' })).toEqual({ ok: false, code: 'LIVELIHOOD_WRONG_STATUS' });
  });
});
