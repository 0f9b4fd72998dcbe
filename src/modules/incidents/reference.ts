/**
 * Reference data the loop runs on, read from the database and cached briefly
 * (every create and action needs it): categories, the working calendar and
 * the set of departments. Edits on this node invalidate at once; other nodes
 * see them within the TTL.
 */
import type { AppDb } from '../../database.js';
import type { Selectable } from 'kysely';
import { fromJson } from '../../infra/db/values.js';
import type { CaseType, MajorCategory, MinorCategory, StageLimits } from './data/categories.js';
import type { IncidentWorkflowTable } from './tables.js';
import { CN_PUBLISHED_HOLIDAY_YEARS } from './data/holidays.js';
import {
  calendarYearFromPublished,
  createWorkCalendar,
  DEFAULT_WEEKEND_DAYS,
  DEFAULT_WORKING_PERIODS,
  type WorkCalendar,
} from './rules/calendar.js';
import { CASE_TYPES, DEFAULT_WORKFLOWS, type Workflow, type Workflows } from './rules/workflow.js';

export interface CategoryRecord extends Omit<MinorCategory, 'departmentCodes'> {
  departmentCodes: string[];
  status: 'active' | 'retired';
  version: number;
}

export interface MajorRecord extends MajorCategory {
  sort: number;
  status: 'active' | 'retired';
}

export interface CalendarDefinition {
  periods: [number, number][];
  weekendDays: number[];
  years: { year: number; holidays: string[]; workingWeekends: string[]; source: string }[];
}

export interface ReferenceSnapshot {
  majors: MajorRecord[];
  categories: Map<string, CategoryRecord>;
  calendar: WorkCalendar;
  calendarDefinition: CalendarDefinition;
  departments: Map<string, { code: string; name: string; nameEn: string; status: string; streetCode: string | null }>;
  /** The workflow of each case type; version 0 is the shipped default, never edited. */
  workflows: Workflows;
  workflowVersions: Readonly<Record<CaseType, number>>;
}

export class ReferenceData {
  private cached: { at: number; value: Promise<ReferenceSnapshot> } | null = null;
  constructor(
    private readonly db: AppDb,
    private readonly ttlMs = 5000,
  ) {}

  invalidate(): void {
    this.cached = null;
  }

  get(): Promise<ReferenceSnapshot> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.value;
    const value = this.load();
    this.cached = { at: now, value };
    value.catch(() => {
      if (this.cached?.value === value) this.cached = null;
    });
    return value;
  }

  private async load(): Promise<ReferenceSnapshot> {
    const db = this.db.primary;
    const [majorRows, catRows, calRow, yearRows, deptRows, workflowRows] = await Promise.all([
      db.selectFrom('incident_category_majors').selectAll().orderBy('sort').orderBy('code').execute(),
      db.selectFrom('incident_categories').selectAll().orderBy('code').execute(),
      db.selectFrom('work_calendar').selectAll().where('id', '=', 1).executeTakeFirst(),
      db.selectFrom('work_calendar_years').selectAll().orderBy('year').execute(),
      db.selectFrom('departments').select(['code', 'name', 'name_en', 'status', 'street_code']).orderBy('code').execute(),
      db.selectFrom('incident_workflows').selectAll().execute(),
    ]);
    const workflows = { ...DEFAULT_WORKFLOWS } as Record<CaseType, Workflow>;
    const workflowVersions = Object.fromEntries(CASE_TYPES.map((c) => [c, 0])) as Record<CaseType, number>;
    for (const r of workflowRows) {
      if (!CASE_TYPES.includes(r.case_type)) continue;
      workflows[r.case_type] = workflowFromRow(r);
      workflowVersions[r.case_type] = Number(r.version);
    }
    const categories = new Map<string, CategoryRecord>();
    for (const r of catRows) categories.set(r.code, categoryFromRow(r));
    const calendarDefinition: CalendarDefinition = {
      periods: calRow ? fromJson<[number, number][]>(calRow.periods, []) : DEFAULT_WORKING_PERIODS.map(([s, e]): [number, number] => [s, e]),
      weekendDays: calRow ? fromJson<number[]>(calRow.weekend_days, []) : [...DEFAULT_WEEKEND_DAYS],
      years: yearRows.map((y) => ({
        year: Number(y.year),
        holidays: fromJson<string[]>(y.holidays, []),
        workingWeekends: fromJson<string[]>(y.working_weekends, []),
        source: y.source,
      })),
    };
    return {
      majors: majorRows.map((m) => ({ code: m.code, nameZh: m.name, nameEn: m.name_en, sort: Number(m.sort), status: m.status })),
      categories,
      calendar: createWorkCalendar(calendarDefinition),
      calendarDefinition,
      departments: new Map(deptRows.map((d) => [d.code, { code: d.code, name: d.name, nameEn: d.name_en, status: d.status, streetCode: d.street_code ?? null }])),
      workflows,
      workflowVersions,
    };
  }
}

export function categoryFromRow(r: {
  code: string;
  major_code: string;
  name: string;
  name_en: string;
  type: 'component' | 'event';
  case_type: 'immediate' | 'committed' | 'coordinated';
  department_codes: string;
  limits: string;
  status: 'active' | 'retired';
  version: number;
}): CategoryRecord {
  return {
    code: r.code,
    majorCode: r.major_code,
    nameZh: r.name,
    nameEn: r.name_en,
    type: r.type,
    caseType: r.case_type,
    departmentCodes: fromJson<string[]>(r.department_codes, []),
    limits: fromJson<StageLimits>(r.limits, null as unknown as StageLimits),
    status: r.status,
    version: Number(r.version),
  };
}

export function workflowFromRow(r: Selectable<IncidentWorkflowTable>): Workflow {
  return {
    selfResolve: r.self_resolve,
    skipRegisterForGridWorker: Number(r.skip_register_for_grid_worker) === 1,
    verificationRequired: Number(r.verification_required) === 1,
    verifier: r.verifier,
    coordinationRequired: Number(r.coordination_required) === 1,
    closer: r.closer,
  };
}

/** The shipped calendar (State Council years 2025 and 2026) as a definition. */
export function defaultCalendarDefinition(): CalendarDefinition {
  return {
    periods: DEFAULT_WORKING_PERIODS.map(([s, e]): [number, number] => [s, e]),
    weekendDays: [...DEFAULT_WEEKEND_DAYS],
    years: CN_PUBLISHED_HOLIDAY_YEARS.map((p) => {
      const y = calendarYearFromPublished(p);
      return { year: y.year, holidays: [...y.holidays], workingWeekends: [...y.workingWeekends], source: p.source };
    }),
  };
}
