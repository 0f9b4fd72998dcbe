import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

/**
 * Base data tables. Search indexes put the searched column first and
 * grid_code second: the scope is a prefix LIKE on grid_code, checked inside
 * the index while walking it in the searched column's order.
 */
export const basedataMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    const id = 'id';
    const create = (name: string) => db.schema.createTable(name).addColumn(id, 'integer', (c) => c.primaryKey().autoIncrement());
    const grid = 'varchar(20)';

    await tableOptions(d, create('buildings')
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('name', 'varchar(100)', (c) => c.notNull())
      .addColumn('address', 'varchar(255)', (c) => c.notNull())
      .addColumn('lng', 'double precision')
      .addColumn('lat', 'double precision')
      .addColumn('floors', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('buildings_grid_name').on('buildings').columns(['grid_code', 'name']).unique().execute();
    await db.schema.createIndex('buildings_name').on('buildings').columns(['name', 'grid_code']).execute();

    await tableOptions(d, create('entrances')
      .addColumn('building_id', 'integer', (c) => c.notNull())
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('name', 'varchar(50)', (c) => c.notNull())).execute();
    await db.schema.createIndex('entrances_building').on('entrances').columns(['building_id', 'name']).unique().execute();

    await tableOptions(d, create('dwellings')
      .addColumn('building_id', 'integer', (c) => c.notNull())
      .addColumn('entrance_id', 'integer')
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('room_no', 'varchar(50)', (c) => c.notNull())
      .addColumn('address', 'varchar(300)', (c) => c.notNull())
      .addColumn('area', 'double precision')
      .addColumn('dwelling_use', 'varchar(16)', (c) => c.notNull())
      .addColumn('ownership', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('dwellings_building_room').on('dwellings').columns(['building_id', 'room_no']).unique().execute();
    await db.schema.createIndex('dwellings_grid').on('dwellings').columns(['grid_code', 'id']).execute();

    await tableOptions(d, create('households')
      .addColumn('household_no', 'varchar(40)', (c) => c.notNull().unique())
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('dwelling_id', 'integer')
      .addColumn('head_resident_id', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('households_grid').on('households').columns(['grid_code', 'id']).execute();
    await db.schema.createIndex('households_dwelling').on('households').column('dwelling_id').execute();

    await tableOptions(d, create('residents')
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('name_initials', 'varchar(64)', (c) => c.notNull())
      .addColumn('id_cipher', 'varchar(200)', (c) => c.notNull())
      .addColumn('id_bidx', 'char(64)', (c) => c.notNull().unique())
      .addColumn('birth_date', 'varchar(10)', (c) => c.notNull())
      .addColumn('sex', 'varchar(8)', (c) => c.notNull())
      .addColumn('phone_cipher', 'varchar(200)')
      .addColumn('phone_bidx', 'char(64)')
      .addColumn('population', 'varchar(16)', (c) => c.notNull())
      .addColumn('ethnicity', 'varchar(32)')
      .addColumn('education', 'varchar(32)')
      .addColumn('workplace', 'varchar(200)')
      .addColumn('household_id', 'integer')
      .addColumn('relation', 'varchar(16)')
      .addColumn('tags', 'varchar(500)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))).execute();
    await db.schema.createIndex('residents_name').on('residents').columns(['name', 'grid_code']).execute();
    await db.schema.createIndex('residents_initials').on('residents').columns(['name_initials', 'grid_code']).execute();
    await db.schema.createIndex('residents_phone').on('residents').column('phone_bidx').execute();
    await db.schema.createIndex('residents_grid').on('residents').columns(['grid_code', 'id']).execute();
    await db.schema.createIndex('residents_household').on('residents').column('household_id').execute();

    await tableOptions(d, db.schema.createTable('resident_tags')
      .addColumn('resident_id', 'integer', (c) => c.notNull())
      .addColumn('tag', 'varchar(32)', (c) => c.notNull())
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addPrimaryKeyConstraint('resident_tags_pk', ['resident_id', 'tag'])).execute();
    await db.schema.createIndex('resident_tags_tag').on('resident_tags').columns(['tag', 'grid_code', 'resident_id']).execute();
    await db.schema.createIndex('resident_tags_grid').on('resident_tags').columns(['grid_code', 'tag']).execute();

    await tableOptions(d, create('resident_dwellings')
      .addColumn('resident_id', 'integer', (c) => c.notNull())
      .addColumn('dwelling_id', 'integer', (c) => c.notNull())
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('relation', 'varchar(16)', (c) => c.notNull())
      .addColumn('from_date', 'varchar(10)', (c) => c.notNull())
      .addColumn('to_date', 'varchar(10)')
      .addColumn('is_current', 'smallint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('resident_dwellings_resident').on('resident_dwellings').columns(['resident_id', 'is_current']).execute();
    await db.schema.createIndex('resident_dwellings_dwelling').on('resident_dwellings').columns(['dwelling_id', 'is_current']).execute();

    await tableOptions(d, create('places')
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('type', 'varchar(32)', (c) => c.notNull())
      .addColumn('address', 'varchar(300)', (c) => c.notNull())
      .addColumn('lng', 'double precision')
      .addColumn('lat', 'double precision')
      .addColumn('contact_name', 'varchar(64)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('places_grid').on('places').columns(['grid_code', 'type']).execute();

    await tableOptions(d, create('place_inspections')
      .addColumn('place_id', 'integer', (c) => c.notNull())
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('inspected_at', 'bigint', (c) => c.notNull())
      .addColumn('inspector_user_id', 'integer')
      .addColumn('result', 'varchar(16)', (c) => c.notNull())
      .addColumn('notes', 'text', (c) => c.notNull())).execute();
    await db.schema.createIndex('place_inspections_place').on('place_inspections').columns(['place_id', 'inspected_at']).execute();

    await tableOptions(d, create('components')
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('class_code', 'varchar(16)', (c) => c.notNull())
      .addColumn('name', 'varchar(100)', (c) => c.notNull())
      .addColumn('lng', 'double precision', (c) => c.notNull())
      .addColumn('lat', 'double precision', (c) => c.notNull())
      .addColumn('owner_department', 'varchar(32)')
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('components_grid').on('components').columns(['grid_code', 'class_code']).execute();

    await tableOptions(d, create('organizations')
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('credit_code', 'char(18)', (c) => c.notNull().unique())
      .addColumn('kind', 'varchar(32)', (c) => c.notNull())
      .addColumn('address', 'varchar(300)', (c) => c.notNull())
      .addColumn('legal_person', 'varchar(64)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('organizations_grid').on('organizations').columns(['grid_code', 'name']).execute();

    await tableOptions(d, create('key_persons')
      .addColumn('resident_id', 'integer', (c) => c.notNull().unique())
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('category', 'varchar(32)', (c) => c.notNull())
      .addColumn('level', 'varchar(16)', (c) => c.notNull())
      .addColumn('notes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('key_persons_grid').on('key_persons').columns(['grid_code', 'id']).execute();

    await tableOptions(d, create('visits')
      .addColumn('household_id', 'integer', (c) => c.notNull())
      .addColumn('grid_code', grid, (c) => c.notNull())
      .addColumn('visitor_user_id', 'integer', (c) => c.notNull())
      .addColumn('visited_at', 'bigint', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('finding', 'text')
      .addColumn('follow_up', 'text')
      .addColumn('incident_id', 'integer')
      .addColumn('pending_incident', 'smallint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('visits_household').on('visits').columns(['household_id', 'visited_at']).execute();
    await db.schema.createIndex('visits_grid').on('visits').columns(['grid_code', 'visited_at']).execute();

    await tableOptions(d, create('import_jobs')
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('file_name', 'varchar(255)', (c) => c.notNull())
      .addColumn('file_path', 'varchar(1000)', (c) => c.notNull())
      .addColumn('mapping', 'text', (c) => c.notNull())
      .addColumn('total_rows', 'integer')
      .addColumn('last_row', 'integer', (c) => c.notNull())
      .addColumn('ok_rows', 'integer', (c) => c.notNull())
      .addColumn('error_rows', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('error', 'text')).execute();

    await tableOptions(d, create('import_errors')
      .addColumn('job_id', 'integer', (c) => c.notNull())
      .addColumn('row_no', 'integer', (c) => c.notNull())
      .addColumn('code', 'varchar(40)', (c) => c.notNull())
      .addColumn('message', 'varchar(500)', (c) => c.notNull())).execute();
    await db.schema.createIndex('import_errors_job').on('import_errors').columns(['job_id', 'row_no']).execute();

    await tableOptions(d, create('key_rotations')
      .addColumn('target', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('last_id', 'integer', (c) => c.notNull())
      .addColumn('rotated', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')).execute();

    await tableOptions(d, create('share_clients')
      .addColumn('name', 'varchar(100)', (c) => c.notNull())
      .addColumn('key_prefix', 'varchar(16)', (c) => c.notNull().unique())
      .addColumn('key_hash', 'char(64)', (c) => c.notNull())
      .addColumn('scope_code', grid, (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('rate_per_minute', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
  },
  async down(db: Kysely<unknown>) {
    for (const t of ['share_clients', 'key_rotations', 'import_errors', 'import_jobs', 'visits', 'key_persons', 'organizations', 'components',
      'place_inspections', 'places', 'resident_dwellings', 'resident_tags', 'residents', 'households', 'dwellings', 'entrances', 'buildings']) {
      await db.schema.dropTable(t).execute();
    }
  },
};
