import { useState } from 'hono/jsx/dom';
import { formatDateTime, humanize } from '../lib/format.ts';
import { isActive } from '../lib/sync-jobs.ts';
import type { Integration, Job } from '../lib/types.ts';
import { JobProgress } from './job-progress.tsx';

/** The provider id of an integration, whatever name the server gives that field. */
export const keyOf = (i: Integration) => i.provider ?? i.id ?? '';
export const nameOf = (i: Integration) => i.name ?? humanize(keyOf(i));
const statusOf = (i: Integration) => i.status ?? (i.connected ? 'connected' : 'not_connected');

const KINDS: Record<string, string> = { 'smart-on-fhir': 'Health records (SMART on FHIR)', wearable: 'Wearable' };

/** The route prefix of an integration's connect / sync / disconnect. */
export const baseOf = (i: Integration) => i.base ?? '/api/integrations';
const ERRORS: Record<string, string> = {
  access_denied: 'you declined access at the provider',
  not_signed_in: 'your session had ended; sign in and try again',
  invalid_state: 'the sign-in link had expired or was already used; try again',
  token_exchange_failed: 'the provider did not complete the sign-in',
  unknown_provider: 'this provider is not configured here',
  no_patient: 'the provider did not say whose records to share',
  connect_failed: 'this server could not save the connection; try again',
};

/** A person-readable reason for a failed connection, from the callback's error code. */
export function connectError(code: string): string {
  return ERRORS[code] ?? humanize(code).toLowerCase();
}

/** One provider: its state, and connect / reconnect / sync / disconnect with job progress. */
export function IntegrationCard(props: { i: Integration; jobId?: string; requesting?: boolean; onSync(): void; onDisconnect(): void; onJobDone(): void }) {
  const { i } = props;
  // The last state read of the job on show; until the current job has been read it counts as running.
  const [seen, setSeen] = useState<{ id: string; active: boolean } | null>(null);
  const jobRunning = !!props.jobId && (seen?.id !== props.jobId || seen.active);
  const busy = !!props.requesting || jobRunning;
  const key = keyOf(i);
  const status = statusOf(i);
  const on = status === 'connected';
  const reconnect = status === 'needs_reconnect' || status === 'reauthorize';
  // A full-page navigation: the gateway answers 302 to the provider's sign-in page.
  const connectLink = (label: string) => (
    <a class="button primary" href={`${baseOf(i)}/${encodeURIComponent(key)}/connect`} aria-label={`${label} ${nameOf(i)}`}>
      {label}
    </a>
  );
  return (
    <li class="card integration" data-provider={key} data-status={status}>
      <div>
        <h3>{nameOf(i)}</h3>
        <p class="meta">
          {[KINDS[i.kind ?? ''] ?? humanize(i.kind ?? i.type ?? ''), on ? 'Connected' : reconnect ? 'Needs to be reconnected' : 'Not connected', i.lastSyncAt ? `last synced ${formatDateTime(i.lastSyncAt)}` : '']
            .filter(Boolean)
            .join(' · ')}
        </p>
        {i.lastError && (on || reconnect) ? <p class="error">{`The last sync had a problem: ${humanize(i.lastError)}.`}</p> : null}
      </div>
      <div class="row">
        {on ? (
          <button type="button" class="primary" onClick={props.onSync} disabled={busy} aria-label={`Sync ${nameOf(i)} now`}>
            {busy ? 'Syncing…' : 'Sync now'}
          </button>
        ) : (
          connectLink(reconnect ? 'Reconnect' : 'Connect')
        )}
        {on || reconnect ? (
          <button type="button" onClick={props.onDisconnect} aria-label={`Disconnect ${nameOf(i)}`}>
            Disconnect
          </button>
        ) : null}
      </div>
      {props.jobId ? (
        <JobProgress
          jobId={props.jobId}
          label={`Sync with ${nameOf(i)}`}
          onUpdate={(j: Job | null) => setSeen({ id: props.jobId!, active: !!j && isActive(j) })}
          onFinished={props.onJobDone}
        />
      ) : null}
    </li>
  );
}
