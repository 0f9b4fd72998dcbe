import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The header of a signed delivery: `t=<unix seconds>,v1=<hex>[,v1=<hex>]` (one v1 per secret in use, as Stripe does). */
export const SIGNATURE_HEADER = 'civicgrid-signature';

/** A fresh signing secret: `whsec_` and 32 random bytes, base64url. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** HMAC-SHA256 over `${timestamp}.${body}`, hex. */
export function sign(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The header value for a body signed at `timestamp` (unix seconds) with each secret given (the current one first). */
export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${sign(s, timestamp, body)}`)].join(',');
}

/**
 * The receiver's check (docs/webhooks.md has the same code for receivers):
 * one v1 signature matches and the timestamp is within `toleranceSec` of now.
 */
export function verifySignature(header: string | undefined, body: string, secret: string, nowSec: number, toleranceSec = 300): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.split('=', 2) as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSec - t) > toleranceSec) return false;
  const expected = Buffer.from(sign(secret, t, body), 'hex');
  return parts.some(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v) && timingSafeEqual(Buffer.from(v, 'hex'), expected));
}
