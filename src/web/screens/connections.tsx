import { useEffect, useState } from 'hono/jsx/dom';
import { ApiError, api } from '../lib/api.ts';
import { formatDateTime, humanize } from '../lib/format.ts';
import { useLocation } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import type { Integration } from '../lib/types.ts';
import { ErrorNote, Spinner, Status } from '../lib/ui.tsx';
import { FileImport } from './file-import.tsx';
import { JobProgress } from './job-progress.tsx';

/** The provider id of an integration, whatever name the server gives that field. */
const keyOf = (i: Integration) => i.provider ?? i.id ?? '';
const isConnected = (i: Integration) => i.connected ?? (i.status === 'connected' || i.status === 'active');

/** Record sources: SMART on FHIR providers (Epic…), wearable APIs, and file imports. */
export function ConnectionsScreen() {
  const session = useSession();
  const { search } = useLocation();
  const [list, setList] = useState<Integration[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [jobs, setJobs] = useState<Record<string, string>>({});
  const [status, setStatus] = useState('');

  const load = () =>
    api<{ integrations?: Integration[] } | Integration[]>('GET', '/api/integrations').then(
      (r) => setList(Array.isArray(r) ? r : (r.integrations ?? [])),
      (e) => {
        if (e instanceof ApiError && e.status === 404) setUnavailable(true);
        else setError(e);
        setList([]);
      },
    );
  useEffect(() => void load(), []);

  const sync = async (i: Integration) => {
    setError(null);
    try {
      const r = await api<{ jobId: string }>('POST', `/api/integrations/${encodeURIComponent(keyOf(i))}/sync`);
      setJobs({ ...jobs, [keyOf(i)]: r.jobId });
    } catch (e) {
      setError(e);
    }
  };

  const disconnect = async (i: Integration) => {
    const name = i.name ?? humanize(keyOf(i));
    if (!confirm(`Disconnect ${name}? Records already imported stay in your vault.`)) return;
    try {
      await api('DELETE', `/api/integrations/${encodeURIComponent(keyOf(i))}`);
      setStatus(`${name} disconnected.`);
      await load();
    } catch (e) {
      setError(e);
    }
  };

  // The provider's callback sends people back here with the outcome in the query.
  const connected = search.get('connected');
  const failed = search.get('error');

  return (
    <section class="connections">
      <h1 tabIndex={-1}>Connections</h1>
      <p class="lead">Bring records into your vault. Imported records are private until you share them.</p>
      {connected ? <p class="success" role="status">{`${humanize(connected)} is connected. Your records are being imported.`}</p> : null}
      {failed ? (
        <p class="error" role="alert">
          {`The connection did not complete: ${search.get('message') ?? humanize(failed)}.`}
        </p>
      ) : null}
      <Status text={status} />
      <ErrorNote error={error} />
      <h2>Health record and wearable accounts</h2>
      {list === null ? <Spinner /> : null}
      {unavailable ? <p class="empty">Account connections are not available on this server yet. You can still import files below.</p> : null}
      {list && !list.length && !unavailable ? <p class="empty">No providers are configured on this server. Ask its operator to enable Epic or another SMART on FHIR provider.</p> : null}
      {list?.length ? (
        <ul class="integrations">
          {list.map((i) => {
            const key = keyOf(i);
            const on = isConnected(i);
            const last = i.lastSyncAt ?? i.lastSync?.at;
            return (
              <li class="card integration" data-provider={key}>
                <div>
                  <h3>{i.name ?? humanize(key)}</h3>
                  <p class="meta">
                    {humanize(i.kind ?? i.type ?? '')}
                    {i.kind || i.type ? ' · ' : ''}
                    {on ? 'Connected' : 'Not connected'}
                    {last ? ` · last synced ${formatDateTime(last)}` : ''}
                  </p>
                </div>
                <div class="row">
                  {on ? (
                    <>
                      <button type="button" class="primary" onClick={() => sync(i)}>
                        Sync now
                      </button>
                      <button type="button" onClick={() => disconnect(i)}>
                        Disconnect
                      </button>
                    </>
                  ) : (
                    // A full-page navigation: the gateway redirects to the provider's login page.
                    <a class="button primary" href={`/api/integrations/${encodeURIComponent(key)}/connect`}>
                      Connect
                    </a>
                  )}
                </div>
                {jobs[key] || i.jobId ? (
                  <JobProgress
                    jobId={jobs[key] ?? i.jobId!}
                    label={`Sync with ${i.name ?? humanize(key)}`}
                    onFinished={() => {
                      void load();
                      void session.refresh();
                    }}
                  />
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      <h2>Import files</h2>
      <FileImport
        id="apple"
        title="Apple Health"
        description="On your iPhone: Health → your picture → Export All Health Data. Upload the export.zip (or export.xml) here."
        endpoint="/api/imports/apple-health"
        accept=".zip,.xml,application/zip,application/xml,text/xml"
        onImported={() => void session.refresh()}
      />
      <FileImport
        id="fhir"
        title="FHIR bundle"
        description="A FHIR Bundle (JSON) exported from a patient portal or another app."
        endpoint="/api/imports/fhir-bundle"
        accept=".json,application/json,application/fhir+json"
        onImported={() => void session.refresh()}
      />
    </section>
  );
}
