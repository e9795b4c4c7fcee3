import { withinDeadline } from '../lib/deadline.ts';

/** Asks an Ollama server (GET /api/tags) which models it holds. Throws when it does not answer. */
export async function fetchModelNames(host: string, timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
  const body = await withinDeadline(timeoutMs, signal, async (s) => {
    const res = await fetch(`${host}/api/tags`, { signal: s });
    if (!res.ok) throw new Error(`GET /api/tags answered ${res.status}`);
    return (await res.json()) as { models?: { name?: string; model?: string }[] };
  });
  return (body.models ?? []).flatMap((m) => [m.name, m.model]).filter((n): n is string => typeof n === 'string');
}

/** Ollama treats `name` and `name:latest` as the same model. */
export function modelPresent(names: string[], wanted: string): boolean {
  const full = wanted.includes(':') ? wanted : `${wanted}:latest`;
  return names.some((n) => n === wanted || n === full || `${n}:latest` === full);
}
