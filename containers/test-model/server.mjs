// A small Ollama-API-compatible server for tests (never the product's model): the same HTTP
// shapes as Ollama, deterministic answers and embeddings, switches to fail, and a record of
// every chat/embed body it received so privacy tests can prove what reached "the model".
// Run: PORT=11434 node containers/test-model/server.mjs  (no dependencies).
import { createServer } from 'node:http';
import { answerFor, embedText, modeFor, tokenize, words } from './model-logic.mjs';

const PORT = Number(process.env.PORT ?? 11434);
const HOST = process.env.HOST ?? '0.0.0.0';
const MODELS = (process.env.TEST_MODELS ?? 'llama3.2:3b,nomic-embed-text,test-chat,test-embed')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const TOKEN_DELAY_MS = Number(process.env.TEST_MODEL_TOKEN_DELAY_MS ?? 5);
const ENV_FAIL = process.env.TEST_MODEL_FAIL || undefined;
// Loading a real model takes seconds to minutes: this makes the load (an empty chat) that slow.
const LOAD_DELAY_MS = Number(process.env.TEST_MODEL_LOAD_DELAY_MS ?? 0);
const VERSION = '0.12.0-test';

const received = [];
const loaded = new Map();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => new Date().toISOString();

/** Ollama accepts names with or without the ':latest' tag. */
function knownModel(name) {
  if (typeof name !== 'string' || !name) return undefined;
  const full = name.includes(':') ? name : `${name}:latest`;
  return MODELS.find((m) => m === name || m === full || `${m}:latest` === full);
}

function modelEntry(name) {
  return {
    name,
    model: name,
    modified_at: '2026-01-01T00:00:00Z',
    size: 1024,
    digest: Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64),
    details: { format: 'gguf', family: 'test', parameter_size: '1M', quantization_level: 'Q4_0' },
  };
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  return JSON.parse(text);
}

function notFound(res, name) {
  sendJson(res, 404, { error: `model "${name}" not found, try pulling it first` });
}

