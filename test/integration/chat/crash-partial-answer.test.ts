import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestModel, type TestModelServer } from '../../helpers/test-model.ts';

const bin = resolve(import.meta.dirname, '../../../bin/context-vault.js');

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/**
 * `kill -9` of a real gateway process while it streams an answer: the partial answer survives
 * (saved as it streams, encrypted), and after the restart the conversation shows it as `error`.
 */
describe('a gateway killed with SIGKILL mid-answer', () => {
  let model: TestModelServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'cv-crash-'));
  const children: ChildProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    model = await startTestModel();
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      VAULT_DATA_DIR: dataDir,
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
      PORT: '0',
      LOG_LEVEL: 'warn',
      MODEL_BACKEND: 'external',
      OLLAMA_URL: model.url,
      CHAT_MODEL: 'test-chat',
      EMBED_MODEL: 'test-embed',
    };
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await model?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startGateway(): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, [bin, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stderr!.on('data', (d) => (out += d));
    const url = await new Promise<string>((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`the gateway did not start:\n${out}`)), 90_000);
      child.stdout!.on('data', (d) => {
        out += d;
        const m = out.match(/running at (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) (clearTimeout(t), ok(m[1]));
      });
      child.once('exit', (code) => (clearTimeout(t), fail(new Error(`the gateway exited (${code}):\n${out}`))));
    });
    return { child, url };
  }

  it('keeps the partial answer, encrypted, and shows it as error after the restart', async () => {
    const first = await startGateway();
    const signup = await fetch(`${first.url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'crash@example.test', password: 'a long enough password for this' }) });
    expect(signup.status).toBe(201);
    const { token } = (await signup.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const item = await fetch(`${first.url}/api/vault/items`, { method: 'POST', headers: auth, body: JSON.stringify({ kind: 'note', title: 'Ferritin', text: 'ferritin 40 ug/L in March', permissions: { shareWithAi: true } }) });
    expect(item.status).toBe(201);

    // A long answer (300 tokens, 20 ms apart); the gateway is killed about 3 s into it.
    const res = await fetch(`${first.url}/api/chat`, { method: 'POST', headers: auth, body: JSON.stringify({ message: 'what is my ferritin? [[slow]]' }) });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    let conversationId = '';
    let streamed = '';
    let firstTokenAt = 0;
    const parser = createParser({
      onEvent(m) {
        const data = JSON.parse(m.data);
        if (m.event === 'context') conversationId = data.conversationId;
        if (m.event === 'token') {
          firstTokenAt ||= Date.now();
          streamed += data.text;
        }
      },
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const exited = new Promise((r) => first.child.once('exit', r));
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
        if (firstTokenAt && Date.now() - firstTokenAt > 3000) {
          first.child.kill('SIGKILL');
          break;
        }
      }
    } catch {
      /* the connection dies with the process */
    }
    await exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(conversationId).not.toBe('');
    expect(streamed.split(' ').length).toBeGreaterThan(50);

    // Nothing of the answer is readable on disk (it is sealed like every message).
    const marker = Buffer.from('From your records');
    expect(streamed).toContain('From your records');
    expect(files(dataDir).filter((f) => readFileSync(f).includes(marker))).toEqual([]);

    const second = await startGateway();
    const conv = await fetch(`${second.url}/api/conversations/${conversationId}`, { headers: auth });
    expect(conv.status).toBe(200);
    const body = (await conv.json()) as { messages: { role: string; status: string; content: string }[] };
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    const answer = body.messages[1];
    expect(answer.status).toBe('error');
    // What the person saw, up to the last save before the crash (saved every 2 s, so > 1 s of it).
    expect(answer.content.length).toBeGreaterThan(0);
    expect(streamed.startsWith(answer.content)).toBe(true);
    expect(answer.content.split(' ').length).toBeGreaterThan(25);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  }, 180_000); // two cold starts of a gateway process (tsx, a new embedded database) on a loaded machine
});
