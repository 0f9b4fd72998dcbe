import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Encryption of sensitive fields at rest (identity numbers, phones), with a
 * keyed blind index beside each so exact search still works.
 *
 * Stored form, one ASCII string, base64url parts joined by '.':
 *
 *   v1.<alg>.<keyId>.<iv>.<ciphertext>.<tag>
 *
 *   alg a256gcm  AES-256-GCM, 12-byte random IV, 16-byte tag; the header
 *                "v1.<alg>.<keyId>" is the additional authenticated data.
 *   alg sm4ctr   SM4-CTR, 16-byte random IV, encrypt-then-MAC with
 *                HMAC-SM3 (32-byte tag) over
 *                u16be(len(header)) || header || iv || ciphertext.
 *                Node 20 has SM3 and SM4 but no SM4-GCM, hence the MAC.
 *
 * Keys: configuration holds one 32-byte master key per key id. Per-purpose
 * subkeys are derived with HKDF (SHA-256 for AES, SM3 for SM4, so an SM
 * deployment uses SM primitives only): the AES key, the SM4 key and the SM4
 * MAC key never coincide even if the same master served both modes, and
 * rotation swaps one value per id. Decryption follows the algorithm named in
 * the stored string, not the configured one, so switching a deployment from
 * AES to SM4 is an ordinary rotation run.
 *
 * The blind index key (hmacKey) is separate and not rotated with the
 * encryption keys: changing it means recomputing every index. It is used as
 * given, so an operator can recompute indexes with any HMAC tool. Switching
 * the algorithm also switches the index hash (HMAC-SHA256 ↔ HMAC-SM3).
 */

export type FieldCipherAlgorithm = 'aes-256-gcm' | 'sm4';

export type FieldCipherErrorCode =
  /** The configuration is unusable (keys, ids, lengths). */
  | 'CONFIG'
  /** The stored string is not of the expected shape. */
  | 'MALFORMED'
  /** Version or algorithm this code does not know. */
  | 'UNSUPPORTED'
  /** The key id is not configured (a retired key was removed too early). */
  | 'UNKNOWN_KEY'
  /** Tag check failed: tampered data or the wrong key under that id. */
  | 'AUTH_FAILED';

/** Messages never contain plaintext or key material. */
export class FieldCipherError extends Error {
  override readonly name = 'FieldCipherError';
  readonly code: FieldCipherErrorCode;

