/** Shapes of the gateway's public contract (DESIGN.md), as the client reads them. */

export type { Sensitivity } from '../../db/schema.ts';

export interface User {
  id: string;
  email: string;
}

export interface VaultSummary {
  total: number;
  sharedWithAi: number;
  secret: number;
}

export interface Me {
  user: User;
  csrfToken?: string;
  vault?: VaultSummary;
}

// The server's own view types: the client reads exactly what the gateway writes (type-only, erased at build).
export type { ItemPermissions as Permissions, EffectivePermission, ItemView as Item, ItemDetail } from '../../vault/items.ts';
export type { RuleView as Rule } from '../../vault/rules.ts';
export type { DisclosureView as Disclosure } from '../../vault/audit.ts';

export interface ContextItem {
  id: string;
  /** null (with `deleted`) for a record deleted since the answer: it keeps its [n] place. */
  title: string | null;
  kind: string | null;
  effectiveAt: string | null;
  deleted?: boolean;
}

export interface ConversationSummary {
  id: string;
  title?: string | null;
  createdAt?: string;
  updatedAt?: string;
}

export interface StoredMessage {
  id?: string;
  role: 'user' | 'assistant' | string;
  content?: string;
  text?: string;
  /** `incomplete` for a stopped answer, `error` for a failed one. */
  status?: 'complete' | 'incomplete' | 'error' | string;
  /** The records sent with this answer, in citation order. */
  items?: ContextItem[];
  createdAt?: string;
}

export interface Job {
  id: string;
  type: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress?: { done: number; total: number | null; unit?: string | null } | null;
  warnings?: (string | { message?: string; code?: string })[];
  error?: string | { message?: string; code?: string } | null;
}

export interface Integration {
  /** Where its routes live: /api/integrations (SMART on FHIR) or /api/wearables (wearable APIs). */
  base?: string;
  provider?: string;
  id?: string;
  name?: string;
  kind?: string;
  type?: string;
  connected?: boolean;
  /** `connected`, `needs_reconnect` (tokens no longer work) or `not_connected`. */
  status?: string;
  scopes?: string[];
  lastSyncAt?: string | null;
  lastSyncJobId?: string | null;
  lastError?: string | null;
  connectedAt?: string | null;
}
