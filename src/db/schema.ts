import type { ColumnType, Generated } from 'kysely';

/** Table types of the vault database. Content-bearing columns are ciphertext (`*_enc`). */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  created_at: CreatedAt;
}

export interface UserKeysTable {
  user_id: string;
  master_key_id: string;
  wrapped_key: Buffer;
  created_at: CreatedAt;
  rotated_at: Timestamp | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: Buffer;
  created_at: CreatedAt;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: Buffer;
  prefix: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
}

export type Sensitivity = 'normal' | 'private' | 'secret';

export interface ItemsTable {
  id: string;
  user_id: string;
  kind: string;
  source: string;
  source_id: string | null;
  categories: string[];
  tags: string[];
  effective_at: Timestamp | null;
  sensitivity: Sensitivity;
  title_enc: Buffer;
  text_enc: Buffer | null;
  content_enc: Buffer | null;
  content_hash: string;
  search: string | null;
  share_with_ai: boolean | null;
  share_with_cloud: boolean | null;
  read_only: Generated<boolean>;
  expires_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  sort_at: ColumnType<Date, never, never>;
}

export interface SharingRulesTable {
  id: string;
  user_id: string;
  source: string | null;
  kind: string | null;
  category: string | null;
  tag: string | null;
  share_with_ai: boolean;
  share_with_cloud: boolean;
  priority: number;
  expires_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface DisclosuresTable {
  id: string;
  user_id: string;
  conversation_id: string | null;
  model: string;
  purpose: string;
  item_ids: string[];
  created_at: CreatedAt;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobsTable {
  id: string;
  user_id: string | null;
  type: string;
  status: JobStatus;
  dedupe_key: string | null;
  params: ColumnType<unknown, string, string>;
  progress_done: ColumnType<string, number | string, number | string>;
  progress_total: ColumnType<string | null, number | string | null, number | string | null>;
  progress_unit: string;
  warnings: ColumnType<string[], string, string>;
  error: string | null;
  result: ColumnType<unknown, string | null, string | null>;
  /** What the job saved for good (JSON counts), written with the save itself; see job-runner.ts. */
  committed: ColumnType<unknown, string | null | undefined, string | null>;
  attempts: Generated<number>;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
}

export interface ConversationsTable {
  id: string;
  user_id: string;
  title_enc: Buffer;
  origin: string;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A message's state: `streaming` until its answer ends `complete`, `incomplete` (stopped) or `error`. */
export type MessageStatus = 'streaming' | 'complete' | 'incomplete' | 'error';

export interface MessagesTable {
  id: string;
  conversation_id: string;
  user_id: string;
  role: 'user' | 'assistant';
  content_enc: Buffer;
  /** `streaming` while the answer is being written (rewritten every few seconds); never after a restart. */
  status: MessageStatus;
  item_ids: string[];
  model: string | null;
  usage: ColumnType<unknown, string | null, string | null>;
  created_at: CreatedAt;
}

export interface ItemEmbeddingsTable {
  item_id: string;
  user_id: string;
  model: string;
  dims: number;
  content_hash: string;
  embedding: string;
  /** The item's date, set by triggers (2026-11-28T40-embedding-dates): never written by the gateway. */
  sort_at: Generated<Date>;
  created_at: CreatedAt;
}

export type ConnectionStatus = 'connected' | 'needs_reconnect' | 'disconnected';

export interface ConnectionsTable {
  id: string;
  user_id: string;
  provider: string;
  status: ConnectionStatus;
  server_url: string;
  patient_id_enc: Buffer | null;
  scopes: string;
  access_token_enc: Buffer | null;
  refresh_token_enc: Buffer | null;
  expires_at: Timestamp | null;
  last_sync_at: Timestamp | null;
  last_sync_job_id: string | null;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface OauthStatesTable {
  state_hash: string;
  user_id: string;
  session_id: string;
  provider: string;
  verifier_enc: Buffer;
  expires_at: Timestamp;
  created_at: CreatedAt;
}

export interface ServerKeysTable {
  kid: string;
  purpose: string;
  alg: string;
  public_jwk: string;
  private_enc: Buffer;
  created_at: CreatedAt;
}

export interface ImportUploadsTable {
  id: string;
  user_id: string;
  kind: string;
  data_enc: Buffer;
  created_at: CreatedAt;
}

/** Sealed day batch of wearable samples (see migration 2026-11-22T20-wearables). */
export interface WearableBatchesTable {
  user_id: string;
  source: string;
  metric: string;
  day: string;
  unit: string;
  sample_count: number;
  first_at: Timestamp;
  last_at: Timestamp;
  samples_enc: Buffer;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface WearableConnectionsTable {
  user_id: string;
  provider: string;
  tokens_enc: Buffer;
  scope: string | null;
  access_expires_at: Timestamp | null;
  synced_through: string | null;
  last_sync_at: Timestamp | null;
  status: ColumnType<string, string | undefined, string>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface WearableOauthStatesTable {
  state_hash: string;
  user_id: string;
  provider: string;
  verifier_enc: Buffer;
  created_at: CreatedAt;
}

export interface Database {
  users: UsersTable;
  user_keys: UserKeysTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  items: ItemsTable;
  sharing_rules: SharingRulesTable;
  disclosures: DisclosuresTable;
  jobs: JobsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  item_embeddings: ItemEmbeddingsTable;
  connections: ConnectionsTable;
  oauth_states: OauthStatesTable;
  server_keys: ServerKeysTable;
  import_uploads: ImportUploadsTable;
  wearable_batches: WearableBatchesTable;
  wearable_connections: WearableConnectionsTable;
  wearable_oauth_states: WearableOauthStatesTable;
}
