import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { KeyService } from '../../../src/vault/keys.ts';
import { loadMasterKeyring } from '../../../src/vault/master-key.ts';
import { ConnectionStore } from '../../../src/connectors/connection-store.ts';
import { TimeSeriesStore } from '../../../src/connectors/timeseries/store.ts';
import { saveConnection } from '../../../src/db/wearables.ts';
import { insertJob } from '../../../src/db/jobs.ts';

let rt: TestRuntime;
let u: Awaited<ReturnType<TestRuntime['signup']>>;
let other: Awaited<ReturnType<TestRuntime['signup']>>;
beforeAll(async () => {
  rt = await createTestRuntime();
  [u, other] = [await rt.signup(), await rt.signup()];
});
afterAll(() => rt?.destroy());

describe('GET /api/vault/export: everything of the user, decrypted', () => {
  it('has items, rules, conversations with messages, disclosures, tokens, connections, jobs and wearable samples — and no secret', async () => {
    const keys = new KeyService(rt.deps.db, loadMasterKeyring(rt.config).keyring);
    const item = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Blood pressure diary', text: 'Morning reading 128/82' } });
    expect((await rt.api('POST', '/api/vault/rules', { token: u.token, body: { kind: 'note', shareWithAi: true } })).status).toBe(201);
    const conversationId = await rt.deps.conversations.startTurn(u.userId, { question: 'What was my morning blood pressure?', origin: 'web', itemIds: [item.body.id], model: 'test-model' });
    await rt.deps.conversations.addMessage(u.userId, { conversationId, role: 'assistant', content: 'Your morning reading was 128/82.', itemIds: [item.body.id], model: 'test-model' });
    const apiToken = await rt.api('POST', '/api/tokens', { token: u.token, body: { name: 'laptop script' } });
    await new ConnectionStore(rt.deps.db, keys).save(u.userId, 'epic', 'https://fhir.example.test/r4', { accessToken: 'ACCESS-TOKEN-PLAINTEXT', refreshToken: 'REFRESH-TOKEN-PLAINTEXT', scope: 'patient/*.read', expiresAt: new Date('2030-01-01T00:00:00Z') }, 'patient-42');
    const wearableTokens = (await keys.forUser(u.userId)).encrypt('wearable-tokens', 'OURA-TOKEN-PLAINTEXT');
    await saveConnection(rt.deps.db, { userId: u.userId, provider: 'oura', tokensEnc: wearableTokens, scope: 'daily heartrate', accessExpiresAt: null });
    await insertJob(rt.deps.db, { id: randomUUID(), userId: u.userId, type: 'apple-health.import', params: { path: '/private/imports/SECRET-PATH.upload', deleteAfter: true }, dedupeKey: null, unit: 'records' });
    const start = Date.parse('2024-03-02T08:00:00Z');
    await new TimeSeriesStore(keys, rt.deps.items).commit(rt.deps.db, u.userId, 'apple-health', [
      [{ metric: 'heart-rate', day: '2024-03-02' }, [{ metric: 'heart-rate', start, end: start, tz: '+00:00', day: '2024-03-02', value: 61, unit: '/min', sourceName: 'Test Watch' }]],
    ]);
    // Someone else's data must not appear.
    const foreign = await rt.api('POST', '/api/vault/items', { token: other.token, body: { kind: 'note', title: 'Not yours', text: 'foreign words' } });

    const r = await rt.api('GET', '/api/vault/export', { token: u.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(/attachment/);
    const e = r.body;
    expect(e.user).toMatchObject({ id: u.userId, email: u.email });
    expect(e.items.find((i: any) => i.id === item.body.id)).toMatchObject({ title: 'Blood pressure diary', text: 'Morning reading 128/82' });
    expect(e.rules).toEqual([expect.objectContaining({ kind: 'note', shareWithAi: true })]);
    expect(e.conversations).toHaveLength(1);
    expect(e.conversations[0]).toMatchObject({ id: conversationId, title: 'What was my morning blood pressure?' });
    expect(e.conversations[0].messages.map((m: any) => [m.role, m.content])).toEqual([
      ['user', 'What was my morning blood pressure?'],
      ['assistant', 'Your morning reading was 128/82.'],
    ]);
    expect(e.disclosures).toEqual([expect.objectContaining({ conversationId, model: 'test-model', itemIds: [item.body.id] })]);
    expect(e.apiTokens).toEqual([expect.objectContaining({ id: apiToken.body.id, name: 'laptop script', prefix: apiToken.body.prefix })]);
    expect(e.connections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'smart-on-fhir', provider: 'epic', status: expect.any(String), serverUrl: 'https://fhir.example.test/r4', createdAt: expect.any(String) }),
        expect.objectContaining({ kind: 'wearable', provider: 'oura', status: 'connected', createdAt: expect.any(String) }),
      ]),
    );
    expect(e.jobs).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'apple-health.import', status: 'queued', createdAt: expect.any(String), finishedAt: null })]));
    expect(e.wearableSamples).toEqual([
      { source: 'apple-health', metric: 'heart-rate', samples: [expect.objectContaining({ start: '2024-03-02T08:00:00.000Z', value: 61, unit: '/min', sourceName: 'Test Watch' })] },
    ]);

    const text = JSON.stringify(e);
    for (const secret of [apiToken.body.token, 'ACCESS-TOKEN-PLAINTEXT', 'REFRESH-TOKEN-PLAINTEXT', 'OURA-TOKEN-PLAINTEXT', wearableTokens.toString('base64'), 'SECRET-PATH', foreign.body.id, 'foreign words', other.userId]) {
      expect(text).not.toContain(secret);
    }
    const hash = (await rt.deps.db.selectFrom('api_tokens').select('token_hash').where('id', '=', apiToken.body.id).executeTakeFirstOrThrow()).token_hash;
    expect(text).not.toContain(hash.toString('hex'));
    expect(text).not.toContain(hash.toString('base64'));
  });
});
