/**
 * Reports as background jobs: a request (or the schedule) stores a queued
 * row; a runner on some node claims it (a conditional update, so two nodes
 * never run the same row), gathers the contents from the evaluation service,
 * writes the XLSX and the PDF under <dataDir>/reports and marks it done, with
 * its progress stored as it goes. Scheduled reports carry a unique key per
 * kind, period and scope, so restarts and several nodes make each one once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Selectable } from 'kysely';
import type { Logger } from 'pino';
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { codePrefix, type Scope } from '../../infra/auth/scope.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import { isDuplicateKeyError } from '../../infra/idempotency/idempotency.js';
import type { EvaluationService } from '../evaluation/service.js';
import { GRID_CODE_LENGTH } from '../grid/rules/codes.js';
import { gatherContent, reportTitle } from './content.js';
import { findReportFont, reportPdf } from './pdf.js';
import { lastEndedPeriod, parsePeriodKey, REPORT_KINDS, shanghaiDay, type ReportKind, type ReportPeriod } from './rules/periods.js';
import type { ReportTable } from './tables.js';
import { reportWorkbook } from './xlsx.js';
import './messages.js';

export type ReportRow = Selectable<ReportTable>;
export type ReportFormat = 'xlsx' | 'pdf';

export interface ReportView {
  id: number;
  kind: ReportKind;
  period: { key: string; from: string; to: string };
  scope: { code: string; name: string };
  title: string;
  trigger: 'schedule' | 'demand';
  status: ReportRow['status'];
  progress: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  xlsxSize: number | null;
  pdfSize: number | null;
}

export interface ReportSettings {
  dataDir: string;
  /** CIVICGRID_REPORT_FONT (pdf.ts findReportFont). */
  font?: string | undefined;
}

const SYSTEM_ACTOR: AuditActor = { userId: null, username: 'system', ip: null };
/** A running report whose row has not moved for this long lost its node: another takes it again. */
const STALE_RUN_MS = 15 * 60_000;
const LIST_LIMIT = 50;

/** Reports belong to a grid node: a grid scope reads those at or below it (a street operator not the district's). */
const visibleTo = (scopes: readonly Scope[]) => scopes.filter((s) => s.kind === 'grid');

