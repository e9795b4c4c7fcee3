import type { Migration } from 'kysely';
import * as foundation from './2026-11-22T00-foundation.ts';
import * as connections from './2026-11-22T10-connections.ts';
import * as wearables from './2026-11-22T20-wearables.ts';
import * as chat from './2026-11-22T30-chat.ts';
import * as retrievalIndexes from './2026-11-22T31-retrieval-indexes.ts';
import * as expiryIndexes from './2026-11-28T00-expiry-indexes.ts';
import * as sourceFamily from './2026-11-28T10-source-family.ts';
import * as aiReadable from './2026-11-28T20-ai-readable.ts';
import * as embeddingsInline from './2026-11-28T30-embeddings-inline.ts';
import * as embeddingDates from './2026-11-28T40-embedding-dates.ts';
import * as jobCommitted from './2026-12-07T10-job-committed.ts';
import * as sealedColumnsNoStats from './2026-12-07T20-sealed-columns-no-stats.ts';
import * as streamingMessages from './2026-12-07T40-streaming-messages.ts';

/** Every migration, by sortable name. Add new ones here; never edit a landed one. */
export const migrations: Record<string, Migration> = {
  '2026-11-22T00-foundation': foundation,
  '2026-11-22T10-connections': connections,
  '2026-11-22T20-wearables': wearables,
  '2026-11-22T30-chat': chat,
  '2026-11-22T31-retrieval-indexes': retrievalIndexes,
  '2026-11-28T00-expiry-indexes': expiryIndexes,
  '2026-11-28T10-source-family': sourceFamily,
  '2026-11-28T20-ai-readable': aiReadable,
  '2026-11-28T30-embeddings-inline': embeddingsInline,
  '2026-11-28T40-embedding-dates': embeddingDates,
  '2026-12-07T10-job-committed': jobCommitted,
  '2026-12-07T20-sealed-columns-no-stats': sealedColumnsNoStats,
  '2026-12-07T40-streaming-messages': streamingMessages,
};
