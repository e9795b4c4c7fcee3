import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ExternalModelPool } from '../../../src/pool/external-model-pool.ts';
import { ModelStreamError, type ChatChunk, type ModelLease } from '../../../src/pool/model-pool.ts';
import { startTestModel, type TestModelServer } from '../../helpers/test-model.ts';

const log = pino({ level: 'silent' });

async function collect(it: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

describe('ExternalModelPool against the test model server', () => {
  let tm: TestModelServer;
  let pool: ExternalModelPool;

  beforeAll(async () => {
    tm = await startTestModel({ TEST_MODEL_TOKEN_DELAY_MS: '1' });
    pool = new ExternalModelPool({ url: tm.url, chatModel: 'test-chat', embedModel: 'test-embed', idleTimeoutMs: 800, numCtx: 4096, log });
    await pool.start();
  });
  afterAll(async () => {
    await pool?.close();
    await tm?.stop();
  });

  it('streams a chat word by word, ends with usage, and always sends num_ctx', async () => {
    await tm.clearRequests();
    const lease = await pool.lease('user-1');
    const chunks = await collect(
      lease.chat({
        model: 'test-chat',
        numCtx: 3072,
        messages: [
          { role: 'system', content: 'Records:\n[1] Blood pressure 118/76\n[2] LDL cholesterol 130 mg/dL' },
          { role: 'user', content: 'How is my heart health?' },
        ],
      }),
    );
    await lease.release();
    const text = chunks.map((c) => c.text).join('');
    expect(text).toContain('[1] blood pressure');
    expect(text).toContain('[2] ldl cholesterol');
    expect(chunks.filter((c) => !c.done).length).toBeGreaterThan(5);
    const last = chunks.at(-1)!;
    expect(last.done).toBe(true);
    expect(last.usage!.completionTokens).toBe(chunks.length - 1);
    expect(last.usage!.promptTokens).toBeGreaterThan(0);
    const reqs = await tm.requests();
    expect(reqs).toHaveLength(1);
    expect(reqs[0].numCtx).toBe(3072);
    expect(reqs[0].body.messages[1].content).toBe('How is my heart health?');
  });

  it('surfaces a mid-stream {"error"} line as ModelStreamError and marks the lease failed', async () => {
    const lease = (await pool.lease('user-1')) as ModelLease & { hasFailed: boolean };
    const got: string[] = [];
    const err = await (async () => {
      for await (const c of lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: 'hi [[fail-midstream]]' }] })) got.push(c.text);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(ModelStreamError);
    expect(err.code).toBe('model_failed');
    expect(got.length).toBeGreaterThan(0);
    expect(lease.hasFailed).toBe(true);
    await lease.release();
  });

  it('ends a hung stream with ModelStreamError after the idle timeout instead of waiting forever', async () => {
    const lease = await pool.lease('user-1');
    const started = Date.now();
    const err = await collect(lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: 'hi [[hang]]' }] })).catch((e) => e);
    expect(err).toBeInstanceOf(ModelStreamError);
    expect(err.message).toMatch(/stopped responding/);
    expect(Date.now() - started).toBeLessThan(5000);
    await lease.release();
  });

  it('honours the caller abort signal mid-stream, promptly, without blaming the model', async () => {
    const lease = (await pool.lease('user-1')) as ModelLease & { hasFailed: boolean };
    const ac = new AbortController();
    const started = Date.now();
    let n = 0;
    const err = await (async () => {
      for await (const _ of lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: 'tell me [[slow]]' }], signal: ac.signal })) {
        if (++n === 3) ac.abort(new Error('client went away'));
      }
    })().catch((e) => e);
    expect((err as Error).message).toBe('client went away');
    // [[slow]] would take 300 × 20 ms = 6 s to finish.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(lease.hasFailed).toBe(false);
    await lease.release();
  });

  it('answers a request for an unknown model with a clear error that does not mark the server failed', async () => {
    const lease = (await pool.lease('user-1')) as ModelLease & { hasFailed: boolean };
    const err = await collect(lease.chat({ model: 'no-such-model', numCtx: 2048, messages: [{ role: 'user', content: 'x' }] })).catch((e) => e);
    expect(err).toBeInstanceOf(ModelStreamError);
    expect(err.message).toMatch(/not found/);
    expect(lease.hasFailed).toBe(false);
    await lease.release();
  });

  it('embeds texts into deterministic 768-dim unit vectors where shared words mean closeness', async () => {
    const lease = await pool.lease('user-1');
    const [a, b, c] = await lease.embed({
      model: 'test-embed',
      input: ['hemoglobin a1c result', 'latest hemoglobin a1c', 'knee x-ray report'],
    });
    const [a2] = await lease.embed({ model: 'test-embed', input: ['hemoglobin a1c result'] });
    await lease.release();
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
    expect(a).toHaveLength(768);
    expect(dot(a, a)).toBeCloseTo(1, 3);
    expect(a2).toEqual(a);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c) + 0.3);
  });

  it('sends num_ctx on embed calls too: the one given, else the pool NUM_CTX', async () => {
    await tm.clearRequests();
    const lease = await pool.lease('user-1');
    await lease.embed({ model: 'test-embed', input: ['no context given'] });
    await lease.embed({ model: 'test-embed', input: ['context given'], numCtx: 1024 });
    await lease.release();
    const embeds = (await tm.requests()).filter((r) => r.kind === 'embed');
    expect(embeds.map((r) => r.numCtx)).toEqual([4096, 1024]);
  });

  it('refuses to use a released lease', async () => {
    const lease = await pool.lease('user-1');
    await lease.release();
    await expect(collect(lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: 'x' }] }))).rejects.toBeInstanceOf(ModelStreamError);
  });

  it('reports health: not ephemeral, both models present; a missing model is named', async () => {
    const h = await pool.health();
    expect(h).toMatchObject({ ok: true, backend: 'external', ephemeral: false, chatModel: { name: 'test-chat', present: true }, embedModel: { present: true } });
    const other = new ExternalModelPool({ url: tm.url, chatModel: 'missing-chat:7b', embedModel: 'test-embed', idleTimeoutMs: 800, numCtx: 4096, log });
    const h2 = await other.health();
    expect(h2.ok).toBe(false);
    expect(h2.chatModel).toEqual({ name: 'missing-chat:7b', present: false });
    expect(h2.detail).toMatch(/missing-chat:7b/);
  });
});

describe('ExternalModelPool when the server is gone or crashes', () => {
  it('reports not ok when nothing answers, and a crash mid-stream ends the request with ModelStreamError', async () => {
    const tm = await startTestModel({ TEST_MODEL_TOKEN_DELAY_MS: '1' });
    const pool = new ExternalModelPool({ url: tm.url, chatModel: 'test-chat', embedModel: 'test-embed', idleTimeoutMs: 5000, numCtx: 4096, log });
    const lease = (await pool.lease('u')) as ModelLease & { hasFailed: boolean };
    const started = Date.now();
    const err = await collect(lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: 'x [[crash]]' }] })).catch((e) => e);
    expect(err).toBeInstanceOf(ModelStreamError);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(lease.hasFailed).toBe(true);
    await lease.release();
    await tm.stop();
    const h = await pool.health();
    expect(h.ok).toBe(false);
    expect(h.detail).toMatch(/does not answer/);
    await pool.close();
  });
});
