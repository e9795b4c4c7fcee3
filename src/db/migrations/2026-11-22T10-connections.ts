import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.
// Connections to outside record sources (SMART on FHIR, later wearables), their one-time
// OAuth states, the server's own signing keys (for private_key_jwt) and pending uploads.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('connected', 'needs_reconnect', 'disconnected')`))
    .addColumn('server_url', 'text', (c) => c.notNull())
    // Sealed with the user's data key: a patient id links the account to a person at the provider.
    .addColumn('patient_id_enc', 'bytea')
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('access_token_enc', 'bytea')
    .addColumn('refresh_token_enc', 'bytea')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_sync_at', 'timestamptz')
    .addColumn('last_sync_job_id', 'uuid')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('connections_user_provider_uq', ['user_id', 'provider'])
    .execute();

  await db.schema
    .createTable('oauth_states')
    // sha256 of the state value: a database reader cannot replay a pending authorization.
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('verifier_enc', 'bytea', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('oauth_states_expires_idx').on('oauth_states').column('expires_at').execute();

  await db.schema
    .createTable('server_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    // PKCS#8 private key sealed with a secret derived from the master key; never stored in clear.
    .addColumn('private_enc', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('import_uploads')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('data_enc', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_uploads').execute();
  await db.schema.dropTable('server_keys').execute();
  await db.schema.dropTable('oauth_states').execute();
  await db.schema.dropTable('connections').execute();
}
