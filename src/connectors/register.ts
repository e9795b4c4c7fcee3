import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/schema.ts';
import { registerErrorStatus } from '../errors.ts';
import type { AppEnv, HealthCheck } from '../gateway/context.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { ItemService } from '../vault/items.ts';
import type { KeyService } from '../vault/keys.ts';
import type { Hono } from 'hono';
import { ConnectionStore } from './connection-store.ts';
import { SmartDiscovery } from './oauth/discovery.ts';
import { providersFromConfig } from './oauth/providers.ts';
import { ClientSigningKeys } from './oauth/signing-keys.ts';
import { SmartOAuthClient } from './oauth/smart-client.ts';
import { OAuthStateStore } from './oauth/state-store.ts';
import { FHIR_SYNC_JOB, SmartConnector } from './fhir/smart-connector.ts';
import { fhirSyncJob, type ReaderTuning } from './fhir/sync-job.ts';
import { BundleImports, FHIR_BUNDLE_JOB } from './fhir/bundle-import.ts';
import { bundleImportRoutes, integrationRoutes, jwksRoutes } from './routes.ts';

export interface ConnectorDeps {
  config: Config;
  db: Kysely<Database>;
  keys: KeyService;
  items: ItemService;
  jobs: JobRunner;
  log: Logger;
  mounts: { path: string; app: Hono<AppEnv> }[];
  health: HealthCheck[];
  /** Backoff settings of the FHIR reader (tests shorten them). */
  readerTuning?: ReaderTuning;
}

registerErrorStatus('not_connected', 409);
registerErrorStatus('needs_reconnect', 409);
registerErrorStatus('invalid_bundle', 400);

/**
 * Wires the connectors into the runtime: SMART on FHIR providers from configuration, their
 * routes, the JWKS, the FHIR Bundle import, and the `fhir.sync` / `fhir.bundle-import` jobs.
 */
export function registerConnectors(d: ConnectorDeps): { connector: SmartConnector; store: ConnectionStore; signingKeys: ClientSigningKeys } {
  const log = d.log.child({ subsystem: 'connectors' });
  const providers = providersFromConfig(d.config);
  const signingKeys = new ClientSigningKeys(d.db, d.keys.keyring);
  const oauth = new SmartOAuthClient(new SmartDiscovery(), signingKeys, d.config.PUBLIC_URL);
  const store = new ConnectionStore(d.db, d.keys);
  const connector = new SmartConnector(providers, oauth, new OAuthStateStore(d.db, d.keys), store, d.jobs, log);
  const bundles = new BundleImports(d.db, d.keys, d.jobs);
  d.jobs.register(FHIR_SYNC_JOB, fhirSyncJob({ store, connector, items: d.items, log, tuning: d.readerTuning }));
  d.jobs.register(FHIR_BUNDLE_JOB, bundles.handler(d.items));
  d.mounts.push(
    { path: '/api/integrations', app: integrationRoutes(connector) },
    { path: '/api/imports', app: bundleImportRoutes(bundles, d.config.FHIR_BUNDLE_MAX_BYTES) },
    { path: '/', app: jwksRoutes(signingKeys) },
  );
  d.health.push({
    name: 'connectors',
    required: false,
    async check() {
      return { ok: true, providers: [...providers.keys()] };
    },
  });
  return { connector, store, signingKeys };
}
