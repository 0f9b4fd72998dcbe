import { parentPort, workerData } from 'node:worker_threads';
import { createFieldCipher, type FieldCipherOptions } from '../../../infra/crypto/field-cipher.js';
import { prepareRow, type PrepareContext, type PrepareResult } from './fields.js';

/** Import worker: validates and encrypts batches of rows off the main thread. */
interface Init {
  cipher: { algorithm: FieldCipherOptions['algorithm']; keys: { id: string; key: Uint8Array }[]; activeKeyId: string; hmacKey: Uint8Array };
  today: string;
  grids: string[];
  scopePrefixes: string[] | null;
}

const init = workerData as Init;
const ctx: PrepareContext = {
  cipher: createFieldCipher({
    algorithm: init.cipher.algorithm,
    keys: init.cipher.keys.map((k) => ({ id: k.id, key: Buffer.from(k.key) })),
    activeKeyId: init.cipher.activeKeyId,
    hmacKey: Buffer.from(init.cipher.hmacKey),
  }),
  today: init.today,
  grids: new Set(init.grids),
  scopePrefixes: init.scopePrefixes,
};

parentPort!.on('message', (msg: { seq: number; firstRowNo: number; rows: string[][] }) => {
  const results: PrepareResult[] = msg.rows.map((values, i) => prepareRow(msg.firstRowNo + i, values, ctx));
  parentPort!.postMessage({ seq: msg.seq, results });
});
