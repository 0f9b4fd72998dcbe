/**
 * The move's pure rules (docs/archive.md, "The protocol"): which cases are
 * due, which copied cases may leave the business store, and what to do with
 * copies a cut-short run left behind.
 */
import { FINAL_STATUSES, type IncidentStatus } from '../../incidents/rules/state-machine.js';

const DAY_MS = 86_400_000;

/** Rejected and merged cases end the loop as closed ones do: all three are archived. */
export const ARCHIVED_STATUSES: readonly IncidentStatus[] = FINAL_STATUSES;

/** Cases last changed before this instant are due. */
export function archiveCutoff(now: number, olderThanDays: number): number {
  if (!Number.isFinite(olderThanDays) || olderThanDays < 0) throw new Error(`olderThanDays must be a number ≥ 0, got ${olderThanDays}`);
  return now - olderThanDays * DAY_MS;
}

/** A case is due when it is final and nothing has happened to it since the cutoff (its last change, not its report, counts). */
export function isDue(row: { status: string; updated_at: number }, cutoff: number): boolean {
  return (ARCHIVED_STATUSES as readonly string[]).includes(row.status) && Number(row.updated_at) < cutoff;
}

/**
 * Of the cases copied into the archive (with the version copied), those the
 * business store may delete now: still there, still final, and unchanged
 * since the copy. Anything else stays in the business store, and its copy is
 * dropped from the archive.
 */
export function deletable(copied: readonly { id: number; version: number }[], current: readonly { id: number; version: number; status: string }[]): number[] {
  const now = new Map(current.map((c) => [Number(c.id), c]));
  return copied
    .filter((c) => {
      const row = now.get(c.id);
      return row !== undefined && Number(row.version) === c.version && (ARCHIVED_STATUSES as readonly string[]).includes(row.status);
    })
    .map((c) => c.id);
}

/**
 * Copies left unconfirmed by a run that stopped between the archive commit
 * and the business delete (or before confirming): a case no longer in the
 * business store was deleted, so its copy is the case (confirm it); a case
 * still there keeps living there (drop the copy; a later batch copies it
 * again if it is still due).
 */
export function settleLeftovers(unconfirmed: readonly number[], stillInBusiness: ReadonlySet<number>): { confirm: number[]; drop: number[] } {
  const confirm: number[] = [];
  const drop: number[] = [];
  for (const id of unconfirmed) (stillInBusiness.has(id) ? drop : confirm).push(id);
  return { confirm, drop };
}
