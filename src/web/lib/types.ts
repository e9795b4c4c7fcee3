/** Shapes of the gateway's public contract (DESIGN.md), as the client reads them. */

export type Sensitivity = 'normal' | 'private' | 'secret';

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

export interface Permissions {
  shareWithAi: boolean | null;
  shareWithCloud: boolean | null;
  readOnly: boolean;
  expiresAt: string | null;
}

export interface EffectivePermission {
  shareWithAi: boolean;
  shareWithCloud: boolean;
  expiresAt: string | null;
  via: 'item' | 'rule' | 'secret' | 'default';
  ruleId: string | null;
}

export interface Item {
  id: string;
  kind: string;
  source: string;
  sourceId: string | null;
  title: string;
  effectiveAt: string | null;
  sensitivity: Sensitivity;
  tags: string[];
  categories?: string[];
  permissions: Permissions;
  effectivePermission: EffectivePermission;
  createdAt?: string;
  updatedAt?: string;
}

export interface ItemDetail extends Item {
  text: string | null;
  content: unknown;
}

export interface Rule {
  id: string;
  source: string | null;
  kind: string | null;
  category: string | null;
  tag: string | null;
  shareWithAi: boolean;
  shareWithCloud: boolean;
  priority: number;
  expiresAt: string | null;
  expired: boolean;
  createdAt: string;
}

export interface Disclosure {
  id: string;
  conversationId: string | null;
  model: string;
  purpose: string;
  itemIds: string[];
  createdAt: string;
}

export interface ContextItem {
  id: string;
  title: string;
  kind: string;
  effectiveAt: string | null;
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
