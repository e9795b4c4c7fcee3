import type { Logger } from 'pino';
import type { JobContext, JobHandler } from '../../jobs/job-runner.ts';
import type { ItemService } from '../../vault/items.ts';
import type { ConnectionStore } from '../connection-store.ts';
import { FhirHttpError, FhirReader, type FhirReaderOptions } from './fhir-reader.ts';
import { describeOutcome, importFhirResources, type FhirImportResult } from './import.ts';
import { arr, isObj, str, type Json } from './map/datatypes.ts';
import { NeedsReconnectError, type SmartConnector } from './smart-connector.ts';
import { CATEGORY_FALLBACK, PAGE_SIZE, SEARCH_TYPES } from './sync-plan.ts';

export interface SyncResult extends FhirImportResult {
  requests: number;
  types: Record<string, number>;
}

/** Reader settings a deployment or test may tune (backoff lengths). */
export type ReaderTuning = Pick<FhirReaderOptions, 'maxRetries' | 'maxDelayMs' | 'baseDelayMs' | 'sleep' | 'requestTimeoutMs'>;

function why(e: FhirHttpError): string {
  return e.outcome ? `${e.reason} (${describeOutcome(e.outcome)})` : e.reason;
}

/** Requests that found the server down (Patient and the first types) before a sync gives up early. */
const UNREACHABLE_BEFORE_GIVING_UP = 4;

/** The server never answered usefully: the sync fails instead of "succeeding" with nothing. */
export class FhirServerUnreachableError extends Error {
  constructor(serverUrl: string, reason: string) {
    let host = 'the FHIR server';
    try {
      host = new URL(serverUrl).host;
    } catch {
      // keep the generic name
    }
    super(`The FHIR server (${host}) could not be reached: ${reason}. Nothing was synced; try again later.`);
    this.name = 'FhirServerUnreachableError';
  }
}

/** Relative `Type/id` references of a given type found under `field` (e.g. medicationReference). */
function referencedIds(resources: Json[], type: string, pick: (r: Json) => unknown[]): string[] {
  const ids = new Set<string>();
  for (const r of resources) {
    for (const ref of pick(r)) {
      const s = isObj(ref) ? str(ref.reference) ?? str(ref.url) : undefined;
      const m = s?.match(new RegExp(`(?:^|/)${type}/([A-Za-z0-9._-]{1,200})$`));
      if (m) ids.add(m[1]);
    }
  }
  return [...ids];
}

/**
 * The `fhir.sync` job: reads the patient's record type by type (following pages), turns each
 * resource into a vault item through importFhirResources, then reads referenced Medications
 * and document Binaries. A type the server refuses (400/403/404) is a warning; the grant
 * being gone fails the job and leaves the connection as `needs_reconnect`.
 */
