import { createCipheriv, createHash, createHmac, getCiphers, getHashes, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  FieldCipherError,
  createFieldCipher,
  parseKeyConfig,
  type FieldCipher,
  type FieldCipherAlgorithm,
  type FieldCipherErrorCode,
} from './field-cipher.js';

const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);
const HMAC_KEY = Buffer.alloc(32, 7);
const ALGORITHMS: FieldCipherAlgorithm[] = ['aes-256-gcm', 'sm4'];

function cipherFor(
  algorithm: FieldCipherAlgorithm,
  activeKeyId = 'k1',
  keys: Record<string, Buffer> = { k1: K1, k2: K2 },
  hmacKey: Buffer = HMAC_KEY,
): FieldCipher {
  return createFieldCipher({
    algorithm,
    keys: Object.entries(keys).map(([id, key]) => ({ id, key })),
    activeKeyId,
    hmacKey,
  });
}

function errorCode(fn: () => unknown): FieldCipherErrorCode | 'no error' | 'other error' {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return err instanceof FieldCipherError ? err.code : 'other error';
  }
}

/** Replaces part `index` of the stored string after changing its decoded bytes. */
function tamperPart(stored: string, index: number, change: (b: Buffer) => Buffer): string {
  const parts = stored.split('.');
  parts[index] = change(Buffer.from(parts[index]!, 'base64url')).toString('base64url');
  return parts.join('.');
}

const flipFirstBit = (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  c[0] = c[0]! ^ 1;
  return c;
};

