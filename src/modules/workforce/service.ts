/**
 * The workforce module's services, built once by the platform: patrols and
 * tracks, clock records and attendance.
 */
import type { AppDb } from '../../database.js';
import type { GridLocatorPort } from '../grid/locator-service.js';
import type { ReferenceData } from '../incidents/reference.js';
import { AttendanceService } from './attendance.js';
import { WorkforceContext } from './context.js';
import { PatrolService } from './patrols.js';

export interface Workforce {
  context: WorkforceContext;
  patrols: PatrolService;
  attendance: AttendanceService;
}

export function createWorkforce(db: AppDb, reference: ReferenceData, locator: GridLocatorPort): Workforce {
  const context = new WorkforceContext(db, reference, locator);
  const patrols = new PatrolService(context);
  return { context, patrols, attendance: new AttendanceService(context, patrols) };
}
