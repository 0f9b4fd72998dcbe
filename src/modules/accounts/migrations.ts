import type { Kysely, Migration } from 'kysely';
import { fromJson, toJson } from '../../infra/db/values.js';

type Roles = { roles: { code: string; builtin: number; permissions: string } };

/**
 * The built-in admin role of an existing install gains `system.read` (the
 * health check's details, no longer shown to anonymous callers). New installs
 * get it from the catalogue when the roles are seeded.
 */
export const adminSystemReadMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const k = db as Kysely<Roles>;
    const admin = await k.selectFrom('roles').select(['permissions']).where('code', '=', 'admin').where('builtin', '=', 1).executeTakeFirst();
    if (!admin) return;
    const permissions = fromJson<string[]>(admin.permissions, []);
    if (permissions.includes('system.read')) return;
    await k.updateTable('roles').set({ permissions: toJson([...permissions, 'system.read'].sort()) }).where('code', '=', 'admin').execute();
  },
  async down() {},
};
