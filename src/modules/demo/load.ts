import type { AuditActor } from '../../infra/audit/audit.js';
import type { Scope } from '../../infra/auth/scope.js';
import type { Platform } from '../../platform.js';
import { ensureDepartments } from '../departments/queries.js';
import { generateDemoDistrict } from '../grid/demo/district.js';
import { countGrids, demoFeatureCollection } from '../grid/store.js';
import { DEFAULT_DEPARTMENTS } from '../incidents/data/categories.js';
import { loadDemoResidents } from '../basedata/demo/load.js';
import { loadDemoRecords, type RecordsResult } from '../basedata/demo/records.js';
import { loadDemoMeetings } from '../meetings/demo.js';
import { loadDemoCampaigns } from '../campaigns/demo.js';
import { defaultUntil, loadDemoIncidents, periodStart, type IncidentLoadResult, type IncidentProgress } from './incidents.js';
import { demoPhotoCount, ensureDemoPhotos } from './photos.js';
import { ensureStaff } from './staff.js';
import { loadDemoHotline, type HotlineDemoResult } from '../hotline/demo.js';
import { loadDemoWorkforce, type WorkforceDemoOptions, type WorkforceDemoResult } from './workforce.js';
import { loadDemoMechanisms, type MechanismsDemoResult } from './mechanisms.js';

/** Every demo account has this password (printed at start; never use the demo in production). */
export const DEMO_PASSWORD = 'Demo#2026';

/** The demo's named accounts, in the order the README lists them (test/foundation/demo-accounts.test.ts holds the two together). */
export const DEMO_ACCOUNT_NAMES = ['admin', 'operator', 'dispatcher', 'supervisor', 'handler', 'worker', 'teamlead', 'street', 'leader', 'auditor', 'basedata', 'keyperson'] as const;

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
  /** Staff accounts created at scale (0 when they existed or were not asked for). */
  staff: number;
  incidents: IncidentLoadResult | null;
  workforce: WorkforceDemoResult | null;
  /** Base data records beside the residents (null when no residents were asked for). */
  records: RecordsResult | null;
  /** Party organisations, linked cadres and livelihood projects (with the residents; null without). */
  mechanisms: MechanismsDemoResult | null;
  /** Unsatisfied hotline orders (null when no incidents were asked for). */
  hotline: HotlineDemoResult | null;
}

export interface DemoIncidentOptions {
  /** Months of reports before `until` (0: none). */
  months: number;
  /** Last day of reports, 'YYYY-MM-DD' (default: yesterday in Asia/Shanghai). */
  until?: string | undefined;
  onProgress?: (p: IncidentProgress) => void;
  /** Tests of resuming: stop after this many days. */
  stopAfterDays?: number;
}

/**
 * Loads the demo district: the grid tree, departments and one account per
 * role. Safe to re-run: what exists is kept.
 */
