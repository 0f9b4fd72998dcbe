/**
 * Leave (请假): a worker asks (or a supervisor files it for them, approved
 * at once); the team's supervisor, anyone holding workforce.manage over the
 * team's community except the worker, approves or refuses it; the worker
 * may withdraw a pending request. Every step is audited; approved leave
 * excuses the days it covers in attendance.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { gridInScope, scopeFilter } from '../../infra/auth/scope.js';
import { toIso } from '../../infra/db/values.js';
import { AppError, conflict, notFound } from '../../infra/http/errors.js';
import { isDuplicateKeyError } from '../../infra/idempotency/idempotency.js';
import type { WorkforceContext } from './context.js';
import { daysBetween, todayYmd } from './rules/dates.js';
import { gridNames } from './teams.js';
import type { LeaveKind, LeaveRequestTable, LeaveStatus } from './tables.js';

export const LEAVE_KINDS: readonly LeaveKind[] = ['annual', 'sick', 'personal', 'compensatory', 'other'];
export const LEAVE_STATUSES: readonly LeaveStatus[] = ['pending', 'approved', 'refused', 'cancelled'];
/** Longest single request, and how far back one may be asked (sick leave is often asked after the fact). */
const MAX_DAYS = 60;
const MAX_BACK_DAYS = 31;

export interface LeaveView {
  id: number;
  clientId: string;
  userId: number;
  userName: string;
  teamId: number;
  teamName: string;
  communityCode: string;
  communityName: string;
  kind: LeaveKind;
  fromDate: string;
  toDate: string;
  days: number;
  reason: string;
  status: LeaveStatus;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  version: number;
}

export interface LeaveInput {
  id: string;
  kind: LeaveKind;
  fromDate: string;
  toDate: string;
  reason: string;
}

type LeaveRow = Selectable<LeaveRequestTable>;

export class LeaveService {
  constructor(private readonly ctx: WorkforceContext) {}

  private get db() {
    return this.ctx.db;
  }

