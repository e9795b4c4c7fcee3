import type { Integration, Job } from './types.ts';

/**
 * Which running sync belongs to which connection card, so its progress survives leaving or
 * reloading the Connections screen. The server is the source: every connection (SMART or
 * wearable) names its `lastSyncJobId`; the jobs this tab started are remembered too
 * (sessionStorage), for the moment between starting a sync and the next listing.
 */

const STORE = 'cv.syncJobs';

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
  const active = new Set(jobs.filter(isActive).map((j) => j.id));
  const out: Record<string, string> = {};
  for (const i of integrations) {
    const found = [i.lastSyncJobId, remembered[i.key]].find((id) => id && active.has(id));
    if (found) out[i.key] = found;
  }
  return out;
}
