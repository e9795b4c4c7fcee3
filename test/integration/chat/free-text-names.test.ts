import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { startTestModel, type TestModelServer } from '../../helpers/test-model.ts';
import { listen, postSse } from '../../helpers/http.ts';

/**
 * A name written in a note's free text, which no record of the person names, must not reach
 * the model (the name lists of src/retrieval/name-list.ts); codes of code systems must arrive
 * readable. Proven by what the test model server received.
 */
let model: TestModelServer;
let rt: TestRuntime;
let http: { url: string; close(): Promise<void> };
let user: Awaited<ReturnType<TestRuntime['signup']>>;

beforeAll(async () => {
  model = await startTestModel({ TEST_MODEL_TOKEN_DELAY_MS: '1' });
  rt = await createTestRuntime({ MODEL_BACKEND: 'external', OLLAMA_URL: model.url });
  await rt.deps.jobs.start();
  http = await listen(rt);
  user = await rt.signup();
  const note = {
    kind: 'note',
    title: 'Knee physio',
    text: 'Knee physio session with John Smith; MARIA GARCIA drove me home. Diagnosis SNOMED 239873007 (osteoarthritis of knee), LOINC 8480-6 taken. You may stop the ice packs. Call 608-555-0199.',
    permissions: { shareWithAi: true },
  };
  expect((await rt.api('POST', '/api/vault/items', { token: user.token, body: note })).status).toBe(201);
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 50));
    await rt.deps.jobs.whenIdle();
  }
});
afterAll(async () => {
  await http?.close();
  await rt?.destroy();
  await model?.stop();
});

describe('free-text names and codes in what the model receives', () => {
  it('a name no record knows is redacted, codes and ordinary words stay readable', async () => {
    // The note's embedding (made at setup, where pgvector exists) went through the same redaction.
    if (!process.env.TEST_DATABASE_URL) {
      const setup = (await model.requests()).filter((x) => x.kind === 'embed');
      expect(setup.length).toBeGreaterThan(0);
      for (const e of setup) expect(JSON.stringify(e)).not.toContain('John Smith');
      expect(JSON.stringify(setup)).toContain('SNOMED 239873007');
    }
    await model.clearRequests();
    const r = await postSse(`${http.url}/api/chat`, user.token, { message: 'What happened at my knee physio?' });
    expect(r.events.at(-1)?.event).toBe('done');
    const requests = await model.requests();
    const everything = JSON.stringify(requests);
    for (const s of ['John Smith', 'Smith', 'MARIA GARCIA', '608-555-0199']) expect(everything, s).not.toContain(s);
    const chat = requests.find((x) => x.kind === 'chat' && x.body.messages?.length)!.body;
    const system: string = chat.messages[0].content;
    expect(system).toContain('session with [name];');
    expect(system).toContain('SNOMED 239873007');
    expect(system).toContain('LOINC 8480-6');
    expect(system).toContain('You may stop the ice packs');
  });
});
