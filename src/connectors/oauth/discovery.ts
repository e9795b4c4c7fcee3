import { AppError } from '../../errors.ts';
import { isLoopbackHttp } from './providers.ts';

/** The parts of a SMART configuration (or CapabilityStatement OAuth URIs) the connector uses. */
export interface SmartEndpoints {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
  code_challenge_methods_supported?: string[];
}

const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';
const TTL_MS = 60 * 60_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkUrl(u: unknown, what: string): string {
  if (typeof u !== 'string') throw new AppError('provider_unavailable', `The provider's SMART configuration has no ${what}.`);
  const url = new URL(u);
  if (url.protocol !== 'https:' && !isLoopbackHttp(u)) throw new AppError('provider_unavailable', `The provider's ${what} is not https.`);
  return url.toString();
}

/**
 * The issuer of ID tokens: the SMART configuration's `issuer` when given, else the
 * authorization endpoint's folder (Epic's tokens say `…/oauth2` for `…/oauth2/authorize`).
 */
function issuerOf(meta: Obj, authorize: string): string {
  if (typeof meta.issuer === 'string') return meta.issuer;
  return authorize.replace(/\/[^/]*$/, '');
}

async function getJson(url: string, signal?: AbortSignal): Promise<Obj | undefined> {
  const res = await fetch(url, { headers: { accept: 'application/json, application/fhir+json' }, signal: signal ?? AbortSignal.timeout(15_000) });
  if (!res.ok) return undefined;
  try {
    const body = (await res.json()) as unknown;
    return isObj(body) ? body : undefined;
  } catch {
    return undefined;
  }
}

/** Finds the OAuth URIs in a CapabilityStatement's `rest[].security.extension`. */
function fromCapabilityStatement(cs: Obj): Obj | undefined {
  for (const rest of Array.isArray(cs.rest) ? cs.rest : []) {
    const security = isObj(rest) && isObj(rest.security) ? rest.security : undefined;
    for (const ext of Array.isArray(security?.extension) ? security.extension : []) {
      if (!isObj(ext) || ext.url !== OAUTH_URIS) continue;
      const out: Obj = {};
      for (const sub of Array.isArray(ext.extension) ? ext.extension : []) {
        if (!isObj(sub) || typeof sub.valueUri !== 'string') continue;
        if (sub.url === 'authorize') out.authorization_endpoint = sub.valueUri;
        if (sub.url === 'token') out.token_endpoint = sub.valueUri;
        if (sub.url === 'revoke') out.revocation_endpoint = sub.valueUri;
      }
      if (out.authorization_endpoint && out.token_endpoint) return out;
    }
  }
  return undefined;
}

/** SMART discovery with a per-issuer cache: `.well-known/smart-configuration`, else `/metadata`. */
export class SmartDiscovery {
  private readonly cache = new Map<string, { at: number; value: SmartEndpoints }>();

  async discover(iss: string): Promise<SmartEndpoints> {
    const hit = this.cache.get(iss);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
    // Each source on its own: a .well-known that times out, fails TLS or drops the connection
    // must not keep us from the CapabilityStatement's OAuth URIs.
    let meta = await getJson(`${iss}/.well-known/smart-configuration`).catch(() => undefined);
    if (!meta?.authorization_endpoint || !meta.token_endpoint) {
      meta = await getJson(`${iss}/metadata`)
        .then((cs) => (cs ? fromCapabilityStatement(cs) : undefined))
        .catch(() => undefined);
    }
    if (!meta) throw new AppError('provider_unavailable', 'The provider did not answer its SMART configuration; try again later.');
    const authorize = checkUrl(meta.authorization_endpoint, 'authorization endpoint');
    const value: SmartEndpoints = {
      issuer: issuerOf(meta, authorize),
      authorization_endpoint: authorize,
      token_endpoint: checkUrl(meta.token_endpoint, 'token endpoint'),
      ...(typeof meta.revocation_endpoint === 'string' ? { revocation_endpoint: checkUrl(meta.revocation_endpoint, 'revocation endpoint') } : {}),
      ...(Array.isArray(meta.token_endpoint_auth_methods_supported) ? { token_endpoint_auth_methods_supported: meta.token_endpoint_auth_methods_supported as string[] } : {}),
      ...(Array.isArray(meta.code_challenge_methods_supported) ? { code_challenge_methods_supported: meta.code_challenge_methods_supported as string[] } : {}),
    };
    this.cache.set(iss, { at: Date.now(), value });
    return value;
  }
}
