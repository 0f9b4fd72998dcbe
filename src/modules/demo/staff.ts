/**
 * Staff accounts of the demo district at scale: one full-time patrol worker
 * per community (179 at scale 1) assigned to every unit grid of it
 * (grid_workers rows), handlers per department, intake operators,
 * dispatchers and shift supervisors for the district, and operators of each
 * street command centre. Written in bulk (one password hash for all, one
 * audit record for the batch): a few hundred scrypt hashes through the
 * accounts service would take minutes.
 */
import type { Kysely } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { hashPassword } from '../../infra/auth/passwords.js';
import { bulkInsert } from '../../infra/db/insert.js';
import { createRandom, type Random } from '../grid/demo/random.js';
import { ROLE_NAMES, type RoleName } from '../incidents/rules/state-machine.js';
import type { Staff, StaffActor } from './timeline.js';

const SURNAMES = Array.from('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏');
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '霞', '平', '刚', '华', '建国', '志强', '海燕', '文斌', '晓东', '思雨', '浩然', '欣怡', '俊杰', '嘉怡', '晨阳', '天宇', '红霞', '德明', '新民'];

export function personName(rng: Random): string {
  return rng.pick(SURNAMES) + rng.pick(GIVEN);
}

export interface StaffCounts {
  gridWorkers: number;
  handlersPerDepartment: number;
  operators: number;
  dispatchers: number;
  supervisors: number;
  streetOperatorsPerStreet: number;
}

export function staffCounts(scale: number, communities: number): StaffCounts {
  return {
    gridWorkers: communities,
    handlersPerDepartment: Math.max(1, Math.round(5 * scale)),
    operators: Math.max(1, Math.round(12 * scale)),
    dispatchers: Math.max(1, Math.round(6 * scale)),
    supervisors: Math.max(1, Math.round(4 * scale)),
    streetOperatorsPerStreet: 2,
  };
}

interface NewStaff {
  username: string;
  displayName: string;
  role: RoleName;
  scopeKind: 'grid' | 'department';
  scopeCode: string;
  /** Unit grids patrolled (grid workers). */
  grids?: string[];
}

/**
 * Creates the staff if the first patrol worker's account is missing (so a
 * re-run keeps what exists). Returns the number of accounts created.
 */
