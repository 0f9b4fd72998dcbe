import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Kysely, Transaction } from 'kysely';
import type { AppDb, Database } from '../../../database.js';
import { appendAudit, type AuditActor } from '../../../infra/audit/audit.js';
import type { Scope } from '../../../infra/auth/scope.js';
import { createFieldCipher, type FieldCipherOptions } from '../../../infra/crypto/field-cipher.js';
import { fromJson, insertedId, toIso, toJson } from '../../../infra/db/values.js';
import { AppError, notFound } from '../../../infra/http/errors.js';
import { bulkInsert } from '../../../infra/db/insert.js';
import { shanghaiToday } from '../rules/dates.js';
import {
  columnIndexes, errorMessage, FIELD_KEYS, missingRequired, prepareRow, suggestMapping,
  type ColumnMapping, type PrepareContext, type PreparedRow, type PrepareResult, type RowError,
} from './fields.js';
import { previewTable, tableRows } from './table-file.js';

export interface ImportRunOptions {
  /** Rows per write transaction. */
  batchSize?: number;
  /** Worker threads that validate and encrypt; 0 = on the main thread. */
  workers?: number;
  /** Called after each committed batch. */
  onProgress?: (p: ImportProgress) => void;
  /** Stop (status paused) once this many rows are committed in this run: tests use it to simulate an interruption. */
  stopAfterRows?: number;
  /** Scopes the importer may write to; null = everywhere (CLI, demo). */
  scopes?: readonly Scope[] | null;
  actor?: AuditActor;
}

export interface ImportProgress {
  jobId: number;
  status: string;
  fileName: string;
  totalRows: number | null;
  lastRow: number;
  okRows: number;
  errorRows: number;
  error: string | null;
  mapping: ColumnMapping;
  createdAt: string | null;
  updatedAt: string | null;
}

const RESIDENT_INSERT = [
  'grid_code', 'name', 'name_initials', 'id_cipher', 'id_bidx', 'birth_date', 'sex', 'phone_cipher', 'phone_bidx', 'population',
  'ethnicity', 'education', 'workplace', 'household_id', 'relation', 'tags', 'created_at', 'updated_at', 'version',
] as const;

