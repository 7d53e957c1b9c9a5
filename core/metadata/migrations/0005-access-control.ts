import type { Kysely } from 'kysely';

/*
 * Access control: users and service accounts, custom roles, role bindings with an optional
 * resource scope, hashed API tokens, who owns each resource and for which team, and the
 * append-only audit log of every mutating API call.
 */

const NAME = 'varchar(64)';
const PRINCIPAL = 'varchar(140)';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('principals')
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('team', NAME)
    .addColumn('description', 'varchar(500)')
    .addColumn('created_by', PRINCIPAL, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .addPrimaryKeyConstraint('principals_pk', ['kind', 'name'])
    .execute();
  await db.schema
    .createTable('roles')
    .addColumn('name', NAME, (c) => c.notNull().primaryKey())
    .addColumn('permissions_json', 'text', (c) => c.notNull())
    .addColumn('description', 'varchar(500)')
    .addColumn('created_by', PRINCIPAL, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('role_bindings')
    .addColumn('id', 'varchar(32)', (c) => c.notNull().primaryKey())
    .addColumn('principal_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('principal_name', NAME, (c) => c.notNull())
    .addColumn('role', NAME, (c) => c.notNull())
    .addColumn('scope_json', 'text')
    .addColumn('created_by', PRINCIPAL, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('role_bindings_principal_idx').on('role_bindings').columns(['principal_kind', 'principal_name']).execute();
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'varchar(16)', (c) => c.notNull().primaryKey())
    .addColumn('secret_sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('principal_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('principal_name', NAME, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('created_by', PRINCIPAL, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_tokens_principal_idx').on('api_tokens').columns(['principal_kind', 'principal_name']).execute();
  await db.schema
    .createTable('resource_owners')
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('owner', PRINCIPAL, (c) => c.notNull())
    .addColumn('team', NAME)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('resource_owners_pk', ['kind', 'name'])
    .execute();
  await db.schema
    .createTable('audit_events')
    .addColumn('seq', 'integer', (c) => c.notNull().primaryKey().autoIncrement())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('principal', PRINCIPAL, (c) => c.notNull())
    .addColumn('permission', NAME)
    .addColumn('method', 'varchar(8)', (c) => c.notNull())
    .addColumn('route', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(255)')
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('request_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('message', 'varchar(1000)')
    .execute();
  await db.schema.createIndex('audit_events_at_idx').on('audit_events').columns(['at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_events', 'resource_owners', 'api_tokens', 'role_bindings', 'roles', 'principals']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
