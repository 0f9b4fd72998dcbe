import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../db/migrator.js';

export const filesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(
      d,
      db.schema
        .createTable('files')
        .addColumn('hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('mime', 'varchar(64)', (c) => c.notNull())
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('thumbnail_size', 'integer', (c) => c.notNull())
        .addColumn('uploaded_by', 'integer')
        .addColumn('created_at', 'bigint', (c) => c.notNull()),
    ).execute();
    await tableOptions(
      d,
      db.schema
        .createTable('file_uploads')
        .addColumn('hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('file_uploads_pk', ['hash', 'user_id']),
    ).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('file_uploads').execute();
    await db.schema.dropTable('files').execute();
  },
};
