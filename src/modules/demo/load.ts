import type { AuditActor } from '../../infra/audit/audit.js';
import type { Scope } from '../../infra/auth/scope.js';
import type { Platform } from '../../platform.js';
import { ensureDepartments } from '../departments/queries.js';
import { generateDemoDistrict } from '../grid/demo/district.js';
import { countGrids, insertGrids } from '../grid/store.js';
import { DEFAULT_DEPARTMENTS } from '../incidents/data/categories.js';

/** Every demo account has this password (printed at start; never use the demo in production). */
export const DEMO_PASSWORD = 'Demo#2026';

export interface DemoAccount {
  username: string;
  displayName: string;
  role: string;
  scope: Scope;
}

export interface DemoSummary {
  grids: number;
  departments: number;
  accounts: DemoAccount[];
  created: boolean;
}

/**
 * Loads the demo district: the grid tree, departments and one account per
 * role. Safe to re-run: what exists is kept.
 */
export async function loadDemo(platform: Platform, options: { seed?: number; scale?: number } = {}): Promise<DemoSummary> {
  const { db } = platform;
  const actor: AuditActor = { userId: null, username: 'demo', ip: null };
  const features = generateDemoDistrict({ seed: options.seed ?? 1, scale: options.scale ?? 1 });
  let created = false;
  if ((await countGrids(db.primary)) === 0) {
    await db.transaction((tx) => insertGrids(tx, features));
    created = true;
  }
  const departments = await ensureDepartments(
    db,
    DEFAULT_DEPARTMENTS.map((d) => ({ code: d.code, name: d.nameZh, nameEn: d.nameEn })),
  );

  const district = features.find((f) => f.level === 'district')!;
  const street = features.find((f) => f.level === 'street')!;
  const community = features.find((f) => f.level === 'community' && f.parentCode === street.code)!;
  const unit = features.find((f) => f.level === 'unit' && f.parentCode === community.code)!;
  const d = (code: string): Scope => ({ kind: 'grid', code });
  const accounts: DemoAccount[] = [
    { username: 'admin', displayName: '系统管理员', role: 'admin', scope: d(district.code) },
    { username: 'operator', displayName: '受理员 王芳', role: 'intake_operator', scope: d(district.code) },
    { username: 'dispatcher', displayName: '派遣员 李强', role: 'dispatcher', scope: d(district.code) },
    { username: 'supervisor', displayName: '值班长 张伟', role: 'shift_supervisor', scope: d(district.code) },
    { username: 'handler', displayName: '处置员 刘洋', role: 'handler', scope: { kind: 'department', code: DEFAULT_DEPARTMENTS[0]!.code } },
    { username: 'worker', displayName: '网格员 陈静', role: 'grid_worker', scope: d(unit.code) },
    { username: 'street', displayName: '街道指挥中心 赵敏', role: 'street_operator', scope: d(street.code) },
    { username: 'leader', displayName: '区领导 孙明', role: 'leader', scope: d(district.code) },
    { username: 'auditor', displayName: '审计员 周琳', role: 'auditor', scope: d(district.code) },
  ];
  for (const a of accounts) {
    if ((await platform.accounts.findUserId(a.username)) !== null) continue;
    const { userId } = await platform.accounts.createUser(actor, {
      username: a.username,
      displayName: a.displayName,
      password: DEMO_PASSWORD,
      mustChange: false,
    });
    await platform.accounts.grant(null, actor, userId, a.role, a.scope);
    created = true;
  }
  return { grids: features.length, departments, accounts, created };
}
