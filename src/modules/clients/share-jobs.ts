import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { insertedId } from '../../infra/db/values.js';
import { insertRows } from '../../infra/db/insert.js';
import { AppError } from '../../infra/http/errors.js';
import { tableRows } from '../basedata/import/table-file.js';
import { maskIdNumber } from '../basedata/rules/masking.js';
import type { ShareService } from '../basedata/share.js';
import type { ApiClientService } from './service.js';
import './messages.js';

export interface ShareJobView {
  id: number;
  clientId: number;
  fileName: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  /** Rows checked so far (the progress), out of `expectedRows` once the file was counted. */
  totalRows: number;
  expectedRows: number | null;
  found: number;
  notFound: number;
  invalid: number;
  errorCode: string | null;
  uploadedByConsole: boolean;
  createdAt: number;
  finishedAt: number | null;
}

const CHUNK = 1000;
/** A header cell naming the ID number column; without one, the first column of every row is read. */
const ID_HEADER = /身份证|证件号|公民身份号码|id[ _-]?(number|no|card)/i;

/**
 * Bulk verification (数据共享 批量核验, docs/api-clients.md): a share client
 * (or an administrator on its behalf) uploads a CSV or XLSX file of ID
 * numbers; the job runs in the background in chunks through ShareService's
 * check, keeps one record per row (blind index and outcome, never the
 * number) and writes a result CSV with the numbers masked. One audit entry
 * at upload and one at completion reference the job's records.
 */
export class ShareJobService {
  /** Expected rows per running job, counted before the checks start (progress only). */
  private readonly expected = new Map<number, number>();

  constructor(
    private readonly db: AppDb,
    private readonly share: ShareService,
    private readonly apiClients: ApiClientService,
    private readonly settings: { dataDir: string; maxRows: number },
    private readonly logger: Logger,
  ) {}

