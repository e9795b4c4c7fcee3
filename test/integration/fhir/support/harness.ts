import { getRequestListener } from '@hono/node-server';
import { createTestRuntime, type TestRuntime } from '../../../helpers/runtime.ts';
import { startAuthServer, type AuthServer } from './auth-server.ts';
import { startFhirServer, type FhirServer } from './fhir-server.ts';
import { POWELL_PATIENT } from './fixtures.ts';
import { listenLoopback } from './listen.ts';

/**
 * The whole SMART world on loopback: oidc-provider as the authorization server, the replaying
 * FHIR server, and the gateway served over real HTTP (the authorization server fetches our
 * JWKS from it). Providers: `epic` (the preset, public client, granular scopes), `sandbox-secret`
 * (client_secret_basic) and `sandbox-jwt` (private_key_jwt with our own key).
 */
export interface SmartWorld {
  rt: TestRuntime;
  gateway: string;
  as: AuthServer;
  fhir: FhirServer;
  close(): Promise<void>;
}

export async function startSmartWorld(): Promise<SmartWorld> {
  const gw = await listenLoopback();
  let as!: AuthServer;
  let fhir!: FhirServer;
  fhir = await startFhirServer({ authServer: () => as.url, validToken: (t) => as.isValid(t) });
  const cb = (id: string) => `${gw.url}/api/integrations/${id}/callback`;
  const common = { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
  as = await startAuthServer({
    fhirBase: () => fhir.base,
    patient: POWELL_PATIENT,
    clients: [
      { client_id: 'cv-epic', token_endpoint_auth_method: 'none', redirect_uris: [cb('epic')], ...common },
      { client_id: 'cv-secret', client_secret: 'a-test-client-secret-of-decent-length', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [cb('sandbox-secret')], ...common },
      { client_id: 'cv-jwt', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS384', jwks_uri: `${gw.url}/.well-known/jwks.json`, redirect_uris: [cb('sandbox-jwt')], ...common },
    ],
  });
  const rt = await createTestRuntime({
    PUBLIC_URL: gw.url,
    EPIC_CLIENT_ID: 'cv-epic',
    EPIC_FHIR_BASE: fhir.base,
    SMART_PROVIDERS: JSON.stringify([
      { id: 'sandbox-secret', name: 'Sandbox (secret)', iss: fhir.base, clientId: 'cv-secret', clientSecret: 'a-test-client-secret-of-decent-length' },
      { id: 'sandbox-jwt', name: 'Sandbox (signed JWT)', iss: fhir.base, clientId: 'cv-jwt', authMethod: 'private_key_jwt' },
      // Nothing listens on the discard port: a provider that is down.
      { id: 'offline', name: 'Offline hospital', iss: 'http://127.0.0.1:9/fhir', clientId: 'cv-offline' },
    ]),
  });
  gw.setHandler(getRequestListener(rt.app.fetch));
  await rt.deps.jobs.start();
  return {
    rt,
    gateway: gw.url,
    as,
    fhir,
    async close() {
      await rt.destroy();
      await gw.close();
      await fhir.close();
      await as.close();
    },
  };
}

/** The web client's landing after a connect: `/#/connections?connected=…` or `?error=…`. */
export interface Landing {
  params: URLSearchParams;
  /** The callback URL the provider sent the browser to (to try a replay). */
  callbackUrl?: string;
}

/**
 * A minimal browser: follows redirects across the gateway and the authorization server with
 * a cookie jar, authenticated at the gateway by the session cookie only (as a real top-level
 * navigation would be), until it lands on the web client.
 */
export class Browser {
  private readonly jar = new Map<string, string>();

  constructor(
    private readonly gateway: string,
    private readonly sessionToken: string,
  ) {}

  private cookieFor(url: URL): string | undefined {
    if (url.origin === this.gateway) return `cv_session=${this.sessionToken}`;
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') || undefined;
  }

  async get(url: string): Promise<Response> {
    const u = new URL(url);
    const cookie = this.cookieFor(u);
    const res = await fetch(u, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    if (u.origin !== this.gateway) {
      for (const sc of res.headers.getSetCookie()) {
        const [pair, ...attrs] = sc.split(';');
        const i = pair.indexOf('=');
        const name = pair.slice(0, i).trim();
        const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()) || attrs.some((a) => /^\s*max-age=0/i.test(a));
        if (expired) this.jar.delete(name);
        else this.jar.set(name, pair.slice(i + 1).trim());
      }
    }
    return res;
  }

  /** Follows redirects from `start` until the web client's `#/connections` page. */
  async navigate(start: string, opts: { stopAtCallback?: boolean } = {}): Promise<Landing> {
    let url = start;
    let callbackUrl: string | undefined;
    for (let hop = 0; hop < 25; hop++) {
      if (url.includes('/#/connections')) return { params: new URLSearchParams(url.split('#/connections')[1].replace(/^\?/, '')), callbackUrl };
      if (url.includes('/callback?')) {
        callbackUrl = url;
        if (opts.stopAtCallback) return { params: new URLSearchParams(), callbackUrl };
      }
      const res = await this.get(url);
      const body = await res.text();
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) throw new Error(`navigation stopped at ${new URL(url).pathname} with HTTP ${res.status}: ${body.slice(0, 300)}`);
      url = new URL(location, url).toString();
    }
    throw new Error('too many redirects');
  }

  connect(provider: string, opts: { stopAtCallback?: boolean } = {}): Promise<Landing> {
    return this.navigate(`${this.gateway}/api/integrations/${provider}/connect`, opts);
  }
}

/** Polls a job through the API until it ends. */
export async function waitForJob(rt: TestRuntime, token: string, jobId: string, timeoutMs = 60_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await rt.api('GET', `/api/jobs/${jobId}`, { token });
    if (r.status !== 200) throw new Error(`job read failed: ${r.status}`);
    if (r.body.status === 'succeeded' || r.body.status === 'failed') return r.body;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${r.body.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
