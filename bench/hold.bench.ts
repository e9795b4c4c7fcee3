/**
 * Issue 20 "a gateway that keeps answering": while one person's 50,000-entry FHIR bundle imports,
 * and while a 1 GB export downloads, `GET /health` p99 stays under 250 ms and a chat's time to
 * first token under 2x its idle value. The gateway runs on the embedded default (PGlite) behind
 * real HTTP, the chats against the test model server (external backend); the probe runs in a
 * process of its own (bench/hold-client.ts), the download is curl's.
 * Env: HOLD_ENTRIES (50000), HOLD_EXPORT_MB (1000), CV_BENCH_HOLD (parts: import,export).
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { buildRuntime } from '../src/main.ts';
import { Metrics } from '../src/lib/metrics.ts';
import { startTestModel } from '../test/helpers/test-model.ts';

const ENTRIES = Number(process.env.HOLD_ENTRIES ?? 50_000);
const EXPORT_BYTES = Number(process.env.HOLD_EXPORT_MB ?? 1000) * 1e6;
const parts = new Set((process.env.CV_BENCH_HOLD ?? 'import,export').split(','));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const s = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const questions = ['How is my glucose?', 'What was my blood pressure?', 'Any notes about my knee?', 'How did I sleep?'];

const model = await startTestModel({ TEST_MODEL_TOKEN_DELAY_MS: '1' });
const dir = mkdtempSync(join(tmpdir(), 'cv-holdbench-'));
const config = loadConfig({ NODE_ENV: 'test', VAULT_DATA_DIR: dir, VAULT_MASTER_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent', MODEL_BACKEND: 'external', OLLAMA_URL: model.url, FHIR_BUNDLE_MAX_BYTES: String(512 * 1024 * 1024) });
const rt = await buildRuntime(config, { log: pino({ level: 'silent' }), metrics: new Metrics() });
const server = await new Promise<ServerType>((r) => { const x = serve({ fetch: rt.app.fetch, port: 0, hostname: '127.0.0.1' }, () => r(x)); });
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

/** Runs the probe while `work` runs (after a short warm-up); returns its times. */
async function probed(work: () => Promise<void>): Promise<{ health: number[]; ttft: number[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(dirname(fileURLToPath(import.meta.url)), 'hold-client.ts')], {
    env: { ...process.env, GATEWAY_URL: url, TOKEN: chatter.token, QUESTIONS: JSON.stringify(questions) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  await new Promise((r) => setTimeout(r, 1500));
  try {
    await work();
  } finally {
    child.stdin!.end();
  }
  if ((await exited) !== 0) throw new Error('the probe failed');
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

function report(phase: string, r: { health: number[]; ttft: number[] }, idleTtft?: number) {
  const p99 = pct(r.health, 99);
  const t = pct(r.ttft, 50);
  const ttftPart = idleTtft === undefined ? `chat time to first token p50 ${ms(t)} (idle reference)` : `chat time to first token p50 ${ms(t)} = ${(t / idleTtft).toFixed(2)}x idle (target < 2x) ${t < 2 * idleTtft ? 'PASS' : 'FAIL'}`;
  console.log(`${phase}: /health p99 ${ms(p99)} (target < 250 ms) ${p99 < 250 ? 'PASS' : 'FAIL'}, max ${ms(Math.max(...r.health))}, ${r.health.length} probes; ${ttftPart}, ${r.ttft.length} chats`);
}

// The person chatting: a few AI-shared notes, embedded as in real use.
const chatter = await rt.deps.accounts.signup('chat@example.test', 'bench password 1');
for (let i = 0; i < 40; i++) {
  const it = await rt.deps.items.create(chatter.user.id, { kind: 'note', title: `note ${i} glucose knee sleep`, text: `fasting glucose ${5 + (i % 10) / 10}; blood pressure ${120 + i}/80; slept ${6 + (i % 3)} h` });
  await rt.deps.items.setPermissions(chatter.user.id, it.id, { shareWithAi: true });
}
await rt.deps.jobs.start();
for (let i = 0; i < 5; i++) {
  await new Promise((r) => setTimeout(r, 100));
  await rt.deps.jobs.whenIdle();
}

try {
  const idle = await probed(() => new Promise((r) => setTimeout(r, 8000)));
  const idleTtft = pct(idle.ttft, 50);
  report('idle', idle);

  if (parts.has('import')) {
    const importer = await rt.deps.accounts.signup('import@example.test', 'bench password 1');
    const entry = Array.from({ length: ENTRIES }, (_, i) => ({
      resource: { resourceType: 'Observation', id: `hr-${i}`, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, effectiveDateTime: new Date(Date.UTC(2016, 0, 1) + i * 600_000).toISOString(), valueQuantity: { value: 55 + (i % 50), unit: '/min' } },
    }));
    const body = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry });
    let job: { status: string; result?: unknown } = { status: 'queued' };
    const t0 = performance.now();
    const r = await probed(async () => {
      const res = await fetch(`${url}/api/imports/fhir-bundle`, { method: 'POST', headers: { authorization: `Bearer ${importer.token}`, 'content-type': 'application/fhir+json' }, body });
      const { jobId } = (await res.json()) as { jobId: string };
      while (job.status === 'queued' || job.status === 'running') {
        await new Promise((x) => setTimeout(x, 500));
        job = await rt.deps.jobs.get(importer.user.id, jobId);
      }
    });
    console.log(`import of ${ENTRIES} Observations (${(body.length / 1e6).toFixed(1)} MB): ${job.status} in ${s(t0)}, ${JSON.stringify(job.result)}`);
    report('during the import', r, idleTtft);
  }

  if (parts.has('export')) {
    const exporter = await rt.deps.accounts.signup('export@example.test', 'bench password 1');
    const t0 = performance.now();
    // One real item (sealed by the vault), then copied inside the database: every copy is the same
    // sealed bytes under the same user's key, so the export decrypts each one as a real item.
    const note = 'Progress note. '.repeat(1400);
    await rt.deps.items.importItems(exporter.user.id, [{ kind: 'fhir.DocumentReference', source: 'bench', sourceId: 'seed', title: 'Progress note', text: 'Progress note', content: { resourceType: 'DocumentReference', id: 'seed', note }, effectiveAt: '2024-01-01T00:00:00Z' }]);
    const seed = await rt.deps.db.selectFrom('items').select('id').where('user_id', '=', exporter.user.id).executeTakeFirstOrThrow();
    const one = JSON.stringify((await rt.deps.items.exportPage(exporter.user.id, undefined, 1)).items[0]).length + 1;
    const copies = Math.ceil(EXPORT_BYTES / one);
    for (let from = 1; from <= copies; from += 1000) {
      await sql`insert into items (id, user_id, kind, source, source_id, categories, tags, effective_at, sensitivity, title_enc, text_enc, content_enc, content_hash, search)
        select gen_random_uuid(), user_id, kind, source, 'copy/' || g, categories, tags, effective_at - g * interval '1 minute', sensitivity, title_enc, text_enc, content_enc, content_hash, search
        from items, generate_series(${from}::int, ${Math.min(copies, from + 999)}::int) g where items.id = ${seed.id}::uuid`.execute(rt.deps.db);
    }
    await sql`analyze items`.execute(rt.deps.db);
    console.log(`export vault: ${copies + 1} items of ~${(one / 1000).toFixed(1)} kB built in ${s(t0)}`);
    const rss0 = process.memoryUsage().rss;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - rss0)), 250);
    let got = '';
    const t1 = performance.now();
    const r = await probed(async () => {
      const curl = spawn('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', '-H', `authorization: Bearer ${exporter.token}`, `${url}/api/vault/export`], { stdio: ['ignore', 'pipe', 'inherit'] });
      curl.stdout.on('data', (d: Buffer) => (got += d.toString()));
      await new Promise((x) => curl.once('exit', x));
    });
    clearInterval(sampler);
    const [status, bytes] = got.split(' ').map(Number);
    console.log(`export download: status ${status}, ${(bytes / 1e6).toFixed(0)} MB in ${s(t1)} (${(bytes / 1e6 / ((performance.now() - t1) / 1000)).toFixed(0)} MB/s, probe included); gateway memory peak +${(peak / 1e6).toFixed(0)} MB RSS`);
    report('during the export', r, idleTtft);
  }
} finally {
  server.close();
  await rt.close();
  await model.stop();
  rmSync(dir, { recursive: true, force: true });
}
