import type { ExpressionBuilder, Kysely } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import type { Principal } from '../../infra/auth/principal.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { codePrefix, DISTRICT_CODE_LENGTH, gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import { fromJson, toIso, toJson } from '../../infra/db/values.js';
import type { FileService } from '../../infra/files/files.js';
import type { PersonalData } from '../basedata/personal.js';
import { maskName, maskPhone } from '../basedata/rules/masking.js';
import type { GridLocatorPort } from '../grid/locator-service.js';
import { revisitFigures, sumFigures, type RevisitFigures } from './rules/figures.js';
import { parseOrderRow, type OrderRow, type RowProblem } from './rules/order-row.js';
import type { HotlineOrderTable, HotlineVerdict } from './tables.js';
import './messages.js';

/** A street's grid code: district 6 + street 3 digits. */
const STREET_CODE_LENGTH = 9;
const SHANGHAI_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
/** One import at most: a month of a district's unsatisfied orders is a few hundred. */
export const IMPORT_MAX_ROWS = 5000;

export type OrderState = 'unassigned' | 'assigned' | 'helped' | 'answered';

export interface OrderView {
  id: number;
  orderNo: string;
  receivedAt: string;
  callerName: string | null;
  callerPhone: string | null;
  address: string;
  position: { lng: number; lat: number } | null;
  content: string;
  originalVerdict: string;
  state: OrderState;
  grid: { code: string; name: string; communityName: string; streetName: string } | null;
  worker: { userId: number; displayName: string } | null;
  assignedAt: string | null;
  helpedAt: string | null;
  helpNote: string | null;
  helpPhotos: string[];
  answeredAt: string | null;
  answerNote: string | null;
  verdict: HotlineVerdict | null;
  version: number;
}

export interface ImportProblem extends RowProblem {
  /** 1-based: the sheet row of an XLSX, the item's position in an API body. */
  row: number;
  orderNo: string | null;
}

export interface ImportResult {
  created: number;
  updated: number;
  /** Of those written, how many have a grid worker now. */
  assigned: number;
  /** Of those written, how many wait in the unassigned list (no position, outside every grid, or a grid without a worker). */
  unassigned: number;
  problems: ImportProblem[];
}

export interface FiguresRow extends RevisitFigures {
  code: string | null;
  name: string | null;
  orders: number;
}

/** Who may see an order: staff by grid scope (the district also sees unlocated ones), a worker the orders given to them. */
export interface OrderAccess {
  userId: number;
  /** Scopes of hotline.read (or hotline.manage for writes). */
  scopes: readonly Scope[];
  /** Whether the caller may work the orders assigned to them (hotline.revisit). */
  revisit: boolean;
}

type Row = HotlineOrderTable & { id: number };

function stateOf(r: Pick<Row, 'worker_user_id' | 'helped_at' | 'answered_at'>): OrderState {
  if (r.answered_at != null) return 'answered';
  if (r.helped_at != null) return 'helped';
  return r.worker_user_id == null ? 'unassigned' : 'assigned';
}

/** The district-level scopes see the orders no grid holds yet. */
function seesUnlocated(scopes: readonly Scope[]): boolean {
  return scopes.some((s) => s.kind === 'grid' && s.code.length === DISTRICT_CODE_LENGTH);
}

/** Start of a local (Asia/Shanghai) day, in epoch ms. */
function localDayStart(ymd: string): number {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) - SHANGHAI_MS;
}

/**
 * Unsatisfied hotline orders (不满意工单督促回访): import, locate and assign
 * to the grid worker, the revisit record, and the figures (docs/hotline.md).
 */
export class HotlineService {
  constructor(
    private readonly db: AppDb,
    private readonly personal: PersonalData,
    private readonly locator: GridLocatorPort,
    private readonly files: FileService,
  ) {}