async function handleChat(req, res, body) {
  const name = knownModel(body.model);
  if (!name) return notFound(res, body.model ?? '');
  const messages = Array.isArray(body.messages) ? body.messages : [];
  received.push({ kind: 'chat', at: now(), numCtx: body.options?.num_ctx ?? null, body });
  const wasLoaded = loaded.has(name);
  loaded.set(name, Date.now());
  const started = process.hrtime.bigint();
  const stream = body.stream !== false;
  if (!messages.length) {
    // Ollama loads the model and answers at once when asked to chat with no messages.
    if (LOAD_DELAY_MS > 0 && !wasLoaded) await sleep(LOAD_DELAY_MS);
    return sendJson(res, 200, { model: body.model, created_at: now(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true });
  }
  const mode = modeFor(messages, ENV_FAIL);
  let tokens = tokenize(answerFor(messages));
  let delay = TOKEN_DELAY_MS;
  if (mode === 'slow') {
    while (tokens.length < 300) tokens.push('more ');
    tokens = tokens.slice(0, 300);
    delay = 20;
  }
  // Like Ollama, options.num_predict caps the answer's length.
  const numPredict = Number(body.options?.num_predict);
  if (numPredict > 0) tokens = tokens.slice(0, numPredict);
  const promptCount = messages.reduce((n, m) => n + words(m?.content).length, 0);
  const finalFields = () => {
    const total = Number(process.hrtime.bigint() - started);
    return {
      done: true,
      done_reason: 'stop',
      total_duration: total,
      load_duration: 1000,
      prompt_eval_count: promptCount,
      prompt_eval_duration: Math.round(total / 10),
      eval_count: tokens.length,
      eval_duration: Math.round((total * 9) / 10),
    };
  };
  if (!stream) {
    if (mode !== 'normal' && mode !== 'slow') return sendJson(res, 500, { error: `test model failure (${mode})` });
    await sleep(delay * tokens.length);
    return sendJson(res, 200, { model: body.model, created_at: now(), message: { role: 'assistant', content: tokens.join('') }, ...finalFields() });
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  let closed = false;
  res.on('close', () => (closed = true));
  const failing = mode === 'midstream' || mode === 'hang' || mode === 'crash';
  const count = failing ? Math.min(3, tokens.length) : tokens.length;
  for (let i = 0; i < count && !closed; i++) {
    res.write(`${JSON.stringify({ model: body.model, created_at: now(), message: { role: 'assistant', content: tokens[i] }, done: false })}\n`);
    await sleep(delay);
  }
  if (closed) return;
  if (mode === 'midstream') {
    res.end(`${JSON.stringify({ error: 'an error was encountered while running the model: test failure' })}\n`);
  } else if (mode === 'hang') {
    // Silence until the client gives up; the socket is released when it does.
  } else if (mode === 'crash') {
    process.exit(1);
  } else {
    res.end(`${JSON.stringify({ model: body.model, created_at: now(), message: { role: 'assistant', content: '' }, ...finalFields() })}\n`);
  }
}

function handleEmbed(res, body, legacy) {
  const name = knownModel(body.model);
  if (!name) return notFound(res, body.model ?? '');
  received.push({ kind: 'embed', at: now(), numCtx: body.options?.num_ctx ?? null, body });
  loaded.set(name, Date.now());
  if (legacy) return sendJson(res, 200, { embedding: embedText(body.prompt) });
  const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
  if (inputs.some((s) => typeof s !== 'string')) return sendJson(res, 400, { error: 'input must be a string or an array of strings' });
  sendJson(res, 200, {
    model: body.model,
    embeddings: inputs.map(embedText),
    total_duration: 1000,
    load_duration: 100,
    prompt_eval_count: inputs.reduce((n, s) => n + words(s).length, 0),
  });
}

async function route(req, res) {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const key = `${req.method} ${path}`;
  switch (key) {
    case 'GET /':
    case 'HEAD /':
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('Ollama is running');
    case 'GET /api/version':
      return sendJson(res, 200, { version: VERSION });
    case 'GET /api/tags':
      return sendJson(res, 200, { models: MODELS.map(modelEntry) });
    case 'GET /api/ps':
      return sendJson(res, 200, {
        models: [...loaded.keys()].map((n) => ({ ...modelEntry(n), expires_at: new Date(Date.now() + 3600_000).toISOString(), size_vram: 0 })),
      });
    case 'GET /__test/requests':
      return sendJson(res, 200, { requests: received });
    case 'DELETE /__test/requests':
      received.length = 0;
      return sendJson(res, 200, { cleared: true });
  }
  if (req.method !== 'POST') return sendJson(res, 404, { error: 'not found' });
  let body;
  try {
    body = await readBody(req);
  } catch {
    return sendJson(res, 400, { error: 'invalid JSON body' });
  }
  switch (path) {
    case '/api/chat':
      return handleChat(req, res, body);
    case '/api/embed':
      return handleEmbed(res, body, false);
    case '/api/embeddings':
      return handleEmbed(res, body, true);
    case '/api/show': {
      const name = knownModel(body.model ?? body.name);
      if (!name) return notFound(res, body.model ?? body.name ?? '');
      return sendJson(res, 200, { modelfile: `FROM ${name}`, parameters: '', template: '{{ .Prompt }}', details: modelEntry(name).details, model_info: {}, capabilities: name.includes('embed') ? ['embedding'] : ['completion'] });
    }
    case '/api/pull':
      return sendJson(res, 500, { error: 'pull is not available in the test model server (no registry)' });
    default:
      return sendJson(res, 404, { error: 'not found' });
  }
}

const server = createServer((req, res) => {
  route(req, res).catch((e) => {
    if (!res.headersSent) sendJson(res, 500, { error: String(e?.message ?? e) });
    else res.destroy();
  });
});
// Like Ollama (Go net/http, no idle timeout): a pooled keep-alive connection is not dropped under the client.
server.keepAliveTimeout = 0;
server.listen(PORT, HOST, () => {
  const addr = server.address();
  // The one line a starter waits for: the port actually bound (PORT=0 picks a free one).
  process.stdout.write(`test-model listening on ${typeof addr === 'object' && addr ? addr.port : PORT}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
