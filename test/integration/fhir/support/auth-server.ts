import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Provider, errors } from 'oidc-provider';
import { listenLoopback } from './listen.ts';

/**
 * A real OAuth 2 / OpenID Connect authorization server (oidc-provider) behaving like Epic's for
 * a SMART standalone launch: PKCE required, `aud` must be the FHIR base, refresh tokens without
 * `prompt=consent`, `patient` added to token responses. The login and consent screens are
 * scripted: the "person" approves or denies according to `behaviour.consent`.
 */
export interface AuthServerBehaviour {
  consent: 'approve' | 'deny';
  /** Epic sometimes answers a refresh without a new refresh_token. */
  omitRefreshTokenOnRefresh: boolean;
  /** Access token lifetime in seconds. */
  accessTokenTtl: number;
  /** Leave `patient` out of the token response (a grant without patient context). */
  omitPatient: boolean;
  /** Who the ID token's `fhirUser` claim names: the patient (a patient-facing app) or a practitioner. */
  fhirUser: 'patient' | 'practitioner';
}

export interface AuthServer {
  url: string;
  provider: Provider;
  behaviour: AuthServerBehaviour;
  /** Counts of token endpoint calls by grant type. */
  grants: Record<string, number>;
  /** Client ids seen at the token endpoint with the authentication method they used. */
  tokenAuth: { clientId: string; method: string; assertionAud?: string }[];
  /** Revokes every token of the grant behind this access token (the person revoked the app). */
  revokeGrantOf(accessToken: string): Promise<void>;
  /** Invalidates one access token (it "expires" early). */
  expireAccessToken(accessToken: string): Promise<void>;
  /** Whether an access token is currently valid. */
  isValid(accessToken: string): Promise<boolean>;
  close(): Promise<void>;
}

export const SCOPES_SUPPORTED = [
  'openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/*.read',
  ...['Patient', 'AllergyIntolerance', 'Condition', 'MedicationRequest', 'Medication', 'Immunization', 'Procedure', 'Encounter',
    'DiagnosticReport', 'DocumentReference', 'Binary', 'CarePlan', 'Goal', 'Observation', 'CareTeam', 'Device'].map((t) => `patient/${t}.read`),
];

export async function startAuthServer(o: { fhirBase: () => string; patient: string; clients: Record<string, unknown>[] }): Promise<AuthServer> {
  const http = await listenLoopback();
  const behaviour: AuthServerBehaviour = { consent: 'approve', omitRefreshTokenOnRefresh: false, accessTokenTtl: 3600, omitPatient: false, fhirUser: 'patient' };
  const grants: Record<string, number> = {};
  const tokenAuth: { clientId: string; method: string; assertionAud?: string }[] = [];
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-as', use: 'sig', alg: 'RS256' };

  const provider = new Provider(http.url, {
    clients: o.clients as never,
    jwks: { keys: [signingJwk as never] },
    cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
    scopes: SCOPES_SUPPORTED,
    claims: { openid: ['sub'], fhirUser: ['fhirUser'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, fhirUser: behaviour.fhirUser === 'patient' ? `${o.fhirBase()}/Patient/${o.patient}` : `${o.fhirBase()}/Practitioner/dr-1` }),
    }),
    // SMART servers put fhirUser in the ID token of a code flow (not only at userinfo).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // Everything here is on loopback: drop the SSRF guard so the server can fetch our JWKS.
    fetch: (url: string | URL | Request, options?: RequestInit) => {
      const { dispatcher: _ssrfGuard, ...rest } = (options ?? {}) as RequestInit & { dispatcher?: unknown };
      return fetch(url, rest);
    },
    // Epic signs client assertions with RS384 or ES384; oidc-provider's defaults leave those out.
    enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'RS384', 'ES256', 'ES384'] },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    extraParams: {
      aud(_ctx, value) {
        if (value !== o.fhirBase()) throw new errors.InvalidRequest('aud must be the FHIR server base URL');
      },
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => !behaviour.omitRefreshTokenOnRefresh,
    ttl: { AccessToken: () => behaviour.accessTokenTtl, Interaction: 600, Session: 3600, Grant: 86400, RefreshToken: 86400, IdToken: 3600, AuthorizationCode: 60 },
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  });

  if (process.env.CV_DEBUG_AS) provider.on('grant.error', (_ctx: unknown, err: any) => console.error('AS grant.error', err.error_description, err.error_detail, String(err.cause?.cause), String(err.cause?.cause?.cause)));
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || !ctx.oidc) return;
    const grantType = String(ctx.oidc.params?.grant_type ?? '');
    grants[grantType] = (grants[grantType] ?? 0) + 1;
    if (ctx.oidc.client) {
      const assertion = String(ctx.oidc.params?.client_assertion ?? '');
      const aud = assertion ? JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString() || '{}').aud : undefined;
      tokenAuth.push({ clientId: ctx.oidc.client.clientId, method: ctx.oidc.client.clientAuthMethod, ...(aud ? { assertionAud: aud } : {}) });
    }
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.status === 200 && body && typeof body.access_token === 'string') {
      if (!behaviour.omitPatient) {
        body.patient = o.patient;
        body['__epic.dstu2.patient'] = 'TGsj9rYGI8SV-LYYkdH1JqbxYuFGfrODXSPC6iLLYkJcB';
      }
      if (grantType === 'refresh_token' && behaviour.omitRefreshTokenOnRefresh) delete body.refresh_token;
    }
  });

  const interaction = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    if (behaviour.consent === 'deny') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The person declined.' }, { mergeWithLastSubmission: false });
      return;
    }
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: 'patient-user' } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId
      ? (await provider.Grant.find(details.grantId))!
      : new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };

  const callback = provider.callback();
  http.setHandler((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      });
      return;
    }
    callback(req, res);
  });

  const revokeGrant = async (grantId: string) => {
    await provider.AccessToken.revokeByGrantId(grantId);
    await provider.RefreshToken.revokeByGrantId(grantId);
    await provider.Grant.adapter.destroy(grantId);
  };

  return {
    url: http.url,
    provider,
    behaviour,
    grants,
    tokenAuth,
    async revokeGrantOf(accessToken) {
      const at = await provider.AccessToken.find(accessToken, { ignoreExpiration: true });
      if (at?.grantId) await revokeGrant(at.grantId);
    },
    async expireAccessToken(accessToken) {
      const at = await provider.AccessToken.find(accessToken, { ignoreExpiration: true });
      await at?.destroy();
    },
    async isValid(accessToken) {
      const at = await provider.AccessToken.find(accessToken);
      return !!at && !at.isExpired;
    },
    close: http.close,
  };
}
