import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder, type SqlBool, type Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { countUpTo } from '../../infra/db/count.js';
import { insertedId, likeContains, toFlag, toIso } from '../../infra/db/values.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import { runIdempotent } from '../../infra/idempotency/idempotency.js';
import type { PersonalData } from './personal.js';
import { parseCreditCode } from './rules/credit-code.js';
import { isIsoDate, shanghaiToday } from './rules/dates.js';
import { pinyinInitials } from './rules/pinyin.js';
import { RESIDENT_TAGS } from './rules/tags.js';
import { compareDue, visitDue, visitIntervalDays, VISITED_TAGS } from './rules/visit-due.js';
import type { ComponentStatus, DwellingOwnership, DwellingRelation, DwellingUse, Population, ResidentTable } from './tables.js';
import './messages.js';

export const READ = 'residents.read';
export const MANAGE = 'residents.manage';
export const UNMASK = 'residents.unmask';
export const EXPORT = 'residents.export';
export const KEYPERSONS = 'keypersons.read';

type Db = Kysely<Database>;
type Eb<T extends keyof Database> = ExpressionBuilder<Database, T>;

export interface ResidentInput {
  gridCode: string;
  name: string;
  idNumber: string;
  phone?: string | null | undefined;
  population: Population;
  ethnicity?: string | null | undefined;
  education?: string | null | undefined;
  workplace?: string | null | undefined;
  householdId?: number | null | undefined;
  relation?: string | null | undefined;
  tags?: string[] | undefined;
}

export interface ResidentView {
  id: number;
  gridCode: string;
  name: string;
  /** Masked on the server: first 6 and last 4. */
  idNumber: string;
  /** Masked: first 3 and last 4. */
  phone: string | null;
  birthDate: string;
  sex: 'male' | 'female';
  population: Population;
  ethnicity: string | null;
  education: string | null;
  workplace: string | null;
  householdId: number | null;
  relation: string | null;
  tags: string[];
  version: number;
  updatedAt: string | null;
}

export interface ResidentSearch {
  q?: string | undefined;
  idNumber?: string | undefined;
  phone?: string | undefined;
  address?: string | undefined;
  buildingId?: number | undefined;
  tag?: string | undefined;
  gridCode?: string | undefined;
  page: number;
  pageSize: number;
}

/** The default count cap: counts stop here so a broad search over a million rows stays fast. */
export const COUNT_CAP = 10_000;
/** The idempotency operation of a household visit (keys are per operation and user). */
export const VISIT_OPERATION = 'POST /api/households/:id/visits';
/** Tagged residents read at most by one visits-due list (a community holds a few hundred). */
export const VISITS_DUE_SCAN = 20_000;

export interface BasedataSettings {
  /** Lists and searches count their matches no further than this, then say "more than" (totalCapped). */
  countCap: number;
}

export interface PageQuery {
  page: number;
  pageSize: number;
}

/** One page of a list, newest first, with the count of all matches (at most the cap; totalCapped when more match). */
export interface Paged<T> {
  items: T[];
  total: number;
  totalCapped: boolean;
}

export interface PlaceInput {
  gridCode: string;
  name: string;
  type: string;
  address: string;
  lng?: number | null | undefined;
  lat?: number | null | undefined;
  contactName?: string | null | undefined;
}

export interface ComponentInput {
  gridCode: string;
  classCode: string;
  name: string;
  lng: number;
  lat: number;
  ownerDepartment?: string | null | undefined;
}

export interface OrganizationInput {
  gridCode: string;
  name: string;
  creditCode: string;
  kind: string;
  address: string;
  legalPerson?: string | null | undefined;
}

/** A patch: only the fields present change. */
export interface BuildingInput {
  name: string;
  address: string;
  floors: number | null;
  lng: number | null;
  lat: number | null;
}

export interface DwellingInput {
  roomNo: string;
  area: number | null;
  use: DwellingUse;
  ownership: DwellingOwnership;
}

export interface HouseholdInput {
  householdNo: string;
  dwellingId: number | null;
  headResidentId: number | null;
}

type Patch<T> = { [K in keyof T]?: T[K] | undefined };

/** The names of the fields a patch changes, for the audit record. */
function patched(patch: object): string[] {
  return Object.entries(patch).filter(([, v]) => v !== undefined).map(([k]) => k).sort();
}

/** A map position is both coordinates or neither: one alone places nothing. */
function checkPosition(lng: number | null, lat: number | null): void {
  if ((lng === null) !== (lat === null)) throw new AppError(400, 'BASEDATA_POSITION_INCOMPLETE', { field: lng === null ? 'lng' : 'lat' });
}

function checkedCreditCode(raw: string): string {
  const code = parseCreditCode(raw);
  if (!code.ok) throw new AppError(400, code.code, { field: 'creditCode' });
  return code.value;
}

const RESIDENT_COLUMNS = [
  'residents.id', 'residents.grid_code', 'residents.name', 'residents.id_cipher', 'residents.phone_cipher', 'residents.birth_date',
  'residents.sex', 'residents.population', 'residents.ethnicity', 'residents.education', 'residents.workplace', 'residents.household_id',
  'residents.relation', 'residents.tags', 'residents.version', 'residents.updated_at',
] as const;

type ResidentRow = Pick<ResidentTable, 'grid_code' | 'name' | 'id_cipher' | 'phone_cipher' | 'birth_date' | 'sex' | 'population' | 'ethnicity' | 'education' | 'workplace' | 'household_id' | 'relation' | 'tags' | 'version' | 'updated_at'> & { id: number };

function splitTags(tags: string): string[] {
  return tags === '' ? [] : tags.split(',');
}

function checkTags(tags: readonly string[] | undefined): string[] {
  const out = [...new Set(tags ?? [])].sort();
  for (const t of out) if (!Object.hasOwn(RESIDENT_TAGS, t)) throw new AppError(400, 'VALUE_INVALID', { field: 'tags', value: t });
  return out;
}

/** [lo, hi) such that a string starts with `prefix` exactly when lo <= s < hi (code point order: utf8mb4_bin and SQLite BINARY). */
export function prefixRange(prefix: string): [string, string] {
  const cps = Array.from(prefix);
  const last = cps.pop()!.codePointAt(0)!;
  return [prefix, cps.join('') + String.fromCodePoint(last + 1)];
}

function gridPrefix(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  if (!/^\d{6,20}$/.test(code)) throw new AppError(400, 'VALUE_INVALID', { field: 'gridCode' });
  return code;
}

export class BasedataService {
  readonly personal: PersonalData;
  /** Mutable so tests can lower the cap; read on every list. */
  readonly settings: BasedataSettings;

  constructor(
    private readonly db: AppDb,
    personal: PersonalData,
    settings: Partial<BasedataSettings> = {},
  ) {
    this.personal = personal;
    this.settings = { countCap: COUNT_CAP, ...settings };
  }

  // ---- helpers ----------------------------------------------------------------

  /** The caller's scopes for a permission, optionally narrowed to one subtree. */
  scopes(principal: Principal, perm: string, narrow?: string): Scope[] {
    const own = principal.scopesFor(perm);
    const code = gridPrefix(narrow);
    if (!code) return own;
    // Narrowing to a subtree: keep the subtree when a scope covers it, or the scopes inside it.
    if (gridInScope(code, own)) return [{ kind: 'grid', code }];
    return own.filter((s) => s.kind === 'grid' && s.code.startsWith(code));
  }

  /**
   * The total of a list whose page holds `found` rows: a short first page is
   * the whole result; otherwise the matches are counted up to the cap.
   */
  private async totalOf<TB extends keyof Database>(db: Db, matched: SelectQueryBuilder<Database, TB, object>, page: PageQuery, found: number): Promise<{ total: number; totalCapped: boolean }> {
    if (page.page === 1 && found < page.pageSize) return { total: found, totalCapped: false };
    return countUpTo(db, matched, this.settings.countCap);
  }

