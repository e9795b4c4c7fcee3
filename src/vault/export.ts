import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import * as repo from '../db/export.ts';
import { countBatches, listBatches, listConnections as listWearableConnections } from '../db/wearables.ts';
import { listApiTokens } from '../db/sessions.ts';
import { TimeSeriesStore } from '../connectors/timeseries/store.ts';
import type { ConversationStore } from '../chat/conversations.ts';
import type { ItemService } from './items.ts';
import type { KeyService } from './keys.ts';
import type { RuleService } from './rules.ts';
import type { UserView } from './accounts.ts';

/** What the export reads besides the database: the services that know how to open their data. */
export interface ExportParts {
  items: ItemService;
  rules: RuleService;
  conversations: ConversationStore;
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/**
 * `GET /api/vault/export`: everything of one user, decrypted, as one JSON document — items,
 * sharing rules, conversations with their messages, disclosures, API tokens (metadata; the
 * secrets exist only as hashes), connections (metadata; never their OAuth tokens), jobs and
 * the raw wearable samples. Nothing is capped.
 */
export async function buildExport(db: Kysely<Database>, keys: KeyService, user: UserView, parts: ExportParts) {
  const userId = user.id;
  const conversations = [];
  for (const { id } of await repo.listConversationIds(db, userId)) conversations.push(await parts.conversations.get(userId, id));
  return {
    exportedAt: new Date().toISOString(),
    user,
    items: await parts.items.exportAll(userId),
    rules: await parts.rules.list(userId),
    conversations,
    disclosures: (await repo.listAllDisclosures(db, userId)).map((d) => ({
      id: d.id,
      conversationId: d.conversation_id,
      model: d.model,
      purpose: d.purpose,
      itemIds: d.item_ids,
      createdAt: iso(d.created_at),
    })),
    apiTokens: (await listApiTokens(db, userId)).map((t) => ({
      id: t.id,
      name: t.name,
      prefix: t.prefix,
      createdAt: iso(t.created_at),
      lastUsedAt: iso(t.last_used_at),
      expiresAt: iso(t.expires_at),
    })),
    connections: [
      ...(await repo.listConnectionMetadata(db, userId)).map((c) => ({
        kind: 'smart-on-fhir' as const,
        provider: c.provider,
        status: c.status,
        serverUrl: c.server_url,
        scopes: c.scopes,
        accessExpiresAt: iso(c.expires_at),
        lastSyncAt: iso(c.last_sync_at),
        lastError: c.last_error,
        createdAt: iso(c.created_at),
        updatedAt: iso(c.updated_at),
      })),
      ...(await listWearableConnections(db, userId)).map((c) => ({
        kind: 'wearable' as const,
        provider: c.provider,
        status: c.status,
        scopes: c.scope,
        syncedThrough: c.synced_through,
        lastSyncAt: iso(c.last_sync_at),
        createdAt: iso(c.created_at),
      })),
    ],
    jobs: (await repo.listAllJobs(db, userId)).map((j) => ({
      id: j.id,
      type: j.type,
      status: j.status,
      progress: { done: Number(j.progress_done), total: j.progress_total === null ? null : Number(j.progress_total), unit: j.progress_unit },
      warnings: j.warnings,
      error: j.error,
      createdAt: iso(j.created_at),
      startedAt: iso(j.started_at),
      finishedAt: iso(j.finished_at),
    })),
    wearableSamples: await wearableSamples(db, keys, userId, parts.items),
  };
}

/** Every stored wearable sample, per source and metric, opened by the time-series store. */
async function wearableSamples(db: Kysely<Database>, keys: KeyService, userId: string, items: ItemService) {
  const store = new TimeSeriesStore(keys, items);
  const out = [];
  for (const { source, metric } of await countBatches(db, userId)) {
    // Sources starting with "~" are an import's staging rows, not yet (or never) the user's data.
    if (source.startsWith('~')) continue;
    const rows = await listBatches(db, userId, source, metric);
    const samples = await store.readSeries(db, userId, source, metric, rows);
    out.push({ source, metric, samples: samples.map((s) => ({ ...s, start: iso(new Date(s.start)), end: iso(new Date(s.end)) })) });
  }
  return out;
}