describe('platform primitives', () => {
  it('has SM3 and SM4-CTR and they match the national standards', () => {
    expect(getCiphers()).toContain('sm4-ctr');
    expect(getHashes()).toContain('sm3');
    // GB/T 32905-2016 example 1 and GB/T 32907-2016 example 1.
    expect(createHash('sm3').update('abc').digest('hex')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    const key = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');
    const ecb = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
    expect(Buffer.concat([ecb.update(key), ecb.final()]).toString('hex')).toBe('681edf34d206965e86b3e94f536e4246');
  });
});

describe.each(ALGORITHMS)('field cipher, %s', (algorithm) => {
  const cipher = cipherFor(algorithm);
  const token = algorithm === 'sm4' ? 'sm4ctr' : 'a256gcm';

  it('round-trips ASCII, Unicode, empty and long strings', () => {
    for (const text of ['11010519491231002X', '13812345678', '张三丰 · 𠀀 😀', '', 'x'.repeat(10_000)]) {
      expect(cipher.decrypt(cipher.encrypt(text))).toBe(text);
    }
  });

  it('writes the self-describing compact form', () => {
    const stored = cipher.encrypt('13812345678');
    expect(stored).toMatch(new RegExp(`^v1\\.${token}\\.k1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    const [, , , iv, ct, tag] = stored.split('.');
    expect(Buffer.from(iv!, 'base64url').length).toBe(algorithm === 'sm4' ? 16 : 12);
    expect(Buffer.from(ct!, 'base64url').length).toBe(11);
    expect(Buffer.from(tag!, 'base64url').length).toBe(algorithm === 'sm4' ? 32 : 16);
    expect(cipher.encrypt('').split('.')[4]).toBe('');
  });

  it('gives a different ciphertext each time for the same plaintext', () => {
    const values = new Set(Array.from({ length: 50 }, () => cipher.encrypt('11010519491231002X')));
    expect(values.size).toBe(50);
    const ivs = new Set([...values].map((v) => v.split('.')[3]));
    expect(ivs.size).toBe(50);
  });

  it('detects tampering with the IV, ciphertext and tag', () => {
    const stored = cipher.encrypt('11010519491231002X');
    for (const index of [3, 4, 5]) {
      expect(errorCode(() => cipher.decrypt(tamperPart(stored, index, flipFirstBit)))).toBe('AUTH_FAILED');
    }
    const lastByte = (b: Buffer): Buffer => {
      const c = Buffer.from(b);
      c[c.length - 1] = c[c.length - 1]! ^ 0x80;
      return c;
    };
    expect(errorCode(() => cipher.decrypt(tamperPart(stored, 4, lastByte)))).toBe('AUTH_FAILED');
    expect(errorCode(() => cipher.decrypt(tamperPart(stored, 5, lastByte)))).toBe('AUTH_FAILED');
    expect(errorCode(() => cipher.decrypt(tamperPart(stored, 4, (b) => b.subarray(1))))).toBe('AUTH_FAILED');
    expect(errorCode(() => cipher.decrypt(tamperPart(stored, 4, (b) => Buffer.concat([b, Buffer.from([0])]))))).toBe('AUTH_FAILED');
    expect(errorCode(() => cipher.decrypt(tamperPart(stored, 5, (b) => b.subarray(1))))).toBe('MALFORMED');
  });

  it('detects tampering with an empty plaintext', () => {
    const stored = cipher.encrypt('');
    expect(errorCode(() => cipher.decrypt(tamperPart(stored, 4, () => Buffer.from([0]))))).toBe('AUTH_FAILED');
    expect(errorCode(() => cipher.decrypt(tamperPart(stored, 3, flipFirstBit)))).toBe('AUTH_FAILED');
  });

  it('detects tampering with the header', () => {
    const stored = cipher.encrypt('11010519491231002X');
    const parts = stored.split('.');
    const withPart = (index: number, value: string): string => parts.map((p, i) => (i === index ? value : p)).join('.');
    // Pointing at another configured key: the header is authenticated and the key differs.
    expect(errorCode(() => cipher.decrypt(withPart(2, 'k2')))).toBe('AUTH_FAILED');
    expect(errorCode(() => cipher.decrypt(withPart(2, 'k3')))).toBe('UNKNOWN_KEY');
    expect(errorCode(() => cipher.decrypt(withPart(0, 'v2')))).toBe('UNSUPPORTED');
    expect(errorCode(() => cipher.decrypt(withPart(1, 'aes128cbc')))).toBe('UNSUPPORTED');
    expect(errorCode(() => cipher.decrypt(withPart(1, token === 'sm4ctr' ? 'a256gcm' : 'sm4ctr')))).toBe('MALFORMED');
  });

  it('refuses malformed strings with a typed error', () => {
    const stored = cipher.encrypt('13812345678');
    const cases = [
      '',
      '13812345678',
      stored.slice(0, stored.lastIndexOf('.')),
      `${stored}.x`,
      stored.split('.').map((p, i) => (i === 3 ? `!${p}` : p)).join('.'),
      `${stored}=`,
      stored.replace('.k1.', '.k 1.'),
    ];
    for (const bad of cases) expect(errorCode(() => cipher.decrypt(bad)), bad).toBe('MALFORMED');
    expect(() => cipher.decrypt(null as unknown as string)).toThrow(FieldCipherError);
  });

  it('refuses a non-canonical base64url encoding of the same bytes', () => {
    const stored = cipher.encrypt('13812345678');
    const parts = stored.split('.');
    // The tag's last character carries unused low bits when its length is not a multiple of 3.
    const tag = parts[5]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(tag[tag.length - 1]!);
    parts[5] = tag.slice(0, -1) + alphabet[last ^ 1]!;
    expect(Buffer.from(parts[5], 'base64url').equals(Buffer.from(tag, 'base64url'))).toBe(true);
    expect(errorCode(() => cipher.decrypt(parts.join('.')))).toBe('MALFORMED');
  });

  it('fails authentication under the wrong key with the same id', () => {
    const stored = cipher.encrypt('11010519491231002X');
    const other = cipherFor(algorithm, 'k1', { k1: randomBytes(32), k2: K2 });
    expect(errorCode(() => other.decrypt(stored))).toBe('AUTH_FAILED');
  });

  it('reports UNKNOWN_KEY for a key id that is not configured', () => {
    const stored = cipherFor(algorithm, 'k2').encrypt('x');
    const onlyK1 = cipherFor(algorithm, 'k1', { k1: K1 });
    expect(errorCode(() => onlyK1.decrypt(stored))).toBe('UNKNOWN_KEY');
    expect(onlyK1.needsRotation(stored)).toBe(true);
  });

  it('detects values to rotate and still reads them', () => {
    const old = cipherFor(algorithm, 'k1').encrypt('13812345678');
    const rotated = cipherFor(algorithm, 'k2');
    expect(rotated.activeKeyId).toBe('k2');
    expect(rotated.needsRotation(old)).toBe(true);
    expect(rotated.decrypt(old)).toBe('13812345678');
    const fresh = rotated.encrypt(rotated.decrypt(old));
    expect(rotated.needsRotation(fresh)).toBe(false);
    expect(errorCode(() => rotated.needsRotation('garbage'))).toBe('MALFORMED');
  });

  it('computes a deterministic, key-dependent blind index', () => {
    const a = cipher.blindIndex('11010519491231002X');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(cipher.blindIndex('11010519491231002X')).toBe(a);
    expect(cipherFor(algorithm, 'k2').blindIndex('11010519491231002X')).toBe(a);
    expect(cipher.blindIndex('11010519491231002x')).not.toBe(a);
    expect(cipherFor(algorithm, 'k1', { k1: K1, k2: K2 }, Buffer.alloc(32, 8)).blindIndex('11010519491231002X')).not.toBe(a);
    expect(cipher.blindIndex('')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('field cipher across algorithms', () => {
  it('reads values of the other algorithm so a switch is a rotation', () => {
    const aes = cipherFor('aes-256-gcm');
    const sm4 = cipherFor('sm4');
    const stored = aes.encrypt('张三');
    expect(sm4.needsRotation(stored)).toBe(true);
    expect(sm4.decrypt(stored)).toBe('张三');
    expect(aes.needsRotation(sm4.encrypt('张三'))).toBe(true);
    expect(aes.decrypt(sm4.encrypt('张三'))).toBe('张三');
  });

  it('uses HMAC-SHA256 for AES and HMAC-SM3 for SM4 blind indexes', () => {
    const text = '13812345678';
    expect(cipherFor('aes-256-gcm').blindIndex(text)).toBe(createHmac('sha256', HMAC_KEY).update(text).digest('hex'));
    expect(cipherFor('sm4').blindIndex(text)).toBe(createHmac('sm3', HMAC_KEY).update(text).digest('hex'));
  });

  it('matches RFC 4231 test case 6 for HMAC-SHA256 with a long key', () => {
    const cipher = cipherFor('aes-256-gcm', 'k1', { k1: K1, k2: K2 }, Buffer.alloc(131, 0xaa));
    expect(cipher.blindIndex('Test Using Larger Than Block-Size Key - Hash Key First')).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('HMAC-SM3 is the textbook HMAC construction over SM3', () => {
    const key = Buffer.alloc(32, 7);
    const block = Buffer.concat([key, Buffer.alloc(32)]);
    const xor = (pad: number): Buffer => Buffer.from(block.map((b) => b ^ pad));
    const inner = createHash('sm3').update(xor(0x36)).update('abc').digest();
    const outer = createHash('sm3').update(xor(0x5c)).update(inner).digest('hex');
    expect(cipherFor('sm4').blindIndex('abc')).toBe(outer);
  });
});

describe('field cipher configuration', () => {
  const base = { algorithm: 'aes-256-gcm' as const, keys: [{ id: 'k1', key: K1 }], activeKeyId: 'k1', hmacKey: HMAC_KEY };

  it('refuses unusable configurations', () => {
    const cases: Array<Partial<typeof base> | Record<string, unknown>> = [
      { keys: [] },
      { activeKeyId: 'k2' },
      { keys: [{ id: 'k1', key: Buffer.alloc(16) }] },
      { keys: [{ id: 'k1', key: Buffer.alloc(64) }] },
      { keys: [{ id: 'k.1', key: K1 }], activeKeyId: 'k.1' },
      { keys: [{ id: 'k1', key: K1 }, { id: 'k1', key: K2 }] },
      { hmacKey: Buffer.alloc(16) },
      { algorithm: 'aes-128-cbc' },
    ];
    for (const patch of cases) {
      expect(errorCode(() => createFieldCipher({ ...base, ...patch } as typeof base)), JSON.stringify(Object.keys(patch))).toBe('CONFIG');
    }
  });

  it('parses "id:base64" key lists', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = parseKeyConfig(` k1:${a.toString('base64')} , k2:${b.toString('base64url')},`);
    expect(keys.map((k) => k.id)).toEqual(['k1', 'k2']);
    expect(keys[0]!.key.equals(a)).toBe(true);
    expect(keys[1]!.key.equals(b)).toBe(true);
    const cipher = createFieldCipher({ algorithm: 'sm4', keys, activeKeyId: 'k2', hmacKey: HMAC_KEY });
    expect(cipher.decrypt(cipher.encrypt('ok'))).toBe('ok');
  });

  it('refuses bad key lists without echoing key material', () => {
    const good = K1.toString('base64');
    for (const bad of ['', ' , ', `k1${good}`, `:${good}`, `k 1:${good}`, `k1:${good},k1:${good}`, 'k1:c2hvcnQ=', `k1:${good}!`]) {
      let error: unknown;
      try {
        parseKeyConfig(bad);
      } catch (err) {
        error = err;
      }
      expect(error, bad).toBeInstanceOf(FieldCipherError);
      expect((error as FieldCipherError).code).toBe('CONFIG');
      expect((error as FieldCipherError).message).not.toContain(good);
    }
  });

  it('never puts plaintext in error messages', () => {
    const cipher = cipherFor('sm4');
    const stored = cipher.encrypt('11010519491231002X');
    try {
      cipher.decrypt(tamperPart(stored, 4, flipFirstBit));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FieldCipherError);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('FieldCipherError');
      expect((err as Error).message).not.toContain('11010519491231002X');
    }
  });
});
