import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('user_keys')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('master_key_id', 'text', (c) => c.notNull())
    .addColumn('wrapped_key', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('rotated_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').column('user_id').execute();

  await db.schema
    .createTable('items')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text')
    .addColumn('categories', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('effective_at', 'timestamptz')
    .addColumn('sensitivity', 'text', (c) =>
      c.notNull().defaultTo('normal').check(sql`sensitivity in ('normal', 'private', 'secret')`),
    )
    .addColumn('title_enc', 'bytea', (c) => c.notNull())
    .addColumn('text_enc', 'bytea')
    .addColumn('content_enc', 'bytea')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    // Blind index: a tsvector whose lexemes are per-user HMACs of the stemmed words.
    .addColumn('search', sql`tsvector`)
    .addColumn('share_with_ai', 'boolean')
    .addColumn('share_with_cloud', 'boolean')
    .addColumn('read_only', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sort_at', 'timestamptz', (c) => c.notNull().generatedAlwaysAs(sql`coalesce(effective_at, created_at)`).stored())
    .addCheckConstraint('items_secret_unindexed', sql`sensitivity <> 'secret' or search is null`)
    .execute();
  await sql`create unique index items_source_uq on items (user_id, source, source_id) where source_id is not null`.execute(db);
  await sql`create index items_user_sort_idx on items (user_id, sort_at desc, id desc)`.execute(db);
  await sql`create index items_user_kind_idx on items (user_id, kind, sort_at desc)`.execute(db);
  await sql`create index items_user_source_idx on items (user_id, source, sort_at desc)`.execute(db);
  await sql`create index items_search_idx on items using gin (search)`.execute(db);

  await db.schema
    .createTable('sharing_rules')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('source', 'text')
    .addColumn('kind', 'text')
    .addColumn('category', 'text')
    .addColumn('tag', 'text')
    .addColumn('share_with_ai', 'boolean', (c) => c.notNull())
    .addColumn('share_with_cloud', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('sharing_rules_user_idx').on('sharing_rules').column('user_id').execute();

  // The one definition of "may a model read this item?" (DESIGN.md invariants 1-3).
  // Item setting (unless expired) > highest-priority unexpired matching rule (deny wins a tie) > deny.
  // Secret items are never readable. SQL-language and STABLE so the planner inlines it.
  await sql`
    create function item_permission(i items, at timestamptz default now())
    returns table (share_with_ai boolean, share_with_cloud boolean, expires_at timestamptz, via text, rule_id uuid)
    language sql stable as $fn$
      select
        case when i.sensitivity = 'secret' then false
             when i.share_with_ai is not null and (i.expires_at is null or i.expires_at > at) then i.share_with_ai
             when r.id is not null then r.share_with_ai
             else false end,
        case when i.sensitivity = 'secret' then false
             when i.share_with_cloud is not null and (i.expires_at is null or i.expires_at > at) then i.share_with_cloud
             when r.id is not null then r.share_with_cloud
             else false end,
        case when i.share_with_ai is not null and (i.expires_at is null or i.expires_at > at) then i.expires_at
             else r.expires_at end,
        case when i.sensitivity = 'secret' then 'secret'
             when i.share_with_ai is not null and (i.expires_at is null or i.expires_at > at) then 'item'
             when r.id is not null then 'rule'
             else 'default' end,
        case when i.share_with_ai is not null and (i.expires_at is null or i.expires_at > at) then null
             else r.id end
      from (select 1) one
      left join lateral (
        select sr.id, sr.share_with_ai, sr.share_with_cloud, sr.expires_at
        from sharing_rules sr
        where sr.user_id = i.user_id
          and (sr.expires_at is null or sr.expires_at > at)
          and (sr.source is null or sr.source = i.source)
          and (sr.kind is null or sr.kind = i.kind
               or (right(sr.kind, 1) = '*' and starts_with(i.kind, rtrim(sr.kind, '*'))))
          and (sr.category is null or sr.category = any (i.categories))
          and (sr.tag is null or sr.tag = any (i.tags))
        order by sr.priority desc, sr.share_with_ai asc, sr.created_at desc, sr.id
        limit 1
      ) r on true
    $fn$`.execute(db);

  await db.schema
    .createTable('disclosures')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('conversation_id', 'uuid')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('item_ids', sql`uuid[]`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index disclosures_user_idx on disclosures (user_id, created_at desc)`.execute(db);

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('queued', 'running', 'succeeded', 'failed')`),
    )
    .addColumn('dedupe_key', 'text')
    .addColumn('params', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('progress_done', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('progress_total', 'bigint')
    .addColumn('progress_unit', 'text', (c) => c.notNull().defaultTo('items'))
    .addColumn('warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('result', 'jsonb')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('heartbeat_at', 'timestamptz')
    .execute();
  await sql`create index jobs_user_idx on jobs (user_id, created_at desc)`.execute(db);
  await sql`create unique index jobs_dedupe_uq on jobs (dedupe_key) where status in ('queued', 'running') and dedupe_key is not null`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
