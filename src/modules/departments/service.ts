/**
 * Handling departments as data (issue 15 item 5): created, renamed and
 * retired in the console. A retired department keeps its rows and history
 * (incidents, KPIs and the audit log still name it) but takes no new dispatch:
 * the loop's reference data treats only active departments as dispatchable.
 */
import type { Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { AppError, defineMessages } from '../../infra/http/errors.js';

export interface DepartmentView {
  code: string;
  name: string;
  nameEn: string;
  status: 'active' | 'retired';
  /** A street's own handling unit: its street's grid code; null for a district department. */
  streetCode: string | null;
}

export interface DepartmentFields {
  name: string;
  nameEn: string;
  /** Omitted: unchanged on update, a district department on create. */
  streetCode?: string | null | undefined;
}

defineMessages({
  DEPARTMENT_EXISTS: { 'zh-CN': '部门编码已存在', en: 'A department with that code exists' },
  DEPARTMENT_NAME_TAKEN: { 'zh-CN': '已有同名部门', en: 'Another department has that name' },
  DEPARTMENT_STREET_INVALID: { 'zh-CN': '所属街道须为一个街道的网格编码', en: 'The owning street must be the grid code of a street' },
});

export class DepartmentService {
  constructor(
    private readonly db: AppDb,
    /** Called after every committed change (the loop's reference data reloads). */
    private readonly onChange: () => void = () => undefined,
  ) {}

  async list(includeRetired: boolean, userId?: number): Promise<DepartmentView[]> {
    let q = this.db.reader(userId).selectFrom('departments').select(['code', 'name', 'name_en', 'status', 'street_code']);
    if (!includeRetired) q = q.where('status', '=', 'active');
    const rows = await q.orderBy('code').execute();
    return rows.map(view);
  }

  async get(code: string): Promise<DepartmentView> {
    const row = await this.db.primary.selectFrom('departments').select(['code', 'name', 'name_en', 'status', 'street_code']).where('code', '=', code).executeTakeFirst();
    if (!row) throw new AppError(404, 'NOT_FOUND', { objectType: 'department' });
    return view(row);
  }

  async create(actor: AuditActor, code: string, fields: DepartmentFields, now = Date.now()): Promise<DepartmentView> {
    await this.db.transaction(async (tx) => {
      const exists = await tx.selectFrom('departments').select('code').where('code', '=', code).executeTakeFirst();
      if (exists) throw new AppError(409, 'DEPARTMENT_EXISTS', { code });
      await this.checkName(tx, fields.name, null);
      await this.checkStreet(tx, fields.streetCode);
      await tx.insertInto('departments').values({ code, name: fields.name, name_en: fields.nameEn, status: 'active', street_code: fields.streetCode ?? null, created_at: now, updated_at: now }).execute();
      await appendAudit(tx, actor, { action: 'department.create', objectType: 'department', objectId: code, details: { ...fields } }, now);
    });
    this.onChange();
    return this.get(code);
  }

  async update(actor: AuditActor, code: string, fields: DepartmentFields, now = Date.now()): Promise<DepartmentView> {
    await this.db.transaction(async (tx) => {
      const old = await tx.selectFrom('departments').select(['name', 'name_en', 'street_code']).where('code', '=', code).executeTakeFirst();
      if (!old) throw new AppError(404, 'NOT_FOUND', { objectType: 'department' });
      await this.checkName(tx, fields.name, code);
      await this.checkStreet(tx, fields.streetCode);
      const streetCode = fields.streetCode === undefined ? old.street_code : fields.streetCode;
      await tx.updateTable('departments').set({ name: fields.name, name_en: fields.nameEn, street_code: streetCode, updated_at: now }).where('code', '=', code).execute();
      await appendAudit(tx, actor, {
        action: 'department.update', objectType: 'department', objectId: code,
        details: { before: { name: old.name, nameEn: old.name_en, streetCode: old.street_code }, after: { name: fields.name, nameEn: fields.nameEn, streetCode } },
      }, now);
    });
    this.onChange();
    return this.get(code);
  }

  /** Retires or restores; doing what is already so changes nothing and writes no audit record. */
  async setStatus(actor: AuditActor, code: string, status: 'active' | 'retired', now = Date.now()): Promise<DepartmentView> {
    await this.db.transaction(async (tx) => {
      const old = await tx.selectFrom('departments').select('status').where('code', '=', code).executeTakeFirst();
      if (!old) throw new AppError(404, 'NOT_FOUND', { objectType: 'department' });
      if (old.status === status) return;
      await tx.updateTable('departments').set({ status, updated_at: now }).where('code', '=', code).execute();
      await appendAudit(tx, actor, { action: status === 'retired' ? 'department.retire' : 'department.restore', objectType: 'department', objectId: code, details: {} }, now);
    });
    this.onChange();
    return this.get(code);
  }

  private async checkStreet(tx: Transaction<Database>, streetCode: string | null | undefined): Promise<void> {
    if (streetCode == null) return;
    const grid = await tx.selectFrom('grids').select('level').where('code', '=', streetCode).executeTakeFirst();
    if (grid?.level !== 'street') throw new AppError(422, 'DEPARTMENT_STREET_INVALID', { streetCode });
  }

  private async checkName(tx: Transaction<Database>, name: string, except: string | null): Promise<void> {
    let q = tx.selectFrom('departments').select('code').where('name', '=', name);
    if (except) q = q.where('code', '<>', except);
    if (await q.executeTakeFirst()) throw new AppError(409, 'DEPARTMENT_NAME_TAKEN', { name });
  }
}

function view(r: { code: string; name: string; name_en: string; status: 'active' | 'retired'; street_code: string | null }): DepartmentView {
  return { code: r.code, name: r.name, nameEn: r.name_en, status: r.status, streetCode: r.street_code ?? null };
}
