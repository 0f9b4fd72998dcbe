/**
 * The workforce module's services, built once by the platform: patrols and
 * tracks, clock records and attendance, teams and rota, leave.
 */
import type { AppDb } from '../../database.js';
import type { GridLocatorPort } from '../grid/locator-service.js';
import type { ReferenceData } from '../incidents/reference.js';
import { AttendanceService } from './attendance.js';
import { WorkforceContext } from './context.js';
import { DutyRoster } from './duty.js';
import { LeaveService } from './leave.js';
import { PatrolService } from './patrols.js';
import { TeamService } from './teams.js';

export interface Workforce {
  context: WorkforceContext;
  patrols: PatrolService;
  attendance: AttendanceService;
  teams: TeamService;
  leave: LeaveService;
  duty: DutyRoster;
}

export function createWorkforce(db: AppDb, reference: ReferenceData, locator: GridLocatorPort): Workforce {
  const context = new WorkforceContext(db, reference, locator);
  const patrols = new PatrolService(context);
  return { context, patrols, attendance: new AttendanceService(context, patrols), teams: new TeamService(context), leave: new LeaveService(context), duty: new DutyRoster(context) };
}
