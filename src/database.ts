import type { AuditTables } from './infra/audit/tables.js';
import type { AuthTables } from './infra/auth/tables.js';
import type { Db } from './infra/db/database.js';
import type { Migrations } from './infra/db/migrator.js';
import { auditMigration } from './infra/audit/migrations.js';
import { authMigration } from './infra/auth/migrations.js';
import type { DepartmentTables } from './modules/departments/tables.js';
import { departmentsMigration } from './modules/departments/migrations.js';
import type { GridTables } from './modules/grid/tables.js';
import { gridMigration } from './modules/grid/migrations.js';

/** Every table of the platform: each module declares its own, this joins them. */
export interface Database extends AuthTables, AuditTables, DepartmentTables, GridTables {}

export type AppDb = Db<Database>;

/**
 * One ordered list of migrations for both dialects. Names are versions:
 * never rename or edit a released one; add a new one.
 */
export const MIGRATIONS: Migrations = {
  '0001_auth': authMigration,
  '0002_audit': auditMigration,
  '0003_departments': departmentsMigration,
  '0004_grid': gridMigration,
};
