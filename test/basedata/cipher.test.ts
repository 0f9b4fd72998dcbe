import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/infra/audit/audit.js';
import { rotateKeys } from '../../src/modules/basedata/rotation.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { DIALECTS, testConfig } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { nextIdNumber, setUpBasedata, type BasedataFixture } from './support.js';

/**
 * Both field ciphers through the database: write with SM4, read back, then
 * rotate the same rows to AES-256-GCM (resumably) and still find them.
 */
describe.each(DIALECTS)('field encryption on %s', (dialect) => {
  let t: TestApp;
  let f: BasedataFixture;
  let aes: Platform | null = null;
  const ids: string[] = [];
  const residentIds: number[] = [];

  beforeAll(async () => {
    t = await openTestApp(dialect, { fieldCipherAlgorithm: 'sm4' });
    f = await setUpBasedata(t);
    for (let i = 0; i < 5; i++) {
      ids.push(nextIdNumber('19880808', i % 2 ? 'male' : 'female'));
      const res = await t.request({ method: 'POST', url: '/api/residents', cookie: f.cookies.officer_a!, body: { gridCode: f.unitA, name: `钱${i}`, idNumber: ids[i], phone: `1370000000${i}`, population: 'registered' } });
      expect(res.statusCode, res.body).toBe(201);
      residentIds.push(res.json().id);
    }
  }, 120_000);
  afterAll(async () => {
    await aes?.close();
    await t?.close();
  });

  it('round-trips with SM4-CTR + HMAC-SM3', async () => {
    const row = await t.platform.db.primary.selectFrom('residents').select(['id_cipher', 'phone_cipher']).where('id', '=', residentIds[0]!).executeTakeFirstOrThrow();
    expect(row.id_cipher.startsWith('v1.sm4ctr.k1.')).toBe(true);
    const clear = await t.request({ method: 'POST', url: `/api/residents/${residentIds[0]}/unmask`, cookie: f.cookies.officer_a!, body: { reason: 'test' } });
    expect(clear.json()).toEqual({ idNumber: ids[0], phone: '13700000000' });
    const found = await t.request({ method: 'POST', url: '/api/residents/search', cookie: f.cookies.officer_a!, body: { phone: '13700000003' } });
    expect(found.json().items.map((r: { id: number }) => r.id)).toEqual([residentIds[3]]);
  });

  it('rotates to AES-256-GCM in resumable batches, recomputing the blind indexes', async () => {
    // A second node on the same database and key file, configured for AES.
    const database = { url: t.platform.config.dbUrl!, dataDir: t.platform.config.dataDir, drop: async () => {} };
    aes = await openPlatform(testConfig(database, { fieldCipherAlgorithm: 'aes-256-gcm' }));
    const cipher = aes.basedata.personal.cipher;
    const partial = await rotateKeys(aes.db, cipher, SYSTEM_ACTOR, { batch: 2, stopAfterBatches: 1 });
    expect(partial).toMatchObject({ finished: false, rotated: 2 });
    const done = await rotateKeys(aes.db, cipher, SYSTEM_ACTOR, { batch: 2 });
    expect(done.finished).toBe(true);
    const total = Number((await aes.db.primary.selectFrom('residents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(done.rotated).toBe(total);
    // Idempotent: a second run finds nothing to do.
    expect((await rotateKeys(aes.db, cipher, SYSTEM_ACTOR)).rotated).toBe(total);
    const rows = await aes.db.primary.selectFrom('residents').select(['id', 'id_cipher', 'phone_cipher', 'id_bidx']).execute();
    for (const r of rows) {
      expect(r.id_cipher.startsWith('v1.a256gcm.k1.')).toBe(true);
      expect(cipher.needsRotation(r.phone_cipher!)).toBe(false);
    }
    const row = rows.find((r) => r.id === residentIds[2])!;
    expect(cipher.decrypt(row.id_cipher)).toBe(ids[2]);
    expect(row.id_bidx).toBe(cipher.blindIndex(ids[2]!));
    const audit = await aes.db.primary.selectFrom('audit_log').select('details').where('action', '=', 'keys.rotate').execute();
    expect(audit).toHaveLength(1);
  });
});
