/**
 * The 民生实事 life cycle as a pure rule: a need is collected, assessed
 * (accepted or rejected with a reason), approved as a project with an owner,
 * a budget and a deadline, advanced by progress updates and completed; only a
 * done project takes residents' feedback.
 *
 *   collected ──assess(accept)──▶ accepted ──approve──▶ approved ──progress──▶ in_progress ──complete──▶ done
 *       └────assess(reject)──▶ rejected                    └──────────────complete──────────────────────┘
 */
export const LIVELIHOOD_STATUSES = ['collected', 'accepted', 'rejected', 'approved', 'in_progress', 'done'] as const;
export type LivelihoodStatus = (typeof LIVELIHOOD_STATUSES)[number];

export const LIVELIHOOD_SOURCES = ['resident', 'visit', 'meeting'] as const;
export type LivelihoodSource = (typeof LIVELIHOOD_SOURCES)[number];

export type LivelihoodAction =
  | { kind: 'assess'; decision: 'accept' | 'reject'; reason: string }
  | { kind: 'approve'; owner: string; budgetCents: number; deadline: string; today: string }
  | { kind: 'progress'; percent: number; note: string }
  | { kind: 'complete'; note: string }
  | { kind: 'feedback' };

export type LivelihoodRefusal =
  | 'LIVELIHOOD_WRONG_STATUS'
  | 'LIVELIHOOD_REASON_REQUIRED'
  | 'LIVELIHOOD_OWNER_REQUIRED'
  | 'LIVELIHOOD_BUDGET_INVALID'
  | 'LIVELIHOOD_DEADLINE_INVALID'
  | 'LIVELIHOOD_PERCENT_INVALID'
  | 'LIVELIHOOD_NOTE_REQUIRED';

export interface LivelihoodStep {
  status: LivelihoodStatus;
  /** The project's progress (0–100) after the step. */
  progress: number;
}

export type LivelihoodDecision = { ok: true; next: LivelihoodStep } | { ok: false; code: LivelihoodRefusal };

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const refuse = (code: LivelihoodRefusal): LivelihoodDecision => ({ ok: false, code });

/** What `action` does to a need in `current`; a refusal names why. */
export function decideLivelihood(current: LivelihoodStep, action: LivelihoodAction): LivelihoodDecision {
  const { status, progress } = current;
  switch (action.kind) {
    case 'assess':
      if (status !== 'collected') return refuse('LIVELIHOOD_WRONG_STATUS');
      // A rejection must say why (the resident is told); an acceptance may.
      if (action.decision === 'reject' && action.reason.trim() === '') return refuse('LIVELIHOOD_REASON_REQUIRED');
      return { ok: true, next: { status: action.decision === 'accept' ? 'accepted' : 'rejected', progress: 0 } };
    case 'approve':
      if (status !== 'accepted') return refuse('LIVELIHOOD_WRONG_STATUS');
      if (action.owner.trim() === '') return refuse('LIVELIHOOD_OWNER_REQUIRED');
      if (!Number.isSafeInteger(action.budgetCents) || action.budgetCents < 0) return refuse('LIVELIHOOD_BUDGET_INVALID');
      if (!validDate(action.deadline) || action.deadline < action.today) return refuse('LIVELIHOOD_DEADLINE_INVALID');
      return { ok: true, next: { status: 'approved', progress: 0 } };
    case 'progress':
      if (status !== 'approved' && status !== 'in_progress') return refuse('LIVELIHOOD_WRONG_STATUS');
      if (action.note.trim() === '') return refuse('LIVELIHOOD_NOTE_REQUIRED');
      // Progress never goes back, and 100 % is reached by completing, not by an update.
      if (!Number.isInteger(action.percent) || action.percent < progress || action.percent > 99) return refuse('LIVELIHOOD_PERCENT_INVALID');
      return { ok: true, next: { status: 'in_progress', progress: action.percent } };
    case 'complete':
      if (status !== 'approved' && status !== 'in_progress') return refuse('LIVELIHOOD_WRONG_STATUS');
      if (action.note.trim() === '') return refuse('LIVELIHOOD_NOTE_REQUIRED');
      return { ok: true, next: { status: 'done', progress: 100 } };
    case 'feedback':
      if (status !== 'done') return refuse('LIVELIHOOD_WRONG_STATUS');
      return { ok: true, next: current };
  }
}
