import type { OutboxError, OutboxItem } from './types.js';

/**
 * What to do after a failed send:
 * - retry: the request may not have reached the server or the server could not answer (no network,
 *   5xx, 408, 429, a repeat still in flight); try again later, keeping the order;
 * - auth: the session ended (or a password change is due): wait until the user signs in again;
 * - refused: the server looked at it and said no (any other 4xx); show the reason.
 */
export type Verdict = 'retry' | 'auth' | 'refused';

export function classify(error: OutboxError): Verdict {
  const { status, code } = error;
  if (status === 0 || status >= 500 || status === 408 || status === 429) return 'retry';
  if (status === 409 && code === 'IDEMPOTENCY_IN_FLIGHT') return 'retry';
  if (status === 401) return 'auth';
  if (status === 403 && code === 'PASSWORD_CHANGE_REQUIRED') return 'auth';
  return 'refused';
}

const FIRST_RETRY_MS = 2_000;
const LAST_RETRY_MS = 5 * 60_000;

/** Wait before the next try: 2 s, 4 s, 8 s … up to 5 minutes (the `online` event cuts it short). */
export function backoffMs(attempts: number): number {
  return Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

/** Items still to send, in the order they were made. */
export function pending(items: readonly OutboxItem[], userId: number): OutboxItem[] {
  return items
    .filter((i) => i.userId === userId && (i.state === 'waiting' || i.state === 'sending'))
    .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

/** Sent items are shown for a week, at most this many. */
export const SENT_KEEP_MS = 7 * 86_400_000;
export const SENT_KEEP_COUNT = 100;

/** Sent items to drop: older than a week, or beyond the newest SENT_KEEP_COUNT. */
export function expired(items: readonly OutboxItem[], now: number): OutboxItem[] {
  const sent = items.filter((i) => i.state === 'sent').sort((a, b) => (b.sentAt ?? 0) - (a.sentAt ?? 0));
  return sent.filter((i, index) => index >= SENT_KEEP_COUNT || now - (i.sentAt ?? 0) > SENT_KEEP_MS);
}

interface TimelineEventLike {
  seq: number;
  action: string;
  actorUserId: number | null;
}

/**
 * Whether an action we may have sent before (its answer lost) went through: the incident's timeline
 * has, after the last event the worker saw, an event of that action by that worker. An action carries
 * the version the worker saw, so it is applied at most once; this tells "applied" from "someone else
 * changed the case".
 */
export function appliedAfter(timeline: readonly TimelineEventLike[], seenSeq: number, action: string, userId: number): boolean {
  return timeline.some((e) => e.seq > seenSeq && e.action === action && e.actorUserId === userId);
}
