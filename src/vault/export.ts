import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import * as repo from '../db/export.ts';
import type { ItemKeyset } from '../db/items.ts';
import { countBatches, listConnections as listWearableConnections } from '../db/wearables.ts';
import { listApiTokens } from '../db/sessions.ts';
import { TimeSeriesStore } from '../connectors/timeseries/store.ts';
import type { ConversationStore } from '../chat/conversations.ts';
import { Yielder } from '../lib/yielder.ts';
import type { ItemService } from './items.ts';
import type { KeyService } from './keys.ts';
import type { RuleService } from './rules.ts';
import type { UserView } from './accounts.ts';
import { exportJobs, exportTokens, smartConnection, wearableConnection } from './export-rows.ts';

/** What the export reads besides the database: the services that know how to open their data. */
export interface ExportParts {
  items: ItemService;
  rules: RuleService;
  conversations: ConversationStore;
}

/**
 * Items are read in pages of about PAGE_BYTES of JSON: the page size follows the items' size
 * (a page of 200 small notes, or of 10 long documents), so one statement stays short (the
 * embedded database holds the gateway's thread while it runs: ~1 MB took 70-160 ms on a loaded
 * machine) and what is in flight (the database's answer, the decrypted page, its text) stays small.
 */
const PAGE_BYTES = 256 * 1024;
const ITEM_PAGE = { first: 50, min: 2, max: 500 };
const DISCLOSURE_PAGE = 1000;
const DAY_PAGE = 100;

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);
const json = (v: unknown) => JSON.stringify(v);

/**
 * `GET /api/vault/export`: everything of one user, decrypted, as one JSON document — items,
 * sharing rules, conversations with their messages, disclosures, API tokens (metadata; the
 * secrets exist only as hashes), connections (metadata; never their OAuth tokens), jobs and
 * the raw wearable samples. Nothing is capped.
 *
 * Yields the document's text piece by piece, in the order the keys appear: the large parts
 * (items, disclosures, samples) are read in keyset pages and decrypted a page at a time, so
 * memory stays flat whatever the vault's size, and the consumer's pace (the HTTP socket's
 * backpressure) decides how fast the next page is read. Between pages the event loop gets a
 * turn: the embedded database answers through promises only and would otherwise hold every
 * other request until the export ends.
 */
export async function* exportDocument(db: Kysely<Database>, keys: KeyService, user: UserView, parts: ExportParts): AsyncGenerator<string> {
  const userId = user.id;
  const yielder = new Yielder();
  yield `{"exportedAt":${json(new Date().toISOString())},"user":${json(user)},"items":[`;
  let after: ItemKeyset | undefined;
  let first = true;
  let limit = ITEM_PAGE.first;
  do {
    await yielder.maybe();
    const page = await parts.items.exportPage(userId, after, limit);
    const text = page.items.map(json).join(',');
    if (page.items.length) yield (first ? '' : ',') + text;
    first = false;
    after = page.next;
    limit = Math.max(ITEM_PAGE.min, Math.min(ITEM_PAGE.max, Math.round((limit * PAGE_BYTES) / Math.max(1, text.length))));
  } while (after);
  yield `],"rules":${json(await parts.rules.list(userId))},"conversations":[`;
  first = true;
  for (const { id } of await repo.listConversationIds(db, userId)) {
    await yielder.maybe();
    yield (first ? '' : ',') + json(await parts.conversations.get(userId, id));
    first = false;
  }
  yield '],"disclosures":[';
  yield* disclosures(db, userId, yielder);
  yield `],"apiTokens":${json(exportTokens(await listApiTokens(db, userId)))}`;
  const connections = [...(await repo.listConnectionMetadata(db, userId)).map(smartConnection), ...(await listWearableConnections(db, userId)).map(wearableConnection)];
  yield `,"connections":${json(connections)},"jobs":${json(exportJobs(await repo.listAllJobs(db, userId)))},"wearableSamples":[`;
  yield* wearableSamples(db, keys, userId, parts.items, yielder);
  yield ']}';
}

async function* disclosures(db: Kysely<Database>, userId: string, yielder: Yielder): AsyncGenerator<string> {
  let after: repo.DisclosureKeyset | undefined;
  let first = true;
  for (;;) {
    await yielder.maybe();
    const rows = await repo.listDisclosuresPage(db, userId, after, DISCLOSURE_PAGE);
    if (!rows.length) return;
    const views = rows.map((d) => ({ id: d.id, conversationId: d.conversation_id, model: d.model, purpose: d.purpose, itemIds: d.item_ids, createdAt: iso(d.created_at) }));
    yield (first ? '' : ',') + views.map(json).join(',');
    first = false;
    if (rows.length < DISCLOSURE_PAGE) return;
    const last = rows[rows.length - 1];
    after = { at: last.at_key, id: last.id };
  }
}

/** Every stored wearable sample, per source and metric, opened by the time-series store a page of days at a time. */
async function* wearableSamples(db: Kysely<Database>, keys: KeyService, userId: string, items: ItemService, yielder: Yielder): AsyncGenerator<string> {
  const store = new TimeSeriesStore(keys, items);
  let firstSeries = true;
  for (const { source, metric } of await countBatches(db, userId)) {
    // Sources starting with "~" are an import's staging rows, not yet (or never) the user's data.
    if (source.startsWith('~')) continue;
    yield `${firstSeries ? '' : ','}{"source":${json(source)},"metric":${json(metric)},"samples":[`;
    firstSeries = false;
    let afterDay: string | undefined;
    let first = true;
    for (;;) {
      await yielder.maybe();
      const rows = await repo.listBatchesPage(db, userId, source, metric, afterDay, DAY_PAGE);
      if (!rows.length) break;
      const samples = await store.readSeries(db, userId, source, metric, rows);
      if (samples.length) yield (first ? '' : ',') + samples.map((s) => json({ ...s, start: iso(new Date(s.start)), end: iso(new Date(s.end)) })).join(',');
      first = first && !samples.length;
      if (rows.length < DAY_PAGE) break;
      afterDay = rows[rows.length - 1].day;
    }
    yield ']}';
  }
}
