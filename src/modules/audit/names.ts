/**
 * The names of the objects audit records point at, so that the auditor reads
 * "用户 张三 (gw_test01)" or "部门 城管局" rather than a type and an internal
 * id. One query per object type on a page of records, by id list. Residents
 * are left unnamed on purpose: a name there is personal data that the audit
 * reader's permission does not cover.
 */
import type { AppDb, Database } from '../../database.js';
import type { Kysely } from 'kysely';

export interface ObjectName {
  name: string;
  nameEn: string;
}

type Lookup = (db: Kysely<Database>, ids: string[]) => Promise<Map<string, ObjectName>>;

const numeric = (ids: string[]) => ids.filter((x) => /^\d{1,15}$/.test(x)).map(Number);
const same = (rows: { key: string | number; name: string; nameEn?: string }[]) =>
  new Map(rows.map((r) => [String(r.key), { name: r.name, nameEn: r.nameEn ?? r.name }]));

async function apiClientNames(db: Kysely<Database>, ids: string[]): Promise<Map<string, ObjectName>> {
  const n = numeric(ids);
  if (n.length === 0) return new Map();
  const rows = await db.selectFrom('api_clients').select(['id', 'name']).where('id', 'in', n).execute();
  return same(rows.map((r) => ({ key: r.id, name: r.name })));
}

/** Object type → how to find the names of a set of its ids. */
const LOOKUPS: Record<string, Lookup> = {
  async user(db, ids) {
    const n = numeric(ids);
    if (n.length === 0) return new Map();
    const rows = await db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', n).execute();
    return same(rows.map((r) => ({ key: r.id, name: `${r.display_name} (${r.username})` })));
  },
  async role(db, ids) {
    const rows = await db.selectFrom('roles').select(['code', 'name', 'name_en']).where('code', 'in', ids).execute();
    return same(rows.map((r) => ({ key: r.code, name: r.name, nameEn: r.name_en })));
  },
  async department(db, ids) {
    const rows = await db.selectFrom('departments').select(['code', 'name', 'name_en']).where('code', 'in', ids).execute();
    return same(rows.map((r) => ({ key: r.code, name: r.name, nameEn: r.name_en })));
  },
  async department_grids(db, ids) {
    return LOOKUPS.department!(db, ids);
  },
  async grid(db, ids) {
    const rows = await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', ids).execute();
    return same(rows.map((r) => ({ key: r.code, name: r.name })));
  },
  async incident(db, ids) {
    const n = numeric(ids);
    if (n.length === 0) return new Map();
    const rows = await db.selectFrom('incidents').select(['id', 'code']).where('id', 'in', n).execute();
    return same(rows.map((r) => ({ key: r.id, name: r.code })));
  },
  async incident_category(db, ids) {
    const rows = await db.selectFrom('incident_categories').select(['code', 'name', 'name_en']).where('code', 'in', ids).execute();
    return same(rows.map((r) => ({ key: r.code, name: r.name, nameEn: r.name_en })));
  },
  async incident_category_major(db, ids) {
    const rows = await db.selectFrom('incident_category_majors').select(['code', 'name', 'name_en']).where('code', 'in', ids).execute();
    return same(rows.map((r) => ({ key: r.code, name: r.name, nameEn: r.name_en })));
  },
  async team_role(db, ids) {
    const rows = await db.selectFrom('team_roles').select(['code', 'name', 'name_en']).where('code', 'in', ids).execute();
    return same(rows.map((r) => ({ key: r.code, name: r.name, nameEn: r.name_en })));
  },
  async team(db, ids) {
    const n = numeric(ids);
    if (n.length === 0) return new Map();
    const rows = await db.selectFrom('teams').select(['id', 'name']).where('id', 'in', n).execute();
    return same(rows.map((r) => ({ key: r.id, name: r.name })));
  },
  async place(db, ids) {
    const n = numeric(ids);
    if (n.length === 0) return new Map();
    const rows = await db.selectFrom('places').select(['id', 'name']).where('id', 'in', n).execute();
    return same(rows.map((r) => ({ key: r.id, name: r.name })));
  },
  async organization(db, ids) {
    const n = numeric(ids);
    if (n.length === 0) return new Map();
    const rows = await db.selectFrom('organizations').select(['id', 'name']).where('id', 'in', n).execute();
    return same(rows.map((r) => ({ key: r.id, name: r.name })));
  },
  async building(db, ids) {
    const n = numeric(ids);
    if (n.length === 0) return new Map();
    const rows = await db.selectFrom('buildings').select(['id', 'name']).where('id', 'in', n).execute();
    return same(rows.map((r) => ({ key: r.id, name: r.name })));
  },
  async component(db, ids) {
    const n = numeric(ids);
    if (n.length === 0) return new Map();
    const rows = await db.selectFrom('components').select(['id', 'name']).where('id', 'in', n).execute();
    return same(rows.map((r) => ({ key: r.id, name: r.name })));
  },
  // A workflow is keyed by its case type (rules/workflow.ts).
  async incident_workflow(_db, ids) {
    const words: Record<string, [string, string]> = { immediate: ['即办件流程', 'Immediate case workflow'], committed: ['承诺件流程', 'Committed case workflow'], coordinated: ['协调件流程', 'Coordinated case workflow'] };
    return same(ids.filter((x) => x in words).map((x) => ({ key: x, name: words[x]![0], nameEn: words[x]![1] })));
  },
  // A year's record names the year; the whole calendar (id 1) has no name beyond its type.
  async work_calendar(_db, ids) {
    return same(ids.filter((x) => /^\d{4}$/.test(x)).map((x) => ({ key: x, name: `${x} 年`, nameEn: x })));
  },
  // Data-sharing keys moved to api_clients with their ids (0063), so older records name them too.
  async share_client(db, ids) {
    return apiClientNames(db, ids);
  },
  async api_client(db, ids) {
    return apiClientNames(db, ids);
  },
  async meeting(db, ids) {
    const n = numeric(ids);
    if (n.length === 0) return new Map();
    const rows = await db.selectFrom('meetings').select(['id', 'title']).where('id', 'in', n).execute();
    return same(rows.map((r) => ({ key: r.id, name: r.title })));
  },
  async campaign(db, ids) {
    const n = numeric(ids);
    if (n.length === 0) return new Map();
    const rows = await db.selectFrom('campaigns').select(['id', 'title']).where('id', 'in', n).execute();
    return same(rows.map((r) => ({ key: r.id, name: r.title })));
  },
};

/** Names for the (type, id) pairs of a page of records, keyed `${type}:${id}`. */
export async function objectNames(db: AppDb, userId: number, refs: { type: string | null; id: string | null }[]): Promise<Map<string, ObjectName>> {
  const byType = new Map<string, Set<string>>();
  for (const r of refs) {
    if (!r.type || r.id == null || !LOOKUPS[r.type]) continue;
    let set = byType.get(r.type);
    if (!set) byType.set(r.type, (set = new Set()));
    set.add(r.id);
  }
  const out = new Map<string, ObjectName>();
  const reader = db.reader(userId);
  await Promise.all([...byType].map(async ([type, ids]) => {
    const found = await LOOKUPS[type]!(reader, [...ids]);
    for (const [id, name] of found) out.set(`${type}:${id}`, name);
  }));
  return out;
}