  /** The current grid worker of a unit grid with an account (the full-time one first), or null. */
  private async workerOf(db: Kysely<Database>, gridCode: string, now: number): Promise<number | null> {
    const ymd = new Date(now + SHANGHAI_MS).toISOString().slice(0, 10);
    const row = await db.selectFrom('grid_workers').select(['user_id', 'role'])
      .where('grid_code', '=', gridCode).where('user_id', 'is not', null)
      .where('from_date', '<=', ymd)
      .where((eb) => eb.or([eb('to_date', 'is', null), eb('to_date', '>=', ymd)]))
      .orderBy('role').orderBy('id').limit(1).executeTakeFirst();
    return row?.user_id == null ? null : Number(row.user_id);
  }

  /**
   * Writes the valid rows (all or, with `partial`, those without problems):
   * a known order number updates its order, never a second one. Rows are
   * located and assigned; a street user may import only orders of the street.
   */
  async importRows(
    access: OrderAccess,
    actor: AuditActor,
    raws: readonly { row: number; values: Partial<Record<keyof OrderRow, unknown>> }[],
    options: { partial: boolean; wallClockDates?: boolean; source: 'api' | 'xlsx' },
    now = Date.now(),
  ): Promise<ImportResult> {
    if (raws.length === 0) throw new AppError(422, 'HOTLINE_IMPORT_EMPTY');
    if (raws.length > IMPORT_MAX_ROWS) throw new AppError(422, 'HOTLINE_IMPORT_TOO_MANY', { max: IMPORT_MAX_ROWS });
    const problems: ImportProblem[] = [];
    const valid: { row: number; value: OrderRow; gridCode: string | null }[] = [];
    const seen = new Map<string, number>();
    for (const raw of raws) {
      const r = parseOrderRow(raw.values, { now, wallClockDates: options.wallClockDates ?? false });
      const orderNo = typeof raw.values.orderNo === 'string' || typeof raw.values.orderNo === 'number' ? String(raw.values.orderNo).trim() || null : null;
      if (!r.ok) {
        for (const p of r.problems) problems.push({ row: raw.row, orderNo, ...p });
        continue;
      }
      const first = seen.get(r.value.orderNo);
      if (first !== undefined) {
        problems.push({ row: raw.row, orderNo, field: 'orderNo', code: 'HOTLINE_ORDER_NO_REPEATED' });
        continue;
      }
      seen.set(r.value.orderNo, raw.row);
      const gridCode = r.value.lng === null || r.value.lat === null ? null : this.locator.locate(r.value.lng, r.value.lat);
      // A street may bring in its own orders only; orders nobody can place belong to the district centre.
      if (gridCode === null ? !seesUnlocated(access.scopes) : !gridInScope(gridCode, access.scopes)) {
        problems.push({ row: raw.row, orderNo, field: gridCode === null ? 'lng' : 'address', code: 'HOTLINE_ORDER_OUT_OF_SCOPE' });
        continue;
      }
      valid.push({ row: raw.row, value: r.value, gridCode });
    }
    // An order already known in another street is not the caller's to change.
    if (valid.length > 0) {
      const known = await this.db.primary.selectFrom('hotline_revisits').select(['order_no', 'grid_code'])
        .where('order_no', 'in', valid.map((v) => v.value.orderNo)).execute();
      const outside = new Set(known.filter((k) => (k.grid_code === null ? !seesUnlocated(access.scopes) : !gridInScope(k.grid_code, access.scopes))).map((k) => k.order_no));
      for (let i = valid.length - 1; i >= 0; i--) {
        const v = valid[i]!;
        if (!outside.has(v.value.orderNo)) continue;
        problems.push({ row: v.row, orderNo: v.value.orderNo, field: 'orderNo', code: 'HOTLINE_ORDER_OUT_OF_SCOPE' });
        valid.splice(i, 1);
      }
    }
    problems.sort((a, b) => a.row - b.row);
    if (problems.length > 0 && !options.partial) throw new AppError(422, 'HOTLINE_IMPORT_INVALID', { problems });
    const sealed = valid.map((v) => ({
      ...v,
      name: v.value.callerName === null ? null : this.personal.cipher.encrypt(v.value.callerName),
      phone: v.value.callerPhone === null ? null : this.personal.cipher.encrypt(v.value.callerPhone),
    }));
    const result = await this.db.transaction(async (tx) => {
      let created = 0;
      let updated = 0;
      let assigned = 0;
      for (const v of sealed) {
        const o = v.value;
        const existing = await tx.selectFrom('hotline_revisits').select(['id', 'grid_code', 'worker_user_id', 'helped_at', 'version'])
          .where('order_no', '=', o.orderNo).executeTakeFirst();
        const fields = {
          received_at: o.receivedAt, caller_name: v.name, caller_phone: v.phone, address: o.address, lng: o.lng, lat: o.lat,
          content: o.content, original_verdict: o.originalVerdict, updated_at: now,
        };
        if (existing) {
          // The worker keeps the order while its grid stays; a moved position moves it, unless help was already given.
          let worker = existing.worker_user_id == null ? null : Number(existing.worker_user_id);
          let grid = existing.grid_code;
          let assignedAt: number | undefined;
          if (existing.helped_at == null && v.gridCode !== null && v.gridCode !== existing.grid_code) {
            grid = v.gridCode;
            worker = await this.workerOf(tx, grid, now);
            assignedAt = now;
          } else if (existing.helped_at == null && worker === null && grid !== null) {
            worker = await this.workerOf(tx, grid, now);
            if (worker !== null) assignedAt = now;
          }
          await tx.updateTable('hotline_revisits').set({
            ...fields, grid_code: grid, worker_user_id: worker, ...(assignedAt !== undefined ? { assigned_at: worker === null ? null : assignedAt } : {}),
            version: Number(existing.version) + 1,
          }).where('id', '=', existing.id).execute();
          await appendAudit(tx, actor, { action: 'hotline.revisit.update', objectType: 'hotline_revisit', objectId: existing.id, details: { orderNo: o.orderNo, source: options.source, gridCode: grid, workerUserId: worker } }, now);
          updated++;
          if (worker !== null) assigned++;
        } else {
          const worker = v.gridCode === null ? null : await this.workerOf(tx, v.gridCode, now);
          const inserted = await tx.insertInto('hotline_revisits').values({
            order_no: o.orderNo, ...fields, grid_code: v.gridCode, worker_user_id: worker, assigned_at: worker === null ? null : now,
            helped_at: null, help_note: null, help_photos: '[]', answered_at: null, answer_note: null, verdict: null, version: 1, created_at: now,
          }).executeTakeFirstOrThrow();
          const id = Number(inserted.insertId);
          await appendAudit(tx, actor, { action: 'hotline.revisit.create', objectType: 'hotline_revisit', objectId: id, details: { orderNo: o.orderNo, source: options.source, gridCode: v.gridCode, workerUserId: worker } }, now);
          created++;
          if (worker !== null) assigned++;
        }
      }
      return { created, updated, assigned };
    });
    this.db.noteWrite(actor.userId);
    return { ...result, unassigned: sealed.length - result.assigned, problems };
  }