export class ReportService {
  readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: AppDb,
    private readonly evaluation: EvaluationService,
    private readonly settings: ReportSettings,
    private readonly logger: Logger,
  ) {}

  get dir(): string {
    return resolve(this.settings.dataDir, 'reports');
  }

  filePath(id: number, format: ReportFormat): string {
    return resolve(this.dir, `${id}.${format}`);
  }

  /** An on-demand report for the district or one street within the caller's reports.generate scopes. */
  async request(scopes: readonly Scope[], actor: AuditActor, input: { kind: ReportKind; period: string; scope: string }, now = Date.now()): Promise<ReportView> {
    const period = parsePeriodKey(input.kind, input.period);
    if (!period) throw new AppError(400, 'REPORT_PERIOD_INVALID', { kind: input.kind, period: input.period });
    if (period.from > shanghaiDay(now)) throw new AppError(400, 'REPORT_PERIOD_NOT_STARTED', { period: input.period });
    if (input.scope.length !== GRID_CODE_LENGTH.district && input.scope.length !== GRID_CODE_LENGTH.street) throw new AppError(400, 'REPORT_SCOPE_INVALID', { scope: input.scope });
    if (!visibleTo(scopes).some((s) => input.scope.startsWith(s.code))) throw new AppError(403, 'REPORT_OUT_OF_SCOPE', { scope: input.scope });
    const grid = await this.db.primary.selectFrom('grids').select(['code', 'level']).where('code', '=', input.scope).executeTakeFirst();
    if (!grid || (grid.level !== 'district' && grid.level !== 'street')) throw new AppError(400, 'REPORT_SCOPE_INVALID', { scope: input.scope });
    const id = await this.insert(actor, input.kind, period, input.scope, 'demand', null, now);
    if (actor.userId !== null) this.db.noteWrite(actor.userId);
    // The answer shows the row as stored (queued), before this node's runner picks it up.
    const view = await this.view(await this.row(id));
    void this.kick();
    return view;
  }

  private async insert(actor: AuditActor, kind: ReportKind, period: ReportPeriod, scope: string, trigger: 'schedule' | 'demand', scheduleKey: string | null, now: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const result = await tx.insertInto('reports').values({
        kind, period_key: period.key, period_from: period.from, period_to: period.to, scope_code: scope, trigger, schedule_key: scheduleKey,
        status: 'queued', progress: 0, error: null, requested_by: actor.userId, runner: null, xlsx_size: null, pdf_size: null,
        created_at: now, started_at: null, finished_at: null, updated_at: now,
      }).executeTakeFirstOrThrow();
      const id = Number(result.insertId);
      await appendAudit(tx, actor, { action: trigger === 'schedule' ? 'report.schedule' : 'report.request', objectType: 'report', objectId: id, details: { kind, period: period.key, scope } }, now);
      return id;
    });
  }

  /** The latest reports the caller may read, newest first. */
  async list(scopes: readonly Scope[], filter: { kind?: ReportKind | undefined; limit?: number | undefined } = {}): Promise<ReportView[]> {
    const grids = visibleTo(scopes);
    if (grids.length === 0) return [];
    let q = this.db.reader().selectFrom('reports').selectAll()
      .where((eb) => eb.or(grids.map((s) => codePrefix('scope_code', s.code))));
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    const rows = await q.orderBy('id', 'desc').limit(Math.min(filter.limit ?? LIST_LIMIT, LIST_LIMIT)).execute();
    return this.views(rows);
  }

  /** One report the caller may read; another scope's reads as not found. */
  async get(scopes: readonly Scope[], id: number): Promise<ReportView> {
    return this.view(await this.visibleRow(scopes, id));
  }

  private async visibleRow(scopes: readonly Scope[], id: number): Promise<ReportRow> {
    const row = await this.db.primary.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !visibleTo(scopes).some((s) => row.scope_code.startsWith(s.code))) throw notFound('report');
    return row;
  }

  /** A done report's file, for download (audited: a report carries the district's figures). */
  async file(scopes: readonly Scope[], actor: AuditActor, id: number, format: ReportFormat): Promise<{ path: string; name: string; fallback: string }> {
    const row = await this.visibleRow(scopes, id);
    if (row.status !== 'done') throw new AppError(409, 'REPORT_NOT_READY', { status: row.status });
    await this.db.transaction((tx) => appendAudit(tx, actor, { action: 'report.download', objectType: 'report', objectId: id, details: { format } }));
    const [view] = await this.views([row]);
    return { path: this.filePath(id, format), name: `${view!.title}.${format}`, fallback: `report-${row.kind}-${row.period_key}.${format}` };
  }

  private async row(id: number): Promise<ReportRow> {
    return (await this.db.primary.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  }

  private async views(rows: readonly ReportRow[]): Promise<ReportView[]> {
    const codes = [...new Set(rows.map((r) => r.scope_code))];
    const names = codes.length === 0 ? new Map<string, string>()
      : new Map((await this.db.reader().selectFrom('grids').select(['code', 'name']).where('code', 'in', codes).execute()).map((g) => [g.code, g.name]));
    return rows.map((r) => {
      const scope = { code: r.scope_code, name: names.get(r.scope_code) ?? r.scope_code };
      const period = { key: r.period_key, from: r.period_from, to: r.period_to };
      return {
        id: Number(r.id), kind: r.kind, period, scope, title: reportTitle({ kind: r.kind, period, scope }),
        trigger: r.trigger, status: r.status, progress: Number(r.progress), error: r.error,
        createdAt: new Date(Number(r.created_at)).toISOString(), finishedAt: r.finished_at == null ? null : new Date(Number(r.finished_at)).toISOString(),
        xlsxSize: r.xlsx_size == null ? null : Number(r.xlsx_size), pdfSize: r.pdf_size == null ? null : Number(r.pdf_size),
      };
    });
  }

  private async view(row: ReportRow): Promise<ReportView> {
    return (await this.views([row]))[0]!;
  }

  /**
   * The schedule: for each district, the last week, month and quarter that
   * ended (Asia/Shanghai) get their report once. A period missed while every
   * node was down for all of the next one is not made up (docs/reports.md).
   */
  async schedule(now = Date.now()): Promise<number> {
    const districts = await this.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').where('status', '=', 'active').execute();
    let created = 0;
    for (const { code } of districts) {
      for (const kind of REPORT_KINDS) {
        const period = lastEndedPeriod(kind, now);
        const key = `${kind}|${period.key}|${code}`;
        const seen = await this.db.primary.selectFrom('reports').select('id').where('schedule_key', '=', key).executeTakeFirst();
        if (seen) continue;
        try {
          await this.insert(SYSTEM_ACTOR, kind, period, code, 'schedule', key, now);
          created++;
        } catch (err) {
          // Another node (or run) inserted it first.
          if (!isDuplicateKeyError(err)) throw err;
        }
      }
    }
    return created;
  }

  /** Starts running queued reports on this node unless it already is. */
  kick(): Promise<void> {
    this.running ??= this.runQueued()
      .catch((err: unknown) => this.logger.error({ err }, 'running queued reports failed'))
      .finally(() => (this.running = null));
    return this.running;
  }

  /** Runs queued reports one at a time until none is left (claimed rows only: another node may run others). */
  async runQueued(now: () => number = Date.now): Promise<void> {
    await this.db.primary.updateTable('reports').set({ status: 'queued', runner: null, updated_at: now() })
      .where('status', '=', 'running').where('updated_at', '<', now() - STALE_RUN_MS).execute();
    for (;;) {
      const next = await this.db.primary.selectFrom('reports').select('id').where('status', '=', 'queued').orderBy('id').limit(1).executeTakeFirst();
      if (!next) return;
      const id = Number(next.id);
      const at = now();
      const claimed = await this.db.primary.updateTable('reports')
        .set({ status: 'running', runner: this.holder, started_at: at, updated_at: at, progress: 0, error: null })
        .where('id', '=', id).where('status', '=', 'queued').executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      await this.run(await this.row(id), now);
    }
  }

  private async run(row: ReportRow, now: () => number): Promise<void> {
    const id = Number(row.id);
    const progress = async (percent: number) => {
      await this.db.primary.updateTable('reports').set({ progress: percent, updated_at: now() }).where('id', '=', id).where('runner', '=', this.holder).execute();
    };
    try {
      const font = findReportFont(this.settings.font);
      const content = await gatherContent(this.evaluation, this.db, {
        kind: row.kind, period: { key: row.period_key, from: row.period_from, to: row.period_to }, scopeCode: row.scope_code, now: now(),
      }, progress);
      const xlsx = await reportWorkbook(content);
      await progress(85);
      const pdf = await reportPdf(content, font);
      await mkdir(this.dir, { recursive: true });
      for (const [format, data] of [['xlsx', xlsx], ['pdf', pdf]] as const) {
        const path = this.filePath(id, format);
        await writeFile(`${path}.tmp`, data);
        await rename(`${path}.tmp`, path);
      }
      const at = now();
      await this.db.primary.updateTable('reports')
        .set({ status: 'done', progress: 100, xlsx_size: xlsx.length, pdf_size: pdf.length, finished_at: at, updated_at: at })
        .where('id', '=', id).where('runner', '=', this.holder).execute();
    } catch (err) {
      const code = err instanceof AppError
        ? (err.code === 'EVALUATION_STORE_UNAVAILABLE' ? 'REPORT_STATISTICS_UNAVAILABLE' : err.code === 'REPORT_FONT_MISSING' ? err.code : 'REPORT_FAILED')
        : 'REPORT_FAILED';
      this.logger.error({ err, report: id }, 'generating a report failed');
      const at = now();
      await this.db.primary.updateTable('reports').set({ status: 'failed', error: code, finished_at: at, updated_at: at })
        .where('id', '=', id).where('runner', '=', this.holder).execute();
    }
  }

  /** Every minute: the schedule, then whatever is queued (a request on another node, or one left by a restart). */
  start(intervalMs = 60_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.schedule().then(() => void this.kick()).catch((err: unknown) => this.logger.error({ err }, 'the report schedule failed'));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running.catch(() => undefined);
  }
}