  private async views(db: Kysely<Database>, rows: readonly LeaveRow[]): Promise<LeaveView[]> {
    if (rows.length === 0) return [];
    const users = [...new Set(rows.flatMap((r) => [r.user_id, r.requested_by, ...(r.decided_by === null ? [] : [r.decided_by])].map(Number)))];
    const names = new Map((await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', users).execute()).map((u) => [u.id, u.display_name]));
    const teams = new Map((await db.selectFrom('teams').select(['id', 'name']).where('id', 'in', [...new Set(rows.map((r) => Number(r.team_id)))]).execute()).map((t) => [t.id, t.name]));
    const communities = await gridNames(db, rows.map((r) => r.community_code));
    return rows.map((r) => ({
      id: r.id, clientId: r.client_id, userId: Number(r.user_id), userName: names.get(Number(r.user_id)) ?? '', teamId: Number(r.team_id),
      teamName: teams.get(Number(r.team_id)) ?? '', communityCode: r.community_code, communityName: communities.get(r.community_code) ?? r.community_code,
      kind: r.kind, fromDate: r.from_date, toDate: r.to_date, days: daysBetween(r.from_date, r.to_date), reason: r.reason, status: r.status,
      requestedBy: names.get(Number(r.requested_by)) ?? '', requestedAt: toIso(Number(r.requested_at))!,
      decidedBy: r.decided_by === null ? null : (names.get(Number(r.decided_by)) ?? ''), decidedAt: toIso(r.decided_at === null ? null : Number(r.decided_at)),
      decisionNote: r.decision_note, version: Number(r.version),
    }));
  }

  private async checkDates(input: Pick<LeaveInput, 'fromDate' | 'toDate'>, now: number): Promise<void> {
    const cal = await this.ctx.calendar();
    const today = todayYmd(cal, now);
    const days = daysBetween(input.fromDate, input.toDate);
    if (days < 1 || days > MAX_DAYS || daysBetween(input.fromDate, today) > MAX_BACK_DAYS + 1) {
      throw new AppError(422, 'LEAVE_DATES_INVALID', { fromDate: input.fromDate, toDate: input.toDate });
    }
  }

  /** The worker's own request; the same id and content again answers the first (200). */
  async request(principal: Principal, actor: AuditActor, input: LeaveInput, now = Date.now()): Promise<{ status: 200 | 201; leave: LeaveView }> {
    return this.file(principal, actor, principal.userId, input, false, now);
  }

  /** A supervisor files leave for a member of a team they manage: approved at once. */
  async fileFor(principal: Principal, actor: AuditActor, teamId: number, userId: number, input: LeaveInput, now = Date.now()): Promise<{ status: 200 | 201; leave: LeaveView }> {
    const team = await this.db.primary.selectFrom('teams').select(['id', 'community_code']).where('id', '=', teamId).executeTakeFirst();
    if (!team || !gridInScope(team.community_code, principal.scopesFor('workforce.manage'))) throw notFound('team');
    return this.file(principal, actor, userId, input, true, now, teamId);
  }

  private async file(principal: Principal, actor: AuditActor, userId: number, input: LeaveInput, approved: boolean, now: number, teamId?: number): Promise<{ status: 200 | 201; leave: LeaveView }> {
    const id = input.id.toLowerCase();
    const same = (r: LeaveRow) =>
      Number(r.user_id) === userId && Number(r.requested_by) === principal.userId && r.kind === input.kind && r.from_date === input.fromDate &&
      r.to_date === input.toDate && r.reason === input.reason.trim();
    const replay = async () => {
      const r = await this.db.primary.selectFrom('leave_requests').selectAll().where('client_id', '=', id).executeTakeFirst();
      if (!r) return null;
      if (!same(r)) throw new AppError(422, 'IDEMPOTENCY_MISMATCH', { id });
      return { status: 200 as const, leave: (await this.views(this.db.primary, [r]))[0]! };
    };
    const first = await replay();
    if (first) return first;
    await this.checkDates(input, now);
    const cal = await this.ctx.calendar();
    const membership = await this.ctx.membershipOf(this.db.primary, userId, todayYmd(cal, now));
    if (!membership || (teamId !== undefined && membership.teamId !== teamId)) {
      if (teamId !== undefined) throw notFound('team_member');
      throw new AppError(422, 'LEAVE_NO_TEAM');
    }
    try {
      const row = await this.db.transaction(async (tx) => {
        const overlapping = await tx.selectFrom('leave_requests').select('id').where('user_id', '=', userId).where('status', 'in', ['pending', 'approved'])
          .where('from_date', '<=', input.toDate).where('to_date', '>=', input.fromDate).executeTakeFirst();
        if (overlapping) throw new AppError(409, 'LEAVE_OVERLAPS', { leaveId: overlapping.id });
        const values = {
          client_id: id, user_id: userId, team_id: membership.teamId, community_code: membership.communityCode, kind: input.kind,
          from_date: input.fromDate, to_date: input.toDate, reason: input.reason.trim(), status: approved ? 'approved' as const : 'pending' as const,
          requested_by: principal.userId, requested_at: now, decided_by: approved ? principal.userId : null, decided_at: approved ? now : null,
          decision_note: null, updated_at: now, version: 1,
        };
        const result = await tx.insertInto('leave_requests').values(values).executeTakeFirstOrThrow();
        const leaveId = Number(result.insertId);
        await appendAudit(tx, actor, {
          action: approved ? 'leave.file' : 'leave.request', objectType: 'leave_request', objectId: leaveId,
          details: { userId, kind: input.kind, fromDate: input.fromDate, toDate: input.toDate },
        }, now);
        return { ...values, id: leaveId } as LeaveRow;
      });
      this.db.noteWrite(principal.userId);
      return { status: 201, leave: (await this.views(this.db.primary, [row]))[0]! };
    } catch (err) {
      if (isDuplicateKeyError(err)) {
        const again = await replay();
        if (again) return again;
      }
      throw err;
    }
  }

  /** Requests in the caller's scope, newest first. */
  async list(principal: Principal, filter: { status?: LeaveStatus | undefined; grid?: string | undefined; from?: string | undefined; to?: string | undefined; userId?: number | undefined }, limit: number): Promise<LeaveView[]> {
    const scopes = principal.scopesFor('workforce.read');
    if (scopes.length === 0) return [];
    const db = this.db.reader(principal.userId);
    let q = db.selectFrom('leave_requests').selectAll().where((eb) => scopeFilter(eb, scopes, { grid: 'leave_requests.community_code' }));
    if (filter.grid) q = q.where((eb) => scopeFilter(eb, [{ kind: 'grid', code: filter.grid! }], { grid: 'leave_requests.community_code' }));
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
    if (filter.from) q = q.where('to_date', '>=', filter.from);
    if (filter.to) q = q.where('from_date', '<=', filter.to);
    return this.views(db, await q.orderBy('from_date', 'desc').orderBy('id', 'desc').limit(limit).execute());
  }

  async mine(principal: Principal, limit: number): Promise<LeaveView[]> {
    const db = this.db.reader(principal.userId);
    return this.views(db, await db.selectFrom('leave_requests').selectAll().where('user_id', '=', principal.userId).orderBy('from_date', 'desc').orderBy('id', 'desc').limit(limit).execute());
  }

  /** Approve or refuse a pending request of a team the caller manages (not their own). */
  async decide(principal: Principal, actor: AuditActor, id: number, decision: 'approved' | 'refused', input: { version: number; note?: string | undefined }, now = Date.now()): Promise<LeaveView> {
    const row = await this.db.primary.selectFrom('leave_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !gridInScope(row.community_code, principal.scopesFor('workforce.manage'))) throw notFound('leave_request');
    if (Number(row.user_id) === principal.userId) throw new AppError(403, 'LEAVE_OWN_DECISION');
    return this.change(actor, row, decision, input.version, principal.userId, input.note?.trim() || null, now);
  }

  /** The worker withdraws their own pending request. */
  async cancel(principal: Principal, actor: AuditActor, id: number, version: number, now = Date.now()): Promise<LeaveView> {
    const row = await this.db.primary.selectFrom('leave_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || Number(row.user_id) !== principal.userId) throw notFound('leave_request');
    return this.change(actor, row, 'cancelled', version, principal.userId, null, now);
  }

  private async change(actor: AuditActor, row: LeaveRow, status: LeaveStatus, version: number, by: number, note: string | null, now: number): Promise<LeaveView> {
    if (row.status !== 'pending') throw new AppError(409, 'LEAVE_NOT_PENDING', { status: row.status });
    const saved = await this.db.transaction(async (tx) => {
      const updated = await tx.updateTable('leave_requests')
        .set({ status, decided_by: by, decided_at: now, decision_note: note, updated_at: now, version: version + 1 })
        .where('id', '=', row.id).where('version', '=', version).where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        const current = await tx.selectFrom('leave_requests').select(['version', 'status']).where('id', '=', row.id).executeTakeFirstOrThrow();
        if (current.status !== 'pending') throw new AppError(409, 'LEAVE_NOT_PENDING', { status: current.status });
        throw conflict({ currentVersion: Number(current.version) });
      }
      const action = status === 'approved' ? 'leave.approve' : status === 'refused' ? 'leave.refuse' : 'leave.cancel';
      await appendAudit(tx, actor, { action, objectType: 'leave_request', objectId: row.id, details: { userId: Number(row.user_id), note } }, now);
      return tx.selectFrom('leave_requests').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    });
    this.db.noteWrite(actor.userId);
    return (await this.views(this.db.primary, [saved]))[0]!;
  }
}