/** Prepares batches in worker threads; results come back per batch, in any order. */
export class PreparePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, (r: PrepareResult[]) => void>();
  private next = 0;
  private seq = 0;

  /** Workers that each hold a cipher made from these options. */
  static forCipher(count: number, options: FieldCipherOptions, ctx: { today: string; grids: string[]; scopePrefixes: string[] | null }): PreparePool {
    return new PreparePool(count, {
      cipher: { algorithm: options.algorithm, keys: options.keys.map((k) => ({ id: k.id, key: new Uint8Array(k.key) })), activeKeyId: options.activeKeyId, hmacKey: new Uint8Array(options.hmacKey) },
      ...ctx,
    });
  }

  constructor(count: number, data: unknown) {
    const compiled = new URL('./worker.js', import.meta.url);
    for (let i = 0; i < count; i++) {
      // From dist/ the compiled worker runs as is; from a source checkout it runs through tsx.
      const w = existsSync(fileURLToPath(compiled))
        ? new Worker(compiled, { workerData: data })
        : new Worker(
          `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}); });`,
          { eval: true, workerData: data },
        );
      w.on('message', (m: { seq: number; results: PrepareResult[] }) => {
        const resolve = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        resolve?.(m.results);
      });
      w.on('error', (err) => {
        for (const [, r] of this.pending) r([{ ok: false, errors: [{ rowNo: 0, code: 'WORKER', message: String(err) }] }]);
        this.pending.clear();
      });
      this.workers.push(w);
    }
  }

  prepare(firstRowNo: number, rows: string[][]): Promise<PrepareResult[]> {
    const seq = this.seq++;
    const w = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      w.postMessage({ seq, firstRowNo, rows });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Caches of natural key → id, so a batch only asks the database about keys it has not seen. The run's
 * caches hold only what committed batches wrote: a batch's transaction may roll back or run its callback
 * again, so each attempt fills fresh caches, merged into the run's after its transaction has committed.
 */
interface KeyCaches {
  buildings: Map<string, number>;
  dwellings: Map<string, number>;
  households: Map<string, number>;
  /** First 16 hex of each ID blind index seen: duplicates in the file. */
  seen: Set<string>;
}

function emptyCaches(): KeyCaches {
  return { buildings: new Map(), dwellings: new Map(), households: new Map(), seen: new Set() };
}

function mergeCaches(into: KeyCaches, from: KeyCaches): void {
  for (const [k, id] of from.buildings) into.buildings.set(k, id);
  for (const [k, id] of from.dwellings) into.dwellings.set(k, id);
  for (const [k, id] of from.households) into.households.set(k, id);
  for (const k of from.seen) into.seen.add(k);
}

/**
 * Resident import: upload → preview with a suggested mapping → confirm the
 * mapping → run. Every row is validated; bad rows go to import_errors
 * (downloadable as CSV), good rows are written in batches, each batch in one
 * transaction together with the job's progress, so an interrupted run
 * resumes after the last committed row and a re-run updates instead of
 * duplicating (the ID blind index is the key).
 */
/** Where uploaded import files wait for their job. */
export function importUploadDir(dataDir: string): string {
  return resolve(dataDir, 'imports');
}

export class ImportService {
  constructor(
    private readonly db: AppDb,
    private readonly cipherOptions: FieldCipherOptions,
    /**
     * Where uploads are kept (`<dataDir>/imports`). They hold clear ID numbers, so an upload is deleted
     * once its job is done or when it cannot be read (MLPS 剩余信息保护); files the CLI imports from
     * elsewhere belong to the operator and are left alone.
     */
    private readonly uploadDir: string | null = null,
  ) {}

  private async discardUpload(filePath: string): Promise<void> {
    if (this.uploadDir && resolve(filePath).startsWith(`${resolve(this.uploadDir)}${sep}`)) await rm(filePath, { force: true });
  }

  async createJob(filePath: string, fileName: string, createdBy: number | null) {
    let preview;
    try {
      preview = await previewTable(filePath);
    } catch {
      preview = null;
    }
    if (!preview || preview.headers.length === 0) {
      await this.discardUpload(filePath);
      throw new AppError(400, 'IMPORT_FILE_UNREADABLE');
    }
    const suggested = suggestMapping(preview.headers);
    const now = Date.now();
    const id = insertedId(await this.db.primary.insertInto('import_jobs').values({
      kind: 'residents', status: 'uploaded', file_name: fileName, file_path: filePath, mapping: toJson(suggested), total_rows: null,
      last_row: 0, ok_rows: 0, error_rows: 0, created_by: createdBy, created_at: now, updated_at: now, error: null,
    }).executeTakeFirstOrThrow());
    return { jobId: id, format: preview.format, headers: preview.headers, sample: preview.sample, suggestedMapping: suggested, missing: missingRequired(suggested) };
  }

  private async job(jobId: number, createdBy?: number | null) {
    const j = await this.db.primary.selectFrom('import_jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
    // Jobs are private to whoever started them (the CLI's have no user).
    if (!j || (createdBy !== undefined && j.created_by !== createdBy)) throw notFound('import');
    return j;
  }

  async setMapping(jobId: number, mapping: ColumnMapping, createdBy?: number | null): Promise<void> {
    const j = await this.job(jobId, createdBy);
    if (j.status !== 'uploaded') throw new AppError(409, 'IMPORT_STATE', { status: j.status });
    const { headers } = await previewTable(j.file_path, 0);
    for (const [field, header] of Object.entries(mapping)) {
      if (!FIELD_KEYS.includes(field as never) || !headers.includes(header)) throw new AppError(400, 'VALUE_INVALID', { field, header });
    }
    const missing = missingRequired(mapping);
    if (missing.length > 0) throw new AppError(400, 'IMPORT_MAPPING_INCOMPLETE', { missing: missing.join(', ') });
    await this.db.primary.updateTable('import_jobs').set({ mapping: toJson(mapping), updated_at: Date.now() }).where('id', '=', jobId).execute();
  }

  async progress(jobId: number, createdBy?: number | null): Promise<ImportProgress> {
    const j = await this.job(jobId, createdBy);
    return {
      jobId: j.id, status: j.status, fileName: j.file_name, totalRows: j.total_rows, lastRow: j.last_row, okRows: j.ok_rows, errorRows: j.error_rows,
      error: j.error, mapping: fromJson<ColumnMapping>(j.mapping, {}), createdAt: toIso(j.created_at), updatedAt: toIso(j.updated_at),
    };
  }

  /** The latest unfinished job for a file (CLI --resume). */
  async resumableJob(filePath: string): Promise<number | null> {
    const j = await this.db.primary.selectFrom('import_jobs').select('id').where('file_path', '=', filePath)
      .where('status', 'in', ['uploaded', 'running', 'paused', 'failed']).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return j?.id ?? null;
  }

  /** The error file: row number (1-based data row; the header is row 0), error code, message. */
  async *errorCsv(jobId: number, createdBy?: number | null): AsyncGenerator<string> {
    await this.job(jobId, createdBy);
    yield '\uFEFFrow,code,message\r\n';
    let after = -1;
    let afterId = 0;
    for (;;) {
      const rows = await this.db.primary.selectFrom('import_errors').select(['id', 'row_no', 'code', 'message']).where('job_id', '=', jobId)
        .where((eb) => eb.or([eb('row_no', '>', after), eb.and([eb('row_no', '=', after), eb('id', '>', afterId)])]))
        .orderBy('row_no').orderBy('id').limit(5000).execute();
      if (rows.length === 0) return;
      yield rows.map((r) => `${r.row_no},${r.code},"${r.message.replaceAll('"', '""')}"\r\n`).join('');
      after = rows[rows.length - 1]!.row_no;
      afterId = rows[rows.length - 1]!.id;
    }
  }

  /** Runs or resumes a job to the end (or to stopAfterRows). */
  async run(jobId: number, options: ImportRunOptions = {}): Promise<ImportProgress> {
    const batchSize = options.batchSize ?? 2000;
    const j = await this.job(jobId);
    if (j.status === 'done') return this.progress(jobId);
    const mapping = fromJson<ColumnMapping>(j.mapping, {});
    const missing = missingRequired(mapping);
    if (missing.length > 0) throw new AppError(400, 'IMPORT_MAPPING_INCOMPLETE', { missing: missing.join(', ') });
    await this.db.primary.updateTable('import_jobs').set({ status: 'running', error: null, updated_at: Date.now() }).where('id', '=', jobId).execute();

    const grids = (await this.db.primary.selectFrom('grids').select('code').where('level', '=', 'unit').where('status', '=', 'active').execute()).map((g) => g.code);
    const scopePrefixes = options.scopes == null ? null : options.scopes.filter((s) => s.kind === 'grid').map((s) => s.code);
    const today = shanghaiToday();
    const workers = options.workers ?? 0;
    const pool = workers > 0 ? PreparePool.forCipher(workers, this.cipherOptions, { today, grids, scopePrefixes }) : null;
    const local: PrepareContext = { cipher: createFieldCipher(this.cipherOptions), today, grids: new Set(grids), scopePrefixes };
    const prepare = (firstRowNo: number, rows: string[][]): Promise<PrepareResult[]> =>
      pool ? pool.prepare(firstRowNo, rows) : Promise.resolve(rows.map((r, i) => prepareRow(firstRowNo + i, r, local)));

    const caches = emptyCaches();
    let lastRow = j.last_row;
    let okRows = j.ok_rows;
    let errorRows = j.error_rows;
    let committedThisRun = 0;
    let stopped = false;
    const queue: { lastRowNo: number; results: Promise<PrepareResult[]> }[] = [];
    const inflight = Math.max(2, workers * 2);

    const writeNext = async (): Promise<void> => {
      const item = queue.shift()!;
      const results = await item.results;
      const write = async (): Promise<{ ok: number; errors: number }> => {
        const { counts, learned } = await this.db.transaction(async (tx) => {
          // Fresh for every attempt (see KeyCaches); merged below only once the batch has committed.
          const learned = emptyCaches();
          return { counts: await this.writeBatch(tx, jobId, results, item.lastRowNo, caches, learned, scopePrefixes), learned };
        });
        mergeCaches(caches, learned);
        return counts;
      };
      let counts: { ok: number; errors: number };
      try {
        counts = await write();
      } catch {
        // A concurrent writer can take an id between our max(id) and the insert (MySQL): try once more
        // (the failed attempt left the run's caches untouched); a second failure stops the job (resumable).
        counts = await write();
      }
      lastRow = item.lastRowNo;
      okRows += counts.ok;
      errorRows += counts.errors;
      committedThisRun += results.length;
      options.onProgress?.({ ...(await this.progress(jobId)) });
      if (options.stopAfterRows !== undefined && committedThisRun >= options.stopAfterRows) stopped = true;
    };

    try {
      let headers: string[] | null = null;
      let idx: number[] = [];
      let rowNo = 0;
      let batch: string[][] = [];
      let batchFirst = 1;
      const it = tableRows(j.file_path);
      for await (const raw of it) {
        if (headers === null) {
          headers = raw.map((h) => h.trim());
          idx = columnIndexes(headers, mapping);
          continue;
        }
        rowNo++;
        if (rowNo <= lastRow) continue;
        if (raw.every((c) => c.trim() === '')) {
          // Blank lines count as rows (numbers match the file) but are neither good nor bad.
          if (batch.length === 0) batchFirst = rowNo + 1;
          else batch.push(idx.map(() => ''));
          continue;
        }
        if (batch.length === 0) batchFirst = rowNo;
        batch.push(idx.map((i) => (i < 0 ? '' : raw[i] ?? '')));
        if (batch.length >= batchSize) {
          queue.push({ lastRowNo: rowNo, results: prepare(batchFirst, batch) });
          batch = [];
          while (queue.length >= inflight && !stopped) await writeNext();
          if (stopped) break;
        }
      }
      if (!stopped && batch.length > 0) queue.push({ lastRowNo: rowNo, results: prepare(batchFirst, batch) });
      while (queue.length > 0 && !stopped) await writeNext();
      if (stopped) {
        await it.return(undefined);
        await this.db.primary.updateTable('import_jobs').set({ status: 'paused', updated_at: Date.now() }).where('id', '=', jobId).execute();
      } else {
        await this.db.transaction(async (tx) => {
          await tx.updateTable('import_jobs').set({ status: 'done', total_rows: rowNo, last_row: rowNo, updated_at: Date.now() }).where('id', '=', jobId).execute();
          await appendAudit(tx, options.actor ?? { userId: j.created_by, username: null, ip: null }, {
            action: 'resident.import', objectType: 'import', objectId: jobId, details: { rows: rowNo, ok: okRows, errors: errorRows },
          });
        });
        await this.discardUpload(j.file_path);
      }
    } catch (err) {
      const message = err instanceof AppError ? err.code : 'write failed';
      await this.db.primary.updateTable('import_jobs').set({ status: 'failed', error: message, updated_at: Date.now() }).where('id', '=', jobId).execute();
      throw err;
    } finally {
      await pool?.close();
    }
    return this.progress(jobId);
  }

  private async idsByKey(keys: string[], lookup: (keys: string[]) => Promise<[string, number][]>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < keys.length; i += 500) for (const [k, id] of await lookup(keys.slice(i, i + 500))) out.set(k, id);
    return out;
  }

  /**
   * Writes one batch: places, households, residents (upsert on the ID index), tags, dwelling links, errors, progress.
   * Reads the run's caches (`run`, committed batches only) and records what it learns in `c` (this attempt's).
   */
  private async writeBatch(
    tx: Transaction<Database>, jobId: number, results: PrepareResult[], lastRowNo: number, run: KeyCaches, c: KeyCaches,
    scopePrefixes: readonly string[] | null,
  ): Promise<{ ok: number; errors: number }> {
    const buildingId = (key: string) => c.buildings.get(key) ?? run.buildings.get(key);
    const dwellingId = (key: string) => c.dwellings.get(key) ?? run.dwellings.get(key);
    const householdId = (no: string) => c.households.get(no) ?? run.households.get(no);
    const now = Date.now();
    const today = shanghaiToday(now);
    const errors: RowError[] = [];
    const rows: PreparedRow[] = [];
    for (const r of results) {
      if (!r.ok) {
        errors.push(...r.errors);
        continue;
      }
      const key = r.row.idBidx.slice(0, 16);
      if (run.seen.has(key) || c.seen.has(key)) {
        errors.push({ rowNo: r.row.rowNo, code: 'DUPLICATE_IN_FILE', message: errorMessage('DUPLICATE_IN_FILE') });
        continue;
      }
      c.seen.add(key);
      rows.push(r.row);
    }
    const k = tx as unknown as Kysely<unknown>;
    // Take the write lock first (SQLite's database lock; the job row on InnoDB), then hand out explicit ids:
    // no read-back of generated ids, and households get their head in the same insert.
    await tx.updateTable('import_jobs').set({ updated_at: now }).where('id', '=', jobId).execute();
    const next = new Map<string, number>();
    const allocate = async (table: 'buildings' | 'dwellings' | 'households' | 'residents' | 'resident_dwellings'): Promise<number> => {
      let id = next.get(table);
      if (id === undefined) id = Number((await tx.selectFrom(table).select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0) + 1;
      next.set(table, id + 1);
      return id;
    };

    // Existing residents (the upsert key); a person registered outside the importer's scope is not touched.
    const existing = await this.idsByKey(rows.map((r) => r.idBidx), async (keys) => {
      const found = await tx.selectFrom('residents').select(['id', 'id_bidx', 'grid_code']).where('id_bidx', 'in', keys).execute();
      return found.filter((f) => !scopePrefixes || scopePrefixes.some((p) => f.grid_code.startsWith(p))).map((f) => [f.id_bidx, f.id] as [string, number]);
    });
    if (scopePrefixes) {
      const outside = await tx.selectFrom('residents').select('id_bidx').where('id_bidx', 'in', rows.filter((r) => !existing.has(r.idBidx)).map((r) => r.idBidx).concat(['-'])).execute();
      const blocked = new Set(outside.map((o) => o.id_bidx));
      for (let i = rows.length - 1; i >= 0; i--) {
        if (blocked.has(rows[i]!.idBidx)) {
          errors.push({ rowNo: rows[i]!.rowNo, code: 'EXISTS_OUT_OF_SCOPE', message: errorMessage('EXISTS_OUT_OF_SCOPE') });
          rows.splice(i, 1);
        }
      }
    }

    // Buildings by (grid, name).
    const bKey = (r: PreparedRow) => `${r.gridCode}|${r.building}`;
    const wantB = [...new Set(rows.filter((r) => r.building && buildingId(bKey(r)) === undefined).map(bKey))];
    if (wantB.length > 0) {
      const lookup = async (keys: string[]) => {
        // Per grid: building names ("1栋") repeat across grids.
        const byGrid = new Map<string, string[]>();
        for (const x of keys) {
          const bar = x.indexOf('|');
          byGrid.set(x.slice(0, bar), [...(byGrid.get(x.slice(0, bar)) ?? []), x.slice(bar + 1)]);
        }
        for (const [grid, names] of byGrid) {
          for (let i = 0; i < names.length; i += 500) {
            const found = await tx.selectFrom('buildings').select(['id', 'name']).where('grid_code', '=', grid).where('name', 'in', names.slice(i, i + 500)).execute();
            for (const f of found) c.buildings.set(`${grid}|${f.name}`, f.id);
          }
        }
      };
      await lookup(wantB);
      const missing = wantB.filter((x) => !c.buildings.has(x));
      if (missing.length > 0) {
        const first = new Map<string, PreparedRow>();
        for (const r of rows) if (r.building && !first.has(bKey(r))) first.set(bKey(r), r);
        const values: unknown[][] = [];
        for (const x of missing) {
          const r = first.get(x)!;
          const id = await allocate('buildings');
          c.buildings.set(x, id);
          values.push([id, r.gridCode, r.building, r.buildingAddress ?? r.building, null, null, null, now, now]);
        }
        await bulkInsert(k, 'buildings', ['id', 'grid_code', 'name', 'address', 'lng', 'lat', 'floors', 'created_at', 'updated_at'], values);
      }
    }
    // Dwellings by (building, room).
    const dKey = (r: PreparedRow) => `${buildingId(bKey(r))}|${r.roomNo}`;
    const withRoom = rows.filter((r) => r.building && r.roomNo);
    const wantD = [...new Set(withRoom.map(dKey).filter((x) => dwellingId(x) === undefined))];
    if (wantD.length > 0) {
      const lookup = async (keys: string[]) => {
        const bids = [...new Set(keys.map((x) => Number(x.slice(0, x.indexOf('|')))))];
        for (let i = 0; i < bids.length; i += 500) {
          const found = await tx.selectFrom('dwellings').select(['id', 'building_id', 'room_no']).where('building_id', 'in', bids.slice(i, i + 500)).execute();
          for (const f of found) c.dwellings.set(`${f.building_id}|${f.room_no}`, f.id);
        }
      };
      await lookup(wantD);
      const missing = wantD.filter((x) => !c.dwellings.has(x));
      if (missing.length > 0) {
        const first = new Map<string, PreparedRow>();
        for (const r of withRoom) if (!first.has(dKey(r))) first.set(dKey(r), r);
        const values: unknown[][] = [];
        for (const x of missing) {
          const r = first.get(x)!;
          const id = await allocate('dwellings');
          c.dwellings.set(x, id);
          values.push([id, buildingId(bKey(r))!, null, r.gridCode, r.roomNo, `${r.buildingAddress ?? r.building}${r.roomNo}`, null, 'residential', 'private', now, now]);
        }
        await bulkInsert(k, 'dwellings', ['id', 'building_id', 'entrance_id', 'grid_code', 'room_no', 'address', 'area', 'dwelling_use', 'ownership', 'created_at', 'updated_at'], values);
      }
    }
    // Resident ids: known ones from the lookup, new ones allocated now.
    const ids = new Map(existing);
    const fresh = rows.filter((r) => !existing.has(r.idBidx));
    for (const r of fresh) ids.set(r.idBidx, await allocate('residents'));
    const headOf = new Map<string, number>();
    for (const r of rows) if (r.relation === '户主' && r.householdNo) headOf.set(r.householdNo, ids.get(r.idBidx)!);
    const newHouseholds = new Set<string>();

    // Households by number.
    const wantH = [...new Set(rows.filter((r) => r.householdNo && householdId(r.householdNo) === undefined).map((r) => r.householdNo!))];
    if (wantH.length > 0) {
      const lookup = async (keys: string[]) => {
        for (let i = 0; i < keys.length; i += 500) {
          const found = await tx.selectFrom('households').select(['id', 'household_no']).where('household_no', 'in', keys.slice(i, i + 500)).execute();
          for (const f of found) c.households.set(f.household_no, f.id);
        }
      };
      await lookup(wantH);
      const missing = wantH.filter((x) => !c.households.has(x));
      if (missing.length > 0) {
        const first = new Map<string, PreparedRow>();
        for (const r of rows) if (r.householdNo && !first.has(r.householdNo)) first.set(r.householdNo, r);
        const values: unknown[][] = [];
        for (const x of missing) {
          const r = first.get(x)!;
          const id = await allocate('households');
          c.households.set(x, id);
          newHouseholds.add(x);
          values.push([id, x, r.gridCode, r.building && r.roomNo ? dwellingId(dKey(r)) ?? null : null, headOf.get(x) ?? null, now, now]);
        }
        await bulkInsert(k, 'households', ['id', 'household_no', 'grid_code', 'dwelling_id', 'head_resident_id', 'created_at', 'updated_at'], values);
      }
    }

    // Residents: insert the new, update the known.
    const householdOf = (r: PreparedRow) => (r.householdNo ? householdId(r.householdNo) ?? null : null);
    await bulkInsert(k, 'residents', ['id', ...RESIDENT_INSERT], fresh.map((r) => [
      ids.get(r.idBidx)!, r.gridCode, r.name, r.initials, r.idCipher, r.idBidx, r.birthDate, r.sex, r.phoneCipher, r.phoneBidx, r.population,
      r.ethnicity, r.education, r.workplace, householdOf(r), r.relation, r.tags.join(','), now, now, 1,
    ]));
    for (const r of rows) {
      const id = existing.get(r.idBidx);
      if (id === undefined) continue;
      await tx.updateTable('residents').set((eb) => ({
        grid_code: r.gridCode, name: r.name, name_initials: r.initials, id_cipher: r.idCipher, phone_cipher: r.phoneCipher, phone_bidx: r.phoneBidx,
        population: r.population, ethnicity: r.ethnicity, education: r.education, workplace: r.workplace, household_id: householdOf(r),
        relation: r.relation, tags: r.tags.join(','), updated_at: now, version: eb('version', '+', 1),
      })).where('id', '=', id).execute();
    }

    // Tags: replaced for known residents.
    const updatedIds = rows.filter((r) => existing.has(r.idBidx)).map((r) => ids.get(r.idBidx)!);
    for (let i = 0; i < updatedIds.length; i += 500) await tx.deleteFrom('resident_tags').where('resident_id', 'in', updatedIds.slice(i, i + 500)).execute();
    await bulkInsert(k, 'resident_tags', ['resident_id', 'tag', 'grid_code'],
      rows.flatMap((r) => r.tags.map((t) => [ids.get(r.idBidx)!, t, r.gridCode])));

    // Heads of households that existed before this batch (new ones got theirs on insert).
    for (const [no, head] of headOf) {
      if (newHouseholds.has(no)) continue;
      await tx.updateTable('households').set({ head_resident_id: head, updated_at: now }).where('id', '=', householdId(no)!).execute();
    }

    // Dwelling links: keep a current link to the same dwelling, otherwise move (close, open).
    const kept = new Set(rows);
    const linked = withRoom.filter((r) => kept.has(r) && ids.has(r.idBidx));
    const current = new Map<number, { id: number; dwelling_id: number; from_date: string }[]>();
    const updatedSet = new Set(updatedIds);
    const knownIds = linked.map((r) => ids.get(r.idBidx)!).filter((id) => updatedSet.has(id));
    for (let i = 0; i < knownIds.length; i += 500) {
      const cur = await tx.selectFrom('resident_dwellings').select(['id', 'resident_id', 'dwelling_id', 'from_date'])
        .where('resident_id', 'in', knownIds.slice(i, i + 500)).where('is_current', '=', 1).execute();
      for (const x of cur) current.set(x.resident_id, [...(current.get(x.resident_id) ?? []), x]);
    }
    const newLinks: unknown[][] = [];
    for (const r of linked) {
      const residentId = ids.get(r.idBidx)!;
      const dwelling = dwellingId(dKey(r))!;
      const cur = current.get(residentId) ?? [];
      if (cur.some((x) => x.dwelling_id === dwelling)) continue;
      const date = r.moveInDate ?? today;
      if (cur.length > 0) {
        const closeDate = cur.every((x) => x.from_date <= date) ? date : today;
        await tx.updateTable('resident_dwellings').set({ to_date: closeDate, is_current: 0 }).where('resident_id', '=', residentId).where('is_current', '=', 1).execute();
      }
      newLinks.push([residentId, dwelling, r.gridCode, r.dwellingRelation, date, null, 1, now]);
    }
    await bulkInsert(k, 'resident_dwellings', ['resident_id', 'dwelling_id', 'grid_code', 'relation', 'from_date', 'to_date', 'is_current', 'created_at'], newLinks);

    await bulkInsert(k, 'import_errors', ['job_id', 'row_no', 'code', 'message'], errors.map((e) => [jobId, e.rowNo, e.code, e.message.slice(0, 500)]));
    const errorRowCount = new Set(errors.map((e) => e.rowNo)).size;
    await tx.updateTable('import_jobs').set((eb) => ({
      last_row: lastRowNo, ok_rows: eb('ok_rows', '+', rows.length), error_rows: eb('error_rows', '+', errorRowCount), updated_at: now,
    })).where('id', '=', jobId).execute();
    return { ok: rows.length, errors: errorRowCount };
  }
}
