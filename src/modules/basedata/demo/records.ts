/**
 * The rest of the demo's base data beside the residents: more buildings per
 * unit grid (with entrances and dwellings of every use, vacant ones too),
 * places (schools, markets, the 九小场所), city components and organizations,
 * spread over every unit grid of the district. Deterministic per seed: each
 * grid has its own random stream (`records:<seed>:<grid code>`), and ids
 * follow in grid order, so a resumed load writes what an uninterrupted one
 * would. Loaded in batches of grids, each in one transaction together with
 * its `demo_progress` row ('basedata'), whose `last_key` holds the last grid
 * code written.
 */
import type { Kysely } from 'kysely';
import type { AppDb, Database } from '../../../database.js';
import { appendAudit, type AuditActor } from '../../../infra/audit/audit.js';
import { bulkInsert } from '../../../infra/db/insert.js';
import { createRandom } from '../../grid/demo/random.js';
import { makeCreditCode } from '../rules/credit-code.js';
import type { DwellingOwnership, DwellingUse } from '../tables.js';

export interface RecordGrid {
  code: string;
  name: string;
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

export interface GridRecords {
  buildings: {
    name: string;
    address: string;
    lng: number;
    lat: number;
    floors: number;
    entrances: string[];
    dwellings: { entrance: string; roomNo: string; area: number; use: DwellingUse; ownership: DwellingOwnership }[];
  }[];
  places: { name: string; type: string; address: string; lng: number; lat: number; contactName: string }[];
  components: { classCode: string; name: string; lng: number; lat: number; status: 'ok' | 'damaged' | 'missing' }[];
  organizations: { name: string; creditCode: string; kind: string; address: string; legalPerson: string }[];
}

const ESTATES = ['金桂苑', '枫林小区', '芙蓉苑', '湘江花园', '和园', '晓园', '香樟苑', '东塘小区', '井湾里', '德政园', '砂子塘', '左家塘'];
const STREETS = ['韶山路', '劳动路', '万家丽路', '树木岭路', '湘府路', '曙光路', '黎托路', '香樟路', '井湾路', '环保路'];
const PLACES: [string, string][] = [
  ['school', '小学'], ['market', '农贸市场'], ['hospital', '社区卫生服务中心'], ['small_school', '幼儿园'], ['small_clinic', '诊所'],
  ['small_shop', '便利店'], ['small_restaurant', '餐馆'], ['small_hotel', '宾馆'], ['small_entertainment', 'KTV'], ['small_internet_cafe', '网吧'],
  ['small_beauty_bath', '美发店'], ['small_workshop', '加工厂'],
];
/** Common GB/T 30428.2 style classes: major 01 public utilities … 06 others. */
const COMPONENTS: [string, string][] = [
  ['0101', '上水井盖'], ['0102', '污水井盖'], ['0103', '雨水井盖'], ['0108', '电力井盖'], ['0201', '公交站亭'], ['0205', '路名牌'],
  ['0301', '路灯'], ['0302', '消防栓'], ['0401', '行道树'], ['0403', '绿地'], ['0501', '垃圾箱'], ['0601', '监控电子眼'],
];
/** kind, registration authority and organization type of the credit code, name ending. */
const ORGS: [string, string, string, string][] = [
  ['enterprise', '9', '1', '科技有限公司'], ['enterprise', '9', '1', '商贸有限公司'], ['individual', '9', '2', '餐饮店'], ['social_org', '5', '1', '志愿者协会'],
  ['enterprise', '9', '1', '物业管理有限公司'], ['institution', '1', '2', '培训中心'],
];
const TRADE = ['星城', '雨花', '湘韵', '麓谷', '同升', '圭塘', '洞井', '红星', '高桥', '黎托', '东山', '侯家塘'];
const SURNAMES = Array.from('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗');
const GIVEN = Array.from('伟芳娜英敏静丽强磊军洋勇艳杰娟涛明超霞平刚华');
/** Organizations' credit codes: the grid's position in the district times this, plus the organization's number (never more than 3 a grid). */
const ORG_SERIAL_BASE = 60_000_000;

/** The records of one unit grid; `index` is its position in code order (it keeps credit codes distinct). */
export function generateGridRecords(seed: number, grid: RecordGrid, index: number): GridRecords {
  const rng = createRandom(`records:${seed}:${grid.code}`);
  // Inside the middle of the grid's box, so the points fall in the grid for the demo's compact shapes.
  const point = () => {
    const lng = grid.minLng + (grid.maxLng - grid.minLng) * (0.3 + 0.4 * rng.next());
    const lat = grid.minLat + (grid.maxLat - grid.minLat) * (0.3 + 0.4 * rng.next());
    return { lng: Math.round(lng * 1e6) / 1e6, lat: Math.round(lat * 1e6) / 1e6 };
  };
  const person = () => rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.next() < 0.6 ? rng.pick(GIVEN) : '');
  const street = rng.pick(STREETS);
  const estate = rng.pick(ESTATES);
  const out: GridRecords = { buildings: [], places: [], components: [], organizations: [] };
  const buildingCount = rng.int(2, 4);
  for (let b = 1; b <= buildingCount; b++) {
    const floors = rng.int(4, 18);
    const entrances = rng.next() < 0.5 ? ['1单元'] : ['1单元', '2单元'];
    const commercial = b === 1 && rng.next() < 0.4;
    const dwellings: GridRecords['buildings'][number]['dwellings'] = [];
    // The lower floors: enough rooms to browse without loading every flat of a tower.
    // Flats are numbered on through the entrances (1单元 101–102, 2单元 103–104): a room number is unique in its building.
    entrances.forEach((entrance, e) => {
      for (let floor = 1; floor <= Math.min(floors, 3); floor++) {
        for (let room = e * 2 + 1; room <= e * 2 + 2; room++) {
          const use: DwellingUse = commercial && floor === 1 ? 'commercial' : rng.next() < 0.05 ? 'mixed' : 'residential';
          const ownership: DwellingOwnership = use === 'commercial' ? 'rental' : rng.pick(['private', 'private', 'private', 'rental', 'public']);
          dwellings.push({ entrance, roomNo: `${floor}0${room}`, area: Math.round(((use === 'commercial' ? rng.int(40, 200) : rng.int(45, 140)) + rng.next()) * 10) / 10, use, ownership });
        }
      }
    });
    out.buildings.push({ name: `${estate}${b}栋`, address: `${street}${estate}${b}栋`, ...point(), floors, entrances, dwellings });
  }
  const placeCount = rng.int(1, 3);
  for (let p = 0; p < placeCount; p++) {
    const [type, kind] = p === 0 && rng.next() < 0.2 ? rng.pick(PLACES.slice(0, 3)) : rng.pick(PLACES.slice(3));
    out.places.push({ name: `${rng.pick(TRADE)}${kind}`, type, address: `${street}${rng.int(1, 399)}号`, ...point(), contactName: person() });
  }
  const componentCount = rng.int(3, 6);
  for (let c = 0; c < componentCount; c++) {
    const [classCode, name] = rng.pick(COMPONENTS);
    const u = rng.next();
    out.components.push({ classCode, name, ...point(), status: u < 0.9 ? 'ok' : u < 0.97 ? 'damaged' : 'missing' });
  }
  const orgCount = rng.int(0, 2);
  for (let o = 0; o < orgCount; o++) {
    const [kind, authority, orgType, suffix] = rng.pick(ORGS);
    out.organizations.push({
      name: `长沙${rng.pick(TRADE)}${suffix}`,
      creditCode: makeCreditCode({ authority, orgType, region: '430111', serial: ORG_SERIAL_BASE + index * 4 + o }),
      kind, address: `${street}${rng.int(1, 399)}号`, legalPerson: person(),
    });
  }
  return out;
}

