import type { Kysely } from 'kysely';
import type { AppDb, Database } from '../../../database.js';
import { createFieldCipher, type FieldCipherOptions } from '../../../infra/crypto/field-cipher.js';
import { bulkInsert } from '../../../infra/db/insert.js';
import { prepareRow, type PrepareContext, type PreparedRow, type PrepareResult } from '../import/fields.js';
import { PreparePool } from '../import/service.js';
import { shanghaiToday } from '../rules/dates.js';
import { generateHouseholds, residentCounts, type UnitGridRef } from './generator.js';

/** Next ids and natural-key caches for loading prepared rows straight into the tables. */
export interface RawState {
  next: { building: number; dwelling: number; household: number; resident: number; link: number };
  buildings: Map<string, number>;
  dwellings: Map<string, number>;
  households: Map<string, number>;
}

export interface RawTables {
  buildings: unknown[][];
  dwellings: unknown[][];
  households: unknown[][];
  residents: unknown[][];
  tags: unknown[][];
  links: unknown[][];
}

export async function rawState(db: Kysely<Database>): Promise<RawState> {
  const max = async (table: 'buildings' | 'dwellings' | 'households' | 'residents' | 'resident_dwellings') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0) + 1;
  return {
    next: { building: await max('buildings'), dwelling: await max('dwellings'), household: await max('households'), resident: await max('residents'), link: await max('resident_dwellings') },
    buildings: new Map(), dwellings: new Map(), households: new Map(),
  };
}

const RELATION: Record<string, string> = { owner: 'owner', tenant: 'tenant', occupant: 'occupant' };

/** Table rows with explicit ids for a batch of new residents (no lookups: the caller knows they are new). */
export function assembleRaw(rows: readonly PreparedRow[], s: RawState, now: number, today: string): RawTables {
  const out: RawTables = { buildings: [], dwellings: [], households: [], residents: [], tags: [], links: [] };
  const householdRow = new Map<number, unknown[]>();
  for (const r of rows) {
    let dwellingId: number | null = null;
    if (r.building) {
      const bKey = `${r.gridCode}|${r.building}`;
      let bid = s.buildings.get(bKey);
      if (bid === undefined) {
        bid = s.next.building++;
        s.buildings.set(bKey, bid);
        out.buildings.push([bid, r.gridCode, r.building, r.buildingAddress ?? r.building, null, null, null, now, now]);
      }
      if (r.roomNo) {
        const dKey = `${bid}|${r.roomNo}`;
        dwellingId = s.dwellings.get(dKey) ?? null;
        if (dwellingId === null) {
          dwellingId = s.next.dwelling++;
          s.dwellings.set(dKey, dwellingId);
          out.dwellings.push([dwellingId, bid, null, r.gridCode, r.roomNo, `${r.buildingAddress ?? r.building}${r.roomNo}`, null, 'residential', 'private', now, now]);
        }
      }
    }
    let householdId: number | null = null;
    if (r.householdNo) {
      householdId = s.households.get(r.householdNo) ?? null;
      if (householdId === null) {
        householdId = s.next.household++;
        s.households.set(r.householdNo, householdId);
        const hr: unknown[] = [householdId, r.householdNo, r.gridCode, dwellingId, null, now, now];
        householdRow.set(householdId, hr);
        out.households.push(hr);
      }
    }
    const residentId = s.next.resident++;
    if (r.relation === '户主' && householdId !== null) {
      const hr = householdRow.get(householdId);
      if (hr) hr[4] = residentId;
    }
    out.residents.push([
      residentId, r.gridCode, r.name, r.initials, r.idCipher, r.idBidx, r.birthDate, r.sex, r.phoneCipher, r.phoneBidx, r.population,
      r.ethnicity, r.education, r.workplace, householdId, r.relation, r.tags.join(','), now, now, 1,
    ]);
    for (const t of r.tags) out.tags.push([residentId, t, r.gridCode]);
    if (dwellingId !== null) out.links.push([s.next.link++, residentId, dwellingId, r.gridCode, RELATION[r.dwellingRelation], r.moveInDate ?? today, null, 1, now]);
  }
  return out;
}

