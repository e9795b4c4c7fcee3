import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path of the Ollama-compatible test model server (containers/test-model/server.mjs). */
export const TEST_MODEL_SERVER = join(dirname(fileURLToPath(import.meta.url)), '../../containers/test-model/server.mjs');

export interface TestModelServer {
  /** Base URL on 127.0.0.1, e.g. for OLLAMA_URL. */
  url: string;
  port: number;
  process: ChildProcess;
  /** Every chat/embed body the server received, in order (privacy tests: what reached the model). */
  requests(): Promise<{ kind: 'chat' | 'embed'; numCtx: number | null; body: any }[]>;
  clearRequests(): Promise<void>;
  /** Kills the server and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts the test model server as a child process on 127.0.0.1 and a free port. `env` adds its
 * switches (TEST_MODEL_FAIL, TEST_MODEL_TOKEN_DELAY_MS, TEST_MODELS).
 */
export async function startTestModel(env: Record<string, string> = {}): Promise<TestModelServer> {
  const child = spawn(process.execPath, [TEST_MODEL_SERVER], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('test model server did not start within 10 s')), 10_000);
    child.once('exit', (code) => reject(new Error(`test model server exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    process: child,
    async requests() {
      const res = await fetch(`${url}/__test/requests`);
      return ((await res.json()) as { requests: any[] }).requests;
    },
    async clearRequests() {
      await fetch(`${url}/__test/requests`, { method: 'DELETE' });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
