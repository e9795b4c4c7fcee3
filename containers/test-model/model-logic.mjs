// Deterministic "model" behaviour of the test model server: answers that cite the [n] markers
// of the prompt, and hashed bag-of-words embeddings. Plain Node, no dependencies, so the image
// can be built FROM scratch with only the node binary.
import { createHash } from 'node:crypto';

export const EMBED_DIM = 768;

/** Words of a text, lower-cased, letters and digits only (shared by answers and embeddings). */
export function words(text) {
  return String(text ?? '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * A unit vector of EMBED_DIM dimensions: each word adds ±1 to a bucket chosen by its hash, so
 * texts that share words have a high cosine similarity and unrelated texts are near-orthogonal.
 */
export function embedText(text) {
  const v = new Float64Array(EMBED_DIM);
  const ws = words(text);
  for (const w of ws.length ? ws : ['\u0000empty']) {
    const h = createHash('sha256').update(w).digest();
    const bucket = h.readUInt32BE(0) % EMBED_DIM;
    v[bucket] += h[4] & 1 ? 1 : -1;
    // A second, weaker bucket spreads collisions without losing determinism.
    v[h.readUInt32BE(5) % EMBED_DIM] += h[9] & 1 ? 0.5 : -0.5;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return Array.from(v, (x) => Math.round((x / norm) * 1e6) / 1e6);
}

/** Citation markers [n] in order of first appearance across all messages. */
export function citationMarkers(messages) {
  const seen = new Set();
  for (const m of messages ?? []) {
    for (const match of String(m?.content ?? '').matchAll(/\[(\d{1,4})\]/g)) seen.add(Number(match[1]));
  }
  return [...seen];
}

/** A few words that follow marker [n] in the prompt, so an answer visibly draws on that item. */
function snippetFor(n, messages) {
  for (const m of messages) {
    const text = String(m?.content ?? '');
    const at = text.indexOf(`[${n}]`);
    if (at >= 0) {
      const after = words(text.slice(at + String(n).length + 2)).slice(0, 4);
      if (after.length) return after.join(' ');
    }
  }
  return 'noted';
}

/** The deterministic reply text for a chat request. */
export function answerFor(messages) {
  const markers = citationMarkers(messages);
  if (!markers.length) return 'I found nothing in the records you shared that answers this.';
  return `From your records: ${markers.map((n) => `[${n}] ${snippetFor(n, messages)}.`).join(' ')}`;
}

/** Splits a reply into streaming chunks of one word each (with the following space). */
export function tokenize(text) {
  return text.match(/\S+\s*/g) ?? [];
}

/** Which failure/latency switch applies: env TEST_MODEL_FAIL, or a [[marker]] in the last user message. */
export function modeFor(messages, envFail) {
  if (envFail) return envFail;
  const lastUser = [...(messages ?? [])].reverse().find((m) => m?.role === 'user');
  const text = String(lastUser?.content ?? '');
  for (const mode of ['slow', 'fail-midstream', 'hang', 'crash']) {
    if (text.includes(`[[${mode}]]`)) return mode === 'fail-midstream' ? 'midstream' : mode;
  }
  return 'normal';
}