const PROGRESS = 'basedata';

async function recordGrids(db: Kysely<Database>): Promise<RecordGrid[]> {
  const rows = await db.selectFrom('grids').select(['code', 'name', 'min_lng', 'min_lat', 'max_lng', 'max_lat'])
    .where('level', '=', 'unit').where('status', '=', 'active').orderBy('code').execute();
  return rows.map((g) => ({ code: g.code, name: g.name, minLng: g.min_lng, minLat: g.min_lat, maxLng: g.max_lng, maxLat: g.max_lat }));
}

async function nextIds(db: Kysely<Database>) {
  const max = async (table: 'buildings' | 'entrances' | 'dwellings' | 'places' | 'components' | 'organizations') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0) + 1;
  return { building: await max('buildings'), entrance: await max('entrances'), dwelling: await max('dwellings'), place: await max('places'), component: await max('components'), organization: await max('organizations') };
}

export interface RecordsResult {
  grids: number;
  buildings: number;
  skipped: boolean;
  /** Wall time of the load, set by the caller. */
  ms?: number;
}

/**
 * Loads the records of every unit grid after the last one written; refuses a
 * different seed than the stored run's, does nothing once finished.
 */
export async function loadDemoRecords(db: AppDb, actor: AuditActor, options: { seed: number; batchGrids?: number; stopAfterGrids?: number }): Promise<RecordsResult> {
  const params = JSON.stringify({ seed: options.seed });
  const stored = await db.primary.selectFrom('demo_progress').selectAll().where('name', '=', PROGRESS).executeTakeFirst();
  if (stored && stored.params !== params) throw new Error(`demo base data was loaded with ${stored.params}; this run asks for ${params}`);
  if (stored && Number(stored.finished) === 1) return { grids: 0, buildings: 0, skipped: true };
  if (!stored) await db.primary.insertInto('demo_progress').values({ name: PROGRESS, params, last_day: null, incidents: 0, events: 0, finished: 0, updated_at: Date.now() }).execute();
  const all = await recordGrids(db.primary);
  const after = stored?.last_key ?? '';
  const todo = all.map((g, index) => ({ g, index })).filter(({ g }) => g.code > after);
  const limit = options.stopAfterGrids ?? todo.length;
  const batch = options.batchGrids ?? 200;
  let grids = 0;
  let buildings = 0;
  for (let start = 0; start < Math.min(limit, todo.length); start += batch) {
    const slice = todo.slice(start, Math.min(start + batch, limit));
    const last = slice[slice.length - 1]!;
    const finished = start + slice.length >= todo.length;
    await db.transaction(async (tx) => {
      const id = await nextIds(tx);
      const now = Date.now();
      const rows = { buildings: [] as unknown[][], entrances: [] as unknown[][], dwellings: [] as unknown[][], places: [] as unknown[][], components: [] as unknown[][], organizations: [] as unknown[][] };
      for (const { g, index } of slice) {
        const r = generateGridRecords(options.seed, g, index);
        for (const b of r.buildings) {
          const bid = id.building++;
          rows.buildings.push([bid, g.code, b.name, b.address, b.lng, b.lat, b.floors, now, now]);
          const entranceIds = new Map<string, number>();
          for (const e of b.entrances) {
            entranceIds.set(e, id.entrance);
            rows.entrances.push([id.entrance++, bid, g.code, e]);
          }
          for (const d of b.dwellings) {
            rows.dwellings.push([id.dwelling++, bid, entranceIds.get(d.entrance) ?? null, g.code, d.roomNo, `${b.address}${d.entrance}${d.roomNo}`, d.area, d.use, d.ownership, now, now]);
          }
        }
        for (const p of r.places) rows.places.push([id.place++, g.code, p.name, p.type, p.address, p.lng, p.lat, p.contactName, now, now]);
        for (const c of r.components) rows.components.push([id.component++, g.code, c.classCode, c.name, c.lng, c.lat, null, c.status, now, now]);
        for (const o of r.organizations) rows.organizations.push([id.organization++, g.code, o.name, o.creditCode, o.kind, o.address, o.legalPerson, now, now]);
        buildings += r.buildings.length;
      }
      const k = tx as unknown as Kysely<unknown>;
      await bulkInsert(k, 'buildings', ['id', 'grid_code', 'name', 'address', 'lng', 'lat', 'floors', 'created_at', 'updated_at'], rows.buildings);
      await bulkInsert(k, 'entrances', ['id', 'building_id', 'grid_code', 'name'], rows.entrances);
      await bulkInsert(k, 'dwellings', ['id', 'building_id', 'entrance_id', 'grid_code', 'room_no', 'address', 'area', 'dwelling_use', 'ownership', 'created_at', 'updated_at'], rows.dwellings);
      await bulkInsert(k, 'places', ['id', 'grid_code', 'name', 'type', 'address', 'lng', 'lat', 'contact_name', 'created_at', 'updated_at'], rows.places);
      await bulkInsert(k, 'components', ['id', 'grid_code', 'class_code', 'name', 'lng', 'lat', 'owner_department', 'status', 'created_at', 'updated_at'], rows.components);
      await bulkInsert(k, 'organizations', ['id', 'grid_code', 'name', 'credit_code', 'kind', 'address', 'legal_person', 'created_at', 'updated_at'], rows.organizations);
      await tx.updateTable('demo_progress').set({ last_key: last.g.code, finished: finished ? 1 : 0, updated_at: now }).where('name', '=', PROGRESS).execute();
      await appendAudit(tx, actor, { action: 'demo.basedata', objectType: 'grid', objectId: last.g.code, details: { grids: slice.length } }, now);
    });
    grids += slice.length;
  }
  return { grids, buildings, skipped: false };
}
