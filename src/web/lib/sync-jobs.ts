import type { Integration, Job } from './types.ts';

/**
 * Which running sync belongs to which connection card, so its progress survives leaving or
 * reloading the Connections screen. The server is the source: a SMART connection names its
 * `lastSyncJobId`; a wearable's listing does not, so the jobs this tab started are remembered
 * (sessionStorage) and, with a single connected wearable, its running `wearable.sync` job is its.
 */

const STORE = 'cv.syncJobs';
const WEARABLE_SYNC = 'wearable.sync';

export const isActive = (j: Pick<Job, 'status'>) => j.status === 'queued' || j.status === 'running';

/** The jobs this tab started, by provider id. */
export function rememberedJobs(): Record<string, string> {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORE) ?? '{}');
    return v && typeof v === 'object' ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export function rememberJob(provider: string, jobId: string | null): void {
  const all = rememberedJobs();
  if (jobId) all[provider] = jobId;
  else delete all[provider];
  try {
    sessionStorage.setItem(STORE, JSON.stringify(all));
  } catch {
    /* storage full or disabled: the server-side seeds still work */
  }
}

/** Provider id → the queued or running job to show on its card. */
export function seedJobs(integrations: (Integration & { key: string })[], jobs: Job[], remembered: Record<string, string>): Record<string, string> {
  const active = new Map(jobs.filter(isActive).map((j) => [j.id, j]));
  const out: Record<string, string> = {};
  const connectedWearables = integrations.filter((i) => i.kind === 'wearable' && (i.status === 'connected' || i.connected));
  for (const i of integrations) {
    const candidates = [i.lastSyncJobId, remembered[i.key]];
    const found = candidates.find((id) => id && active.has(id));
    if (found) out[i.key] = found;
    else if (i.kind === 'wearable' && connectedWearables.length === 1 && connectedWearables[0] === i) {
      const j = jobs.find((x) => x.type === WEARABLE_SYNC && isActive(x));
      if (j) out[i.key] = j.id;
    }
  }
  return out;
}
