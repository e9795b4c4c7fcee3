import { setTimeout as sleep } from 'node:timers/promises';
import { Ollama } from 'ollama';
import { fetchModelNames, modelPresent } from '../model-tags.ts';
import { withinDeadline } from '../../lib/deadline.ts';

/** Thrown when a start is abandoned because the pool closed (or dropped the container) meanwhile. */
export class StartCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}


/** Polls GET /api/version until the server answers, the deadline passes, or `signal` aborts. */
export async function waitForOllama(host: string, deadline: number, signal?: AbortSignal): Promise<void> {
  let delay = 20;
  while (!signal?.aborted) {
    try {
      if (await ollamaAnswers(host, 1000, signal)) return;
    } catch {
      /* not listening yet (or aborted: the loop condition says which) */
    }
    if (Date.now() > deadline) throw new Error('the model container did not answer before POOL_START_TIMEOUT_MS');
    await sleep(delay, undefined, { signal }).catch(() => undefined);
    delay = Math.min(250, delay * 2);
  }
  throw new StartCancelled();
}

/**
 * True when GET /api/version answers within `timeoutMs` (readiness, and the idle probe of ready
 * containers). False by the deadline even if the fetch ignores its abort: a paused container
 * accepts the connection and never answers, and a probe that never settled would never retire it.
 */
export async function ollamaAnswers(host: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  try {
    return await withinDeadline(timeoutMs, signal, async (s) => {
      const res = await fetch(`${host}/api/version`, { signal: s });
      await res.body?.cancel();
      return res.ok;
    });
  } catch {
    return false;
  }
}

/**
 * Probes an idle ready container (GET /api/version) and records the outcome on its slot. True when
 * it failed twice in a row: one slow answer on a loaded host is not enough to retire it.
 */
export async function probeIdle(
  slot: { host?: string; probing?: boolean; probeFailures?: number; checkedAt?: number },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  slot.probing = true;
  const ok = await ollamaAnswers(slot.host!, timeoutMs, signal);
  slot.probing = false;
  slot.probeFailures = ok ? 0 : (slot.probeFailures ?? 0) + 1;
  if (ok) slot.checkedAt = Date.now();
  return slot.probeFailures >= 2;
}

export interface WarmResult {
  chatPresent: boolean;
  embedPresent: boolean;
}

/**
 * Checks which models the container holds, loads the chat model with an empty chat and a long
 * keep_alive, then primes it with a one-token answer to a fixed, data-free prompt, so the first
 * real request pays neither the load nor the cold path. `numCtx` must be the one real requests
 * use: Ollama reloads the model when num_ctx changes. `signal` (the pool's close) cuts every
 * call short: loading a real model can take a minute, longer than a shutdown may wait.
 */
export async function warmUp(
  host: string,
  models: { chat: string; embed: string },
  keepAlive: string,
  numCtx: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WarmResult> {
  try {
    // One bound for the whole warm-up, kept by a timer even if a call ignores its abort.
    return await withinDeadline(timeoutMs, signal, async (bound) => {
      const names = await fetchModelNames(host, timeoutMs, bound);
      const result = { chatPresent: modelPresent(names, models.chat), embedPresent: modelPresent(names, models.embed) };
      if (!result.chatPresent) return result;
      const client = new Ollama({ host, fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([bound, init.signal]) : bound }) });
      const options = { num_ctx: numCtx };
      await client.chat({ model: models.chat, messages: [], keep_alive: keepAlive, options });
      // Streamed, as real requests are: the server's streaming path is warm before a user needs it.
      const primer = await client.chat({ model: models.chat, messages: [{ role: 'user', content: 'Reply with OK.' }], stream: true, keep_alive: keepAlive, options: { ...options, num_predict: 1 } });
      for await (const part of primer) if (part.done) break;
      return result;
    });
  } catch (e) {
    if (signal?.aborted) throw new StartCancelled();
    throw e;
  }
}
