import type { Kysely, Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { insertedId, likeContains, toIso } from '../../infra/db/values.js';
import { AppError, conflict, notFound } from '../../infra/http/errors.js';
import type { PersonalData } from '../basedata/personal.js';
import { checkHierarchy, makesCycle, type OrgGridLevel } from './rules/hierarchy.js';
import type { PartyActivityKind, PartyMemberKind, PartyOrgKind } from './tables.js';
import './messages.js';

export const PARTY_READ = 'party.read';
export const PARTY_MANAGE = 'party.manage';

type Db = Kysely<Database>;

const STREET_LEN = 9;
const COMMUNITY_LEN = 12;

export interface OrganizationInput {
  gridCode: string;
  parentId?: number | null | undefined;
  name: string;
  kind: PartyOrgKind;
  secretary?: string | null | undefined;
  lng?: number | null | undefined;
  lat?: number | null | undefined;
  foundedOn?: string | null | undefined;
}

export interface AreaCount {
  code: string;
  name: string;
  organizations: number;
  members: number;
}

/**
 * 基层党建 on the grid: organisations on street, community and unit grids,
 * their members (residents, shown masked), the households members serve
 * (党员联户) and activities with attendance. Every row carries a grid code;
 * a caller sees rows under the scopes of the permission used (wrong scope
 * reads as 404).
 */
export class PartyService {
  constructor(private readonly db: AppDb, private readonly personal: PersonalData) {}

  private scopes(principal: Principal, perm: string, narrow?: string): Scope[] {
    const own = principal.scopesFor(perm);
    if (!narrow) return own;
    if (gridInScope(narrow, own)) return [{ kind: 'grid', code: narrow }];
    return own.filter((s) => s.kind === 'grid' && s.code.startsWith(narrow));
  }

  private async gridLevel(db: Db, code: string): Promise<OrgGridLevel> {
    const g = await db.selectFrom('grids').select('level').where('code', '=', code).where('status', '=', 'active').executeTakeFirst();
    if (!g || (g.level !== 'street' && g.level !== 'community' && g.level !== 'unit')) throw new AppError(422, 'PARTY_UNKNOWN_GRID', { gridCode: code });
    return g.level;
  }

  private async requireOrg(db: Db, principal: Principal, perm: string, id: number) {
    const o = await db.selectFrom('party_organizations').selectAll().where('id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(perm), { grid: 'grid_code' })).executeTakeFirst();
    if (!o) throw notFound('party_organization');
    if (perm === PARTY_MANAGE && o.dissolved_on !== null) throw new AppError(409, 'PARTY_ORG_DISSOLVED', { organizationId: id, dissolvedOn: o.dissolved_on });
    return o;
  }

  private async requireMember(db: Db, principal: Principal, perm: string, id: number) {
    const m = await db.selectFrom('party_members').selectAll().where('id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(perm), { grid: 'grid_code' })).executeTakeFirst();
    if (!m) throw notFound('party_member');
    if (perm === PARTY_MANAGE && m.ended_on !== null) throw new AppError(409, 'PARTY_MEMBER_ENDED', { memberId: id, endedOn: m.ended_on });
    return m;
  }

  // ---- organisations ------------------------------------------------------------------

  async createOrganization(principal: Principal, actor: AuditActor, input: OrganizationInput): Promise<number> {
    const level = await this.gridLevel(this.db.primary, input.gridCode);
    if (!gridInScope(input.gridCode, principal.scopesFor(PARTY_MANAGE))) throw new AppError(403, 'PARTY_OUT_OF_SCOPE', { gridCode: input.gridCode });
    const parent = input.parentId ? await this.requireOrg(this.db.primary, principal, PARTY_READ, input.parentId) : null;
    const refusal = checkHierarchy({ kind: input.kind, gridCode: input.gridCode, level }, parent ? { kind: parent.kind, gridCode: parent.grid_code } : null);
    if (refusal) throw new AppError(422, refusal, { parentId: input.parentId ?? null });
    const id = await this.db.transaction(async (tx) => {
      const now = Date.now();
      const id = insertedId(await tx.insertInto('party_organizations').values({
        grid_code: input.gridCode, parent_id: parent?.id ?? null, name: input.name, kind: input.kind, secretary: input.secretary ?? null,
        lng: input.lng ?? null, lat: input.lat ?? null, founded_on: input.foundedOn ?? null, created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'party.organization.create', objectType: 'party_organization', objectId: id, details: { gridCode: input.gridCode, kind: input.kind } }, now);
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  /**
   * Edits an organisation: name, kind, grid node, parent and the rest. The
   * hierarchy rule holds for it under its (new) parent and for each of its
   * children under it; no cycles. Its members' grid codes follow its grid.
   */
  async updateOrganization(principal: Principal, actor: AuditActor, id: number, input: OrganizationInput & { version: number }): Promise<void> {
    const db = this.db.primary;
    const o = await this.requireOrg(db, principal, PARTY_MANAGE, id);
    const level = await this.gridLevel(db, input.gridCode);
    if (!gridInScope(input.gridCode, principal.scopesFor(PARTY_MANAGE))) throw new AppError(403, 'PARTY_OUT_OF_SCOPE', { gridCode: input.gridCode });
    const parentId = input.parentId ?? null;
    const parent = parentId ? await this.requireOrg(db, principal, PARTY_READ, parentId) : null;
    if (parent?.dissolved_on) throw new AppError(409, 'PARTY_ORG_DISSOLVED', { organizationId: parent.id, dissolvedOn: parent.dissolved_on });
    if (parentId !== null) {
      const all = await db.selectFrom('party_organizations').select(['id', 'parent_id']).execute();
      if (makesCycle(id, parentId, new Map(all.map((r) => [r.id, r.parent_id])))) throw new AppError(422, 'PARTY_PARENT_CYCLE', { parentId });
    }
    const self = { kind: input.kind, gridCode: input.gridCode, level };
    const refusal = checkHierarchy(self, parent ? { kind: parent.kind, gridCode: parent.grid_code } : null);
    if (refusal) throw new AppError(422, refusal, { parentId });
    const children = await db.selectFrom('party_organizations').select(['id', 'kind', 'grid_code']).where('parent_id', '=', id).where('dissolved_on', 'is', null).execute();
    const levels = new Map(children.length === 0 ? [] : (await db.selectFrom('grids').select(['code', 'level']).where('code', 'in', children.map((c) => c.grid_code)).execute()).map((g) => [g.code, g.level]));
    const misfits = children.filter((c) => {
      const l = levels.get(c.grid_code);
      return checkHierarchy({ kind: c.kind, gridCode: c.grid_code, level: l === 'street' || l === 'community' ? l : 'unit' }, self) !== null;
    }).map((c) => c.id);
    if (misfits.length > 0) throw new AppError(422, 'PARTY_CHILDREN_DO_NOT_FIT', { childIds: misfits });
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      const r = await tx.updateTable('party_organizations').set({
        grid_code: input.gridCode, parent_id: parentId, name: input.name, kind: input.kind, secretary: input.secretary ?? null,
        lng: input.lng ?? null, lat: input.lat ?? null, founded_on: input.foundedOn ?? null, version: input.version + 1, updated_at: now,
      }).where('id', '=', id).where('version', '=', input.version).where('dissolved_on', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw conflict({ currentVersion: o.version });
      // Members carry their organisation's grid code for the scope filter and the counts.
      if (input.gridCode !== o.grid_code) await tx.updateTable('party_members').set({ grid_code: input.gridCode, updated_at: now }).where('organization_id', '=', id).execute();
      await appendAudit(tx, actor, {
        action: 'party.organization.update', objectType: 'party_organization', objectId: id,
        details: { before: { name: o.name, kind: o.kind, gridCode: o.grid_code, parentId: o.parent_id }, after: { name: input.name, kind: input.kind, gridCode: input.gridCode, parentId } },
      }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  /**
   * Deletes an organisation that never had members, has no child
   * organisations and no activities (409 otherwise: an organisation with a
   * history is dissolved instead, which keeps it).
   */
  async deleteOrganization(principal: Principal, actor: AuditActor, id: number, version: number): Promise<void> {
    const o = await this.requireOrg(this.db.primary, principal, PARTY_MANAGE, id);
    await this.db.transaction(async (tx) => {
      const count = async (q: Promise<{ n: unknown }>) => Number((await q).n);
      const members = await count(tx.selectFrom('party_members').select((eb) => eb.fn.countAll().as('n')).where('organization_id', '=', id).executeTakeFirstOrThrow());
      if (members > 0) throw new AppError(409, 'PARTY_ORG_HAS_MEMBERS', { members });
      const children = await count(tx.selectFrom('party_organizations').select((eb) => eb.fn.countAll().as('n')).where('parent_id', '=', id).executeTakeFirstOrThrow());
      if (children > 0) throw new AppError(409, 'PARTY_ORG_HAS_CHILDREN', { children });
      const activities = await count(tx.selectFrom('party_activities').select((eb) => eb.fn.countAll().as('n')).where('organization_id', '=', id).executeTakeFirstOrThrow());
      if (activities > 0) throw new AppError(409, 'PARTY_ORG_HAS_ACTIVITIES', { activities });
      const transfers = await count(tx.selectFrom('party_member_transfers').select((eb) => eb.fn.countAll().as('n'))
        .where((eb) => eb.or([eb('from_organization_id', '=', id), eb('to_organization_id', '=', id)])).executeTakeFirstOrThrow());
      if (transfers > 0) throw new AppError(409, 'PARTY_ORG_HAS_MEMBERS', { members: 0, transfers });
      const r = await tx.deleteFrom('party_organizations').where('id', '=', id).where('version', '=', version).executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1) throw conflict({ currentVersion: o.version });
      await appendAudit(tx, actor, { action: 'party.organization.delete', objectType: 'party_organization', objectId: id, details: { name: o.name, kind: o.kind, gridCode: o.grid_code, parentId: o.parent_id } });
    });
    this.db.noteWrite(principal.userId);
  }

  /**
   * Dissolves an organisation (撤销): every current member is transferred to
   * another organisation, each with a transfer row, and the organisation is
   * marked dissolved, all in one transaction. Child organisations must be
   * moved first (409).
   */
  async dissolveOrganization(principal: Principal, actor: AuditActor, id: number, input: { version: number; toOrganizationId: number; dissolvedOn: string; reason: string }): Promise<{ transferred: number }> {
    const db = this.db.primary;
    const o = await this.requireOrg(db, principal, PARTY_MANAGE, id);
    if (input.toOrganizationId === id) throw new AppError(422, 'PARTY_TRANSFER_SAME_ORG', { organizationId: id });
    const to = await this.requireOrg(db, principal, PARTY_MANAGE, input.toOrganizationId);
    const transferred = await this.db.transaction(async (tx) => {
      const children = await tx.selectFrom('party_organizations').select('id').where('parent_id', '=', id).where('dissolved_on', 'is', null).execute();
      if (children.length > 0) throw new AppError(409, 'PARTY_ORG_HAS_CHILDREN', { children: children.length });
      const now = Date.now();
      const r = await tx.updateTable('party_organizations').set({ dissolved_on: input.dissolvedOn, dissolve_reason: input.reason, version: input.version + 1, updated_at: now })
        .where('id', '=', id).where('version', '=', input.version).where('dissolved_on', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw conflict({ currentVersion: o.version });
      const members = await tx.selectFrom('party_members').select(['id', 'organization_id', 'grid_code', 'version']).where('organization_id', '=', id).where('ended_on', 'is', null).orderBy('id').execute();
      for (const m of members) {
        await this.moveMember(tx, principal, { ...m, currentVersion: m.version }, to, input.dissolvedOn, input.reason, now);
      }
      await appendAudit(tx, actor, {
        action: 'party.organization.dissolve', objectType: 'party_organization', objectId: id,
        details: { toOrganizationId: to.id, dissolvedOn: input.dissolvedOn, reason: input.reason, memberIds: members.map((m) => m.id) },
      }, now);
      return members.length;
    });
    this.db.noteWrite(principal.userId);
    return { transferred };
  }

  async listOrganizations(principal: Principal, filter: { gridCode?: string | undefined; kind?: PartyOrgKind | undefined; q?: string | undefined; page: number; pageSize: number }) {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, PARTY_READ, filter.gridCode);
    let q = db.selectFrom('party_organizations').where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).where('dissolved_on', 'is', null);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.q) q = q.where('name', 'like', likeContains(filter.q));
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('grid_code').orderBy('id').limit(filter.pageSize).offset((filter.page - 1) * filter.pageSize).execute();
    const counts = await this.memberCounts(db, rows.map((r) => r.id));
    const names = await this.gridNames(db, rows.map((r) => r.grid_code));
    return {
      total,
      items: rows.map((r) => ({
        id: r.id, gridCode: r.grid_code, gridName: names.get(r.grid_code) ?? null, parentId: r.parent_id, name: r.name, kind: r.kind, secretary: r.secretary,
        lng: r.lng, lat: r.lat, foundedOn: r.founded_on, version: r.version, members: counts.get(r.id) ?? 0,
      })),
    };
  }

  private async memberCounts(db: Db, orgIds: number[]): Promise<Map<number, number>> {
    if (orgIds.length === 0) return new Map();
    const rows = await db.selectFrom('party_members').select(['organization_id', (eb) => eb.fn.countAll().as('n')])
      .where('organization_id', 'in', orgIds).where('ended_on', 'is', null).groupBy('organization_id').execute();
    return new Map(rows.map((r) => [r.organization_id, Number(r.n)]));
  }

  private async gridNames(db: Db, codes: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(codes)];
    if (unique.length === 0) return new Map();
    const rows = await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', unique).execute();
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  async organizationView(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    const o = await this.requireOrg(db, principal, PARTY_READ, id);
    const [children, members, activities, names] = await Promise.all([
      db.selectFrom('party_organizations').select(['id', 'name', 'kind', 'grid_code']).where('parent_id', '=', id).where('dissolved_on', 'is', null).orderBy('id').execute(),
      this.membersOf(db, [id]),
      db.selectFrom('party_activities').selectAll().where('organization_id', '=', id).orderBy('held_at', 'desc').limit(50).execute(),
      this.gridNames(db, [o.grid_code]),
    ]);
    const attendance = await this.attendanceCounts(db, activities.map((a) => a.id));
    const parent = o.parent_id ? await db.selectFrom('party_organizations').select(['id', 'name']).where('id', '=', o.parent_id).executeTakeFirst() : undefined;
    return {
      id: o.id, gridCode: o.grid_code, gridName: names.get(o.grid_code) ?? null, parentId: o.parent_id, parentName: parent?.name ?? null, name: o.name, kind: o.kind,
      secretary: o.secretary, lng: o.lng, lat: o.lat, foundedOn: o.founded_on, version: o.version, dissolvedOn: o.dissolved_on, dissolveReason: o.dissolve_reason,
      formerMembers: await this.formerMembers(db, id),
      children: children.map((c) => ({ id: c.id, name: c.name, kind: c.kind, gridCode: c.grid_code })),
      members,
      activities: activities.map((a) => this.activityView(a, attendance.get(a.id) ?? 0, members.length)),
    };
  }

  // ---- members ------------------------------------------------------------------------

  /** Current members of the organisations, or (with `memberId`) that one member, current or removed. */
  private async membersOf(db: Db, orgIds: number[], memberId?: number) {
    let q = db.selectFrom('party_members').innerJoin('residents', 'residents.id', 'party_members.resident_id')
      .select(['party_members.id', 'party_members.organization_id', 'party_members.grid_code', 'party_members.resident_id', 'party_members.kind', 'party_members.post',
        'party_members.joined_on', 'party_members.version', 'party_members.ended_on', 'party_members.end_reason',
        'residents.name', 'residents.id_cipher', 'residents.phone_cipher', 'residents.grid_code as resident_grid_code']);
    q = memberId !== undefined ? q.where('party_members.id', '=', memberId) : q.where('party_members.organization_id', 'in', orgIds).where('party_members.ended_on', 'is', null);
    const rows = await q.orderBy('party_members.id').execute();
    const served = rows.length === 0 ? [] : await db.selectFrom('party_member_households').select(['member_id', (eb) => eb.fn.countAll().as('n')])
      .where('member_id', 'in', rows.map((r) => r.id)).groupBy('member_id').execute();
    const servedBy = new Map(served.map((s) => [s.member_id, Number(s.n)]));
    return rows.map((r) => ({
      id: r.id, organizationId: r.organization_id, residentId: r.resident_id, name: r.name,
      // Personal data leaves masked, as everywhere (basedata/personal.ts); unmasking stays on the resident's page.
      idNumber: this.personal.maskedId(r.id_cipher), phone: this.personal.maskedPhone(r.phone_cipher),
      residentGridCode: r.resident_grid_code, kind: r.kind, post: r.post, joinedOn: r.joined_on, households: servedBy.get(r.id) ?? 0,
      version: r.version, endedOn: r.ended_on, endReason: r.end_reason,
    }));
  }

  async addMember(principal: Principal, actor: AuditActor, orgId: number, input: { residentId: number; kind: PartyMemberKind; post?: string | null | undefined; joinedOn: string }): Promise<number> {
    const org = await this.requireOrg(this.db.primary, principal, PARTY_MANAGE, orgId);
    const resident = await this.db.primary.selectFrom('residents').select(['id', 'grid_code']).where('id', '=', input.residentId)
      .where((eb) => scopeFilter(eb, principal.scopesFor(PARTY_MANAGE), { grid: 'grid_code' })).executeTakeFirst();
    if (!resident) throw new AppError(422, 'PARTY_UNKNOWN_RESIDENT', { residentId: input.residentId });
    const id = await this.db.transaction(async (tx) => {
      const existing = await tx.selectFrom('party_members').select('id').where('resident_id', '=', resident.id).executeTakeFirst();
      // A removed member's row stays (its history): the resident is not added a second time.
      if (existing) throw new AppError(409, 'PARTY_ALREADY_MEMBER', { memberId: existing.id });
      const now = Date.now();
      const id = insertedId(await tx.insertInto('party_members').values({
        organization_id: org.id, grid_code: org.grid_code, resident_id: resident.id, kind: input.kind, post: input.post ?? null, joined_on: input.joinedOn, created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'party.member.add', objectType: 'party_organization', objectId: org.id, details: { memberId: id, residentId: resident.id } }, now);
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  async memberView(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    const m = await this.requireMember(db, principal, PARTY_READ, id);
    const [view] = await this.membersOf(db, [], m.id);
    const households = await db.selectFrom('party_member_households').innerJoin('households', 'households.id', 'party_member_households.household_id')
      .select(['households.id', 'households.household_no', 'households.grid_code']).where('party_member_households.member_id', '=', id).orderBy('households.id').execute();
    const attended = Number((await db.selectFrom('party_attendance').select((eb) => eb.fn.countAll().as('n')).where('member_id', '=', id).executeTakeFirstOrThrow()).n);
    const org = await db.selectFrom('party_organizations').select(['name']).where('id', '=', m.organization_id).executeTakeFirst();
    return {
      ...view!, organizationName: org?.name ?? null,
      servedHouseholds: households.map((h) => ({ id: h.id, householdNo: h.household_no, gridCode: h.grid_code })), activitiesAttended: attended,
      transfers: await this.transfersOf(db, id),
    };
  }

  /** 组织关系转接 history of a member, oldest first, with both organisations' names. */
  private async transfersOf(db: Db, memberId: number) {
    const rows = await db.selectFrom('party_member_transfers').selectAll().where('member_id', '=', memberId).orderBy('id').execute();
    const orgIds = [...new Set(rows.flatMap((r) => [r.from_organization_id, r.to_organization_id]))];
    const names = new Map(orgIds.length === 0 ? [] : (await db.selectFrom('party_organizations').select(['id', 'name']).where('id', 'in', orgIds).execute()).map((o) => [o.id, o.name]));
    return rows.map((r) => ({
      id: r.id, fromOrganizationId: r.from_organization_id, fromOrganizationName: names.get(r.from_organization_id) ?? null,
      toOrganizationId: r.to_organization_id, toOrganizationName: names.get(r.to_organization_id) ?? null, transferredOn: r.transferred_on, reason: r.reason,
    }));
  }

  private async formerMembers(db: Db, orgId: number) {
    const rows = await db.selectFrom('party_members').innerJoin('residents', 'residents.id', 'party_members.resident_id')
      .select(['party_members.id', 'residents.name', 'party_members.ended_on', 'party_members.end_reason'])
      .where('party_members.organization_id', '=', orgId).where('party_members.ended_on', 'is not', null).orderBy('party_members.id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, endedOn: r.ended_on!, endReason: r.end_reason ?? '' }));
  }

  /** Edits a member's kind, post and date of joining (version-checked). */
  async updateMember(principal: Principal, actor: AuditActor, id: number, input: { version: number; kind: PartyMemberKind; post?: string | null | undefined; joinedOn: string }): Promise<void> {
    const m = await this.requireMember(this.db.primary, principal, PARTY_MANAGE, id);
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      const r = await tx.updateTable('party_members').set({ kind: input.kind, post: input.post ?? null, joined_on: input.joinedOn, version: input.version + 1, updated_at: now })
        .where('id', '=', m.id).where('version', '=', input.version).where('ended_on', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw conflict({ currentVersion: m.version });
      await appendAudit(tx, actor, { action: 'party.member.update', objectType: 'party_member', objectId: m.id, details: { kind: input.kind, post: input.post ?? null, joinedOn: input.joinedOn } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  /**
   * 组织关系转接: moves a member to another organisation the caller manages,
   * with a transfer row (from, to, date, reason) in the same transaction.
   */
  async transferMember(principal: Principal, actor: AuditActor, id: number, input: { version: number; toOrganizationId: number; transferredOn: string; reason: string }): Promise<void> {
    const m = await this.requireMember(this.db.primary, principal, PARTY_MANAGE, id);
    const to = await this.requireOrg(this.db.primary, principal, PARTY_MANAGE, input.toOrganizationId);
    if (to.id === m.organization_id) throw new AppError(422, 'PARTY_TRANSFER_SAME_ORG', { organizationId: to.id });
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      await this.moveMember(tx, principal, { id: m.id, organization_id: m.organization_id, grid_code: m.grid_code, version: input.version, currentVersion: m.version }, to, input.transferredOn, input.reason, now);
      await appendAudit(tx, actor, { action: 'party.member.transfer', objectType: 'party_member', objectId: m.id, details: { from: m.organization_id, to: to.id, transferredOn: input.transferredOn, reason: input.reason } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  /** One member's move and its transfer row; the version must be the one the caller saw. */
  private async moveMember(tx: Db, principal: Principal, m: { id: number; organization_id: number; grid_code: string; version: number; currentVersion: number },
    to: { id: number; grid_code: string }, on: string, reason: string, now: number): Promise<void> {
    const r = await tx.updateTable('party_members').set({ organization_id: to.id, grid_code: to.grid_code, version: m.version + 1, updated_at: now })
      .where('id', '=', m.id).where('version', '=', m.version).where('organization_id', '=', m.organization_id).where('ended_on', 'is', null).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw conflict({ currentVersion: m.currentVersion, memberId: m.id });
    await tx.insertInto('party_member_transfers').values({
      member_id: m.id, from_organization_id: m.organization_id, to_organization_id: to.id, from_grid_code: m.grid_code, to_grid_code: to.grid_code,
      transferred_on: on, reason, created_by: principal.userId, created_at: now,
    }).execute();
  }

  /** Removes a member (soft: end date and reason; the row, its attendance and transfers stay). Its 联户 links end with it. */
  async removeMember(principal: Principal, actor: AuditActor, id: number, input: { version: number; endedOn: string; reason: string }): Promise<void> {
    const m = await this.requireMember(this.db.primary, principal, PARTY_MANAGE, id);
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      const r = await tx.updateTable('party_members').set({ ended_on: input.endedOn, end_reason: input.reason, version: input.version + 1, updated_at: now })
        .where('id', '=', m.id).where('version', '=', input.version).where('ended_on', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw conflict({ currentVersion: m.version });
      const links = await tx.selectFrom('party_member_households').select('household_id').where('member_id', '=', m.id).execute();
      await tx.deleteFrom('party_member_households').where('member_id', '=', m.id).execute();
      await appendAudit(tx, actor, { action: 'party.member.remove', objectType: 'party_member', objectId: m.id, details: { endedOn: input.endedOn, reason: input.reason, households: links.map((l) => l.household_id) } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  /** 党员联户: the member serves the household (a household in the caller's scope). */
  async linkHousehold(principal: Principal, actor: AuditActor, memberId: number, householdId: number): Promise<void> {
    const m = await this.requireMember(this.db.primary, principal, PARTY_MANAGE, memberId);
    const h = await this.db.primary.selectFrom('households').select(['id', 'grid_code']).where('id', '=', householdId)
      .where((eb) => scopeFilter(eb, principal.scopesFor(PARTY_MANAGE), { grid: 'grid_code' })).executeTakeFirst();
    if (!h) throw new AppError(422, 'PARTY_UNKNOWN_HOUSEHOLD', { householdId });
    await this.db.transaction(async (tx) => {
      const exists = await tx.selectFrom('party_member_households').select('id').where('member_id', '=', m.id).where('household_id', '=', h.id).executeTakeFirst();
      if (exists) return;
      const now = Date.now();
      await tx.insertInto('party_member_households').values({ member_id: m.id, household_id: h.id, grid_code: h.grid_code, created_at: now }).execute();
      await appendAudit(tx, actor, { action: 'party.member.link_household', objectType: 'party_member', objectId: m.id, details: { householdId: h.id } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  async unlinkHousehold(principal: Principal, actor: AuditActor, memberId: number, householdId: number): Promise<void> {
    const m = await this.requireMember(this.db.primary, principal, PARTY_MANAGE, memberId);
    await this.db.transaction(async (tx) => {
      const r = await tx.deleteFrom('party_member_households').where('member_id', '=', m.id).where('household_id', '=', householdId).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw notFound('party_member_household');
      await appendAudit(tx, actor, { action: 'party.member.unlink_household', objectType: 'party_member', objectId: m.id, details: { householdId } });
    });
    this.db.noteWrite(principal.userId);
  }

  // ---- activities ---------------------------------------------------------------------

  private activityView(a: { id: number; organization_id: number; grid_code: string; title: string; kind: PartyActivityKind; held_at: number; place: string; summary: string }, present: number, members: number) {
    return {
      id: a.id, organizationId: a.organization_id, gridCode: a.grid_code, title: a.title, kind: a.kind, heldAt: toIso(a.held_at)!, place: a.place, summary: a.summary,
      present, members,
    };
  }

  private async attendanceCounts(db: Db, activityIds: number[]): Promise<Map<number, number>> {
    if (activityIds.length === 0) return new Map();
    const rows = await db.selectFrom('party_attendance').select(['activity_id', (eb) => eb.fn.countAll().as('n')]).where('activity_id', 'in', activityIds).groupBy('activity_id').execute();
    return new Map(rows.map((r) => [r.activity_id, Number(r.n)]));
  }

  async createActivity(principal: Principal, actor: AuditActor, orgId: number, input: { title: string; kind: PartyActivityKind; heldAt: string; place: string; summary: string; attendeeIds: number[] }): Promise<number> {
    const org = await this.requireOrg(this.db.primary, principal, PARTY_MANAGE, orgId);
    const attendees = [...new Set(input.attendeeIds)];
    if (attendees.length > 0) {
      const found = await this.db.primary.selectFrom('party_members').select('id').where('organization_id', '=', org.id).where('ended_on', 'is', null).where('id', 'in', attendees).execute();
      const known = new Set(found.map((f) => f.id));
      const strangers = attendees.filter((a) => !known.has(a));
      if (strangers.length > 0) throw new AppError(422, 'PARTY_ATTENDEE_NOT_MEMBER', { memberIds: strangers });
    }
    const id = await this.db.transaction(async (tx: Transaction<Database>) => {
      const now = Date.now();
      const id = insertedId(await tx.insertInto('party_activities').values({
        organization_id: org.id, grid_code: org.grid_code, title: input.title, kind: input.kind, held_at: Date.parse(input.heldAt), place: input.place, summary: input.summary,
        created_by: principal.userId, created_at: now,
      }).executeTakeFirstOrThrow());
      if (attendees.length > 0) await tx.insertInto('party_attendance').values(attendees.map((m) => ({ activity_id: id, member_id: m, grid_code: org.grid_code }))).execute();
      await appendAudit(tx, actor, { action: 'party.activity.create', objectType: 'party_organization', objectId: org.id, details: { activityId: id, attendees: attendees.length } }, now);
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  async activityDetail(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    const a = await db.selectFrom('party_activities').selectAll().where('id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(PARTY_READ), { grid: 'grid_code' })).executeTakeFirst();
    if (!a) throw notFound('party_activity');
    const members = await this.membersOf(db, [a.organization_id]);
    const present = new Set((await db.selectFrom('party_attendance').select('member_id').where('activity_id', '=', id).execute()).map((r) => r.member_id));
    return {
      ...this.activityView(a, present.size, members.length),
      attendance: members.map((m) => ({ memberId: m.id, name: m.name, present: present.has(m.id) })),
    };
  }

  // ---- figures and the map layer --------------------------------------------------------

  /**
   * Organisations and members per street (or per community of one street):
   * the rows in scope grouped by the first 9 (or 12) digits of their grid code;
   * an organisation on the street node itself counts for its street, and in
   * the per-community view under the street's own line.
   */
  async countsByArea(principal: Principal, q: { by: 'street' | 'community'; gridCode?: string | undefined }): Promise<{ total: { organizations: number; members: number }; items: AreaCount[] }> {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, PARTY_READ, q.gridCode);
    const orgs = await db.selectFrom('party_organizations').select(['id', 'grid_code']).where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).where('dissolved_on', 'is', null).execute();
    const members = await db.selectFrom('party_members').select(['grid_code', (eb) => eb.fn.countAll().as('n')])
      .where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).where('ended_on', 'is', null).groupBy('grid_code').execute();
    const len = q.by === 'street' ? STREET_LEN : COMMUNITY_LEN;
    const keyOf = (code: string) => code.slice(0, Math.min(len, code.length));
    const acc = new Map<string, { organizations: number; members: number }>();
    const bump = (code: string) => {
      const k = keyOf(code);
      let a = acc.get(k);
      if (!a) acc.set(k, (a = { organizations: 0, members: 0 }));
      return a;
    };
    for (const o of orgs) bump(o.grid_code).organizations++;
    for (const m of members) bump(m.grid_code).members += Number(m.n);
    const names = await this.gridNames(db, [...acc.keys()]);
    const items = [...acc.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([code, v]) => ({ code, name: names.get(code) ?? code, ...v }));
    return { total: { organizations: orgs.length, members: items.reduce((s, i) => s + i.members, 0) }, items };
  }

  /**
   * The 党建 map layer: every organisation in scope at its own position or at
   * its grid's centre, and per community its counts at the community's centre.
   */
  async mapLayer(principal: Principal, q: { gridCode?: string | undefined }) {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, PARTY_READ, q.gridCode);
    const orgs = await db.selectFrom('party_organizations').select(['id', 'grid_code', 'name', 'kind', 'lng', 'lat'])
      .where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).where('dissolved_on', 'is', null).orderBy('id').execute();
    const counts = await this.memberCounts(db, orgs.map((o) => o.id));
    const communityCodes = [...new Set(orgs.filter((o) => o.grid_code.length >= COMMUNITY_LEN).map((o) => o.grid_code.slice(0, COMMUNITY_LEN)))];
    const gridCodes = [...new Set([...orgs.map((o) => o.grid_code), ...communityCodes])];
    const boxes = gridCodes.length === 0 ? [] : await db.selectFrom('grids').select(['code', 'name', 'min_lng', 'min_lat', 'max_lng', 'max_lat']).where('code', 'in', gridCodes).execute();
    const centre = new Map(boxes.map((b) => [b.code, { name: b.name, lng: (Number(b.min_lng) + Number(b.max_lng)) / 2, lat: (Number(b.min_lat) + Number(b.max_lat)) / 2 }]));
    const communities = new Map<string, { organizations: number; members: number }>();
    for (const o of orgs) {
      if (o.grid_code.length < COMMUNITY_LEN) continue;
      const k = o.grid_code.slice(0, COMMUNITY_LEN);
      const c = communities.get(k) ?? { organizations: 0, members: 0 };
      c.organizations++;
      c.members += counts.get(o.id) ?? 0;
      communities.set(k, c);
    }
    return {
      organizations: orgs.map((o) => {
        const c = centre.get(o.grid_code);
        return { id: o.id, name: o.name, kind: o.kind, gridCode: o.grid_code, members: counts.get(o.id) ?? 0, lng: o.lng ?? c?.lng ?? null, lat: o.lat ?? c?.lat ?? null };
      }),
      communities: [...communities.entries()].map(([code, v]) => {
        const c = centre.get(code);
        return { code, name: c?.name ?? code, lng: c?.lng ?? null, lat: c?.lat ?? null, ...v };
      }),
    };
  }
}
