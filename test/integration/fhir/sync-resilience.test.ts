import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, startSmartWorld, waitForJob, type SmartWorld } from './support/harness.ts';
import { expectedPowellCounts, POWELL_PATIENT } from './support/fixtures.ts';
import { listenLoopback } from './support/listen.ts';
import { SmartDiscovery } from '../../../src/connectors/oauth/discovery.ts';

let w: SmartWorld;
beforeAll(async () => {
  w = await startSmartWorld();
});
afterAll(async () => {
  await w?.close();
});

async function connectedUser() {
  const user = await w.rt.signup();
  // Connect without letting the first sync see injected faults: wait for it first.
  const landing = await new Browser(w.gateway, user.token).connect('epic');
  await waitForJob(w.rt, user.token, landing.params.get('jobId')!);
  return user;
}

async function sync(token: string) {
  const r = await w.rt.api('POST', '/api/integrations/epic/sync', { token });
  expect(r.status).toBe(202);
  return waitForJob(w.rt, token, r.body.jobId);
}

const conditionKey = `Condition?_count=50&patient=${POWELL_PATIENT}`;
const vitalsKey = `Observation?_count=50&category=vital-signs&patient=${POWELL_PATIENT}`;

describe('a sync against a difficult server', () => {
  it('waits out 429 (honouring Retry-After) and 503, and survives its token expiring mid-sync', async () => {
    const user = await connectedUser();
    const refreshes = w.as.grants.refresh_token ?? 0;
    const logStart = w.fhir.log.length;
    w.fhir.inject(conditionKey, [{ status: 429, headers: { 'retry-after': '1' } }, { status: 503 }]);
    let expiredAt = 0;
    w.fhir.beforeRequest(
      w.fhir.log.length + 20,
      async (token) => {
        expiredAt = Date.now();
        await w.as.expireAccessToken(token);
      },
    );
    const started = Date.now();
    const job = await sync(user.token);
    expect(job.status).toBe('succeeded');
    expect(expiredAt).toBeGreaterThan(0);
    // One refresh after the 401, and the rest of the sync carried on with the new token.
    expect(w.as.grants.refresh_token).toBe(refreshes + 1);
    const log = w.fhir.log.slice(logStart);
    expect(log.filter((l) => l.key === conditionKey).map((l) => l.status)).toEqual([429, 503, 200]);
    expect(log.filter((l) => l.status === 401)).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(job.result.unchanged).toBe(Object.values(expectedPowellCounts()).reduce((a, b) => a + b, 0));
    expect(w.fhir.unmatched).toEqual([]);
  });

  it('treats 400/403/404 per type as warnings and keeps OperationOutcome entries as warnings', async () => {
    const user = await connectedUser();
    const job = await sync(user.token);
    expect(job.status).toBe('succeeded');
    const warnings: string[] = job.warnings;
    expect(warnings.some((m) => m.startsWith('CarePlan: categories not offered by this server'))).toBe(true);
    expect(warnings.some((m) => m.includes('59204'))).toBe(true); // "not authorized for a sub-type"
    expect(warnings.some((m) => m.includes('4101'))).toBe(true); // "no results"
    expect(job.result.types.Observation).toBe(expectedPowellCounts().Observation);
  });

  it('refuses a next link to another server and never sends it the token', async () => {
    const user = await connectedUser();
    const elsewhere = await listenLoopback();
    const seen: string[] = [];
    elsewhere.setHandler((req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [] }));
    });
    try {
      w.fhir.redirectNext(vitalsKey, `${elsewhere.url}/api/FHIR/R4/Observation?sessionID=stolen`);
      const job = await sync(user.token);
      expect(job.status).toBe('succeeded');
      expect(seen).toEqual([]);
      expect(job.warnings.some((m: string) => m.startsWith('Observation: refused a next link to another server'))).toBe(true);
    } finally {
      w.fhir.redirectNext(vitalsKey, '');
      await elsewhere.close();
    }
  });
});

describe('SMART discovery', () => {
  it('reads .well-known/smart-configuration, or else the CapabilityStatement OAuth URIs', async () => {
    const fromWellKnown = await new SmartDiscovery().discover(w.fhir.base);
    expect(fromWellKnown).toMatchObject({ issuer: w.as.url, authorization_endpoint: `${w.as.url}/auth`, token_endpoint: `${w.as.url}/token` });
    w.fhir.smartConfig = false;
    try {
      const fromMetadata = await new SmartDiscovery().discover(w.fhir.base);
      expect(fromMetadata.authorization_endpoint).toBe(`${w.as.url}/auth`);
      expect(fromMetadata.token_endpoint).toBe(`${w.as.url}/token`);
    } finally {
      w.fhir.smartConfig = true;
    }
  });

  it('still reads /metadata when .well-known/smart-configuration drops the connection', async () => {
    const flaky = await listenLoopback();
    flaky.setHandler((req, res) => {
      if (req.url?.endsWith('/.well-known/smart-configuration')) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({
        resourceType: 'CapabilityStatement',
        rest: [{ mode: 'server', security: { extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [{ url: 'authorize', valueUri: `${flaky.url}/auth` }, { url: 'token', valueUri: `${flaky.url}/token` }] }] } }],
      }));
    });
    try {
      const found = await new SmartDiscovery().discover(`${flaky.url}/fhir`);
      expect(found).toMatchObject({ authorization_endpoint: `${flaky.url}/auth`, token_endpoint: `${flaky.url}/token` });
    } finally {
      await flaky.close();
    }
  });

  it('an unreachable provider is reported as provider_unavailable (HTTP 503)', async () => {
    const dead = await listenLoopback();
    const url = dead.url;
    await dead.close();
    await expect(new SmartDiscovery().discover(`${url}/fhir`)).rejects.toMatchObject({ code: 'provider_unavailable' });
  });
});
