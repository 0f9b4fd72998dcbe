import { describe, expect, it } from 'vitest';
import { checkAnswer, issueChallenge, leadingZeroBits, solve, workDigest } from './challenge.js';

const SECRET = 'k'.repeat(64);

describe('proof-of-work challenge', () => {
  it('counts leading zero bits', () => {
    expect(leadingZeroBits(Buffer.from([0x00, 0x0f]))).toBe(12);
    expect(leadingZeroBits(Buffer.from([0x80]))).toBe(0);
    expect(leadingZeroBits(Buffer.from([0x01]))).toBe(7);
  });

  it('accepts a solved challenge and refuses an unsolved, forged, expired or easier one', () => {
    const c = issueChallenge(SECRET, 'abc', 10, 1000);
    const nonce = solve(c.id, c.difficulty);
    expect(checkAnswer(SECRET, { ...c, nonce }, 10, 999)).toBe('ok');
    expect(checkAnswer(SECRET, { ...c, nonce }, 10, 1001)).toBe('expired');
    expect(checkAnswer(SECRET, { ...c, nonce }, 12, 999)).toBe('too-easy');
    expect(checkAnswer(SECRET, { ...c, difficulty: 1, nonce }, 1, 999)).toBe('forged');
    expect(checkAnswer('x'.repeat(64), { ...c, nonce }, 10, 999)).toBe('forged');
    // A nonce that does not reach the difficulty (checked, not assumed).
    let bad = 0;
    while (leadingZeroBits(workDigest('abc', String(bad))) >= 10) bad++;
    expect(checkAnswer(SECRET, { ...c, nonce: String(bad) }, 10, 999)).toBe('unsolved');
  });
});
