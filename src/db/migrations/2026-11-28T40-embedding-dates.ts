import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

/**
 * Each embedding carries its item's date (`sort_at`), so a question with a period ("since March",
 * "in 2023") filters the vector neighbours while it walks the HNSW index, instead of fetching
 * each neighbour's item to read its date (on 100,000 items, "since March" walked ~1,600
 * neighbours for the 80 it needed). Triggers keep the copy exact: an embedding takes its item's
 * date when written, and follows it when the item's date changes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const vector = await sql<{ n: number }>`select count(*)::int as n from pg_extension where extname = 'vector'`.execute(db);
  if ((vector.rows[0]?.n ?? 0) === 0) return;
  await sql`alter table item_embeddings add column sort_at timestamptz`.execute(db);
  await sql`update item_embeddings e set sort_at = i.sort_at from items i where i.id = e.item_id`.execute(db);
  await sql`alter table item_embeddings alter column sort_at set not null`.execute(db);
  await sql`
    create function item_embeddings_take_date() returns trigger language plpgsql as $fn$
    begin
      new.sort_at := (select sort_at from items where id = new.item_id);
      return new;
    end
    $fn$`.execute(db);
  await sql`
    create trigger item_embeddings_take_date before insert or update on item_embeddings
    for each row execute function item_embeddings_take_date()`.execute(db);
  await sql`
    create function items_dates_to_embeddings() returns trigger language plpgsql as $fn$
    begin
      update item_embeddings set sort_at = new.sort_at where item_id = new.id;
      return null;
    end
    $fn$`.execute(db);
  await sql`
    create trigger items_dates_to_embeddings after update on items
    for each row when (old.sort_at is distinct from new.sort_at) execute function items_dates_to_embeddings()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
