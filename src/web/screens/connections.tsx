import { useEffect, useState } from 'hono/jsx/dom';
import { ApiError, api } from '../lib/api.ts';
import { useLocation } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { rememberJob, rememberedJobs, seedJobs } from '../lib/sync-jobs.ts';
import type { Integration, Job } from '../lib/types.ts';
import { ErrorNote, Spinner, Status } from '../lib/ui.tsx';
import { FileImport } from './file-import.tsx';
import { IntegrationCard, baseOf, connectError, keyOf, nameOf } from './integration-card.tsx';

/** Record sources: SMART on FHIR providers (Epic…), wearable APIs, and file imports. */
export function ConnectionsScreen() {
  const session = useSession();
  const { search } = useLocation();
  const [list, setList] = useState<Integration[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [unavailable, setUnavailable] = useState(false);
  // The provider's callback lands here with ?connected=<id>&jobId=<first sync> or ?error=<code>&provider=<id>.
  // They are read once, then dropped from the address so a reload or a shared link does not repeat them.
  const [landing] = useState(() => ({ connected: search.get('connected'), jobId: search.get('jobId'), error: search.get('error'), provider: search.get('provider') }));
  const landed = landing.connected;
  const [jobs, setJobs] = useState<Record<string, string>>(() => {
    if (landed && landing.jobId) rememberJob(landed, landing.jobId);
    return landed && landing.jobId ? { [landed]: landing.jobId } : {};
  });
  const [syncing, setSyncing] = useState<Record<string, boolean>>({});
  const [status, setStatus] = useState('');

  useEffect(() => {
    if (landing.connected || landing.error) history.replaceState(history.state, '', location.pathname);
  }, []);

  // Health-record providers and wearable APIs live under two prefixes; a missing one (404) is just empty.
  const fetchList = async (base: string, field: 'integrations' | 'providers', kind?: string): Promise<Integration[] | null> => {
    try {
      const r = await api<Record<string, Integration[]>>('GET', base);
      return (r[field] ?? []).map((i) => ({ ...i, base, ...(kind && !i.kind ? { kind } : {}) }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  };
  const load = async (): Promise<Integration[]> => {
    try {
      const [fhir, wearables] = await Promise.all([fetchList('/api/integrations', 'integrations'), fetchList('/api/wearables', 'providers', 'wearable')]);
      setUnavailable(fhir === null && wearables === null);
      return [...(fhir ?? []), ...(wearables ?? [])];
    } catch (e) {
      setError(e);
      return [];
    }
  };
  const reload = async () => setList(await load());
  // Syncs still running (started here, in another tab, or before a reload) show their progress
  // again; cards appear together with them, so "Sync now" is never briefly enabled over a running sync.
  useEffect(() => {
    const running = api<{ jobs: Job[] }>('GET', '/api/jobs').then(
      (r) => r.jobs ?? [],
      () => [] as Job[], // progress is a nicety here; the cards still work
    );
    void Promise.all([load(), running]).then(([all, jobList]) => {
      const found = seedJobs(all.map((i) => ({ ...i, key: keyOf(i) })), jobList, rememberedJobs());
      setJobs((j) => ({ ...found, ...j }));
      setList(all);
    });
  }, []);

  const sync = async (i: Integration) => {
    const key = keyOf(i);
    if (syncing[key]) return;
    setError(null);
    setSyncing((s) => ({ ...s, [key]: true }));
    try {
      const r = await api<{ jobId: string }>('POST', `${baseOf(i)}/${encodeURIComponent(key)}/sync`);
      rememberJob(key, r.jobId);
      setJobs((j) => ({ ...j, [key]: r.jobId }));
    } catch (e) {
      setError(e);
    } finally {
      setSyncing((s) => ({ ...s, [key]: false }));
    }
  };

  const disconnect = async (i: Integration) => {
    if (!confirm(`Disconnect ${nameOf(i)}? Records already imported stay in your vault.`)) return;
    try {
      await api('DELETE', `${baseOf(i)}/${encodeURIComponent(keyOf(i))}`);
      rememberJob(keyOf(i), null);
      setJobs(({ [keyOf(i)]: _gone, ...rest }) => rest);
      setStatus(`${nameOf(i)} disconnected.`);
      await reload();
    } catch (e) {
      setError(e);
    }
  };

  const failed = landing.error;
  const providerName = (id: string | null) => (id ? nameOf(list?.find((i) => keyOf(i) === id) ?? { provider: id }) : 'The provider');

  return (
    <section class="connections">
      <h1 tabIndex={-1}>Connections</h1>
      <p class="lead">Bring records into your vault. Imported records stay private until you share them.</p>
      {landed ? <p class="success" role="status">{`${providerName(landed)} is connected. Your records are being imported.`}</p> : null}
      {failed === 'sync_not_started' ? (
        <p class="error" role="alert">{`${providerName(landing.provider)} is connected, but its first import could not start. Press Sync now to try again.`}</p>
      ) : failed ? (
        <p class="error" role="alert">{`${providerName(landing.provider)} was not connected: ${connectError(failed)}.`}</p>
      ) : null}
      <Status text={status} />
      <ErrorNote error={error} />
      <h2>Health record and wearable accounts</h2>
      {list === null ? <Spinner /> : null}
      {unavailable ? <p class="empty">Account connections are not available on this server yet. You can still import files below.</p> : null}
      {list && !list.length && !unavailable ? (
        <p class="empty">
          No providers are configured on this server. Its operator can enable Epic (EPIC_CLIENT_ID), another SMART on FHIR provider (SMART_PROVIDERS) or a
          wearable API (e.g. OURA_CLIENT_ID).
        </p>
      ) : null}
      {list?.length ? (
        <ul class="integrations">
          {list.map((i) => (
            <IntegrationCard
              i={i}
              jobId={jobs[keyOf(i)]}
              requesting={!!syncing[keyOf(i)]}
              onSync={() => void sync(i)}
              onDisconnect={() => void disconnect(i)}
              onJobDone={() => {
                void reload();
                void session.refresh();
              }}
            />
          ))}
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