  /** Where uploads and result files live; uploads hold clear numbers and are deleted after the run. */
  uploadDir(): string {
    const dir = resolve(this.settings.dataDir, 'share-jobs');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  async create(clientId: number, actor: AuditActor, filePath: string, fileName: string): Promise<ShareJobView> {
    const client = await this.apiClients.get(clientId);
    if (client.status !== 'active') throw new AppError(409, 'CLIENT_REVOKED', { id: clientId });
    if (!client.scopes.includes('share.residents.verify')) throw new AppError(422, 'SHARE_JOB_CLIENT_SCOPE', { id: clientId });
    const now = Date.now();
    const id = await this.db.transaction(async (tx) => {
      const jobId = insertedId(await tx.insertInto('share_jobs').values({
        client_id: clientId, created_by: actor.userId, file_name: fileName, file_path: filePath, result_path: null, status: 'queued',
        total_rows: 0, found: 0, not_found: 0, invalid: 0, error_code: null, created_at: now, updated_at: now, finished_at: null,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'share.job.create', objectType: 'share_job', objectId: jobId, details: { clientId, fileName } });
      return jobId;
    });
    return this.get(id);
  }

  /** Runs a queued job in the background; failures are kept on the job. */
  start(id: number): void {
    this.run(id).catch(async (err: unknown) => {
      this.logger.error({ err, job: id }, 'a bulk verification job failed');
      const code = err instanceof AppError ? err.code : 'SHARE_JOB_FAILED';
      await this.fail(id, code).catch((e: unknown) => this.logger.error({ err: e, job: id }, 'marking a bulk verification job failed did not work'));
    });
  }

  async run(id: number): Promise<void> {
    const claimed = await this.db.transaction(async (tx) => Number((await tx.updateTable('share_jobs').set({ status: 'running', updated_at: Date.now() })
      .where('id', '=', id).where('status', '=', 'queued').executeTakeFirst()).numUpdatedRows));
    if (claimed === 0) return;
    const job = await this.db.primary.selectFrom('share_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const client = await this.apiClients.get(job.client_id);
    if (client.status !== 'active') throw new AppError(409, 'CLIENT_REVOKED', { id: client.id });
    const path = job.file_path!;
    try {
      const column = await this.countRows(id, path);
      const withCommunity = client.fields.includes('community');
      const resultPath = resolve(this.uploadDir(), `result-${id}.csv`);
      const out = createWriteStream(resultPath, { mode: 0o600 });
      out.write(`\uFEFFrow,id_number_masked,result${withCommunity ? ',community_code,community_name' : ''}\n`);
      let batch: { rowNo: number; raw: string }[] = [];
      let rowNo = 0;
      const totals = { found: 0, notFound: 0, invalid: 0, rows: 0 };
      const flush = async () => {
        if (batch.length === 0) return;
        const checked = await this.share.check(client, batch.map((b) => b.raw));
        const records = checked.map((c, i) => ({
          job_id: id, row_no: batch[i]!.rowNo, id_bidx: c.bidx, outcome: outcomeOf(c), community_code: c.community?.code ?? null,
        }));
        for (const r of records) totals[r.outcome === 'found' ? 'found' : r.outcome === 'invalid' ? 'invalid' : 'notFound']++;
        totals.rows += records.length;
        await this.db.transaction(async (tx) => {
          await insertRows<Database, 'share_job_records'>(tx, 'share_job_records', records);
          await tx.updateTable('share_jobs').set({ total_rows: totals.rows, found: totals.found, not_found: totals.notFound, invalid: totals.invalid, updated_at: Date.now() })
            .where('id', '=', id).execute();
        });
        // The file is written after the commit: a transaction callback may run twice (ADR 0001).
        const lines = checked.map((c, i) => [batch[i]!.rowNo, csvCell(maskIdNumber(c.idNumber)), outcomeOf(c),
          ...(withCommunity ? [c.community?.code ?? '', csvCell(c.community?.name ?? '')] : [])].join(',')).join('\n');
        if (!out.write(`${lines}\n`)) await once(out, 'drain');
        batch = [];
      };
      let first = true;
      for await (const row of tableRows(path)) {
        rowNo++;
        if (first && column.header) {
          first = false;
          continue;
        }
        first = false;
        const raw = (row[column.index] ?? '').trim();
        if (raw === '') continue;
        batch.push({ rowNo, raw });
        if (batch.length >= CHUNK) await flush();
      }
      await flush();
      out.end();
      await once(out, 'finish');
      await this.db.transaction(async (tx) => {
        const now = Date.now();
        await tx.updateTable('share_jobs').set({ status: 'done', result_path: resultPath, file_path: null, updated_at: now, finished_at: now }).where('id', '=', id).execute();
        await appendAudit(tx, { userId: job.created_by, username: `share:${client.name}`, ip: null }, {
          action: 'share.verify.job', objectType: 'share_job', objectId: id,
          // The per-row checks are the job's rows in share_job_records (blind index and outcome).
          details: { clientId: client.id, rows: totals.rows, found: totals.found, notFound: totals.notFound, invalid: totals.invalid, records: 'share_job_records' },
        });
      });
    } finally {
      this.expected.delete(id);
      await rm(path, { force: true });
    }
  }

  /** First pass: the row count (refused past the limit) and which column holds the numbers. */
  private async countRows(id: number, path: string): Promise<{ index: number; header: boolean }> {
    let rows = 0;
    let column: { index: number; header: boolean } | null = null;
    for await (const row of tableRows(path)) {
      if (column === null) {
        const at = row.findIndex((cell) => ID_HEADER.test(cell));
        column = at >= 0 ? { index: at, header: true } : { index: 0, header: /^\D*$/.test(row[0] ?? '') && (row[0] ?? '').trim() !== '' };
        if (column.header) continue;
      }
      if ((row[column.index] ?? '').trim() !== '') rows++;
      if (rows > this.settings.maxRows) throw new AppError(422, 'SHARE_JOB_TOO_MANY_ROWS', { max: this.settings.maxRows });
    }
    if (rows === 0) throw new AppError(422, 'SHARE_JOB_EMPTY');
    this.expected.set(id, rows);
    return column ?? { index: 0, header: false };
  }

  private async fail(id: number, code: string): Promise<void> {
    const job = await this.db.primary.selectFrom('share_jobs').select(['file_path']).where('id', '=', id).executeTakeFirst();
    if (job?.file_path) await rm(job.file_path, { force: true });
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      await tx.updateTable('share_jobs').set({ status: 'failed', error_code: code, file_path: null, updated_at: now, finished_at: now }).where('id', '=', id).execute();
    });
  }

  /** A job, seen by its own client (clientId given) or by an administrator (null): another client's reads as 404. */
  async get(id: number, clientId: number | null = null): Promise<ShareJobView> {
    let q = this.db.primary.selectFrom('share_jobs').selectAll().where('id', '=', id);
    if (clientId !== null) q = q.where('client_id', '=', clientId);
    const row = await q.executeTakeFirst();
    if (!row) throw new AppError(404, 'SHARE_JOB_NOT_FOUND', { id });
    return this.view(row);
  }

  async list(clientId: number): Promise<ShareJobView[]> {
    await this.apiClients.get(clientId);
    const rows = await this.db.primary.selectFrom('share_jobs').selectAll().where('client_id', '=', clientId).orderBy('id', 'desc').limit(100).execute();
    return rows.map((r) => this.view(r));
  }

  /** The result file of a finished job (409 before it is done). */
  async resultPath(id: number, clientId: number | null = null): Promise<string> {
    const job = await this.get(id, clientId);
    const row = await this.db.primary.selectFrom('share_jobs').select('result_path').where('id', '=', id).executeTakeFirstOrThrow();
    if (job.status !== 'done' || !row.result_path) throw new AppError(409, 'SHARE_JOB_NOT_DONE', { status: job.status });
    return row.result_path;
  }

  private view(r: {
    id: number; client_id: number; created_by: number | null; file_name: string; status: ShareJobView['status']; total_rows: number; found: number;
    not_found: number; invalid: number; error_code: string | null; created_at: number; finished_at: number | null;
  }): ShareJobView {
    return {
      id: r.id, clientId: r.client_id, fileName: r.file_name, status: r.status, totalRows: Number(r.total_rows),
      expectedRows: r.status === 'done' ? Number(r.total_rows) : this.expected.get(r.id) ?? null,
      found: Number(r.found), notFound: Number(r.not_found), invalid: Number(r.invalid), errorCode: r.error_code,
      uploadedByConsole: r.created_by !== null, createdAt: Number(r.created_at), finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    };
  }
}

function outcomeOf(c: { valid: boolean; found: boolean }): 'found' | 'not_found' | 'invalid' {
  return !c.valid ? 'invalid' : c.found ? 'found' : 'not_found';
}

/** Quotes a CSV cell, and defuses a leading formula character (the file is opened in spreadsheets). */
function csvCell(value: string): string {
  const v = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}
