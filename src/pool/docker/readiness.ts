import { Ollama } from 'ollama';
import { fetchModelNames, modelPresent } from '../model-tags.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls GET /api/version until the server answers, the deadline passes, or `cancelled()`. */
export async function waitForOllama(host: string, deadline: number, cancelled: () => boolean): Promise<void> {
  let delay = 20;
  while (!cancelled()) {
    try {
      const res = await fetch(`${host}/api/version`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('the model container did not answer before POOL_START_TIMEOUT_MS');
    await sleep(delay);
    delay = Math.min(250, delay * 2);
  }
  throw new Error('cancelled');
}

export interface WarmResult {
  chatPresent: boolean;
  embedPresent: boolean;
}

/**
 * Checks which models the container holds, loads the chat model with an empty chat and a long
 * keep_alive, then primes it with a one-token answer to a fixed, data-free prompt, so the first
 * real request pays neither the load nor the cold path. `numCtx` must be the one real requests
 * use: Ollama reloads the model when num_ctx changes.
 */
export async function warmUp(host: string, models: { chat: string; embed: string }, keepAlive: string, numCtx: number, timeoutMs: number): Promise<WarmResult> {
  const names = await fetchModelNames(host, timeoutMs);
  const result = { chatPresent: modelPresent(names, models.chat), embedPresent: modelPresent(names, models.embed) };
  if (!result.chatPresent) return result;
  const client = new Ollama({ host, fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }) });
  const options = { num_ctx: numCtx };
  await client.chat({ model: models.chat, messages: [], keep_alive: keepAlive, options });
  await client.chat({ model: models.chat, messages: [{ role: 'user', content: 'Reply with OK.' }], keep_alive: keepAlive, options: { ...options, num_predict: 1 } });
  return result;
}