  constructor(code: FieldCipherErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface FieldKey {
  id: string;
  /** 32-byte master key. */
  key: Buffer;
}

export interface FieldCipherOptions {
  algorithm: FieldCipherAlgorithm;
  keys: readonly FieldKey[];
  activeKeyId: string;
  /** Blind index key, at least 32 bytes. */
  hmacKey: Buffer;
}

export interface FieldCipher {
  readonly algorithm: FieldCipherAlgorithm;
  readonly activeKeyId: string;
  /** Encrypts with the active key and algorithm; a fresh random IV each call. */
  encrypt(plaintext: string): string;
  /** Throws FieldCipherError when the value is malformed, unknown or fails authentication. */
  decrypt(stored: string): string;
  /** True when the value was written with another key or algorithm than the active ones. Throws on malformed input. */
  needsRotation(stored: string): boolean;
  /** Deterministic keyed hash, 64 lower-case hex characters. The caller normalizes the input first. */
  blindIndex(plaintext: string): string;
}

export const FIELD_MASTER_KEY_BYTES = 32;
export const FIELD_HMAC_KEY_MIN_BYTES = 32;

const VERSION = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

interface AlgorithmSpec {
  token: string;
  ivBytes: number;
  tagBytes: number;
}

const SPECS: Readonly<Record<FieldCipherAlgorithm, AlgorithmSpec>> = {
  'aes-256-gcm': { token: 'a256gcm', ivBytes: 12, tagBytes: 16 },
  sm4: { token: 'sm4ctr', ivBytes: 16, tagBytes: 32 },
};

const ALGORITHM_BY_TOKEN = new Map<string, FieldCipherAlgorithm>(
  (Object.keys(SPECS) as FieldCipherAlgorithm[]).map((a) => [SPECS[a].token, a]),
);

interface DerivedKeys {
  aesKey: Buffer;
  sm4Key: Buffer;
  sm4MacKey: Buffer;
}

function hkdf(digest: 'sha256' | 'sm3', master: Buffer, purpose: string, length: number): Buffer {
  return Buffer.from(hkdfSync(digest, master, Buffer.alloc(0), `civicgrid/field-cipher/${VERSION}/${purpose}`, length));
}

function deriveKeys(master: Buffer): DerivedKeys {
  return {
    aesKey: hkdf('sha256', master, 'a256gcm/enc', 32),
    sm4Key: hkdf('sm3', master, 'sm4ctr/enc', 16),
    sm4MacKey: hkdf('sm3', master, 'sm4ctr/mac', 32),
  };
}

interface ParsedValue {
  header: string;
  algorithm: FieldCipherAlgorithm;
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Strict: only canonical unpadded base64url, so no two strings decode to the same bytes. */
function decodePart(part: string): Buffer {
  if (!BASE64URL.test(part)) throw new FieldCipherError('MALFORMED', 'invalid base64url part');
  const bytes = Buffer.from(part, 'base64url');
  if (bytes.toString('base64url') !== part) throw new FieldCipherError('MALFORMED', 'non-canonical base64url part');
  return bytes;
}

function parseValue(stored: string): ParsedValue {
  if (typeof stored !== 'string') throw new FieldCipherError('MALFORMED', 'encrypted value is not a string');
  const parts = stored.split('.');
  if (parts.length !== 6) throw new FieldCipherError('MALFORMED', 'encrypted value must have 6 parts');
  const [version, token, keyId, ivPart, ctPart, tagPart] = parts as [string, string, string, string, string, string];
  if (version !== VERSION) throw new FieldCipherError('UNSUPPORTED', 'unsupported encrypted value version');
  const algorithm = ALGORITHM_BY_TOKEN.get(token);
  if (algorithm === undefined) throw new FieldCipherError('UNSUPPORTED', 'unsupported encryption algorithm');
  if (!KEY_ID.test(keyId)) throw new FieldCipherError('MALFORMED', 'invalid key id');
  const spec = SPECS[algorithm];
  const iv = decodePart(ivPart);
  const ciphertext = decodePart(ctPart);
  const tag = decodePart(tagPart);
  if (iv.length !== spec.ivBytes || tag.length !== spec.tagBytes) {
    throw new FieldCipherError('MALFORMED', 'wrong IV or tag length');
  }
  return { header: `${version}.${token}.${keyId}`, algorithm, keyId, iv, ciphertext, tag };
}

function sm4Mac(macKey: Buffer, header: string, iv: Buffer, ciphertext: Buffer): Buffer {
  const headerBytes = Buffer.from(header, 'ascii');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(headerBytes.length);
  return createHmac('sm3', macKey).update(length).update(headerBytes).update(iv).update(ciphertext).digest();
}

function validateOptions(options: FieldCipherOptions): void {
  if (!Object.hasOwn(SPECS, options.algorithm)) throw new FieldCipherError('CONFIG', 'unsupported algorithm');
  if (options.keys.length === 0) throw new FieldCipherError('CONFIG', 'no encryption keys configured');
  const ids = new Set<string>();
  for (const { id, key } of options.keys) {
    if (!KEY_ID.test(id)) throw new FieldCipherError('CONFIG', `invalid key id "${id}" (1-32 of A-Z a-z 0-9 _ -)`);
    if (ids.has(id)) throw new FieldCipherError('CONFIG', `duplicate key id "${id}"`);
    ids.add(id);
    if (!Buffer.isBuffer(key) || key.length !== FIELD_MASTER_KEY_BYTES) {
      throw new FieldCipherError('CONFIG', `key "${id}" must be ${FIELD_MASTER_KEY_BYTES} bytes`);
    }
  }
  if (!ids.has(options.activeKeyId)) throw new FieldCipherError('CONFIG', `active key "${options.activeKeyId}" is not configured`);
  if (!Buffer.isBuffer(options.hmacKey) || options.hmacKey.length < FIELD_HMAC_KEY_MIN_BYTES) {
    throw new FieldCipherError('CONFIG', `blind index key must be at least ${FIELD_HMAC_KEY_MIN_BYTES} bytes`);
  }
}

export function createFieldCipher(options: FieldCipherOptions): FieldCipher {
  validateOptions(options);
  const { algorithm, activeKeyId } = options;
  const keys = new Map<string, DerivedKeys>(options.keys.map(({ id, key }) => [id, deriveKeys(key)]));
  const hmacKey = Buffer.from(options.hmacKey);
  const indexDigest = algorithm === 'sm4' ? 'sm3' : 'sha256';
  const spec = SPECS[algorithm];
  const activeHeader = `${VERSION}.${spec.token}.${activeKeyId}`;
  const active = keys.get(activeKeyId)!;

  function encrypt(plaintext: string): string {
    const data = Buffer.from(plaintext, 'utf8');
    const iv = randomBytes(spec.ivBytes);
    let ciphertext: Buffer;
    let tag: Buffer;
    if (algorithm === 'aes-256-gcm') {
      const cipher = createCipheriv('aes-256-gcm', active.aesKey, iv, { authTagLength: 16 });
      cipher.setAAD(Buffer.from(activeHeader, 'ascii'));
      ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
      tag = cipher.getAuthTag();
    } else {
      const cipher = createCipheriv('sm4-ctr', active.sm4Key, iv);
      ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
      tag = sm4Mac(active.sm4MacKey, activeHeader, iv, ciphertext);
    }
    return `${activeHeader}.${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${tag.toString('base64url')}`;
  }

  function decrypt(stored: string): string {
    const v = parseValue(stored);
    const k = keys.get(v.keyId);
    if (!k) throw new FieldCipherError('UNKNOWN_KEY', `key "${v.keyId}" is not configured`);
    if (v.algorithm === 'aes-256-gcm') {
      const decipher = createDecipheriv('aes-256-gcm', k.aesKey, v.iv, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(v.header, 'ascii'));
      decipher.setAuthTag(v.tag);
      try {
        return Buffer.concat([decipher.update(v.ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new FieldCipherError('AUTH_FAILED', 'encrypted value failed authentication');
      }
    }
    const expected = sm4Mac(k.sm4MacKey, v.header, v.iv, v.ciphertext);
    if (!timingSafeEqual(expected, v.tag)) throw new FieldCipherError('AUTH_FAILED', 'encrypted value failed authentication');
    const decipher = createDecipheriv('sm4-ctr', k.sm4Key, v.iv);
    return Buffer.concat([decipher.update(v.ciphertext), decipher.final()]).toString('utf8');
  }

  function needsRotation(stored: string): boolean {
    const v = parseValue(stored);
    return v.algorithm !== algorithm || v.keyId !== activeKeyId;
  }

  function blindIndex(plaintext: string): string {
    return createHmac(indexDigest, hmacKey).update(plaintext, 'utf8').digest('hex');
  }

  return { algorithm, activeKeyId, encrypt, decrypt, needsRotation, blindIndex };
}

/**
 * Parses a key list from configuration: "k1:BASE64,k2:BASE64". Keys are
 * 32 bytes in base64 or base64url (e.g. `openssl rand -base64 32`). Spaces
 * around entries are ignored. Which key is active is configured separately,
 * so adding a key and switching to it are two deliberate steps.
 */
export function parseKeyConfig(config: string): FieldKey[] {
  const entries = config
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw new FieldCipherError('CONFIG', 'no keys in key configuration');
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon < 0) throw new FieldCipherError('CONFIG', `key entry ${index + 1} must be "id:base64key"`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) throw new FieldCipherError('CONFIG', `key entry ${index + 1}: invalid key id`);
    if (seen.has(id)) throw new FieldCipherError('CONFIG', `duplicate key id "${id}"`);
    seen.add(id);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) throw new FieldCipherError('CONFIG', `key "${id}" is not base64`);
    const key = Buffer.from(encoded.replace(/=+$/, ''), 'base64url');
    if (key.length !== FIELD_MASTER_KEY_BYTES) {
      throw new FieldCipherError('CONFIG', `key "${id}" must decode to ${FIELD_MASTER_KEY_BYTES} bytes`);
    }
    return { id, key };
  });
}
