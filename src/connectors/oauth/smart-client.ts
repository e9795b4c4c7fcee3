import * as oidc from 'openid-client';
import { AppError } from '../../errors.ts';
import type { SmartDiscovery } from './discovery.ts';
import { isLoopbackHttp, type SmartProvider } from './providers.ts';
import type { ClientSigningKeys } from './signing-keys.ts';

/** What a token endpoint answered, reduced to what a connection keeps. */
export interface TokenSet {
  accessToken: string;
  /** Absent when the server did not issue (or rotate) one. */
  refreshToken?: string;
  expiresAt: Date | null;
  scope?: string;
  /** SMART `launch/patient` context: the patient the grant is for. */
  patient?: string;
}

/** A token endpoint refused a grant: `invalid_grant` on refresh means the grant is gone. */
export class OAuthGrantError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = 'OAuthGrantError';
  }
}

/**
 * The patient of a grant: the token response's SMART `patient`, else the ID token's `fhirUser`
 * when it names a Patient (`Patient/123` or `https://…/Patient/123`): some servers give the
 * patient-facing user's own record only that way.
 */
function patientOf(r: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): string | undefined {
  const patient = (r as Record<string, unknown>).patient;
  if (typeof patient === 'string' && patient) return patient;
  let claims: Record<string, unknown> | undefined;
  try {
    claims = r.claims() as Record<string, unknown> | undefined;
  } catch {
    claims = undefined;
  }
  const fhirUser = claims?.fhirUser ?? claims?.profile;
  const m = typeof fhirUser === 'string' ? fhirUser.match(/(?:^|\/)Patient\/([A-Za-z0-9._-]{1,200})(?:\/_history\/[^/]+)?$/) : null;
  return m ? m[1] : undefined;
}

function toTokenSet(r: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): TokenSet {
  const expiresIn = r.expiresIn();
  const patient = patientOf(r);
  return {
    accessToken: r.access_token,
    ...(typeof r.refresh_token === 'string' && r.refresh_token ? { refreshToken: r.refresh_token } : {}),
    expiresAt: expiresIn === undefined ? null : new Date(Date.now() + expiresIn * 1000),
    ...(typeof r.scope === 'string' ? { scope: r.scope } : {}),
    ...(typeof patient === 'string' && patient ? { patient } : {}),
  };
}

/** Maps openid-client's errors to a grant error with the server's OAuth error code. */
function grantError(e: unknown): OAuthGrantError {
  const err = e as { error?: unknown; code?: unknown; message?: string };
  const code = typeof err.error === 'string' ? err.error : typeof err.code === 'string' ? err.code : 'server_error';
  return new OAuthGrantError(code, err.message ?? 'token request failed');
}

/**
 * The OAuth 2 side of a SMART standalone launch, on openid-client v6: authorization URL with
 * PKCE S256, `state` and `aud`, the code exchange and refreshes. Clients authenticate as the
 * provider is configured: public (`none`), client secret (basic or post) or `private_key_jwt`
 * signed with the gateway's own key.
 */
export class SmartOAuthClient {
  constructor(
    private readonly discovery: SmartDiscovery,
    private readonly signing: ClientSigningKeys,
    private readonly publicUrl: string,
  ) {}

  redirectUri(p: SmartProvider): string {
    return `${this.publicUrl}/api/integrations/${p.id}/callback`;
  }

  private async clientAuth(p: SmartProvider, tokenEndpoint: string): Promise<oidc.ClientAuth> {
    switch (p.authMethod) {
      case 'none':
        return oidc.None();
      case 'client_secret_basic':
        return oidc.ClientSecretBasic(p.clientSecret);
      case 'client_secret_post':
        return oidc.ClientSecretPost(p.clientSecret);
      case 'private_key_jwt': {
        const { key, kid } = await this.signing.signingKey();
        // SMART (and Epic) want the token endpoint URL as the assertion's audience, not the issuer.
        return oidc.PrivateKeyJwt({ key, kid }, { [oidc.modifyAssertion]: (_header, payload) => void (payload.aud = tokenEndpoint) });
      }
    }
  }

  async configuration(p: SmartProvider): Promise<oidc.Configuration> {
    const endpoints = await this.discovery.discover(p.iss);
    const config = new oidc.Configuration(
      { ...endpoints },
      p.clientId,
      { ...(p.clientSecret ? { client_secret: p.clientSecret } : {}), token_endpoint_auth_method: p.authMethod },
      await this.clientAuth(p, endpoints.token_endpoint),
    );
    // Plain http only for servers on this machine (local test servers); anything else stays TLS-only.
    if ([p.iss, endpoints.token_endpoint].every(isLoopbackHttp)) oidc.allowInsecureRequests(config);
    config.timeout = 30;
    return config;
  }

  async authorizationUrl(p: SmartProvider, checks: { state: string; verifier: string }): Promise<URL> {
    const config = await this.configuration(p);
    return oidc.buildAuthorizationUrl(config, {
      response_type: 'code',
      redirect_uri: this.redirectUri(p),
      scope: p.scopes,
      state: checks.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.verifier),
      code_challenge_method: 'S256',
      aud: p.iss,
    });
  }

  /** Exchanges the authorization code; `callbackQuery` is the callback's query string. */
  async exchangeCode(p: SmartProvider, callbackQuery: URLSearchParams, checks: { state: string; verifier: string }): Promise<TokenSet> {
    const config = await this.configuration(p);
    const current = new URL(this.redirectUri(p));
    for (const [k, v] of callbackQuery) current.searchParams.append(k, v);
    try {
      return toTokenSet(await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: checks.verifier, expectedState: checks.state }));
    } catch (e) {
      throw grantError(e);
    }
  }

  async refresh(p: SmartProvider, refreshToken: string): Promise<TokenSet> {
    const config = await this.configuration(p);
    try {
      return toTokenSet(await oidc.refreshTokenGrant(config, refreshToken));
    } catch (e) {
      throw grantError(e);
    }
  }

  /** Best-effort revocation on disconnect; a provider without the endpoint just lets tokens expire. */
  async revoke(p: SmartProvider, token: string): Promise<boolean> {
    try {
      const config = await this.configuration(p);
      if (!config.serverMetadata().revocation_endpoint) return false;
      await oidc.tokenRevocation(config, token);
      return true;
    } catch {
      return false;
    }
  }
}

/** A fresh PKCE verifier and state, both 256-bit random. */
export function newAuthorizationChecks(): { state: string; verifier: string } {
  return { state: oidc.randomState(), verifier: oidc.randomPKCECodeVerifier() };
}

export function unknownProvider(id: string): AppError {
  return new AppError('not_found', `No connectable provider "${id}" is configured.`);
}