export function fhirSyncJob(deps: { store: ConnectionStore; connector: SmartConnector; items: ItemService; log: Logger; tuning?: ReaderTuning }): JobHandler<{ connectionId: string }> {
  return {
    resumable: true,
    unit: 'resources',
    async run(ctx: JobContext<{ connectionId: string }>): Promise<SyncResult> {
      const conn = await deps.store.open(ctx.params.connectionId);
      if (!conn) throw new Error('This connection no longer exists (it was disconnected).');
      const provider = deps.connector.provider(conn.provider);
      if (conn.status !== 'connected') throw new NeedsReconnectError(provider.name);
      if (!conn.patientId) throw new Error('The connection has no patient context; connect again.');
      const reader = new FhirReader({ baseUrl: conn.serverUrl, tokens: deps.connector.tokenSource(conn), signal: ctx.signal, warn: ctx.warn, ...deps.tuning });
      const total: SyncResult = { inserted: 0, updated: 0, unchanged: 0, skipped: 0, requests: 0, types: {} };
      const store = async (type: string, resources: Json[], context?: Json[]) => {
        const r = await importFhirResources(deps.items, conn.userId, resources, { source: conn.provider, context, warn: (m) => ctx.warn(`${type}: ${m}`) });
        total.inserted += r.inserted;
        total.updated += r.updated;
        total.unchanged += r.unchanged;
        total.skipped += r.skipped;
        const stored = r.inserted + r.updated + r.unchanged;
        total.types[type] = (total.types[type] ?? 0) + stored;
        ctx.progress(total.inserted + total.updated + total.unchanged, null, 'resources');
      };
      const collect = async (type: string, params: Record<string, string>): Promise<Json[]> => {
        const out: Json[] = [];
        for await (const page of reader.search(type, params)) {
          for (const e of arr(page.entry)) if (isObj(e) && isObj(e.resource)) out.push(e.resource);
        }
        return out;
      };
      const pid = conn.patientId;
      // Failures where the server was down (no answer, 5xx, 429 after retries): if Patient and
      // every type end that way and nothing ever answered, the sync fails rather than
      // "succeeding" with no items. A 400/403/404 is an answer: a per-type warning.
      let down = 0;
      let lastDown: FhirHttpError | undefined;
      const noteDown = (e: FhirHttpError) => {
        if (!e.unreachable) return;
        down++;
        lastDown = e;
        if (reader.answered === 0 && down >= UNREACHABLE_BEFORE_GIVING_UP) throw new FhirServerUnreachableError(conn.serverUrl, e.reason);
      };
      try {
        try {
          await store('Patient', [await reader.read('Patient', pid)]);
        } catch (e) {
          if (!(e instanceof FhirHttpError)) throw e;
          ctx.warn(`Patient: not read, ${why(e)}`);
          noteDown(e);
        }
        const all: Json[] = [];
        for (const type of [...SEARCH_TYPES, 'CarePlan', 'Observation']) {
          try {
            const found = await collect(type, { patient: pid, _count: PAGE_SIZE });
            all.push(...found);
            await store(type, found);
          } catch (e) {
            if (!(e instanceof FhirHttpError)) throw e;
            const categories = CATEGORY_FALLBACK[type];
            if (!(categories && e.status === 400)) {
              ctx.warn(`${type}: skipped, ${why(e)}`);
              noteDown(e);
              continue;
            }
            const refused: string[] = [];
            for (const category of categories) {
              try {
                const found = await collect(type, { patient: pid, category, _count: PAGE_SIZE });
                all.push(...found);
                await store(type, found);
              } catch (e2) {
                if (!(e2 instanceof FhirHttpError)) throw e2;
                refused.push(`${category} (${e2.reason})`);
              }
            }
            if (refused.length) ctx.warn(`${type}: categories not offered by this server: ${refused.join(', ')}`);
          }
        }
        if (reader.answered === 0 && lastDown) throw new FhirServerUnreachableError(conn.serverUrl, lastDown.reason);
        await readReferenced(reader, ctx, all, store);
      } catch (e) {
        await deps.store.recordSync(conn.id, { error: e instanceof Error ? e.message.slice(0, 300) : 'sync failed' });
        throw e;
      } finally {
        total.requests = reader.requests;
      }
      const stored = total.inserted + total.updated + total.unchanged;
      ctx.progress(stored, stored, 'resources');
      await deps.store.recordSync(conn.id, { finishedAt: new Date(), error: null });
      deps.log.info({ connectionId: conn.id, requests: total.requests, inserted: total.inserted, updated: total.updated, unchanged: total.unchanged }, 'fhir sync finished');
      return total;
    },
  };
}

/** Medications referenced by orders and Binaries referenced by documents, read one by one. */
async function readReferenced(reader: FhirReader, ctx: JobContext, all: Json[], store: (type: string, r: Json[], context?: Json[]) => Promise<void>) {
  const wanted: [string, string[]][] = [
    ['Medication', referencedIds(all.filter((r) => String(r.resourceType).startsWith('Medication')), 'Medication', (r) => [r.medicationReference])],
    [
      'Binary',
      referencedIds(all.filter((r) => r.resourceType === 'DocumentReference' || r.resourceType === 'DiagnosticReport'), 'Binary', (r) =>
        r.resourceType === 'DiagnosticReport'
          ? arr(r.presentedForm).map((a) => (isObj(a) && !a.data ? { url: a.url } : undefined))
          : arr(r.content).map((c) => (isObj(c) && isObj(c.attachment) ? { url: c.attachment.url } : undefined)),
      ),
    ],
  ];
  for (const [type, ids] of wanted) {
    const found: Json[] = [];
    for (const id of ids) {
      try {
        found.push(await reader.read(type, id));
      } catch (e) {
        if (!(e instanceof FhirHttpError)) throw e;
        ctx.warn(`${type}: one referenced resource not read, ${why(e)}`);
      }
    }
    // Documents and reports ride along so a Binary gets their date, title and security labels.
    if (found.length) await store(type, found, type === 'Binary' ? all.filter((r) => r.resourceType === 'DocumentReference' || r.resourceType === 'DiagnosticReport') : undefined);
  }
}
