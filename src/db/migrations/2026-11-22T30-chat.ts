import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('conversations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title_enc', 'bytea', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull().defaultTo('web'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index conversations_user_idx on conversations (user_id, updated_at desc)`.execute(db);

  await db.schema
    .createTable('messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'assistant')`))
    .addColumn('content_enc', 'bytea', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('complete').check(sql`status in ('complete', 'incomplete', 'error')`))
    .addColumn('item_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('model', 'text')
    .addColumn('usage', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .execute();
  await sql`create index messages_conversation_idx on messages (conversation_id, created_at)`.execute(db);

  // Embeddings exist only where pgvector does; without it retrieval is lexical only.
  const vector = await sql<{ n: number }>`select count(*)::int as n from pg_extension where extname = 'vector'`.execute(db);
  if ((vector.rows[0]?.n ?? 0) > 0) {
    // Dimension-free column: the HNSW index is an expression index per dimension, created
    // when the first embedding of that size is stored (see src/db/embeddings.ts).
    await db.schema
      .createTable('item_embeddings')
      .addColumn('item_id', 'uuid', (c) => c.primaryKey().references('items.id').onDelete('cascade'))
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('dims', 'integer', (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('embedding', sql`vector`, (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await sql`create index item_embeddings_user_idx on item_embeddings (user_id, model)`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
