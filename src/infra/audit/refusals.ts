import type { AuditActor, AuditEntry } from './audit.js';

/**
 * Refused requests (403s, other scopes' objects answered 404, CSRF rejections)
 * are audited as failures, but a client probing in a loop must not flood the
 * chain, whose head every write passes: each client (user, else IP) gets
 * `perMinute` records a minute, and the node as a whole ten times that. What
 * is held back is counted into that client's next record.
 */
export class RefusalLimiter {
  private windowStart = 0;
  private total = 0;
  private readonly written = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(private readonly perMinute: number) {}

  /** The entry to record for this refusal, or null when the client (or the node) is over its limit. */
  admit(actor: AuditActor, refusal: { method: string; route: string; status: number; code: string }, now = Date.now()): AuditEntry | null {
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.total = 0;
      this.written.clear();
    }
    const key = actor.userId != null ? `u${actor.userId}` : `ip${actor.ip ?? ''}`;
    const count = this.written.get(key) ?? 0;
    if (count >= this.perMinute || this.total >= this.perMinute * 10) {
      this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
      // Bounded: a flood from many addresses keeps only the newest counts.
      if (this.suppressed.size > 10_000) this.suppressed.delete(this.suppressed.keys().next().value!);
      return null;
    }
    this.written.set(key, count + 1);
    this.total++;
    const held = this.suppressed.get(key) ?? 0;
    this.suppressed.delete(key);
    return {
      action: 'access.refused',
      result: 'failure',
      details: { ...refusal, ...(held > 0 ? { suppressedBefore: held } : {}) },
    };
  }
}
