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
 * Checks which models the container holds and loads the chat model with an empty chat and a
 * long keep_alive, so the first real request does not pay the load time.
 */
export async function warmUp(host: string, models: { chat: string; embed: string }, keepAlive: string, timeoutMs: number): Promise<WarmResult> {
  const names = await fetchModelNames(host, timeoutMs);
  const result = { chatPresent: modelPresent(names, models.chat), embedPresent: modelPresent(names, models.embed) };
  if (!result.chatPresent) return result;
  const client = new Ollama({ host, fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }) });
  await client.chat({ model: models.chat, messages: [], keep_alive: keepAlive });
  return result;
}
