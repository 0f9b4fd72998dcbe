import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What an API client may be allowed to do; each route names the one it needs. */
export const API_CLIENT_SCOPES = ['share.residents.verify', 'hotline.push', 'open311.post', 'webhooks', 'cascade'] as const;
export type ApiClientScope = (typeof API_CLIENT_SCOPES)[number];

const KEY_PATTERN = /^cgk_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/;

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh key: `cgk_<12 hex prefix>_<32 base64url secret>`; only the prefix and the hash are kept. */
export function newKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('hex');
  const key = `cgk_${prefix}_${randomBytes(24).toString('base64url')}`;
  return { key, prefix, hash: hashKey(key) };
}

/** The lookup prefix of a well-formed key, or null. */
export function keyPrefix(key: string | undefined): string | null {
  return key ? KEY_PATTERN.exec(key)?.[1] ?? null : null;
}

export function keyMatches(key: string, storedHash: string): boolean {
  return timingSafeEqual(Buffer.from(storedHash, 'hex'), Buffer.from(hashKey(key), 'hex'));
}
