import type { Config } from '../../config.ts';

export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** One configured SMART on FHIR source the person can connect. */
export interface SmartProvider {
  id: string;
  name: string;
  /** The FHIR base URL; also the `aud` of the authorization request. */
  iss: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  authMethod: ClientAuthMethod;
}

/** The resource types the sync reads, as granular SMART v1 read scopes (Epic grants per type). */
export const SYNC_READ_SCOPES = [
  'Patient', 'AllergyIntolerance', 'Condition', 'MedicationRequest', 'Medication', 'Immunization', 'Procedure', 'Encounter',
  'DiagnosticReport', 'DocumentReference', 'Binary', 'CarePlan', 'Goal', 'Observation', 'CareTeam', 'Device',
].map((t) => `patient/${t}.read`);

const BASE_SCOPES = 'openid fhirUser launch/patient offline_access';

function defaultAuth(secret: string | undefined): ClientAuthMethod {
  return secret ? 'client_secret_basic' : 'none';
}

/**
 * The providers enabled by configuration: the Epic preset (when EPIC_CLIENT_ID is set) and
 * every entry of SMART_PROVIDERS. Epic gets granular per-type scopes (it grants nothing for
 * `patient/*.read`); other servers get `patient/*.read` unless their entry names scopes.
 */
export function providersFromConfig(config: Config): Map<string, SmartProvider> {
  const out = new Map<string, SmartProvider>();
  if (config.EPIC_CLIENT_ID) {
    out.set('epic', {
      id: 'epic',
      name: 'Epic (MyChart)',
      iss: config.EPIC_FHIR_BASE.replace(/\/+$/, ''),
      clientId: config.EPIC_CLIENT_ID,
      clientSecret: config.EPIC_CLIENT_SECRET,
      scopes: config.EPIC_SCOPES ?? `${BASE_SCOPES} ${SYNC_READ_SCOPES.join(' ')}`,
      authMethod: config.EPIC_CLIENT_AUTH ?? defaultAuth(config.EPIC_CLIENT_SECRET),
    });
  }
  for (const p of config.SMART_PROVIDERS) {
    out.set(p.id, {
      id: p.id,
      name: p.name,
      iss: p.iss.replace(/\/+$/, ''),
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      scopes: p.scopes ?? `${BASE_SCOPES} patient/*.read`,
      authMethod: p.authMethod ?? defaultAuth(p.clientSecret),
    });
  }
  return out;
}

/** http is allowed only to this machine (test servers, a local sandbox); never across a network. */
export function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}
