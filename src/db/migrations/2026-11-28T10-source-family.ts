import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

/**
 * A rule's source names a family: `fhir-bundle` also matches `fhir-bundle:<server>`, the source a
 * bundle import gives items whose entries name their origin server (so two servers' `Observation/1`
 * do not overwrite each other). Only the source test changes; everything else is as in the foundation.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function item_permission(i items, at timestamptz default now())
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
          and (sr.source is null or sr.source = i.source or starts_with(i.source, sr.source || ':'))
          and (sr.kind is null or sr.kind = i.kind
               or (right(sr.kind, 1) = '*' and starts_with(i.kind, rtrim(sr.kind, '*'))))
          and (sr.category is null or sr.category = any (i.categories))
          and (sr.tag is null or sr.tag = any (i.tags))
        order by sr.priority desc, sr.share_with_ai asc, sr.created_at desc, sr.id
        limit 1
      ) r on true
    $fn$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