export async function ensureStaff(
  db: AppDb,
  actor: AuditActor,
  options: { seed: number; scale: number; password: string; fromDate: string; departmentCodes: readonly string[] },
): Promise<number> {
  const grids = await db.primary.selectFrom('grids').select(['code', 'level', 'parent_code']).where('status', '=', 'active').orderBy('code').execute();
  const streets = grids.filter((g) => g.level === 'street');
  const communities = grids.filter((g) => g.level === 'community');
  const units = grids.filter((g) => g.level === 'unit');
  const district = grids.find((g) => g.level === 'district');
  if (!district || communities.length === 0) throw new Error('demo staff: load the grid first');
  const counts = staffCounts(options.scale, communities.length);
  const rng = createRandom(`staff:${options.seed}`);
  const seg = (code: string) => code.slice(6);
  const people: NewStaff[] = [];
  for (const c of communities) {
    people.push({
      username: `gw${seg(c.code)}`, displayName: `网格员 ${personName(rng)}`, role: 'grid_worker', scopeKind: 'grid', scopeCode: c.code,
      grids: units.filter((u) => u.parent_code === c.code).map((u) => u.code),
    });
  }
  for (const d of options.departmentCodes) {
    for (let k = 1; k <= counts.handlersPerDepartment; k++) {
      people.push({ username: `h${d.toLowerCase()}-${k}`, displayName: `处置员 ${personName(rng)}`, role: 'handler', scopeKind: 'department', scopeCode: d });
    }
  }
  const desk = (prefix: string, label: string, role: RoleName, n: number) => {
    for (let k = 1; k <= n; k++) people.push({ username: `${prefix}${k}`, displayName: `${label} ${personName(rng)}`, role, scopeKind: 'grid', scopeCode: district.code });
  };
  desk('op', '受理员', 'intake_operator', counts.operators);
  desk('dp', '派遣员', 'dispatcher', counts.dispatchers);
  desk('sv', '值班长', 'shift_supervisor', counts.supervisors);
  for (const s of streets) {
    for (let k = 1; k <= counts.streetOperatorsPerStreet; k++) {
      people.push({ username: `st${seg(s.code)}-${k}`, displayName: `街道指挥中心 ${personName(rng)}`, role: 'street_operator', scopeKind: 'grid', scopeCode: s.code });
    }
  }

  const first = await db.primary.selectFrom('users').select('id').where('username', '=', people[0]!.username).executeTakeFirst();
  if (first) return 0;
  const hash = await hashPassword(options.password);
  const now = Date.now();
  await db.transaction(async (tx) => {
    const k = tx as unknown as Kysely<unknown>;
    const base = Number((await tx.selectFrom('users').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0) + 1;
    await bulkInsert(k, 'users',
      ['id', 'username', 'display_name', 'password_hash', 'password_changed_at', 'must_change_password', 'status', 'failed_logins', 'locked_until', 'last_login_at', 'locale', 'created_at', 'updated_at'],
      people.map((p, i) => [base + i, p.username, p.displayName, hash, now, 0, 'active', 0, null, null, 'zh-CN', now, now]));
    await bulkInsert(k, 'role_assignments', ['user_id', 'role_code', 'scope_kind', 'scope_code', 'created_at', 'created_by'],
      people.map((p, i) => [base + i, p.role, p.scopeKind, p.scopeCode, now, null]));
    const workers: unknown[][] = [];
    people.forEach((p, i) => {
      for (const g of p.grids ?? []) workers.push([g, base + i, 'full_time', options.fromDate, null, now, now]);
    });
    await bulkInsert(k, 'grid_workers', ['grid_code', 'user_id', 'role', 'from_date', 'to_date', 'created_at', 'updated_at'], workers);
    await appendAudit(tx, actor, { action: 'demo.staff', details: { accounts: people.length, gridWorkerRows: workers.length } }, now);
  });
  return people.length;
}

/** The staff as the timeline generator needs it, from the role assignments (in user id order). */
export async function loadStaff(db: Kysely<Database>): Promise<Staff> {
  const rows = await db
    .selectFrom('role_assignments')
    .innerJoin('users', 'users.id', 'role_assignments.user_id')
    .select(['role_assignments.user_id', 'role_assignments.role_code', 'role_assignments.scope_kind', 'role_assignments.scope_code'])
    .where('users.status', '=', 'active')
    .orderBy('role_assignments.user_id')
    .orderBy('role_assignments.id')
    .execute();
  const actors = new Map<number, StaffActor>();
  for (const r of rows) {
    if (!(ROLE_NAMES as readonly string[]).includes(r.role_code)) continue;
    const id = Number(r.user_id);
    let a = actors.get(id);
    if (!a) actors.set(id, (a = { id, userId: String(id), roles: [] }));
    (a.roles as { role: RoleName; scope: { kind: 'grid' | 'department'; code: string } }[]).push({ role: r.role_code as RoleName, scope: { kind: r.scope_kind, code: r.scope_code } });
  }
  const staff: Staff = { workerOfCommunity: new Map(), operators: [], dispatchers: [], supervisors: [], streetOperators: new Map(), handlers: new Map() };
  const push = <K>(m: Map<K, StaffActor[]>, k: K, a: StaffActor) => {
    const list = m.get(k);
    if (list) list.push(a);
    else m.set(k, [a]);
  };
  for (const a of actors.values()) {
    for (const { role, scope } of a.roles) {
      if (role === 'grid_worker' && scope.kind === 'grid' && scope.code.length === 12 && !staff.workerOfCommunity.has(scope.code)) staff.workerOfCommunity.set(scope.code, a);
      else if (role === 'intake_operator' && scope.kind === 'grid' && scope.code.length === 6) staff.operators.push(a);
      else if (role === 'dispatcher' && scope.kind === 'grid' && scope.code.length === 6) staff.dispatchers.push(a);
      else if (role === 'shift_supervisor' && scope.kind === 'grid' && scope.code.length === 6) staff.supervisors.push(a);
      else if (role === 'street_operator' && scope.kind === 'grid' && scope.code.length === 9) push(staff.streetOperators, scope.code, a);
      else if (role === 'handler' && scope.kind === 'department') push(staff.handlers, scope.code, a);
    }
  }
  return staff;
}
