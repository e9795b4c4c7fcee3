/**
 * Issue 2 benchmarks on the embedded default (PGlite through the pg socket path):
 * - encrypted item import in batches: target ≥ 2,000 items/s
 * - listing and permission-filtered queries with 100,000 items across 10 users: target p95 < 20 ms
 * Usage: npm run bench -- vault   (BENCH_ITEMS=20000 for a quicker run)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { buildRuntime } from '../src/main.ts';
import { Metrics } from '../src/lib/metrics.ts';
import type { ImportItem } from '../src/vault/items.ts';

const TOTAL = Number(process.env.BENCH_ITEMS ?? 100_000);
const USERS = 10;
const BATCH = 500;
const words = 'blood pressure heart rate glucose cholesterol weight asthma allergy knee sleep steps oxygen fever cough migraine insulin statin vaccine'.split(' ');
const kinds = ['fhir.Observation', 'fhir.Condition', 'fhir.MedicationRequest', 'note', 'wearable.daily'];
const cats = ['vital-signs', 'laboratory', 'activity', 'sleep'];

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const dataDir = mkdtempSync(join(tmpdir(), 'cv-bench-'));
const config = loadConfig({ NODE_ENV: 'test', VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent' });
const rt = await buildRuntime(config, { log: pino({ level: 'silent' }), metrics: new Metrics(), withoutModels: true });
try {
  const users: { userId: string; token: string }[] = [];
  for (let u = 0; u < USERS; u++) {
    const r = await rt.deps.accounts.signup(`bench${u}@example.test`, 'bench password 123');
    users.push({ userId: r.user.id, token: r.token });
    await rt.deps.rules.create(r.user.id, { source: 'epic', category: 'vital-signs', shareWithAi: true });
    await rt.deps.rules.create(r.user.id, { kind: 'note', shareWithAi: true, priority: 1, expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
  }
  const perUser = Math.floor(TOTAL / USERS);
  let n = 0;
  const started = performance.now();
  for (const u of users) {
    for (let off = 0; off < perUser; off += BATCH) {
      const batch: ImportItem[] = [];
      for (let i = off; i < Math.min(perUser, off + BATCH); i++, n++) {
        const w = (k: number) => words[(i * 7 + k * 13) % words.length];
        batch.push({
          kind: kinds[i % kinds.length],
          source: i % 3 ? 'epic' : 'apple-health',
          sourceId: `obj/${i}`,
          title: `${w(1)} ${w(2)} reading ${i}`,
          text: `Measured ${w(3)} and ${w(4)}: value ${i % 200} units on day ${i % 365}. ${w(5)} noted.`,
          content: { value: i % 200, unit: 'mg/dL', code: { system: 'http://loinc.org', code: `${1000 + (i % 900)}-${i % 10}` } },
          effectiveAt: new Date(Date.UTC(2020, 0, 1) + (i % 2000) * 86_400_000).toISOString(),
          categories: [cats[i % cats.length]],
          sensitivity: i % 50 === 0 ? 'secret' : 'normal',
        });
      }
      await rt.deps.items.importItems(u.userId, batch);
    }
  }
  const importS = (performance.now() - started) / 1000;
  const rate = n / importS;
  console.log(`encrypted import: ${n} items in ${importS.toFixed(1)} s = ${Math.round(rate)} items/s (target ≥ 2000) ${rate >= 2000 ? 'PASS' : 'FAIL'}`);

  const queries: [string, string][] = [
    ['list first page (50)', '/api/vault/items?limit=50'],
    ['list by kind', '/api/vault/items?kind=fhir.Observation&limit=50'],
    ['list by source + date range', '/api/vault/items?source=epic&from=2021-01-01&to=2021-06-30&limit=50'],
    ['AI-readable only (permission filter)', '/api/vault/items?shared=ai&limit=50'],
    ['not shared (permission filter)', '/api/vault/items?shared=none&kind=fhir.Condition&limit=50'],
    ['blind-index search', '/api/vault/items?q=cholesterol%20glucose&limit=50'],
    ['search + permission filter', '/api/vault/items?q=insulin&shared=ai&limit=50'],
  ];
  let allPass = true;
  for (const [name, path] of queries) {
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const u = users[i % USERS];
      const t0 = performance.now();
      const res = await rt.app.request(path, { headers: { authorization: `Bearer ${u.token}` } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
      times.push(performance.now() - t0);
    }
    const p95 = pct(times, 95);
    allPass &&= p95 < 20;
    console.log(`${name.padEnd(40)} p50 ${pct(times, 50).toFixed(2)} ms  p95 ${p95.toFixed(2)} ms (target < 20 ms) ${p95 < 20 ? 'PASS' : 'FAIL'}`);
  }
  // Paging deep into a user's items with the cursor.
  const deep: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const res: Response = await rt.app.request(`/api/vault/items?limit=50${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${users[0].token}` } });
    const body = (await res.json()) as { nextCursor: string | null };
    deep.push(performance.now() - t0);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  console.log(`${'cursor paging (100 pages)'.padEnd(40)} p95 ${pct(deep, 95).toFixed(2)} ms (target < 20 ms) ${pct(deep, 95) < 20 ? 'PASS' : 'FAIL'}`);
  console.log(`items: ${n} across ${USERS} users; query figures include HTTP handling, decryption of titles and JSON`);
  void allPass;
} finally {
  await rt.close();
  rmSync(dataDir, { recursive: true, force: true });
}
