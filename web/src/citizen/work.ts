/**
 * Solves the server's proof-of-work challenge in the browser: a nonce whose
 * SHA-256 of "id:nonce" begins with `difficulty` zero bits (the server's
 * rule, src/modules/citizens/rules/challenge.ts). About 2^difficulty hashes:
 * a second or two on a phone at the default 16.
 */
export interface Challenge {
  id: string;
  difficulty: number;
  expiresAt: number;
  signature: string;
}

function zeroBits(bytes: Uint8Array): number {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export async function solveChallenge(c: Challenge): Promise<Challenge & { nonce: string }> {
  const encoder = new TextEncoder();
  for (let i = 0; ; i++) {
    const nonce = i.toString(36);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`${c.id}:${nonce}`)));
    if (zeroBits(digest) >= c.difficulty) return { ...c, nonce };
  }
}
