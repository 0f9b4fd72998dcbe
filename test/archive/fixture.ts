/**
 * Cases for the archive tests, written straight into the business tables:
 * randomized lawful timelines (test/evaluation/timeline.ts) with the
 * incident row brought to the timeline's last status, plus departments on
 * the case, file links, a merge link and the text index.
 */
import { sql, type Kysely } from 'kysely';
import { bulkInsert } from '../../src/infra/db/insert.js';
import { indexDocuments } from '../../src/modules/incidents/search-index.js';
import type { Platform } from '../../src/platform.js';
import { insertEvents, insertIncident, planCase, rng } from '../evaluation/timeline.js';

export const VOCABULARY = {
  grids: ['430111001001001', '430111001001002', '430111001002001', '430111002001001'],
  categories: ['0101', '0102', '0203'],
  departments: ['D01', 'D02', 'D03'],
  channels: ['grid_worker', 'citizen', 'hotline_12345'],
};

const WORDS = ['井盖破损', '路灯不亮', '占道经营', '垃圾堆放', '违章停车'];
export const FINAL = ['closed', 'rejected', 'merged'];

/** Loads `n` cases reported around 2026-04 (all long past any recent cutoff); answers their ids. */
export async function loadCases(p: Platform, n: number, seed = 20261203, prefix = 'A'): Promise<number[]> {
  const r = rng(seed);
  const k = p.db.primary as unknown as Kysely<unknown>;
  const base = Date.parse('2026-04-02T12:00:00Z');
  const ids: number[] = [];
  const docs = [];
  for (let i = 0; i < n; i++) {
    const plan = planCase(r, VOCABULARY, base + r.int(0, 6 * 24) * 3_600_000);
    const code = `2026040${prefix === 'A' ? 2 : 3}${String(i).padStart(5, '0')}`;
    const id = await insertIncident(k, plan, code);
    await insertEvents(k, id, plan, 0, plan.events.length);
    const last = plan.events[plan.events.length - 1]!;
    const description = `${WORDS[i % WORDS.length]} ${prefix}${i}`;
    const lead = plan.events.map((e) => e.data.leadDepartmentCode).filter((x): x is string => typeof x === 'string').pop() ?? null;
    await sql`update incidents set status = ${last.toStatus}, version = ${plan.events.length}, updated_at = ${last.at}, description = ${description},
      lead_department_code = ${lead}, closed_at = ${last.toStatus === 'closed' ? last.at : null}, is_open = ${FINAL.includes(last.toStatus) ? 0 : 1} where id = ${id}`.execute(k);
    if (lead) await bulkInsert(k, 'incident_departments', ['incident_id', 'department_code', 'role'], [[id, lead, 'lead'], ...(i % 3 === 0 ? [[id, 'D09', 'co']] : [])]);
    // The tasks' business mirror (joint handling); the tasks themselves live in the case's state.
    if (lead) await bulkInsert(k, 'incident_tasks', ['incident_id', 'department_code', 'role', 'status', 'handle_by'], [[id, lead, 'lead', 'replied', null]]);
    await bulkInsert(k, 'incident_files', ['incident_id', 'hash', 'event_seq', 'kind', 'created_at'], [[id, (i % 7).toString(16).repeat(64), 1, 'report', plan.events[0]!.at]]);
    if (last.toStatus === 'merged' && ids.length > 0) {
      await bulkInsert(k, 'incident_links', ['incident_id', 'linked_incident_id', 'kind', 'data', 'created_by', 'created_at'], [[ids[0], id, 'merged', '{}', null, last.at]]);
    }
    docs.push({ id, code, description, address: null, gridCode: plan.gridCode });
    ids.push(id);
  }
  await indexDocuments(k, p.db.dialect, docs);
  return ids;
}

const TABLES = [
  ['incidents', 'id'],
  ['incident_events', 'incident_id'],
  ['incident_departments', 'incident_id'],
  ['incident_links', 'incident_id'],
  ['incident_files', 'incident_id'],
] as const;

type Snapshot = Record<string, string[]>;

function normalize(row: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(row).sort().map((key) => [key, row[key] == null ? null : typeof row[key] === 'number' || typeof row[key] === 'bigint' ? Number(row[key]) : row[key]])));
}

/** How many task mirror rows these cases have in the business store. */
export async function taskRows(db: Kysely<unknown>, ids: readonly number[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const r = await sql<{ n: number }>`select count(*) as n from incident_tasks where incident_id in (${sql.join(ids.slice(i, i + 500))})`.execute(db);
    n += Number(r.rows[0]!.n);
  }
  return n;
}

/** Every business row of these cases, as sorted JSON lines per table. */
export async function businessRows(db: Kysely<unknown>, ids: readonly number[]): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const [table, column] of TABLES) {
    const rows: string[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const r = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where ${sql.ref(column)} in (${sql.join(ids.slice(i, i + 500))})`.execute(db);
      rows.push(...r.rows.map(normalize));
    }
    out[table] = rows.sort();
  }
  return out;
}

/** The same rows as the archive holds them (the incident as its stored business row), confirmed copies only unless `all`. */
export async function archiveRows(db: Kysely<unknown>, ids: readonly number[]): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const [table, column] of TABLES) {
    const rows: string[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const part = sql.join(ids.slice(i, i + 500));
      if (table === 'incidents') {
        const r = await sql<{ business_row: string }>`select business_row from archive_incidents where id in (${part})`.execute(db);
        rows.push(...r.rows.map((x) => normalize(JSON.parse(x.business_row) as Record<string, unknown>)));
      } else {
        const r = await sql<Record<string, unknown>>`select * from ${sql.table(`archive_${table}`)} where ${sql.ref(column)} in (${part})`.execute(db);
        rows.push(...r.rows.map(normalize));
      }
    }
    out[table] = rows.sort();
  }
  return out;
}

export async function countOf(db: Kysely<unknown>, table: string, where = sql`1 = 1`): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db);
  return Number(r.rows[0]!.n);
}

/** Ids of the cases due at any cutoff after the fixture's dates. */
export async function finalIds(db: Kysely<unknown>): Promise<number[]> {
  const r = await sql<{ id: number }>`select id from incidents where status in ('closed', 'rejected', 'merged') order by id`.execute(db);
  return r.rows.map((x) => Number(x.id));
}