  private visible(access: OrderAccess) {
    return (eb: ExpressionBuilder<Database, 'hotline_revisits'>) => {
      const ors = [scopeFilter(eb, access.scopes, { grid: 'hotline_revisits.grid_code' })];
      if (seesUnlocated(access.scopes)) ors.push(eb('hotline_revisits.grid_code', 'is', null));
      if (access.revisit) ors.push(eb('hotline_revisits.worker_user_id', '=', access.userId));
      return eb.or(ors);
    };
  }

  private async views(db: Kysely<Database>, rows: Row[]): Promise<OrderView[]> {
    const gridCodes = [...new Set(rows.flatMap((r) => (r.grid_code ? [r.grid_code, r.grid_code.slice(0, 12), r.grid_code.slice(0, STREET_CODE_LENGTH)] : [])))];
    const names = new Map<string, string>();
    if (gridCodes.length > 0) {
      for (const g of await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', gridCodes).execute()) names.set(g.code, g.name);
    }
    const userIds = [...new Set(rows.flatMap((r) => (r.worker_user_id == null ? [] : [Number(r.worker_user_id)])))];
    const users = new Map<number, string>();
    if (userIds.length > 0) {
      for (const u of await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', userIds).execute()) users.set(Number(u.id), u.display_name);
    }
    return rows.map((r) => {
      const worker = r.worker_user_id == null ? null : Number(r.worker_user_id);
      return {
        id: Number(r.id),
        orderNo: r.order_no,
        receivedAt: toIso(Number(r.received_at))!,
        callerName: r.caller_name == null ? null : maskName(this.personal.open(r.caller_name)),
        callerPhone: r.caller_phone == null ? null : maskPhone(this.personal.open(r.caller_phone)),
        address: r.address,
        position: r.lng == null || r.lat == null ? null : { lng: Number(r.lng), lat: Number(r.lat) },
        content: r.content,
        originalVerdict: r.original_verdict,
        state: stateOf(r),
        grid: r.grid_code == null ? null : {
          code: r.grid_code,
          name: names.get(r.grid_code) ?? r.grid_code,
          communityName: names.get(r.grid_code.slice(0, 12)) ?? '',
          streetName: names.get(r.grid_code.slice(0, STREET_CODE_LENGTH)) ?? '',
        },
        worker: worker === null ? null : { userId: worker, displayName: users.get(worker) ?? '' },
        assignedAt: toIso(r.assigned_at == null ? null : Number(r.assigned_at)),
        helpedAt: toIso(r.helped_at == null ? null : Number(r.helped_at)),
        helpNote: r.help_note,
        helpPhotos: fromJson<string[]>(r.help_photos, []),
        answeredAt: toIso(r.answered_at == null ? null : Number(r.answered_at)),
        answerNote: r.answer_note,
        verdict: r.verdict,
        version: Number(r.version),
      };
    });
  }

  async list(
    access: OrderAccess,
    query: { state?: OrderState | undefined; street?: string | undefined; from?: string | undefined; to?: string | undefined; mine?: boolean; page?: number | undefined; pageSize?: number | undefined },
  ): Promise<{ items: OrderView[]; total: number }> {
    const db = this.db.reader(access.userId);
    let q = db.selectFrom('hotline_revisits').where(this.visible(access));
    if (query.mine) q = q.where('worker_user_id', '=', access.userId);
    if (query.street) q = q.where(codePrefix('hotline_revisits.grid_code', query.street));
    if (query.from) q = q.where('received_at', '>=', localDayStart(query.from));
    if (query.to) q = q.where('received_at', '<', localDayStart(query.to) + DAY_MS);
    switch (query.state) {
      case 'unassigned': q = q.where('worker_user_id', 'is', null); break;
      case 'assigned': q = q.where('worker_user_id', 'is not', null).where('helped_at', 'is', null).where('answered_at', 'is', null); break;
      case 'helped': q = q.where('helped_at', 'is not', null).where('answered_at', 'is', null); break;
      case 'answered': q = q.where('answered_at', 'is not', null); break;
      default: break;
    }
    const pageSize = query.pageSize ?? 20;
    const page = query.page ?? 1;
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('received_at', 'desc').orderBy('id', 'desc').limit(pageSize).offset((page - 1) * pageSize).execute() as Row[];
    return { items: await this.views(db, rows), total };
  }

  private async load(db: Kysely<Database>, access: OrderAccess, id: number): Promise<Row> {
    const row = await db.selectFrom('hotline_revisits').selectAll().where('id', '=', id).where(this.visible(access)).executeTakeFirst();
    if (!row) throw notFound('hotline_revisit');
    return row as Row;
  }

  async get(access: OrderAccess, id: number): Promise<OrderView> {
    const db = this.db.reader(access.userId);
    return (await this.views(db, [await this.load(db, access, id)]))[0]!;
  }

  /** The centre gives an order (typically one no grid holds) to a unit grid, and so to its worker. */
  async assign(access: OrderAccess, actor: AuditActor, id: number, body: { gridCode: string; version: number }, now = Date.now()): Promise<OrderView> {
    if (!gridInScope(body.gridCode, access.scopes)) throw new AppError(422, 'HOTLINE_GRID_INVALID', { gridCode: body.gridCode });
    await this.db.transaction(async (tx) => {
      const row = await this.load(tx, access, id);
      if (row.helped_at != null) throw new AppError(422, 'HOTLINE_ALREADY_HELPED');
      const grid = await tx.selectFrom('grids').select(['code']).where('code', '=', body.gridCode).where('level', '=', 'unit').where('status', '=', 'active').executeTakeFirst();
      if (!grid) throw new AppError(422, 'HOTLINE_GRID_INVALID', { gridCode: body.gridCode });
      const worker = await this.workerOf(tx, grid.code, now);
      if (worker === null) throw new AppError(422, 'HOTLINE_GRID_NO_WORKER', { gridCode: grid.code });
      const res = await tx.updateTable('hotline_revisits')
        .set({ grid_code: grid.code, worker_user_id: worker, assigned_at: now, updated_at: now, version: body.version + 1 })
        .where('id', '=', id).where('version', '=', body.version).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError(409, 'CONFLICT');
      await appendAudit(tx, actor, { action: 'hotline.revisit.assign', objectType: 'hotline_revisit', objectId: id, details: { gridCode: grid.code, workerUserId: worker } }, now);
    });
    this.db.noteWrite(actor.userId);
    return this.get(access, id);
  }

  /** Staff with hotline.manage in scope, or the worker the order is given to, record the revisit. */
  private async mayWork(tx: Kysely<Database>, access: OrderAccess, manage: readonly Scope[], id: number): Promise<Row> {
    const row = await this.load(tx, access, id);
    const isWorker = access.revisit && row.worker_user_id != null && Number(row.worker_user_id) === access.userId;
    const isStaff = row.grid_code === null ? seesUnlocated(manage) : gridInScope(row.grid_code, manage);
    if (!isWorker && !isStaff) throw new AppError(403, 'HOTLINE_NOT_YOURS');
    return row;
  }

  /**
   * 帮办: what was done for the caller. `photos` (file hashes the caller
   * uploaded through POST /api/files, or photos the order already keeps)
   * replace the kept ones; omitted, the kept ones stay.
   */
  async help(access: OrderAccess, manage: readonly Scope[], actor: AuditActor, id: number, body: { note: string; photos?: string[] | undefined; version: number }, now = Date.now()): Promise<OrderView> {
    const photos = body.photos === undefined ? undefined : [...new Set(body.photos)];
    let mine = new Set<string>();
    if (photos && photos.length > 0) mine = await this.files.uploadedBy(access.userId, photos);
    await this.db.transaction(async (tx) => {
      const row = await this.mayWork(tx, access, manage, id);
      if (row.worker_user_id == null) throw new AppError(422, 'HOTLINE_NOT_ASSIGNED');
      const kept = fromJson<string[]>(row.help_photos, []);
      const next = photos ?? kept;
      const missing = next.filter((h) => !mine.has(h) && !kept.includes(h));
      if (missing.length > 0) throw new AppError(422, 'HOTLINE_PHOTO_UNKNOWN', { photos: missing });
      const res = await tx.updateTable('hotline_revisits')
        .set({ helped_at: row.helped_at ?? now, help_note: body.note, help_photos: toJson(next), updated_at: now, version: body.version + 1 })
        .where('id', '=', id).where('version', '=', body.version).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError(409, 'CONFLICT');
      await appendAudit(tx, actor, { action: 'hotline.revisit.help', objectType: 'hotline_revisit', objectId: id, details: { photos: next.length } }, now);
    });
    this.db.noteWrite(actor.userId);
    return this.get(access, id);
  }

  /** 反馈 and the caller's new verdict; answered again (the caller changed their mind), it is replaced. */
  async answer(access: OrderAccess, manage: readonly Scope[], actor: AuditActor, id: number, body: { note: string; verdict: HotlineVerdict; version: number }, now = Date.now()): Promise<OrderView> {
    await this.db.transaction(async (tx) => {
      const row = await this.mayWork(tx, access, manage, id);
      if (row.helped_at == null) throw new AppError(422, 'HOTLINE_HELP_FIRST');
      const res = await tx.updateTable('hotline_revisits')
        .set({ answered_at: row.answered_at ?? now, answer_note: body.note, verdict: body.verdict, updated_at: now, version: body.version + 1 })
        .where('id', '=', id).where('version', '=', body.version).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError(409, 'CONFLICT');
      await appendAudit(tx, actor, { action: 'hotline.revisit.answer', objectType: 'hotline_revisit', objectId: id, details: { verdict: body.verdict } }, now);
    });
    this.db.noteWrite(actor.userId);
    return this.get(access, id);
  }

  /** Whether a caller may see a stored photo because it is a help photo of an order they may see (the file route asks). */
  async canReadPhoto(principal: Principal, hash: string): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return false;
    const access: OrderAccess = { userId: principal.userId, scopes: principal.scopesFor('hotline.read'), revisit: principal.can('hotline.revisit') };
    if (access.scopes.length === 0 && !access.revisit) return false;
    const rows = await this.db.primary.selectFrom('hotline_revisits').select('help_photos')
      .where('help_photos', 'like', `%${hash}%`).where(this.visible(access)).limit(20).execute();
    return rows.some((r) => fromJson<string[]>(r.help_photos, []).includes(hash));
  }

  /**
   * 助力件数 / 已反馈 / 重新满意 / 满意率 per street of the caller's scope, for
   * the orders received in the period (local days, inclusive), and the total.
   * Orders no grid holds count in the total of a district user, in a row of their own.
   */
  async figures(scopes: readonly Scope[], userId: number, period: { from?: string | undefined; to?: string | undefined }): Promise<{ streets: FiguresRow[]; unlocated: FiguresRow | null; total: FiguresRow }> {
    const db = this.db.reader(userId);
    const access: OrderAccess = { userId, scopes, revisit: false };
    let q = db.selectFrom('hotline_revisits').select(['grid_code', 'helped_at', 'answered_at', 'verdict']).where(this.visible(access));
    if (period.from) q = q.where('received_at', '>=', localDayStart(period.from));
    if (period.to) q = q.where('received_at', '<', localDayStart(period.to) + DAY_MS);
    const rows = await q.execute();
    const streets = await db.selectFrom('grids').select(['code', 'name']).where('level', '=', 'street')
      .where((eb) => scopeFilter(eb, scopes, { grid: 'code' })).orderBy('code').execute();
    // A street-level or narrower scope: its own street's row (narrowed to the scope by the query above).
    for (const s of scopes) {
      if (s.kind !== 'grid' || s.code.length <= STREET_CODE_LENGTH) continue;
      const street = s.code.slice(0, STREET_CODE_LENGTH);
      if (streets.some((x) => x.code === street)) continue;
      const named = await db.selectFrom('grids').select(['code', 'name']).where('code', '=', street).executeTakeFirst();
      if (named) streets.push(named);
    }
    const facts = (r: (typeof rows)[number]) => ({ helped: r.helped_at != null, answered: r.answered_at != null, satisfied: r.verdict === 'satisfied' });
    const out: FiguresRow[] = streets.map((s) => {
      const mine = rows.filter((r) => r.grid_code !== null && r.grid_code.startsWith(s.code));
      return { code: s.code, name: s.name, orders: mine.length, ...revisitFigures(mine.map(facts)) };
    });
    const loose = rows.filter((r) => r.grid_code === null);
    const unlocated = seesUnlocated(scopes) ? { code: null, name: null, orders: loose.length, ...revisitFigures(loose.map(facts)) } : null;
    const all = unlocated ? [...out, unlocated] : out;
    return { streets: out, unlocated, total: { code: null, name: null, orders: all.reduce((n, r) => n + r.orders, 0), ...sumFigures(all) } };
  }
}