export async function insertRaw(db: Kysely<unknown>, t: RawTables): Promise<void> {
  await bulkInsert(db, 'buildings', ['id', 'grid_code', 'name', 'address', 'lng', 'lat', 'floors', 'created_at', 'updated_at'], t.buildings);
  await bulkInsert(db, 'dwellings', ['id', 'building_id', 'entrance_id', 'grid_code', 'room_no', 'address', 'area', 'dwelling_use', 'ownership', 'created_at', 'updated_at'], t.dwellings);
  await bulkInsert(db, 'households', ['id', 'household_no', 'grid_code', 'dwelling_id', 'head_resident_id', 'created_at', 'updated_at'], t.households);
  await bulkInsert(db, 'residents', ['id', 'grid_code', 'name', 'name_initials', 'id_cipher', 'id_bidx', 'birth_date', 'sex', 'phone_cipher', 'phone_bidx', 'population',
    'ethnicity', 'education', 'workplace', 'household_id', 'relation', 'tags', 'created_at', 'updated_at', 'version'], t.residents);
  await bulkInsert(db, 'resident_tags', ['resident_id', 'tag', 'grid_code'], t.tags);
  await bulkInsert(db, 'resident_dwellings', ['id', 'resident_id', 'dwelling_id', 'grid_code', 'relation', 'from_date', 'to_date', 'is_current', 'created_at'], t.links);
}

export async function unitGrids(db: Kysely<Database>): Promise<UnitGridRef[]> {
  return db.selectFrom('grids').select(['code', 'name']).where('level', '=', 'unit').where('status', '=', 'active').orderBy('code').execute();
}

/**
 * Loads the generated residents of a demo district straight into the tables
 * (validated and encrypted like an import, then bulk-inserted in large
 * transactions). Does nothing when residents exist already.
 */
export async function loadDemoResidents(
  db: AppDb,
  cipherOptions: FieldCipherOptions,
  options: { seed?: number; scale: number; batch?: number; workers?: number; onProgress?: (done: number, total: number) => void },
): Promise<{ residents: number; households: number; created: boolean }> {
  const existing = Number((await db.primary.selectFrom('residents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  if (existing > 0) return { residents: existing, households: 0, created: false };
  const grids = await unitGrids(db.primary);
  const counts = residentCounts(options.scale);
  const today = shanghaiToday();
  const ctx: PrepareContext = { cipher: createFieldCipher(cipherOptions), today, grids: new Set(grids.map((g) => g.code)), scopePrefixes: null };
  const workers = options.workers ?? 1;
  // Validation and encryption in worker threads, writes here: the two overlap.
  const pool = workers > 0 ? PreparePool.forCipher(workers, cipherOptions, { today, grids: grids.map((g) => g.code), scopePrefixes: null }) : null;
  const state = await rawState(db.primary);
  const batch = options.batch ?? 10_000;
  const queue: Promise<PrepareResult[]>[] = [];
  let pending: string[][] = [];
  let done = 0;
  let rowNo = 0;
  const write = async () => {
    const results = await queue.shift()!;
    const rows = results.map((r) => {
      if (!r.ok) throw new Error(`generated row ${r.errors[0]?.rowNo} is invalid: ${r.errors.map((e) => e.code).join(', ')}`);
      return r.row;
    });
    const tables = assembleRaw(rows, state, Date.now(), today);
    await db.transaction((tx) => insertRaw(tx as unknown as Kysely<unknown>, tables));
    done += rows.length;
    options.onProgress?.(done, counts.residents);
  };
  const submit = () => {
    const first = rowNo - pending.length + 1;
    const values = pending;
    queue.push(pool ? pool.prepare(first, values) : Promise.resolve(values.map((v, i) => prepareRow(first + i, v, ctx))));
    pending = [];
  };
  try {
    for (const household of generateHouseholds({ seed: options.seed ?? 1, counts, grids, today })) {
      for (const values of household) {
        rowNo++;
        pending.push(values);
      }
      if (pending.length >= batch) {
        submit();
        while (queue.length >= 2) await write();
      }
    }
    if (pending.length > 0) submit();
    while (queue.length > 0) await write();
  } finally {
    await pool?.close();
  }
  return { residents: done, households: state.households.size, created: true };
}
