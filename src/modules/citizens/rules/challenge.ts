/**
 * A proof-of-work challenge for the public intake: the server hands out an
 * id, a difficulty and an expiry signed with its key; the phone searches a
 * nonce whose SHA-256 of `id:nonce` begins with `difficulty` zero bits and
 * sends it with the report. Checking costs one hash; solving costs about
 * 2^difficulty hashes, which a person's phone pays once and a script sending
 * hundreds of reports pays every time. Nothing is stored until a report
 * spends the challenge (its id is then unique in citizen_reports).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface Challenge {
  id: string;
  difficulty: number;
  expiresAt: number;
  signature: string;
}

export interface ChallengeAnswer {
  id: string;
  difficulty: number;
  expiresAt: number;
  signature: string;
  nonce: string;
}

function sign(secret: string, id: string, difficulty: number, expiresAt: number): string {
  return createHmac('sha256', secret).update(`challenge:${id}:${difficulty}:${expiresAt}`).digest('hex');
}

export function issueChallenge(secret: string, id: string, difficulty: number, expiresAt: number): Challenge {
  return { id, difficulty, expiresAt, signature: sign(secret, id, difficulty, expiresAt) };
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(digest: Buffer): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export function workDigest(id: string, nonce: string): Buffer {
  return createHash('sha256').update(`${id}:${nonce}`).digest();
}

export type ChallengeCheck = 'ok' | 'forged' | 'expired' | 'too-easy' | 'unsolved';

/** Whether an answer is a solved, unexpired challenge of this server at least as hard as `minDifficulty`. */
export function checkAnswer(secret: string, answer: ChallengeAnswer, minDifficulty: number, now: number): ChallengeCheck {
  const expected = Buffer.from(sign(secret, answer.id, answer.difficulty, answer.expiresAt), 'hex');
  const given = Buffer.from(answer.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged';
  if (answer.expiresAt < now) return 'expired';
  if (answer.difficulty < minDifficulty) return 'too-easy';
  return leadingZeroBits(workDigest(answer.id, answer.nonce)) >= answer.difficulty ? 'ok' : 'unsolved';
}

/** Finds a nonce (what the phone does, in the browser; here for tests and scripts). */
export function solve(id: string, difficulty: number): string {
  for (let i = 0; ; i++) {
    const nonce = i.toString(36);
    if (leadingZeroBits(workDigest(id, nonce)) >= difficulty) return nonce;
  }
}
