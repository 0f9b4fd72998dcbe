import type { Kysely, Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { insertedId, likeContains, toIso } from '../../infra/db/values.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import type { PersonalData } from '../basedata/personal.js';
import { checkHierarchy, type OrgGridLevel } from './rules/hierarchy.js';
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
    return o;
  }

  private async requireMember(db: Db, principal: Principal, perm: string, id: number) {
    const m = await db.selectFrom('party_members').selectAll().where('id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(perm), { grid: 'grid_code' })).executeTakeFirst();
    if (!m) throw notFound('party_member');
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

  async listOrganizations(principal: Principal, filter: { gridCode?: string | undefined; kind?: PartyOrgKind | undefined; q?: string | undefined; page: number; pageSize: number }) {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, PARTY_READ, filter.gridCode);
    let q = db.selectFrom('party_organizations').where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' }));
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
        lng: r.lng, lat: r.lat, foundedOn: r.founded_on, members: counts.get(r.id) ?? 0,
      })),
    };
  }

  private async memberCounts(db: Db, orgIds: number[]): Promise<Map<number, number>> {
    if (orgIds.length === 0) return new Map();
    const rows = await db.selectFrom('party_members').select(['organization_id', (eb) => eb.fn.countAll().as('n')])
      .where('organization_id', 'in', orgIds).groupBy('organization_id').execute();
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
      db.selectFrom('party_organizations').select(['id', 'name', 'kind', 'grid_code']).where('parent_id', '=', id).orderBy('id').execute(),
      this.membersOf(db, [id]),
      db.selectFrom('party_activities').selectAll().where('organization_id', '=', id).orderBy('held_at', 'desc').limit(50).execute(),
      this.gridNames(db, [o.grid_code]),
    ]);
    const attendance = await this.attendanceCounts(db, activities.map((a) => a.id));
    const parent = o.parent_id ? await db.selectFrom('party_organizations').select(['id', 'name']).where('id', '=', o.parent_id).executeTakeFirst() : undefined;
    return {
      id: o.id, gridCode: o.grid_code, gridName: names.get(o.grid_code) ?? null, parentId: o.parent_id, parentName: parent?.name ?? null, name: o.name, kind: o.kind,
      secretary: o.secretary, lng: o.lng, lat: o.lat, foundedOn: o.founded_on,
      children: children.map((c) => ({ id: c.id, name: c.name, kind: c.kind, gridCode: c.grid_code })),
      members,
      activities: activities.map((a) => this.activityView(a, attendance.get(a.id) ?? 0, members.length)),
    };
  }

  // ---- members ------------------------------------------------------------------------

  private async membersOf(db: Db, orgIds: number[]) {
    const rows = await db.selectFrom('party_members').innerJoin('residents', 'residents.id', 'party_members.resident_id')
      .select(['party_members.id', 'party_members.organization_id', 'party_members.grid_code', 'party_members.resident_id', 'party_members.kind', 'party_members.post',
        'party_members.joined_on', 'residents.name', 'residents.id_cipher', 'residents.phone_cipher', 'residents.grid_code as resident_grid_code'])
      .where('party_members.organization_id', 'in', orgIds).orderBy('party_members.id').execute();
    const served = rows.length === 0 ? [] : await db.selectFrom('party_member_households').select(['member_id', (eb) => eb.fn.countAll().as('n')])
      .where('member_id', 'in', rows.map((r) => r.id)).groupBy('member_id').execute();
    const servedBy = new Map(served.map((s) => [s.member_id, Number(s.n)]));
    return rows.map((r) => ({
      id: r.id, organizationId: r.organization_id, residentId: r.resident_id, name: r.name,
      // Personal data leaves masked, as everywhere (basedata/personal.ts); unmasking stays on the resident's page.
      idNumber: this.personal.maskedId(r.id_cipher), phone: this.personal.maskedPhone(r.phone_cipher),
      residentGridCode: r.resident_grid_code, kind: r.kind, post: r.post, joinedOn: r.joined_on, households: servedBy.get(r.id) ?? 0,
    }));
  }

  async addMember(principal: Principal, actor: AuditActor, orgId: number, input: { residentId: number; kind: PartyMemberKind; post?: string | null | undefined; joinedOn: string }): Promise<number> {
    const org = await this.requireOrg(this.db.primary, principal, PARTY_MANAGE, orgId);
    const resident = await this.db.primary.selectFrom('residents').select(['id', 'grid_code']).where('id', '=', input.residentId)
      .where((eb) => scopeFilter(eb, principal.scopesFor(PARTY_MANAGE), { grid: 'grid_code' })).executeTakeFirst();
    if (!resident) throw new AppError(422, 'PARTY_UNKNOWN_RESIDENT', { residentId: input.residentId });
    const id = await this.db.transaction(async (tx) => {
      const existing = await tx.selectFrom('party_members').select('id').where('resident_id', '=', resident.id).executeTakeFirst();
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
    const [view] = (await this.membersOf(db, [m.organization_id])).filter((x) => x.id === id);
    const households = await db.selectFrom('party_member_households').innerJoin('households', 'households.id', 'party_member_households.household_id')
      .select(['households.id', 'households.household_no', 'households.grid_code']).where('party_member_households.member_id', '=', id).orderBy('households.id').execute();
    const attended = Number((await db.selectFrom('party_attendance').select((eb) => eb.fn.countAll().as('n')).where('member_id', '=', id).executeTakeFirstOrThrow()).n);
    return { ...view!, servedHouseholds: households.map((h) => ({ id: h.id, householdNo: h.household_no, gridCode: h.grid_code })), activitiesAttended: attended };
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
      const found = await this.db.primary.selectFrom('party_members').select('id').where('organization_id', '=', org.id).where('id', 'in', attendees).execute();
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
    const orgs = await db.selectFrom('party_organizations').select(['id', 'grid_code']).where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).execute();
    const members = await db.selectFrom('party_members').select(['grid_code', (eb) => eb.fn.countAll().as('n')])
      .where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).groupBy('grid_code').execute();
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
      .where((eb) => scopeFilter(eb, scopes, { grid: 'grid_code' })).orderBy('id').execute();
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
