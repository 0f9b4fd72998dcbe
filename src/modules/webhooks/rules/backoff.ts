/** Retry pauses of a failing subscription: exponential from baseMs, capped, with jitter. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/**
 * The pause before attempt `failures + 1` after `failures` failed ones
 * (≥ 1): base·2^(failures−1) capped, then "equal jitter": half of it fixed,
 * half random, so receivers coming back are not hit by every sender at once
 * and the pause never falls below half the step.
 */
export function backoffMs(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(0, failures - 1), 40));
  return Math.round(step / 2 + random() * (step / 2));
}