  private async requireUnitGrid(db: Db, principal: Principal | null, gridCode: string): Promise<void> {
    const g = await db.selectFrom('grids').select('code').where('code', '=', gridCode).where('level', '=', 'unit').where('status', '=', 'active').executeTakeFirst();
    if (!g) throw new AppError(422, 'BASEDATA_UNKNOWN_GRID', { gridCode });
    if (principal && !gridInScope(gridCode, principal.scopesFor(MANAGE))) throw new AppError(403, 'BASEDATA_OUT_OF_SCOPE', { gridCode });
  }

  residentView(r: ResidentRow): ResidentView {
    return {
      id: r.id,
      gridCode: r.grid_code,
      name: r.name,
      idNumber: this.personal.maskedId(r.id_cipher),
      phone: this.personal.maskedPhone(r.phone_cipher),
      birthDate: r.birth_date,
      sex: r.sex,
      population: r.population,
      ethnicity: r.ethnicity,
      education: r.education,
      workplace: r.workplace,
      householdId: r.household_id,
      relation: r.relation,
      tags: splitTags(r.tags),
      version: r.version,
      updatedAt: toIso(r.updated_at),
    };
  }

  // ---- buildings, entrances, dwellings, households ----------------------------------

  async createBuilding(principal: Principal, actor: AuditActor, input: { gridCode: string; name: string; address: string; lng?: number | null | undefined; lat?: number | null | undefined; floors?: number | null | undefined; entrances?: string[] | undefined }): Promise<number> {
    const id = await this.db.transaction(async (tx) => {
      await this.requireUnitGrid(tx, principal, input.gridCode);
      const dup = await tx.selectFrom('buildings').select('id').where('grid_code', '=', input.gridCode).where('name', '=', input.name).executeTakeFirst();
      if (dup) throw new AppError(409, 'BUILDING_EXISTS', { id: dup.id });
      const now = Date.now();
      const id = insertedId(await tx.insertInto('buildings').values({
        grid_code: input.gridCode, name: input.name, address: input.address, lng: input.lng ?? null, lat: input.lat ?? null,
        floors: input.floors ?? null, created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      for (const e of new Set(input.entrances ?? [])) await tx.insertInto('entrances').values({ building_id: id, grid_code: input.gridCode, name: e }).execute();
      await appendAudit(tx, actor, { action: 'building.create', objectType: 'building', objectId: id });
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  async createDwelling(principal: Principal, actor: AuditActor, input: { buildingId: number; entrance?: string | null | undefined; roomNo: string; area?: number | null | undefined; use: DwellingUse; ownership: DwellingOwnership }): Promise<number> {
    const id = await this.db.transaction(async (tx) => {
      const b = await tx.selectFrom('buildings').select(['id', 'grid_code', 'address'])
        .where('id', '=', input.buildingId).where((eb) => scopeFilter(eb, principal.scopesFor(MANAGE), { grid: 'buildings.grid_code' })).executeTakeFirst();
      if (!b) throw notFound('building');
      const dup = await tx.selectFrom('dwellings').select('id').where('building_id', '=', b.id).where('room_no', '=', input.roomNo).executeTakeFirst();
      if (dup) throw new AppError(409, 'DWELLING_EXISTS', { id: dup.id });
      let entranceId: number | null = null;
      if (input.entrance) {
        const e = await tx.selectFrom('entrances').select('id').where('building_id', '=', b.id).where('name', '=', input.entrance).executeTakeFirst();
        entranceId = e ? e.id : insertedId(await tx.insertInto('entrances').values({ building_id: b.id, grid_code: b.grid_code, name: input.entrance }).executeTakeFirstOrThrow());
      }
      const now = Date.now();
      const id = insertedId(await tx.insertInto('dwellings').values({
        building_id: b.id, entrance_id: entranceId, grid_code: b.grid_code, room_no: input.roomNo,
        address: `${b.address}${input.entrance ?? ''}${input.roomNo}`, area: input.area ?? null, dwelling_use: input.use, ownership: input.ownership,
        created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'dwelling.create', objectType: 'dwelling', objectId: id });
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  async createHousehold(principal: Principal, actor: AuditActor, input: { householdNo: string; gridCode: string; dwellingId?: number | null | undefined }): Promise<number> {
    const id = await this.db.transaction(async (tx) => {
      await this.requireUnitGrid(tx, principal, input.gridCode);
      if (input.dwellingId != null) await this.requireDwelling(tx, principal, MANAGE, input.dwellingId);
      const dup = await tx.selectFrom('households').select('id').where('household_no', '=', input.householdNo).executeTakeFirst();
      if (dup) throw new AppError(409, 'HOUSEHOLD_EXISTS');
      const now = Date.now();
      const id = insertedId(await tx.insertInto('households').values({
        household_no: input.householdNo, grid_code: input.gridCode, dwelling_id: input.dwellingId ?? null, head_resident_id: null, created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'household.create', objectType: 'household', objectId: id });
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  /** Corrects a building; its dwellings' addresses are built from its address, so they follow a new one. */
  async updateBuilding(principal: Principal, actor: AuditActor, id: number, patch: Patch<BuildingInput>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const b = await tx.selectFrom('buildings').select(['id', 'grid_code', 'name', 'address', 'lng', 'lat']).where('id', '=', id)
        .where((eb) => scopeFilter(eb, principal.scopesFor(MANAGE), { grid: 'buildings.grid_code' })).executeTakeFirst();
      if (!b) throw notFound('building');
      checkPosition(patch.lng === undefined ? b.lng : patch.lng, patch.lat === undefined ? b.lat : patch.lat);
      if (patch.name !== undefined && patch.name !== b.name) {
        const dup = await tx.selectFrom('buildings').select('id').where('grid_code', '=', b.grid_code).where('name', '=', patch.name).executeTakeFirst();
        if (dup) throw new AppError(409, 'BUILDING_EXISTS', { field: 'name' });
      }
      const fields = patched(patch);
      if (fields.length === 0) return;
      const now = Date.now();
      await tx.updateTable('buildings').set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.address !== undefined ? { address: patch.address } : {}),
        ...(patch.floors !== undefined ? { floors: patch.floors } : {}),
        ...(patch.lng !== undefined ? { lng: patch.lng } : {}),
        ...(patch.lat !== undefined ? { lat: patch.lat } : {}),
        updated_at: now,
      }).where('id', '=', id).execute();
      if (patch.address !== undefined && patch.address !== b.address) {
        const rooms = await tx.selectFrom('dwellings').leftJoin('entrances', 'entrances.id', 'dwellings.entrance_id')
          .select(['dwellings.id', 'dwellings.room_no', 'entrances.name as entrance']).where('dwellings.building_id', '=', id).execute();
        for (const d of rooms) {
          await tx.updateTable('dwellings').set({ address: `${patch.address}${d.entrance ?? ''}${d.room_no}`, updated_at: now }).where('id', '=', d.id).execute();
        }
      }
      await appendAudit(tx, actor, { action: 'building.update', objectType: 'building', objectId: id, details: { fields } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  async updateDwelling(principal: Principal, actor: AuditActor, id: number, patch: Patch<DwellingInput>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const d = await this.requireDwelling(tx, principal, MANAGE, id);
      if (patch.roomNo !== undefined && patch.roomNo !== d.room_no) {
        const dup = await tx.selectFrom('dwellings').select('id').where('building_id', '=', d.building_id).where('room_no', '=', patch.roomNo).executeTakeFirst();
        if (dup) throw new AppError(409, 'DWELLING_EXISTS', { field: 'roomNo' });
      }
      const fields = patched(patch);
      if (fields.length === 0) return;
      const now = Date.now();
      let address: string | undefined;
      if (patch.roomNo !== undefined) {
        const b = await tx.selectFrom('buildings').select('address').where('id', '=', d.building_id).executeTakeFirstOrThrow();
        const e = d.entrance_id == null ? undefined : await tx.selectFrom('entrances').select('name').where('id', '=', d.entrance_id).executeTakeFirst();
        address = `${b.address}${e?.name ?? ''}${patch.roomNo}`;
      }
      await tx.updateTable('dwellings').set({
        ...(patch.roomNo !== undefined ? { room_no: patch.roomNo, address } : {}),
        ...(patch.area !== undefined ? { area: patch.area } : {}),
        ...(patch.use !== undefined ? { dwelling_use: patch.use } : {}),
        ...(patch.ownership !== undefined ? { ownership: patch.ownership } : {}),
        updated_at: now,
      }).where('id', '=', id).execute();
      await appendAudit(tx, actor, { action: 'dwelling.update', objectType: 'dwelling', objectId: id, details: { fields } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  /** Renumbers a household, moves it to another dwelling in scope, or names its head among its members. */
  async updateHousehold(principal: Principal, actor: AuditActor, id: number, patch: Patch<HouseholdInput>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const h = await this.requireHousehold(tx, principal, MANAGE, id);
      if (patch.householdNo !== undefined && patch.householdNo !== h.household_no) {
        const dup = await tx.selectFrom('households').select('id').where('household_no', '=', patch.householdNo).executeTakeFirst();
        if (dup) throw new AppError(409, 'HOUSEHOLD_EXISTS', { field: 'householdNo' });
      }
      if (patch.dwellingId != null) await this.requireDwelling(tx, principal, MANAGE, patch.dwellingId);
      if (patch.headResidentId != null) {
        const member = await tx.selectFrom('residents').select('id').where('id', '=', patch.headResidentId).where('household_id', '=', id).executeTakeFirst();
        if (!member) throw new AppError(422, 'HOUSEHOLD_HEAD_NOT_MEMBER', { field: 'headResidentId' });
      }
      const fields = patched(patch);
      if (fields.length === 0) return;
      const now = Date.now();
      await tx.updateTable('households').set({
        ...(patch.householdNo !== undefined ? { household_no: patch.householdNo } : {}),
        ...(patch.dwellingId !== undefined ? { dwelling_id: patch.dwellingId } : {}),
        ...(patch.headResidentId !== undefined ? { head_resident_id: patch.headResidentId } : {}),
        updated_at: now,
      }).where('id', '=', id).execute();
      await appendAudit(tx, actor, { action: 'household.update', objectType: 'household', objectId: id, details: { fields } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  private async requireDwelling(db: Db, principal: Principal, perm: string, id: number) {
    const d = await db.selectFrom('dwellings').selectAll().where('id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(perm), { grid: 'dwellings.grid_code' })).executeTakeFirst();
    if (!d) throw notFound('dwelling');
    return d;
  }

  // ---- residents ----------------------------------------------------------------

  async createResident(principal: Principal, actor: AuditActor, input: ResidentInput, now = Date.now()): Promise<number> {
    const name = input.name.trim();
    if (name === '') throw new AppError(400, 'NAME_REQUIRED');
    const id = this.personal.sealId(input.idNumber, shanghaiToday(now));
    const phone = this.personal.sealPhone(input.phone);
    const tags = checkTags(input.tags);
    const residentId = await this.db.transaction(async (tx) => {
      await this.requireUnitGrid(tx, principal, input.gridCode);
      if (input.householdId != null) await this.requireHousehold(tx, principal, MANAGE, input.householdId);
      const dup = await tx.selectFrom('residents').select('id').where('id_bidx', '=', id.bidx).executeTakeFirst();
      if (dup) {
        // Only say where the existing record is when the caller could see it.
        const visible = await tx.selectFrom('residents').select('id').where('id', '=', dup.id)
          .where((eb) => scopeFilter(eb, principal.scopesFor(READ), { grid: 'residents.grid_code' })).executeTakeFirst();
        throw new AppError(409, 'RESIDENT_EXISTS', visible ? { id: dup.id } : {});
      }
      const residentId = insertedId(await tx.insertInto('residents').values({
        grid_code: input.gridCode, name, name_initials: pinyinInitials(name), id_cipher: id.cipher, id_bidx: id.bidx,
        birth_date: id.birthDate, sex: id.sex, phone_cipher: phone?.cipher ?? null, phone_bidx: phone?.bidx ?? null,
        population: input.population, ethnicity: input.ethnicity ?? null, education: input.education ?? null, workplace: input.workplace ?? null,
        household_id: input.householdId ?? null, relation: input.relation ?? null, tags: tags.join(','), created_at: now, updated_at: now, version: 1,
      }).executeTakeFirstOrThrow());
      if (tags.length > 0) await tx.insertInto('resident_tags').values(tags.map((tag) => ({ resident_id: residentId, tag, grid_code: input.gridCode }))).execute();
      if (input.householdId != null && input.relation === '户主') {
        await tx.updateTable('households').set({ head_resident_id: residentId, updated_at: now }).where('id', '=', input.householdId).execute();
      }
      await appendAudit(tx, actor, { action: 'resident.create', objectType: 'resident', objectId: residentId }, now);
      return residentId;
    });
    this.db.noteWrite(principal.userId);
    return residentId;
  }

  async updateResident(
    principal: Principal,
    actor: AuditActor,
    residentId: number,
    version: number,
    patch: Partial<Omit<ResidentInput, 'idNumber' | 'gridCode' | 'householdId'>> & { gridCode?: string | undefined },
  ): Promise<void> {
    const phone = patch.phone === undefined ? undefined : this.personal.sealPhone(patch.phone);
    const tags = patch.tags === undefined ? undefined : checkTags(patch.tags);
    await this.db.transaction(async (tx) => {
      const r = await this.requireResident(tx, principal, MANAGE, residentId);
      if (patch.gridCode !== undefined && patch.gridCode !== r.grid_code) await this.requireUnitGrid(tx, principal, patch.gridCode);
      const gridCode = patch.gridCode ?? r.grid_code;
      const now = Date.now();
      const name = patch.name?.trim();
      if (name === '') throw new AppError(400, 'NAME_REQUIRED');
      const res = await tx.updateTable('residents').set({
        ...(name !== undefined ? { name, name_initials: pinyinInitials(name) } : {}),
        ...(phone !== undefined ? { phone_cipher: phone?.cipher ?? null, phone_bidx: phone?.bidx ?? null } : {}),
        ...(patch.population !== undefined ? { population: patch.population } : {}),
        ...(patch.ethnicity !== undefined ? { ethnicity: patch.ethnicity } : {}),
        ...(patch.education !== undefined ? { education: patch.education } : {}),
        ...(patch.workplace !== undefined ? { workplace: patch.workplace } : {}),
        ...(patch.relation !== undefined ? { relation: patch.relation } : {}),
        ...(tags !== undefined ? { tags: tags.join(',') } : {}),
        grid_code: gridCode,
        updated_at: now,
        version: version + 1,
      }).where('id', '=', residentId).where('version', '=', version).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError(409, 'CONFLICT', { currentVersion: r.version });
      if (tags !== undefined || gridCode !== r.grid_code) {
        const effective = tags ?? splitTags(r.tags);
        await tx.deleteFrom('resident_tags').where('resident_id', '=', residentId).execute();
        if (effective.length > 0) await tx.insertInto('resident_tags').values(effective.map((tag) => ({ resident_id: residentId, tag, grid_code: gridCode }))).execute();
      }
      await appendAudit(tx, actor, { action: 'resident.update', objectType: 'resident', objectId: residentId, details: { fields: Object.keys(patch) } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  private async requireResident(db: Db, principal: Principal, perm: string, id: number) {
    const r = await db.selectFrom('residents').select([...RESIDENT_COLUMNS, 'residents.id_bidx']).where('residents.id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(perm), { grid: 'residents.grid_code' })).executeTakeFirst();
    if (!r) throw notFound('resident');
    return r;
  }

  private async requireHousehold(db: Db, principal: Principal, perm: string, id: number) {
    const h = await db.selectFrom('households').selectAll().where('id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(perm), { grid: 'households.grid_code' })).executeTakeFirst();
    if (!h) throw notFound('household');
    return h;
  }

  async getResident(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    const r = await this.requireResident(db, principal, READ, id);
    const links = await db.selectFrom('resident_dwellings').innerJoin('dwellings', 'dwellings.id', 'resident_dwellings.dwelling_id')
      .select(['resident_dwellings.id', 'resident_dwellings.dwelling_id', 'dwellings.address', 'dwellings.building_id', 'resident_dwellings.relation',
        'resident_dwellings.from_date', 'resident_dwellings.to_date'])
      .where('resident_dwellings.resident_id', '=', id).orderBy('resident_dwellings.from_date', 'desc').orderBy('resident_dwellings.id', 'desc').execute();
    const keyPerson = principal.can(KEYPERSONS) && gridInScope(r.grid_code, principal.scopesFor(KEYPERSONS))
      ? await db.selectFrom('key_persons').select(['category', 'level', 'notes']).where('resident_id', '=', id).executeTakeFirst() ?? null
      : undefined;
    // The household by its number (people never see internal ids).
    const household = r.household_id == null ? undefined : await db.selectFrom('households').select('household_no').where('id', '=', r.household_id).executeTakeFirst();
    return {
      resident: this.residentView(r),
      householdNo: household?.household_no ?? null,
      dwellings: links.map((l) => ({ id: l.id, dwellingId: l.dwelling_id, buildingId: l.building_id, address: l.address, relation: l.relation, fromDate: l.from_date, toDate: l.to_date })),
      ...(keyPerson !== undefined ? { keyPerson } : {}),
    };
  }

  /**
   * Clear ID number and phone of one resident, for a caller with
   * residents.unmask in the resident's scope, with a reason; the audit record
   * is written in the same transaction as the read.
   */
  async unmask(principal: Principal, actor: AuditActor, id: number, reason: string): Promise<{ idNumber: string; phone: string | null }> {
    if (reason.trim().length < 2) throw new AppError(400, 'UNMASK_REASON_REQUIRED');
    return this.db.transaction(async (tx) => {
      const r = await this.requireResident(tx, principal, UNMASK, id);
      await appendAudit(tx, actor, { action: 'resident.unmask', objectType: 'resident', objectId: id, details: { reason: reason.trim(), fields: ['idNumber', 'phone'] } });
      return { idNumber: this.personal.open(r.id_cipher)!, phone: this.personal.open(r.phone_cipher) };
    });
  }

  /** Moves a resident into a dwelling: closes the current links and opens a new one (history stays). */
  async moveIn(principal: Principal, actor: AuditActor, residentId: number, input: { dwellingId: number; relation: DwellingRelation; date: string }): Promise<void> {
    if (!isIsoDate(input.date)) throw new AppError(400, 'DATE_INVALID', { field: 'date' });
    await this.db.transaction(async (tx) => {
      const r = await this.requireResident(tx, principal, MANAGE, residentId);
      const d = await this.requireDwelling(tx, principal, MANAGE, input.dwellingId);
      await this.closeLinks(tx, residentId, input.date);
      const now = Date.now();
      await tx.insertInto('resident_dwellings').values({
        resident_id: residentId, dwelling_id: d.id, grid_code: d.grid_code, relation: input.relation, from_date: input.date, to_date: null, is_current: 1, created_at: now,
      }).execute();
      if (r.grid_code !== d.grid_code) {
        await tx.updateTable('residents').set({ grid_code: d.grid_code, updated_at: now, version: r.version + 1 }).where('id', '=', residentId).execute();
        await tx.updateTable('resident_tags').set({ grid_code: d.grid_code }).where('resident_id', '=', residentId).execute();
      }
      await appendAudit(tx, actor, { action: 'resident.move_in', objectType: 'resident', objectId: residentId, details: { dwellingId: d.id, date: input.date } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  async moveOut(principal: Principal, actor: AuditActor, residentId: number, date: string): Promise<void> {
    if (!isIsoDate(date)) throw new AppError(400, 'DATE_INVALID', { field: 'date' });
    await this.db.transaction(async (tx) => {
      await this.requireResident(tx, principal, MANAGE, residentId);
      await this.closeLinks(tx, residentId, date);
      await appendAudit(tx, actor, { action: 'resident.move_out', objectType: 'resident', objectId: residentId, details: { date } });
    });
    this.db.noteWrite(principal.userId);
  }

  private async closeLinks(tx: Transaction<Database>, residentId: number, date: string): Promise<void> {
    const current = await tx.selectFrom('resident_dwellings').select(['id', 'from_date']).where('resident_id', '=', residentId).where('is_current', '=', 1).execute();
    for (const c of current) if (c.from_date > date) throw new AppError(422, 'MOVE_DATE_BEFORE_CURRENT', { fromDate: c.from_date });
    if (current.length > 0) {
      await tx.updateTable('resident_dwellings').set({ to_date: date, is_current: 0 }).where('resident_id', '=', residentId).where('is_current', '=', 1).execute();
    }
  }

  // ---- search ----------------------------------------------------------------------

  private filtered(db: Db, scopes: Scope[], s: ResidentSearch) {
    let query = db.selectFrom('residents').where((eb) => scopeFilter(eb, scopes, { grid: 'residents.grid_code' }));
    let order: 'name' | 'initials' | 'id' = 'id';
    const today = shanghaiToday();
    if (s.idNumber) query = query.where('residents.id_bidx', '=', this.personal.idIndex(s.idNumber, today));
    if (s.phone) query = query.where('residents.phone_bidx', '=', this.personal.phoneIndex(s.phone));
    const q = s.q?.normalize('NFKC').trim();
    if (q) {
      // A prefix as a range: both dialects walk the (name, grid_code) index in order and stop after a page
      // (SQLite does not use an index for LIKE on a BINARY column).
      if (/^[A-Za-z0-9]+$/.test(q)) {
        const [lo, hi] = prefixRange(q.toLowerCase());
        query = query.where('residents.name_initials', '>=', lo).where('residents.name_initials', '<', hi);
        order = 'initials';
      } else {
        const [lo, hi] = prefixRange(q);
        query = query.where('residents.name', '>=', lo).where('residents.name', '<', hi);
        order = 'name';
      }
    }
    if (s.tag) {
      const tag = s.tag;
      query = query.where((eb: Eb<'residents'>) => eb.exists(eb.selectFrom('resident_tags').select('resident_tags.resident_id')
        .whereRef('resident_tags.resident_id', '=', 'residents.id').where('resident_tags.tag', '=', tag)));
    }
    if (s.buildingId !== undefined || s.address) {
      const buildingId = s.buildingId;
      const address = s.address ? likeContains(s.address) : undefined;
      query = query.where((eb: Eb<'residents'>) => eb.exists(
        eb.selectFrom('resident_dwellings').innerJoin('dwellings', 'dwellings.id', 'resident_dwellings.dwelling_id').select('resident_dwellings.id')
          .whereRef('resident_dwellings.resident_id', '=', 'residents.id').where('resident_dwellings.is_current', '=', 1)
          .$if(buildingId !== undefined, (qb) => qb.where('dwellings.building_id', '=', buildingId!))
          .$if(address !== undefined, (qb) => qb.where(sql<SqlBool>`dwellings.address like ${address} escape '!'`)),
      ));
    }
    return { query, order };
  }

  async searchResidents(principal: Principal, s: ResidentSearch): Promise<Paged<ResidentView>> {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, READ, s.gridCode);
    const { query, order } = this.filtered(db, scopes, s);
    let page = query.select([...RESIDENT_COLUMNS]);
    page = order === 'name' ? page.orderBy('residents.name').orderBy('residents.grid_code').orderBy('residents.id')
      : order === 'initials' ? page.orderBy('residents.name_initials').orderBy('residents.grid_code').orderBy('residents.id')
        : page.orderBy('residents.id');
    const rows = await page.limit(s.pageSize).offset((s.page - 1) * s.pageSize).execute();
    const { total, totalCapped } = await this.totalOf(db, query, s, rows.length);
    return { items: rows.map((r) => this.residentView(r)), total, totalCapped };
  }

  /** Rows of an export, clear values, in the import's shape; audited by the caller with the count. */
  async *exportResidents(principal: Principal, s: Omit<ResidentSearch, 'page' | 'pageSize'>, batch = 2000): AsyncGenerator<ExportRow[]> {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, EXPORT, s.gridCode);
    let after = 0;
    for (;;) {
      const { query } = this.filtered(db, scopes, { ...s, page: 1, pageSize: batch });
      const rows = await query.leftJoin('households', 'households.id', 'residents.household_id')
        .select([...RESIDENT_COLUMNS, 'households.household_no'])
        .where('residents.id', '>', after).orderBy('residents.id').limit(batch).execute();
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.id;
      const ids = rows.map((r) => r.id);
      const links = await db.selectFrom('resident_dwellings').innerJoin('dwellings', 'dwellings.id', 'resident_dwellings.dwelling_id')
        .innerJoin('buildings', 'buildings.id', 'dwellings.building_id')
        .select(['resident_dwellings.resident_id', 'buildings.name as building', 'buildings.address', 'dwellings.room_no', 'resident_dwellings.relation', 'resident_dwellings.from_date'])
        .where('resident_dwellings.resident_id', 'in', ids).where('resident_dwellings.is_current', '=', 1).execute();
      const linkOf = new Map(links.map((l) => [l.resident_id, l]));
      yield rows.map((r) => {
        const l = linkOf.get(r.id);
        return {
          name: r.name, idNumber: this.personal.open(r.id_cipher)!, phone: this.personal.open(r.phone_cipher) ?? '', gridCode: r.grid_code,
          population: r.population === 'registered' ? '户籍' : '流动', ethnicity: r.ethnicity ?? '', education: r.education ?? '', workplace: r.workplace ?? '',
          tags: splitTags(r.tags).map((t) => RESIDENT_TAGS[t]?.zh ?? t).join('、'), householdNo: r.household_no ?? '', relation: r.relation ?? '',
          building: l?.building ?? '', buildingAddress: l?.address ?? '', roomNo: l?.room_no ?? '',
          dwellingRelation: l ? ({ owner: '产权人', tenant: '租户', occupant: '居住' } as const)[l.relation] : '', moveInDate: l?.from_date ?? '',
        };
      });
      if (rows.length < batch) return;
    }
  }

  async auditExport(actor: AuditActor, rows: number, filter: Record<string, unknown>): Promise<void> {
    await this.db.transaction((tx) => appendAudit(tx, actor, { action: 'resident.export', objectType: 'resident', details: { rows, filter } }));
  }

  // ---- views -------------------------------------------------------------------------

  private async residentsByIds(db: Db, ids: number[]): Promise<Map<number, ResidentView>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('residents').select([...RESIDENT_COLUMNS]).where('residents.id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, this.residentView(r)]));
  }

  async householdView(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    const h = await this.requireHousehold(db, principal, READ, id);
    const members = await db.selectFrom('residents').select([...RESIDENT_COLUMNS]).where('household_id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(READ), { grid: 'residents.grid_code' })).orderBy('id').limit(500).execute();
    const dwelling = h.dwelling_id == null ? null : await db.selectFrom('dwellings').select(['id', 'address', 'building_id']).where('id', '=', h.dwelling_id).executeTakeFirst() ?? null;
    const visits = await this.visitRows(db, id, 50);
    return {
      household: { id: h.id, householdNo: h.household_no, gridCode: h.grid_code, dwellingId: h.dwelling_id, headResidentId: h.head_resident_id },
      dwelling: dwelling ? { id: dwelling.id, address: dwelling.address, buildingId: dwelling.building_id } : null,
      members: members.map((m) => this.residentView(m)),
      visits: visits.map((v) => this.visitView(v)),
    };
  }

  async dwellingView(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    const d = await this.requireDwelling(db, principal, READ, id);
    const links = await db.selectFrom('resident_dwellings').select(['id', 'resident_id', 'relation', 'from_date', 'to_date', 'is_current'])
      .where('dwelling_id', '=', id).orderBy('from_date', 'desc').orderBy('id', 'desc').limit(500).execute();
    const people = await this.residentsByIds(db, [...new Set(links.map((l) => l.resident_id))]);
    const households = await db.selectFrom('households').select(['id', 'household_no']).where('dwelling_id', '=', id).execute();
    const link = (l: (typeof links)[number]) => ({
      id: l.id, resident: people.get(l.resident_id) ?? null, relation: l.relation, fromDate: l.from_date, toDate: l.to_date,
    });
    return {
      dwelling: { id: d.id, buildingId: d.building_id, gridCode: d.grid_code, roomNo: d.room_no, address: d.address, area: d.area, use: d.dwelling_use, ownership: d.ownership },
      households: households.map((h) => ({ id: h.id, householdNo: h.household_no })),
      current: links.filter((l) => l.is_current === 1).map(link),
      history: links.filter((l) => l.is_current !== 1).map(link),
    };
  }

  async buildingView(principal: Principal, id: number) {
    const db = this.db.reader(principal.userId);
    const b = await db.selectFrom('buildings').selectAll().where('id', '=', id)
      .where((eb) => scopeFilter(eb, principal.scopesFor(READ), { grid: 'buildings.grid_code' })).executeTakeFirst();
    if (!b) throw notFound('building');
    const entrances = await db.selectFrom('entrances').select(['id', 'name']).where('building_id', '=', id).orderBy('name').execute();
    const dwellings = await db.selectFrom('dwellings').select(['id', 'entrance_id', 'room_no', 'address', 'area', 'dwelling_use', 'ownership'])
      .where('building_id', '=', id).orderBy('room_no').limit(2000).execute();
    const links = dwellings.length === 0 ? [] : await db.selectFrom('resident_dwellings').innerJoin('residents', 'residents.id', 'resident_dwellings.resident_id')
      .select(['resident_dwellings.dwelling_id', 'residents.id', 'residents.name', 'resident_dwellings.relation'])
      .where('resident_dwellings.dwelling_id', 'in', dwellings.map((d) => d.id)).where('resident_dwellings.is_current', '=', 1).execute();
    const byDwelling = new Map<number, { id: number; name: string; relation: DwellingRelation }[]>();
    for (const l of links) {
      const list = byDwelling.get(l.dwelling_id) ?? [];
      list.push({ id: l.id, name: l.name, relation: l.relation });
      byDwelling.set(l.dwelling_id, list);
    }
    return {
      building: { id: b.id, gridCode: b.grid_code, name: b.name, address: b.address, lng: b.lng, lat: b.lat, floors: b.floors },
      entrances,
      dwellings: dwellings.map((d) => ({
        id: d.id, entranceId: d.entrance_id, roomNo: d.room_no, address: d.address, area: d.area, use: d.dwelling_use, ownership: d.ownership,
        occupants: byDwelling.get(d.id) ?? [],
      })),
    };
  }

  async listBuildings(principal: Principal, filter: { gridCode?: string | undefined; q?: string | undefined; page: number; pageSize: number }) {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, READ, filter.gridCode);
    let query = db.selectFrom('buildings').where((eb) => scopeFilter(eb, scopes, { grid: 'buildings.grid_code' }));
    if (filter.q) query = query.where(sql<SqlBool>`buildings.name like ${likeContains(filter.q)} escape '!'`);
    const rows = await query.select(['id', 'grid_code', 'name', 'address', 'floors']).orderBy('grid_code').orderBy('name')
      .limit(filter.pageSize).offset((filter.page - 1) * filter.pageSize).execute();
    const total = Number((await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return { items: rows.map((r) => ({ id: r.id, gridCode: r.grid_code, name: r.name, address: r.address, floors: r.floors })), total };
  }

  /** Counts in a grid subtree: residents, households, dwellings, buildings, and residents by tag and population. */
  async gridSummary(principal: Principal, gridCode: string) {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, READ, gridCode);
    if (scopes.length === 0) throw notFound('grid');
    const count = async (table: 'residents' | 'households' | 'dwellings' | 'buildings') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n'))
        .where((eb) => scopeFilter(eb as ExpressionBuilder<Database, typeof table>, scopes, { grid: `${table}.grid_code` })).executeTakeFirstOrThrow()).n);
    const byTag = await db.selectFrom('resident_tags').select(['tag', (eb) => eb.fn.countAll().as('n')])
      .where((eb) => scopeFilter(eb, scopes, { grid: 'resident_tags.grid_code' })).groupBy('tag').execute();
    const byPopulation = await db.selectFrom('residents').select(['population', (eb) => eb.fn.countAll().as('n')])
      .where((eb) => scopeFilter(eb, scopes, { grid: 'residents.grid_code' })).groupBy('population').execute();
    return {
      gridCode,
      residents: await count('residents'),
      households: await count('households'),
      dwellings: await count('dwellings'),
      buildings: await count('buildings'),
      byTag: Object.fromEntries(byTag.map((t) => [t.tag, Number(t.n)])) as Record<string, number>,
      byPopulation: Object.fromEntries(byPopulation.map((p) => [p.population, Number(p.n)])) as Record<string, number>,
    };
  }

  // ---- organizations, places, components, key persons -------------------------------
  // Lists are newest first (a record just registered is on the first page) and counted up to the cap.

  async createOrganization(principal: Principal, actor: AuditActor, input: OrganizationInput): Promise<number> {
    const creditCode = checkedCreditCode(input.creditCode);
    const id = await this.db.transaction(async (tx) => {
      await this.requireUnitGrid(tx, principal, input.gridCode);
      const dup = await tx.selectFrom('organizations').select('id').where('credit_code', '=', creditCode).executeTakeFirst();
      if (dup) throw new AppError(409, 'ORGANIZATION_EXISTS');
      const now = Date.now();
      const id = insertedId(await tx.insertInto('organizations').values({
        grid_code: input.gridCode, name: input.name, credit_code: creditCode, kind: input.kind, address: input.address, legal_person: input.legalPerson ?? null,
        created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'organization.create', objectType: 'organization', objectId: id });
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  async updateOrganization(principal: Principal, actor: AuditActor, id: number, patch: Patch<OrganizationInput>): Promise<void> {
    const creditCode = patch.creditCode === undefined ? undefined : checkedCreditCode(patch.creditCode);
    await this.db.transaction(async (tx) => {
      const o = await tx.selectFrom('organizations').select(['id', 'grid_code', 'credit_code']).where('id', '=', id)
        .where((eb) => scopeFilter(eb, principal.scopesFor(MANAGE), { grid: 'organizations.grid_code' })).executeTakeFirst();
      if (!o) throw notFound('organization');
      if (patch.gridCode !== undefined && patch.gridCode !== o.grid_code) await this.requireUnitGrid(tx, principal, patch.gridCode);
      if (creditCode !== undefined && creditCode !== o.credit_code) {
        const dup = await tx.selectFrom('organizations').select('id').where('credit_code', '=', creditCode).executeTakeFirst();
        if (dup) throw new AppError(409, 'ORGANIZATION_EXISTS');
      }
      const fields = patched(patch);
      if (fields.length === 0) return;
      const now = Date.now();
      await tx.updateTable('organizations').set({
        ...(patch.gridCode !== undefined ? { grid_code: patch.gridCode } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(creditCode !== undefined ? { credit_code: creditCode } : {}),
        ...(patch.kind !== undefined ? { kind: patch.kind } : {}),
        ...(patch.address !== undefined ? { address: patch.address } : {}),
        ...(patch.legalPerson !== undefined ? { legal_person: patch.legalPerson } : {}),
        updated_at: now,
      }).where('id', '=', id).execute();
      await appendAudit(tx, actor, { action: 'organization.update', objectType: 'organization', objectId: id, details: { fields } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  async listOrganizations(principal: Principal, filter: { gridCode?: string | undefined; q?: string | undefined } & PageQuery) {
    const db = this.db.reader(principal.userId);
    let query = db.selectFrom('organizations').where((eb) => scopeFilter(eb, this.scopes(principal, READ, filter.gridCode), { grid: 'organizations.grid_code' }));
    if (filter.q) query = query.where(sql<SqlBool>`organizations.name like ${likeContains(filter.q)} escape '!'`);
    const rows = await query.selectAll().orderBy('organizations.id', 'desc').limit(filter.pageSize).offset((filter.page - 1) * filter.pageSize).execute();
    return {
      items: rows.map((o) => ({ id: o.id, gridCode: o.grid_code, name: o.name, creditCode: o.credit_code, kind: o.kind, address: o.address, legalPerson: o.legal_person })),
      ...await this.totalOf(db, query, filter, rows.length),
    };
  }

  async createPlace(principal: Principal, actor: AuditActor, input: PlaceInput): Promise<number> {
    checkPosition(input.lng ?? null, input.lat ?? null);
    const id = await this.db.transaction(async (tx) => {
      await this.requireUnitGrid(tx, principal, input.gridCode);
      const now = Date.now();
      const id = insertedId(await tx.insertInto('places').values({
        grid_code: input.gridCode, name: input.name, type: input.type, address: input.address, lng: input.lng ?? null, lat: input.lat ?? null,
        contact_name: input.contactName ?? null, created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'place.create', objectType: 'place', objectId: id });
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  async updatePlace(principal: Principal, actor: AuditActor, id: number, patch: Patch<PlaceInput>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const p = await tx.selectFrom('places').select(['id', 'grid_code', 'lng', 'lat']).where('id', '=', id)
        .where((eb) => scopeFilter(eb, principal.scopesFor(MANAGE), { grid: 'places.grid_code' })).executeTakeFirst();
      if (!p) throw notFound('place');
      const moved = patch.gridCode !== undefined && patch.gridCode !== p.grid_code;
      if (moved) await this.requireUnitGrid(tx, principal, patch.gridCode!);
      // The pair is checked as it will be stored: clearing one coordinate means clearing both.
      checkPosition(patch.lng === undefined ? p.lng : patch.lng, patch.lat === undefined ? p.lat : patch.lat);
      const fields = patched(patch);
      if (fields.length === 0) return;
      const now = Date.now();
      await tx.updateTable('places').set({
        ...(patch.gridCode !== undefined ? { grid_code: patch.gridCode } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.type !== undefined ? { type: patch.type } : {}),
        ...(patch.address !== undefined ? { address: patch.address } : {}),
        ...(patch.lng !== undefined ? { lng: patch.lng } : {}),
        ...(patch.lat !== undefined ? { lat: patch.lat } : {}),
        ...(patch.contactName !== undefined ? { contact_name: patch.contactName } : {}),
        updated_at: now,
      }).where('id', '=', id).execute();
      // Inspections carry the place's grid for scoping; they follow a corrected grid.
      if (moved) await tx.updateTable('place_inspections').set({ grid_code: patch.gridCode! }).where('place_id', '=', id).execute();
      await appendAudit(tx, actor, { action: 'place.update', objectType: 'place', objectId: id, details: { fields } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  async inspectPlace(principal: Principal, actor: AuditActor, placeId: number, input: { result: 'pass' | 'issues' | 'fail'; notes: string }): Promise<number> {
    const id = await this.db.transaction(async (tx) => {
      const p = await tx.selectFrom('places').select(['id', 'grid_code']).where('id', '=', placeId)
        .where((eb) => scopeFilter(eb, principal.scopesFor(MANAGE), { grid: 'places.grid_code' })).executeTakeFirst();
      if (!p) throw notFound('place');
      const id = insertedId(await tx.insertInto('place_inspections').values({
        place_id: p.id, grid_code: p.grid_code, inspected_at: Date.now(), inspector_user_id: principal.userId, result: input.result, notes: input.notes,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'place.inspect', objectType: 'place', objectId: p.id, details: { result: input.result } });
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  /** A place with its inspections, newest first; out of the caller's scope it does not exist. */
  async placeView(principal: Principal, placeId: number) {
    const db = this.db.reader(principal.userId);
    const p = await db.selectFrom('places').selectAll().where('id', '=', placeId)
      .where((eb) => scopeFilter(eb, principal.scopesFor(READ), { grid: 'places.grid_code' })).executeTakeFirst();
    if (!p) throw notFound('place');
    const rows = await db.selectFrom('place_inspections').leftJoin('users', 'users.id', 'place_inspections.inspector_user_id')
      .select(['place_inspections.id', 'place_inspections.inspected_at', 'place_inspections.inspector_user_id', 'users.display_name', 'place_inspections.result', 'place_inspections.notes'])
      .where('place_inspections.place_id', '=', placeId).orderBy('place_inspections.inspected_at', 'desc').orderBy('place_inspections.id', 'desc').limit(200).execute();
    return {
      place: {
        id: p.id, gridCode: p.grid_code, name: p.name, type: p.type, address: p.address, lng: p.lng, lat: p.lat, contactName: p.contact_name,
        lastInspectedAt: toIso(rows[0]?.inspected_at ?? null),
      },
      inspections: rows.map((i) => ({
        id: i.id, inspectedAt: toIso(i.inspected_at)!, inspectorUserId: i.inspector_user_id, inspectorName: i.display_name ?? null, result: i.result, notes: i.notes,
      })),
    };
  }

  async listPlaces(principal: Principal, filter: { gridCode?: string | undefined; type?: string | undefined } & PageQuery) {
    const db = this.db.reader(principal.userId);
    let query = db.selectFrom('places').where((eb) => scopeFilter(eb, this.scopes(principal, READ, filter.gridCode), { grid: 'places.grid_code' }));
    if (filter.type) query = query.where('type', '=', filter.type);
    const rows = await query.selectAll().orderBy('places.id', 'desc').limit(filter.pageSize).offset((filter.page - 1) * filter.pageSize).execute();
    const ids = rows.map((r) => r.id);
    const last = ids.length === 0 ? [] : await db.selectFrom('place_inspections').select(['place_id', (eb) => eb.fn.max('inspected_at').as('at')])
      .where('place_id', 'in', ids).groupBy('place_id').execute();
    const lastOf = new Map(last.map((l) => [l.place_id, Number(l.at)]));
    return {
      items: rows.map((p) => ({
        id: p.id, gridCode: p.grid_code, name: p.name, type: p.type, address: p.address, lng: p.lng, lat: p.lat, contactName: p.contact_name,
        lastInspectedAt: toIso(lastOf.get(p.id) ?? null),
      })),
      ...await this.totalOf(db, query, filter, rows.length),
    };
  }

  async createComponent(principal: Principal, actor: AuditActor, input: ComponentInput): Promise<number> {
    const id = await this.db.transaction(async (tx) => {
      await this.requireUnitGrid(tx, principal, input.gridCode);
      const now = Date.now();
      const id = insertedId(await tx.insertInto('components').values({
        grid_code: input.gridCode, class_code: input.classCode, name: input.name, lng: input.lng, lat: input.lat, owner_department: input.ownerDepartment ?? null,
        status: 'ok', created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'component.create', objectType: 'component', objectId: id });
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  async updateComponent(principal: Principal, actor: AuditActor, id: number, patch: Patch<ComponentInput & { status: ComponentStatus }>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const c = await tx.selectFrom('components').select(['id', 'grid_code', 'status']).where('id', '=', id)
        .where((eb) => scopeFilter(eb, principal.scopesFor(MANAGE), { grid: 'components.grid_code' })).executeTakeFirst();
      if (!c) throw notFound('component');
      if (patch.gridCode !== undefined && patch.gridCode !== c.grid_code) await this.requireUnitGrid(tx, principal, patch.gridCode);
      const fields = patched(patch);
      if (fields.length === 0) return;
      const now = Date.now();
      await tx.updateTable('components').set({
        ...(patch.gridCode !== undefined ? { grid_code: patch.gridCode } : {}),
        ...(patch.classCode !== undefined ? { class_code: patch.classCode } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.lng !== undefined ? { lng: patch.lng } : {}),
        ...(patch.lat !== undefined ? { lat: patch.lat } : {}),
        ...(patch.ownerDepartment !== undefined ? { owner_department: patch.ownerDepartment } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        updated_at: now,
      }).where('id', '=', id).execute();
      // A change of condition is what an auditor looks for, so it is kept with both values.
      const status = patch.status !== undefined && patch.status !== c.status ? { status: { from: c.status, to: patch.status } } : {};
      await appendAudit(tx, actor, { action: 'component.update', objectType: 'component', objectId: id, details: { fields, ...status } }, now);
    });
    this.db.noteWrite(principal.userId);
  }

  async listComponents(principal: Principal, filter: { gridCode?: string | undefined; classCode?: string | undefined } & PageQuery) {
    const db = this.db.reader(principal.userId);
    let query = db.selectFrom('components').where((eb) => scopeFilter(eb, this.scopes(principal, READ, filter.gridCode), { grid: 'components.grid_code' }));
    if (filter.classCode) query = query.where('class_code', '=', filter.classCode);
    const rows = await query.selectAll().orderBy('components.id', 'desc').limit(filter.pageSize).offset((filter.page - 1) * filter.pageSize).execute();
    return {
      items: rows.map((c) => ({ id: c.id, gridCode: c.grid_code, classCode: c.class_code, name: c.name, lng: c.lng, lat: c.lat, ownerDepartment: c.owner_department, status: c.status })),
      ...await this.totalOf(db, query, filter, rows.length),
    };
  }

  async setKeyPerson(principal: Principal, actor: AuditActor, residentId: number, input: { category: string; level: 'low' | 'medium' | 'high'; notes: string }): Promise<number> {
    const id = await this.db.transaction(async (tx) => {
      const r = await this.requireResident(tx, principal, KEYPERSONS, residentId);
      const now = Date.now();
      const existing = await tx.selectFrom('key_persons').select('id').where('resident_id', '=', residentId).executeTakeFirst();
      let id: number;
      if (existing) {
        await tx.updateTable('key_persons').set({ category: input.category, level: input.level, notes: input.notes, grid_code: r.grid_code, updated_at: now }).where('id', '=', existing.id).execute();
        id = existing.id;
      } else {
        id = insertedId(await tx.insertInto('key_persons').values({
          resident_id: residentId, grid_code: r.grid_code, category: input.category, level: input.level, notes: input.notes, created_at: now, updated_at: now,
        }).executeTakeFirstOrThrow());
      }
      await appendAudit(tx, actor, { action: 'keyperson.set', objectType: 'resident', objectId: residentId });
      return id;
    });
    this.db.noteWrite(principal.userId);
    return id;
  }

  async listKeyPersons(principal: Principal, filter: { gridCode?: string | undefined } & PageQuery) {
    const db = this.db.reader(principal.userId);
    const query = db.selectFrom('key_persons').innerJoin('residents', 'residents.id', 'key_persons.resident_id')
      .where((eb) => scopeFilter(eb, this.scopes(principal, KEYPERSONS, filter.gridCode), { grid: 'key_persons.grid_code' }));
    const rows = await query.select([...RESIDENT_COLUMNS, 'key_persons.id as key_person_id', 'key_persons.category', 'key_persons.level', 'key_persons.notes'])
      .orderBy('key_persons.id', 'desc').limit(filter.pageSize).offset((filter.page - 1) * filter.pageSize).execute();
    return {
      items: rows.map((r) => ({ id: r.key_person_id, category: r.category, level: r.level, notes: r.notes, resident: this.residentView(r) })),
      ...await this.totalOf(db, query, filter, rows.length),
    };
  }

  // ---- visits --------------------------------------------------------------------------

  visitView(v: VisitRow) {
    return {
      id: v.id, householdId: v.household_id, gridCode: v.grid_code, visitorUserId: v.visitor_user_id, visitorName: v.visitor_name, visitedAt: toIso(v.visited_at)!,
      summary: v.summary, finding: v.finding, followUp: v.follow_up, incidentId: v.incident_id, incidentCode: v.incident_code, pendingIncident: v.pending_incident === 1,
    };
  }

  /** Visits of a household, newest first, with the visitor's name and the code of the incident a finding became. */
  private visitRows(db: Db, householdId: number, limit: number): Promise<VisitRow[]> {
    return db.selectFrom('visits').leftJoin('users', 'users.id', 'visits.visitor_user_id').leftJoin('incidents', 'incidents.id', 'visits.incident_id')
      .select(['visits.id', 'visits.household_id', 'visits.grid_code', 'visits.visitor_user_id', 'users.display_name as visitor_name', 'visits.visited_at',
        'visits.summary', 'visits.finding', 'visits.follow_up', 'visits.incident_id', 'incidents.code as incident_code', 'visits.pending_incident'])
      .where('visits.household_id', '=', householdId).orderBy('visits.visited_at', 'desc').orderBy('visits.id', 'desc').limit(limit).execute();
  }

  /**
   * Records a visit. With an idempotency key (the phone app's outbox sends one), a retry with the same
   * key and payload answers the first visit's id and records nothing more (infra/idempotency; the key row
   * is written in the visit's transaction). The finding's incident is created before that transaction, in
   * the incident service's own, only when the key is not stored yet; the caller's `incident` callback is
   * expected to pass the same key on, so that a retry after a lost visit commit finds the same incident.
   */
  async recordVisit(
    principal: Principal,
    actor: AuditActor,
    householdId: number,
    input: { visitedAt?: string | undefined; summary: string; finding?: string | null | undefined; followUp?: string | null | undefined },
    incident: ((gridCode: string) => Promise<number | null>) | null,
    idempotency?: { key: string; payload: unknown },
  ): Promise<{ id: number; replayed: boolean }> {
    const h = await this.requireHousehold(this.db.primary, principal, MANAGE, householdId);
    let incidentId: number | null = null;
    let pending = false;
    // The incident is created first, in its own transaction (the incident service owns it); a failure leaves the finding flagged.
    const makeIncident = async () => {
      if (!incident || !input.finding) return;
      incidentId = await incident(h.grid_code);
      pending = incidentId === null;
    };
    const write = async (tx: Transaction<Database>) => {
      const now = Date.now();
      const id = insertedId(await tx.insertInto('visits').values({
        household_id: h.id, grid_code: h.grid_code, visitor_user_id: principal.userId,
        visited_at: input.visitedAt ? Date.parse(input.visitedAt) : now, summary: input.summary, finding: input.finding ?? null,
        follow_up: input.followUp ?? null, incident_id: incidentId, pending_incident: toFlag(pending), created_at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'visit.create', objectType: 'household', objectId: h.id, details: { visitId: id, incidentId } }, now);
      return id;
    };
    let result: { id: number; replayed: boolean };
    if (idempotency) {
      const done = await runIdempotent<Transaction<Database>>(
        this.db.primary,
        async (fn) => {
          await makeIncident();
          return this.db.transaction(fn);
        },
        { operation: VISIT_OPERATION, userId: principal.userId, key: idempotency.key, payload: idempotency.payload },
        async (tx) => ({ status: 201, body: { id: await write(tx) } }),
      );
      result = { id: (done.body as { id: number }).id, replayed: done.replayed };
    } else {
      await makeIncident();
      result = { id: await this.db.transaction(write), replayed: false };
    }
    this.db.noteWrite(principal.userId);
    return result;
  }

  /** One visit as listed (after a create or its replay). */
  async visitById(principal: Principal, householdId: number, visitId: number) {
    const visits = await this.listVisits(principal, householdId);
    const visit = visits.find((v) => v.id === visitId);
    if (!visit) throw notFound('visit');
    return visit;
  }

  /**
   * Households in a grid subtree whose routine visit is due within `withinDays`
   * (rules/visit-due.ts: by the special groups living there), never-visited
   * first, then the earliest due. The tagged residents are read through the
   * (tag, grid_code) index; more than VISITS_DUE_SCAN of them stops the scan
   * and says so (`truncated`): ask for a smaller grid.
   */
  async visitsDue(principal: Principal, q: { gridCode: string; withinDays: number; limit: number }, now = Date.now()) {
    const db = this.db.reader(principal.userId);
    const scopes = this.scopes(principal, READ, q.gridCode);
    if (scopes.length === 0) return { items: [], total: 0, truncated: false };
    const tagged = await db.selectFrom('resident_tags').innerJoin('residents', 'residents.id', 'resident_tags.resident_id')
      .select(['residents.household_id', 'resident_tags.tag'])
      .where('resident_tags.tag', 'in', [...VISITED_TAGS])
      .where('residents.household_id', 'is not', null)
      .where((eb) => scopeFilter(eb, scopes, { grid: 'resident_tags.grid_code' }))
      .limit(VISITS_DUE_SCAN + 1).execute();
    const truncated = tagged.length > VISITS_DUE_SCAN;
    const tagsOf = new Map<number, Set<string>>();
    for (const row of tagged.slice(0, VISITS_DUE_SCAN)) {
      const id = row.household_id!;
      let set = tagsOf.get(id);
      if (!set) tagsOf.set(id, (set = new Set()));
      set.add(row.tag);
    }
    const ids = [...tagsOf.keys()];
    const last = new Map<number, number>();
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await db.selectFrom('visits').select(['household_id', (eb) => eb.fn.max('visited_at').as('last')])
        .where('household_id', 'in', ids.slice(i, i + 1000)).groupBy('household_id').execute();
      for (const r of rows) last.set(r.household_id, Number(r.last));
    }
    const horizon = now + q.withinDays * 86_400_000;
    const due = ids.flatMap((householdId) => {
      const tags = [...tagsOf.get(householdId)!].sort();
      const intervalDays = visitIntervalDays(tags)!;
      const lastVisitedAt = last.get(householdId) ?? null;
      const d = visitDue(lastVisitedAt, intervalDays, now);
      return d.dueAt === null || d.dueAt <= horizon ? [{ householdId, tags, intervalDays, lastVisitedAt, ...d }] : [];
    }).sort(compareDue);
    const page = due.slice(0, q.limit);
    const households = page.length === 0 ? [] : await db.selectFrom('households')
      .leftJoin('dwellings', 'dwellings.id', 'households.dwelling_id')
      .leftJoin('residents', 'residents.id', 'households.head_resident_id')
      .select(['households.id', 'households.household_no', 'households.grid_code', 'dwellings.address', 'residents.name as head_name'])
      .where('households.id', 'in', page.map((d) => d.householdId)).execute();
    const byId = new Map(households.map((h) => [h.id, h]));
    return {
      items: page.flatMap((d) => {
        const h = byId.get(d.householdId);
        if (!h) return [];
        return [{
          householdId: d.householdId, householdNo: h.household_no, gridCode: h.grid_code, address: h.address ?? null, headName: h.head_name ?? null,
          tags: d.tags, intervalDays: d.intervalDays, lastVisitedAt: toIso(d.lastVisitedAt), dueAt: toIso(d.dueAt), overdue: d.overdue,
        }];
      }),
      total: due.length,
      truncated,
    };
  }

  async listVisits(principal: Principal, householdId: number) {
    const db = this.db.reader(principal.userId);
    await this.requireHousehold(db, principal, READ, householdId);
    return (await this.visitRows(db, householdId, 200)).map((v) => this.visitView(v));
  }
}

interface VisitRow {
  id: number;
  household_id: number;
  grid_code: string;
  visitor_user_id: number;
  visitor_name: string | null;
  visited_at: number;
  summary: string;
  finding: string | null;
  follow_up: string | null;
  incident_id: number | null;
  incident_code: string | null;
  pending_incident: number;
}

export interface ExportRow {
  name: string;
  idNumber: string;
  phone: string;
  gridCode: string;
  population: string;
  ethnicity: string;
  education: string;
  workplace: string;
  tags: string;
  householdNo: string;
  relation: string;
  building: string;
  buildingAddress: string;
  roomNo: string;
  dwellingRelation: string;
  moveInDate: string;
}

