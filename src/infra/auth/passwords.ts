import { randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * scrypt (memory-hard). The parameters are stored with each hash so they can
 * be raised later without invalidating old hashes. N = 2^15, r = 8 uses 32 MiB.
 * Tests lower the cost through CIVICGRID_SCRYPT_LOG_N to stay fast.
 */
function costLogN(): number {
  const fromEnv = Number(process.env.CIVICGRID_SCRYPT_LOG_N);
  return Number.isInteger(fromEnv) && fromEnv >= 10 && fromEnv <= 20 ? fromEnv : 15;
}

const KEY_LENGTH = 32;

export async function hashPassword(password: string): Promise<string> {
  const logN = costLogN();
  const r = 8;
  const p = 1;
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r });
  return `scrypt$${logN}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, logNs, rs, ps, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  const logN = Number(logNs);
  const r = Number(rs);
  const p = Number(ps);
  const expected = Buffer.from(keyB64, 'base64url');
  const key = await scrypt(password, Buffer.from(saltB64, 'base64url'), expected.length, {
    N: 2 ** logN,
    r,
    p,
    maxmem: 256 * 2 ** logN * r,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash no password matches, for timing-equalizing logins to unknown users. */
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export interface PasswordPolicy {
  minLength: number;
  minClasses: number;
}

export type PasswordViolation = 'too_short' | 'classes' | 'contains_username' | 'reused' | 'too_long';

/** Pure policy check; reuse is checked by the caller against stored history. */
export function checkPasswordPolicy(password: string, username: string, policy: PasswordPolicy): PasswordViolation[] {
  const violations: PasswordViolation[] = [];
  if ([...password].length < policy.minLength) violations.push('too_short');
  if (password.length > 128) violations.push('too_long');
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < policy.minClasses) violations.push('classes');
  if (username.length >= 3 && password.toLowerCase().includes(username.toLowerCase())) violations.push('contains_username');
  return violations;
}

/** A random password that satisfies any policy up to 4 classes and 16 characters. */
export function generatePassword(length = 16): string {
  const sets = ['abcdefghijkmnpqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '#%+=@!?-'];
  const all = sets.join('');
  const chars = sets.map((s) => s[randomInt(s.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
