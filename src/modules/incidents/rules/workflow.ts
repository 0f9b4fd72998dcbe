/**
 * Workflow per case type (办理流程): which steps of the loop a case of a
 * given case type (即办 / 承诺 / 协调) goes through and who takes them.
 * Data, edited in the console; the state machine reads it from its context.
 */
import type { CaseType } from '../data/categories.js';

export const CASE_TYPES: readonly CaseType[] = ['immediate', 'committed', 'coordinated'];

/**
 * Who verifies a department's reply (核查):
 * - grid: any grid worker of the case's grid (巡办分离, the default);
 * - reporter: the grid worker who reported it; a case with no reporting user, or one the reporter fixed, falls back to the grid's workers;
 * - centre: the command centre (值班长, shift supervisor) in the case's territory.
 */
export type Verifier = 'grid' | 'reporter' | 'centre';

/**
 * Self-resolving (自处置) by a grid worker:
 * - off: not allowed, the case goes through a department;
 * - verify: allowed, then checked on site by another grid worker;
 * - no-verify: allowed, the before/after photos are the check (verified at once).
 */
export type SelfResolveRule = 'off' | 'verify' | 'no-verify';

/** Who closes a verified case: any desk role (受理/派遣/值班长/街道), or only the shift supervisor (值班长审批). */
export type Closer = 'desk' | 'supervisor';

export interface Workflow {
  selfResolve: SelfResolveRule;
  /** A grid worker's report with a category starts registered (立案 skipped, the dispatch clock runs at once). */
  skipRegisterForGridWorker: boolean;
  /** Closing needs a verification; without it the lead department's reply makes the case verified. */
  verificationRequired: boolean;
  verifier: Verifier;
  /** Dispatch needs at least one co-handler department, or a street escalation (吹哨) already made. */
  coordinationRequired: boolean;
  closer: Closer;
}

export type Workflows = Readonly<Record<CaseType, Workflow>>;

const STANDARD: Workflow = {
  selfResolve: 'verify',
  skipRegisterForGridWorker: false,
  verificationRequired: true,
  verifier: 'grid',
  coordinationRequired: false,
  closer: 'desk',
};

/**
 * The shipped workflows reproduce the loop as it ran before workflows were
 * data: 承诺 and 协调 take the standard path, 即办 may be self-resolved with
 * the photos as the check. A district tightens 协调 in the console.
 */
export const DEFAULT_WORKFLOWS: Workflows = {
  immediate: { ...STANDARD, selfResolve: 'no-verify' },
  committed: STANDARD,
  coordinated: STANDARD,
};

/** The workflow of a case: by its case type, or the committed (standard) one while it has no category. */
export function workflowOf(caseType: CaseType | null, workflows: Workflows = DEFAULT_WORKFLOWS): Workflow {
  return workflows[caseType ?? 'committed'];
}
