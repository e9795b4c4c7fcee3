import { readdir, rm, stat } from 'node:fs/promises';
import { importFhirResources } from './fhir/import.ts';
import { join, resolve } from 'node:path';
import type { AppDeps } from '../gateway/context.ts';
import type { KeyService } from '../vault/keys.ts';
import { TimeSeriesStore } from './timeseries/store.ts';
import { AppleHealthImporter } from './apple-health/importer.ts';
import { registerAppleHealthJob } from './apple-health/job.ts';
import { appleHealthRoutes } from './apple-health/routes.ts';
import { wireWearableApis } from './wearable-api/module.ts';

export interface WearableServices {
  timeSeries: TimeSeriesStore;
  appleHealth: AppleHealthImporter;
}

/** Builds the wearable services (used by the composition root and the CLI). */
export function createWearableServices(deps: AppDeps, keys: KeyService): WearableServices {
  const timeSeries = new TimeSeriesStore(keys, deps.items);
  const appleHealth = new AppleHealthImporter(deps.db, timeSeries, deps.log.child({ subsystem: 'apple-health' }), {
    spillDir: importDir(deps),
  });
  return { timeSeries, appleHealth };
}

/** Private folder for uploads and import spill files, beside the embedded database. */
export function importDir(deps: AppDeps): string {
  return join(resolve(deps.config.VAULT_DATA_DIR), 'imports');
}

/**
 * Wires Apple Health import and the live wearable APIs into the gateway: job types, routes
 * (`/api/imports/apple-health`, `/api/wearables/*`) and readiness. Called once by main.ts.
 */
export function wireWearables(deps: AppDeps, keys: KeyService): WearableServices {
  const services = createWearableServices(deps, keys);
  // Clinical records inside the export (clinical-records/*.json) take the FHIR import path.
  registerAppleHealthJob(deps.jobs, services.appleHealth, (userId, warn) => async (resources) => {
    await importFhirResources(deps.items, userId, resources, { source: 'apple-health', warn });
  });
  deps.mounts ??= [];
  deps.mounts.push({ path: '/api/imports', app: appleHealthRoutes(importDir(deps)) });
  wireWearableApis(deps, keys, services.timeSeries);
  void removeStaleImportFiles(importDir(deps));
  return services;
}

/**
 * Uploads and spill files left by a process that stopped mid-import (the job itself is failed
 * by the job runner's recovery). Only files older than a day, so a running import is never touched.
 */
export async function removeStaleImportFiles(dir: string, maxAgeMs = 24 * 3600_000): Promise<number> {
  let removed = 0;
  try {
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.upload') && !name.startsWith('cv-spill-')) continue;
      const path = join(dir, name);
      const st = await stat(path).catch(() => null);
      if (st && Date.now() - st.mtimeMs > maxAgeMs) {
        await rm(path, { recursive: true, force: true });
        removed++;
      }
    }
  } catch {
    /* no imports dir yet */
  }
  return removed;
}