export async function loadDemo(
  platform: Platform,
  options: {
    seed?: number;
    scale?: number;
    residentsScale?: number;
    onResidents?: (done: number, total: number) => void;
    /** Tests of resuming: stop the base data records after this many unit grids. */
    stopRecordsAfterGrids?: number;
    /** Staff accounts for every role at scale (patrol workers, handlers, desks, street operators). */
    staff?: boolean;
    /** Incidents with their timelines (implies staff). */
    incidents?: DemoIncidentOptions;
    /**
     * Teams, leave, and the last month's clock records and patrol tracks of
     * the patrol workers (with incidents, unless false).
     */
    workforce?: false | Pick<WorkforceDemoOptions, 'days' | 'intervalMs' | 'onProgress'>;
  } = {},
): Promise<DemoSummary> {
  const { db } = platform;
  const actor: AuditActor = { userId: null, username: 'demo', ip: null };
  const features = generateDemoDistrict({ seed: options.seed ?? 1, scale: options.scale ?? 1 });
  let created = false;
  if ((await countGrids(db.primary)) === 0) {
    // Through the import path: validated, with history rows, audited, and the locator rebuilt.
    const report = await platform.grid.importFiles([demoFeatureCollection(features)], { dryRun: false, partial: false }, actor, null);
    if (!report.applied) throw new Error(`demo district did not import: ${report.problems.slice(0, 3).map((p) => p.message).join('; ')}`);
    created = true;
  }
  const departments = await ensureDepartments(
    db,
    DEFAULT_DEPARTMENTS.map((d) => ({ code: d.code, name: d.nameZh, nameEn: d.nameEn })),
  );
  // The reference district's 8 major / 106 minor categories (the calendar is seeded at start).
  await platform.incidentConfig.seedDefaults();
  await platform.publicMap.markDemoPublic();

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
    { username: 'teamlead', displayName: '网格长 杨帆', role: 'team_leader', scope: d(community.code) },
    { username: 'street', displayName: '街道指挥中心 赵敏', role: 'street_operator', scope: d(street.code) },
    { username: 'leader', displayName: '区领导 孙明', role: 'leader', scope: d(district.code) },
    { username: 'auditor', displayName: '审计员 周琳', role: 'auditor', scope: d(district.code) },
  ];
  // Base data: personal data (unmask, export) and key persons need their own role.
  if (!(await platform.accounts.listRoles()).some((r) => r.code === 'basedata_officer')) {
    await platform.accounts.createRole(actor, {
      code: 'basedata_officer', name: '基础数据管理员', nameEn: 'Base data officer', builtin: false,
      permissions: ['grid.read', 'residents.read', 'residents.manage', 'residents.unmask', 'residents.export', 'keypersons.read', 'incidents.read', 'incidents.report'],
    });
  }
  accounts.push({ username: 'basedata', displayName: '基础数据管理员 吴磊', role: 'basedata_officer', scope: d(street.code) });
  // 综治专干 (built-in keyperson_officer): the street's key-person follow-up, read only.
  accounts.push({ username: 'keyperson', displayName: '综治专干 何丽', role: 'keyperson_officer', scope: d(street.code) });
  for (const a of accounts) {
    if ((await platform.accounts.findUserId(a.username)) !== null) continue;
    const { userId } = await platform.accounts.createUser(actor, {
      username: a.username,
      displayName: a.displayName,
      password: DEMO_PASSWORD,
      mustChange: false,
    });
    await platform.accounts.grant(null, actor, userId, a.role, a.scope);
    if (a.role === 'grid_worker') await platform.grid.setWorkers(null, actor, a.scope.code, [{ userId, role: 'full_time' }]);
    created = true;
  }
  const seed = options.seed ?? 1;
  const scale = options.scale ?? 1;
  const withIncidents = options.incidents !== undefined && options.incidents.months > 0;
  // For the patrol workers' start date only; the incident loader settles the last day (a resumed run keeps its own).
  const until = options.incidents?.until ?? defaultUntil();
  let staff = 0;
  if (options.staff || withIncidents) {
    staff = await ensureStaff(db, actor, {
      seed, scale, password: DEMO_PASSWORD, departmentCodes: DEFAULT_DEPARTMENTS.map((x) => x.code),
      fromDate: periodStart(until, options.incidents?.months ?? 18),
    });
    if (staff > 0) created = true;
  }
  let records: RecordsResult | null = null;
  if (options.residentsScale && options.residentsScale > 0) {
    const r = await loadDemoResidents(db, platform.fieldCipher, { seed, scale: options.residentsScale, onProgress: options.onResidents });
    if (r.created) created = true;
    // Buildings beside the residents', places, components and organizations over every unit grid.
    const started = Date.now();
    records = await loadDemoRecords(db, actor, { seed, ...(options.stopRecordsAfterGrids !== undefined ? { stopAfterGrids: options.stopRecordsAfterGrids } : {}) });
    if (!records.skipped) {
      created = true;
      records.ms = Date.now() - started;
    }
  }
  let mechanisms: MechanismsDemoResult | null = null;
  if (options.residentsScale && options.residentsScale > 0) {
    // Party members are residents: loaded only with them. Figures are anchored on the last demo day.
    mechanisms = await loadDemoMechanisms(db, actor, { seed, until });
    if (!mechanisms.skipped) created = true;
  }
  let incidents: IncidentLoadResult | null = null;
  if (withIncidents) {
    const o = options.incidents!;
    // The photos are uploaded by the demo administrator (uploaders may always see their files).
    const admin = await platform.accounts.findUserId('admin');
    const photos = admin === null ? undefined : () => ensureDemoPhotos(platform.files, admin, demoPhotoCount(scale));
    incidents = await loadDemoIncidents(db, actor, {
      seed, scale, months: o.months, until: o.until, onProgress: o.onProgress,
      ...(o.stopAfterDays !== undefined ? { stopAfterDays: o.stopAfterDays } : {}),
      ...(photos ? { photos } : {}),
    });
    if (!incidents.skipped) created = true;
  }
  let workforce: WorkforceDemoResult | null = null;
  if (withIncidents && options.workforce !== false) {
    // The month up to the incidents' last day (a resumed incident load keeps the day it started with).
    // Only once the incidents are complete: the tracks pass the cases the workers reported.
    const stored = await db.primary.selectFrom('demo_progress').select(['params', 'finished']).where('name', '=', 'incidents').executeTakeFirst();
    if (stored && Number(stored.finished) === 1) {
      const last = (JSON.parse(stored.params) as { until?: string }).until ?? until;
      workforce = await loadDemoWorkforce(db, actor, { seed, until: last, ...(options.workforce ?? {}) });
      if (!workforce.skipped) created = true;
    }
  }
  let hotline: HotlineDemoResult | null = null;
  if (withIncidents) {
    const stored = await db.primary.selectFrom('demo_progress').select(['params', 'finished']).where('name', '=', 'incidents').executeTakeFirst();
    if (stored && Number(stored.finished) === 1) {
      const last = (JSON.parse(stored.params) as { until?: string }).until ?? until;
      // Unsatisfied hotline orders of the last 30 days, worked to the seed's figures (modules/hotline/demo.ts).
      hotline = await loadDemoHotline(db, platform.hotline, platform.gridLocator, actor, { seed, until: last });
      if (!hotline.skipped) created = true;
      // The category suggester learns from the history just loaded (the server retrains daily after that).
      if (!(await db.primary.selectFrom('incident_suggest_models').select('id').limit(1).executeTakeFirst())) await platform.suggester.train(actor, 'demo');
    }
    // A few joint meetings (from the demo's hard cases) and campaigns in the first street; each written once.
    if (!(await loadDemoMeetings(db, actor)).skipped) created = true;
    if (!(await loadDemoCampaigns(db, actor)).skipped) created = true;
  }
  // Bulk loads change the tables' shape far more than everyday work: let the planner see it.
  if (created) await db.refreshStatistics();
  return { grids: features.length, departments, accounts, created, staff, incidents, workforce, records, mechanisms, hotline };
}
