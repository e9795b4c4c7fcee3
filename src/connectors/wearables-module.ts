import { importFhirResources } from './fhir/import.ts';
import { join, resolve } from 'node:path';
import type { AppDeps } from '../gateway/context.ts';
import type { KeyService } from '../vault/keys.ts';
import { TimeSeriesStore } from './timeseries/store.ts';
import { AppleHealthImporter } from './apple-health/importer.ts';
import { registerAppleHealthJob } from './apple-health/job.ts';
import { appleHealthRoutes } from './apple-health/routes.ts';
import { removeOrphanImportFiles, removeUserImportFiles } from './apple-health/temp-files.ts';
import { queuedJobFiles } from '../db/jobs.ts';
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
  deps.mounts.push({ path: '/api/imports', app: appleHealthRoutes(importDir(deps), (userId) => keys.forUser(userId)) });
  wireWearableApis(deps, keys, services.timeSeries);
  // Orphans go at start, before any job runs: uploads no queued job will read, spill folders of dead processes.
  deps.jobs.onStart(async () => {
    const removed = await removeOrphanImportFiles(importDir(deps), new Set(await queuedJobFiles(deps.db)));
    if (removed) deps.log.info({ removed }, 'removed temporary import files a stopped process left');
  });
  // Deleting an account stops its imports and removes every temporary file of theirs.
  deps.accounts.onDeleted(async (userId) => {
    await deps.jobs.cancelForUser(userId);
    await removeUserImportFiles(importDir(deps), userId);
  });
  return services;
}
