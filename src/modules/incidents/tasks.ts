/**
 * The incident_tasks mirror of the state's department tasks (联动处置):
 * rows from a state, kept in step in the action's transaction, and filled
 * for incidents saved before the table existed (migration 0044).
 */
import type { Kysely, Migration } from 'kysely';
import type { Database } from '../../database.js';
import { bulkInsert } from '../../infra/db/insert.js';
import { deferred } from '../../infra/db/mysql-driver.js';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';
import { withTasks, type DepartmentTask, type IncidentState } from './rules/state-machine.js';
import type { IncidentTaskTable } from './tables.js';

export const TASK_COLUMNS = ['incident_id', 'department_code', 'role', 'handle_by', 'status', 'replied_at', 'assignee_user_id', 'assigned_at'] as const;

export function taskRow(incidentId: number, t: DepartmentTask): IncidentTaskTable {
  return {
    incident_id: incidentId,
    department_code: t.departmentCode,
    role: t.role,
    handle_by: t.handleBy,
    status: t.status,
    replied_at: t.repliedAt,
    assignee_user_id: t.assigneeUserId === null ? null : Number(t.assigneeUserId),
    assigned_at: t.assignedAt,
  };
}

/** The rows as arrays in TASK_COLUMNS order, for bulk writers. */
export function taskValues(incidentId: number, tasks: readonly DepartmentTask[]): unknown[][] {
  return tasks.map((t) => {
    const row = taskRow(incidentId, t);
    return TASK_COLUMNS.map((c) => row[c]);
  });
}

/**
 * Makes the incident's rows match its tasks, by primary key only (deleting by
 * incident alone would take InnoDB gap locks, as with incident_departments).
 * The writes go with the transaction's next statement on MySQL (`deferred`).
 */
export async function syncTasks(tx: Kysely<Database>, incidentId: number, before: readonly DepartmentTask[], after: readonly DepartmentTask[]): Promise<void> {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const current = await tx.selectFrom('incident_tasks').select('department_code').where('incident_id', '=', incidentId).execute();
  const wanted = new Map(after.map((t) => [t.departmentCode, t]));
  for (const r of current) {
    if (!wanted.has(r.department_code)) {
      await tx.executeQuery(deferred(tx.deleteFrom('incident_tasks').where('incident_id', '=', incidentId).where('department_code', '=', r.department_code).compile()));
    }
  }
  const existing = new Set(current.map((r) => r.department_code));
  for (const t of after) {
    const { incident_id: _i, department_code: _d, ...values } = taskRow(incidentId, t);
    if (existing.has(t.departmentCode)) {
      await tx.executeQuery(deferred(tx.updateTable('incident_tasks').set(values).where('incident_id', '=', incidentId).where('department_code', '=', t.departmentCode).compile()));
    } else {
      await tx.executeQuery(deferred(tx.insertInto('incident_tasks').values(taskRow(incidentId, t)).compile()));
    }
  }
}

/** 0044: the table, and the parts of incidents dispatched before it (withTasks derives them from lead, co-handlers and their replies). */
export const incidentTasksMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(
      d,
      db.schema
        .createTable('incident_tasks')
        .addColumn('incident_id', 'integer', (c) => c.notNull())
        .addColumn('department_code', 'varchar(16)', (c) => c.notNull())
        .addColumn('role', 'varchar(8)', (c) => c.notNull())
        .addColumn('handle_by', 'bigint')
        .addColumn('status', 'varchar(8)', (c) => c.notNull())
        .addColumn('replied_at', 'bigint')
        .addColumn('assignee_user_id', 'integer')
        .addColumn('assigned_at', 'bigint')
        .addPrimaryKeyConstraint('incident_tasks_pk', ['incident_id', 'department_code']),
    ).execute();
    await db.schema.createIndex('incident_tasks_assignee').on('incident_tasks').columns(['assignee_user_id', 'status', 'incident_id']).execute();
    await db.schema.createIndex('incident_tasks_department').on('incident_tasks').columns(['department_code', 'status', 'handle_by']).execute();
    const k = db as unknown as Kysely<Database>;
    let afterId = 0;
    for (;;) {
      const rows = await k
        .selectFrom('incidents')
        .select(['id', 'state'])
        .where('lead_department_code', 'is not', null)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(2000)
        .execute();
      if (rows.length === 0) break;
      afterId = Number(rows[rows.length - 1]!.id);
      const values = rows.flatMap((r) => taskValues(Number(r.id), withTasks(JSON.parse(r.state) as IncidentState).tasks));
      await bulkInsert(db, 'incident_tasks', TASK_COLUMNS, values);
    }
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('incident_tasks').execute();
  },
};
