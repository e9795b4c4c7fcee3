import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

/**
 * `ai_readable(item, user)`: "may the AI read this item of this user?" as one opaque call, for the
 * retrieval statement's row-by-row checks. It only reads `item_permission()` (still the one place
 * that computes a permission), but as a PL/pgSQL function its lookup is planned once per
 * connection and reused, instead of `item_permission()`'s body being inlined and planned again
 * at each of the several places a retrieval statement checks a row, on every question.
 * False for an item that is not the user's or does not exist.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function ai_readable(p_item uuid, p_user uuid)
    returns boolean
    language plpgsql stable
    -- Its one lookup has the same good plan for every item: planned once per connection and
    -- reused, whatever plan_cache_mode the caller's session uses for its own statements.
    set plan_cache_mode = auto
    as $fn$
    begin
      return coalesce((
        select perm.share_with_ai from items ri cross join lateral item_permission(ri) perm
        where ri.id = p_item and ri.user_id = p_user), false);
    end
    $fn$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
