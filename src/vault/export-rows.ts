import type { listAllJobs, listConnectionMetadata } from '../db/export.ts';
import type { listConnections } from '../db/wearables.ts';
import type { listApiTokens } from '../db/sessions.ts';

/** How the export shows the small, metadata-only parts of an account (never secrets or tokens). */

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);
type Row<F extends (...a: any[]) => Promise<any[]>> = Awaited<ReturnType<F>>[number];

export function exportTokens(rows: Row<typeof listApiTokens>[]) {
  return rows.map((t) => ({ id: t.id, name: t.name, prefix: t.prefix, createdAt: iso(t.created_at), lastUsedAt: iso(t.last_used_at), expiresAt: iso(t.expires_at) }));
}

export function smartConnection(c: Row<typeof listConnectionMetadata>) {
  return {
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
  };
}

export function wearableConnection(c: Row<typeof listConnections>) {
  return {
    kind: 'wearable' as const,
    provider: c.provider,
    status: c.status,
    scopes: c.scope,
    syncedThrough: c.synced_through,
    lastSyncAt: iso(c.last_sync_at),
    createdAt: iso(c.created_at),
  };
}

export function exportJobs(rows: Row<typeof listAllJobs>[]) {
  return rows.map((j) => ({
    id: j.id,
    type: j.type,
    status: j.status,
    progress: { done: Number(j.progress_done), total: j.progress_total === null ? null : Number(j.progress_total), unit: j.progress_unit },
    warnings: j.warnings,
    error: j.error,
    createdAt: iso(j.created_at),
    startedAt: iso(j.started_at),
    finishedAt: iso(j.finished_at),
  }));
}
