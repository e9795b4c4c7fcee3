import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

/**
 * Wearable time series. Raw samples are kept as sealed day batches: one row per
 * (user, source, metric, local day) whose `samples_enc` holds that day's samples encrypted
 * with the user's data key (DESIGN.md invariant 4: values are health data, so only metadata
 * — metric, day, unit, counts, time range — is plain). Deduplication happens inside the
 * batch when it is merged; the row key keeps one batch per day and source.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('wearable_batches')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('sample_count', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_at', 'timestamptz', (c) => c.notNull())
    .addColumn('samples_enc', 'bytea', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('wearable_batches_pk', ['user_id', 'source', 'metric', 'day'])
    .execute();
  await db.schema.createIndex('wearable_batches_time_idx').on('wearable_batches').columns(['user_id', 'metric', 'first_at']).execute();

  // One OAuth connection per user and provider; tokens are sealed with the user's data key.
  await db.schema
    .createTable('wearable_connections')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('tokens_enc', 'bytea', (c) => c.notNull())
    .addColumn('scope', 'text')
    .addColumn('access_expires_at', 'timestamptz')
    .addColumn('synced_through', 'text')
    .addColumn('last_sync_at', 'timestamptz')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('connected'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('wearable_connections_pk', ['user_id', 'provider'])
    .execute();

  // Pending authorization requests: the PKCE verifier is sealed; rows expire after minutes.
  await db.schema
    .createTable('wearable_oauth_states')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('verifier_enc', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('wearable_oauth_states').execute();
  await db.schema.dropTable('wearable_connections').execute();
  await db.schema.dropTable('wearable_batches').execute();
}
