import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';

export interface RotationProgress {
  target: string;
  lastId: number;
  rotated: number;
  finished: boolean;
}

/**
 * Re-encrypts residents' ID numbers and phones with the active key and
 * algorithm, in batches by id. Progress (last id, count) is committed with
 * each batch in a key_rotations row named after the target key, so a run
 * that stops resumes where it was, and running it again is harmless: values
 * already on the active key are skipped. Blind indexes are recomputed too,
 * since switching the algorithm switches the index hash.
 */
export async function rotateKeys(
  db: AppDb,
  cipher: FieldCipher,
  actor: AuditActor,
  options: { batch?: number; onProgress?: (p: RotationProgress) => void; stopAfterBatches?: number } = {},
): Promise<RotationProgress> {
  const batch = options.batch ?? 1000;
  const target = `residents:${cipher.algorithm}:${cipher.activeKeyId}`;
  const now = Date.now();
  let row = await db.primary.selectFrom('key_rotations').selectAll().where('target', '=', target).executeTakeFirst();
  if (!row) {
    await db.primary.insertInto('key_rotations').values({ target, last_id: 0, rotated: 0, started_at: now, updated_at: now, finished_at: null }).execute();
    row = await db.primary.selectFrom('key_rotations').selectAll().where('target', '=', target).executeTakeFirstOrThrow();
  }
  let lastId = row.last_id;
  let rotated = row.rotated;
  if (row.finished_at != null) return { target, lastId, rotated, finished: true };
  let batches = 0;
  for (;;) {
    const rows = await db.primary.selectFrom('residents').select(['id', 'id_cipher', 'phone_cipher']).where('id', '>', lastId).orderBy('id').limit(batch).execute();
    if (rows.length === 0) break;
    // Progress is computed from the values before this batch and assigned only once it has
    // committed: the transaction may run this callback more than once.
    const done = await db.transaction(async (tx) => {
      let n = 0;
      for (const r of rows) {
        const idStale = cipher.needsRotation(r.id_cipher);
        const phoneStale = r.phone_cipher != null && cipher.needsRotation(r.phone_cipher);
        if (!idStale && !phoneStale) continue;
        const idNumber = cipher.decrypt(r.id_cipher);
        const phone = r.phone_cipher == null ? null : cipher.decrypt(r.phone_cipher);
        await tx.updateTable('residents').set({
          id_cipher: idStale ? cipher.encrypt(idNumber) : r.id_cipher,
          id_bidx: cipher.blindIndex(idNumber),
          ...(phone == null ? {} : { phone_cipher: phoneStale ? cipher.encrypt(phone) : r.phone_cipher, phone_bidx: cipher.blindIndex(phone) }),
        }).where('id', '=', r.id).execute();
        n++;
      }
      const batchLastId = rows[rows.length - 1]!.id;
      const batchRotated = rotated + n;
      await tx.updateTable('key_rotations').set({ last_id: batchLastId, rotated: batchRotated, updated_at: Date.now() }).where('target', '=', target).execute();
      return { lastId: batchLastId, rotated: batchRotated };
    });
    lastId = done.lastId;
    rotated = done.rotated;
    options.onProgress?.({ target, lastId, rotated, finished: false });
    if (options.stopAfterBatches !== undefined && ++batches >= options.stopAfterBatches) return { target, lastId, rotated, finished: false };
  }
  await db.transaction(async (tx) => {
    await tx.updateTable('key_rotations').set({ finished_at: Date.now(), updated_at: Date.now() }).where('target', '=', target).execute();
    await appendAudit(tx, actor, { action: 'keys.rotate', objectType: 'residents', details: { target, rotated } });
  });
  return { target, lastId, rotated, finished: true };
}
