import { AppError, registerErrorStatus } from '../../errors.ts';
import type { OAuthApp } from './provider.ts';

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms; null when the provider did not say. */
  expiresAt: number | null;
  scope: string | null;
}

/** The authorization URL the user is sent to (authorization code flow with PKCE S256). */
export function authorizeUrl(app: OAuthApp, redirectUri: string, state: string, challenge: string): string {
  const u = new URL(app.authorizeUrl);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', app.clientId);
  u.searchParams.set('redirect_uri', redirectUri);
  u.searchParams.set('scope', app.scopes.join(' '));
  u.searchParams.set('state', state);
  u.searchParams.set('code_challenge', challenge);
  u.searchParams.set('code_challenge_method', 'S256');
  return u.toString();
}

export function exchangeCode(app: OAuthApp, code: string, redirectUri: string, verifier: string, signal?: AbortSignal): Promise<TokenSet> {
  return tokenRequest(app, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, signal);
}

export function refreshTokens(app: OAuthApp, refreshToken: string, signal?: AbortSignal): Promise<TokenSet> {
  return tokenRequest(app, { grant_type: 'refresh_token', refresh_token: refreshToken }, signal);
}

/** A token endpoint refusal (invalid_grant…): the connection must be authorized again. */
export class ReauthorizationRequiredError extends AppError {
  constructor() {
    super('wearable_reauthorize', 'The wearable connection was revoked or has expired; connect it again.');
  }
}

async function tokenRequest(app: OAuthApp, params: Record<string, string>, signal?: AbortSignal): Promise<TokenSet> {
  const body = new URLSearchParams({ ...params, client_id: app.clientId, ...(app.clientSecret ? { client_secret: app.clientSecret } : {}) });
  let res: Response;
  try {
    res = await fetch(app.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body, signal });
  } catch {
    throw new AppError('upstream_failed', 'The wearable provider could not be reached.');
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    /* handled below */
  }
  if (res.status === 400 || res.status === 401) {
    if (json.error === 'invalid_grant' || json.error === 'invalid_token' || json.error === 'unauthorized_client') throw new ReauthorizationRequiredError();
  }
  if (!res.ok || typeof json.access_token !== 'string') {
    // Never echo the body: it may carry tokens.
    throw new AppError('upstream_failed', `The wearable provider's token endpoint answered ${res.status}${typeof json.error === 'string' ? ` (${json.error.slice(0, 60)})` : ''}.`);
  }
  const expiresIn = Number(json.expires_in);
  return {
    accessToken: json.access_token,
    refreshToken: typeof json.refresh_token === 'string' ? json.refresh_token : null,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? Date.now() + expiresIn * 1000 : null,
    scope: typeof json.scope === 'string' ? json.scope : null,
  };
}

registerErrorStatus('wearable_reauthorize', 409);
