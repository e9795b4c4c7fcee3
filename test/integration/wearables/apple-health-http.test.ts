import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { importDir } from '../../../src/connectors/wearables-module.ts';
import { removeOrphanImportFiles } from '../../../src/connectors/apple-health/temp-files.ts';
import { FIXTURES, expectedFromXml, fixture, storedSamples } from './helpers.ts';
import { generateExport } from '../../../bench/gen-apple-health.ts';
import { tmpdir } from 'node:os';

let rt: TestRuntime;
let server: ServerType;
let base: string;

beforeAll(async () => {
  rt = await createTestRuntime({ MAX_IMPORT_BYTES: String(20 * 1024 * 1024) });
  await rt.deps.jobs.start();
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: rt.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  server?.close();
  await rt?.destroy();
});

async function waitForJob(token: string, jobId: string) {
  const seen: { status: string; progress: { done: number; total: number | null; unit: string } }[] = [];
  for (let i = 0; i < 3000; i++) {
    const r = await rt.api('GET', `/api/jobs/${jobId}`, { token });
    expect(r.status).toBe(200);
    seen.push(r.body);
    if (r.body.status === 'succeeded' || r.body.status === 'failed') return { job: r.body, seen };
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('job did not finish');
}

function upload(token: string, file: string, type = 'application/xml') {
  return fetch(`${base}/api/imports/apple-health`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
}

describe('POST /api/imports/apple-health', () => {
  it('streams the upload to disk, answers 202 {jobId}, and the job shows its progress and counts', async () => {
    const { token, userId } = await rt.signup();
    const file = join(FIXTURES, 'v3-full-11k-records.xml');
    const res = await upload(token, file);
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const { job } = await waitForJob(token, jobId);
    expect(job.type).toBe('apple-health.import');
    expect(job.status).toBe('succeeded');
    const expected = expectedFromXml(fixture('v3-full-11k-records.xml'));
    // Last phase: committing samples, all done.
    expect(job.progress).toEqual({ done: expected.records + expected.workouts + expected.activitySummaries, total: expected.records + expected.workouts + expected.activitySummaries, unit: 'samples' });
    expect(job.result).toMatchObject({ records: expected.records, xmlBytes: statSync(file).size, samplesAdded: expected.samples });
    expect((await storedSamples(rt, userId)).samples).toBe(expected.samples);
    // The uploaded file is removed once imported.
    expect(readdirSync(importDir(rt.deps)).filter((f) => f.endsWith('.upload'))).toEqual([]);
  });

  it('shows parsing progress in bytes while a larger export is still running', async () => {
    const { token } = await rt.signup();
    const file = join(tmpdir(), `cv-progress-${process.pid}.xml`);
    const gen = generateExport(file, 12 * 1024 * 1024);
    const res = await upload(token, file).finally(() => rmSync(file, { force: true }));
    const { job, seen } = await waitForJob(token, ((await res.json()) as { jobId: string }).jobId);
    expect(job.status).toBe('succeeded');
    expect(job.result.records).toBe(gen.records);
    // The total is known from the start; bytes growing over a longer parse is checked in apple-health-busy.test.ts.
    const midway = seen.filter((j) => j.status === 'running' && j.progress.unit === 'bytes' && j.progress.done < (j.progress.total ?? 0));
    expect(midway.length).toBeGreaterThan(0);
    expect(midway[0].progress.total).toBe(gen.bytes);
  });

  it('a zip upload works the same', async () => {
    const { token, userId } = await rt.signup();
    const res = await upload(token, join(FIXTURES, '2024-finder-rezip.zip'), 'application/zip');
    expect(res.status).toBe(202);
    const { job } = await waitForJob(token, ((await res.json()) as { jobId: string }).jobId);
    expect(job.status).toBe('succeeded');
    expect((await storedSamples(rt, userId)).samples).toBe(expectedFromXml(fixture('2024-excerpt.xml')).samples);
  });

  it('a truncated upload fails the job with a clear message and writes nothing', async () => {
    const { token, userId } = await rt.signup();
    const xml = readFileSync(join(FIXTURES, 'v3-full-11k-records.xml'));
    const res = await fetch(`${base}/api/imports/apple-health`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
      body: xml.subarray(0, 1_000_000),
    });
    expect(res.status).toBe(202);
    const { job } = await waitForJob(token, ((await res.json()) as { jobId: string }).jobId);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/truncated/);
    expect(await storedSamples(rt, userId)).toEqual({ samples: 0, days: 0 });
    expect((await rt.deps.items.summary(userId)).total).toBe(0);
  });

  it('refuses a body over MAX_IMPORT_BYTES with 413, queues nothing and keeps no file', async () => {
    const { token } = await rt.signup();
    // Starts like an export (the route sniffs the body), then runs past the limit.
    const big = Buffer.alloc(21 * 1024 * 1024, 0x20);
    big.write('<?xml version="1.0"?><HealthData>');
    // Without a Content-Length the limit is enforced while streaming.
    const res = await fetch(`${base}/api/imports/apple-health`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
      body: Readable.toWeb(Readable.from([big.subarray(0, 10_000_000), big.subarray(10_000_000)])) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    const jobs = await rt.api('GET', '/api/jobs', { token });
    expect(jobs.body.jobs).toEqual([]);
    const dir = importDir(rt.deps);
    expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.upload')) : []).toEqual([]);
  });

  it('needs a signed-in user and an export media type', async () => {
    const anon = await fetch(`${base}/api/imports/apple-health`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<HealthData/>' });
    expect(anon.status).toBe(401);
    const { token } = await rt.signup();
    const json = await fetch(`${base}/api/imports/apple-health`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
  });

  it('without a wearable API configured, the list is empty and connecting is a 404', async () => {
    const { token } = await rt.signup();
    expect((await rt.api('GET', '/api/wearables', { token })).body).toEqual({ providers: [] });
    expect((await rt.api('GET', '/api/wearables/oura/connect', { token })).status).toBe(404);
  });

  it('at start, removes uploads no queued job will read and spill folders of dead processes, nothing else', async () => {
    const dir = importDir(rt.deps);
    mkdirSync(dir, { recursive: true });
    const u = '0b5a3c9e-1111-4222-8333-944455556666';
    const orphan = join(dir, `${u}.0b5a3c9e-aaaa-4bbb-8ccc-9ddd00001111.upload`);
    const queued = join(dir, `${u}.0b5a3c9e-aaaa-4bbb-8ccc-9ddd00002222.upload`);
    const legacy = join(dir, 'left-behind.upload');
    // A process that has surely exited (its pid is spent), this process (nothing of it runs at start) and a live other one.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const deadSpill = join(dir, `cv-spill-${u}-${dead}-abc123`);
    const ownSpill = join(dir, `cv-spill-${u}-${process.pid}-abc123`);
    const liveSpill = join(dir, `cv-spill-${u}-${process.ppid}-abc123`);
    const other = join(dir, 'not-ours.txt');
    for (const f of [orphan, queued, legacy, other]) writeFileSync(f, 'x');
    for (const d of [deadSpill, ownSpill, liveSpill]) mkdirSync(d);
    expect(await removeOrphanImportFiles(dir, new Set([queued]))).toBe(4);
    expect([orphan, legacy, deadSpill, ownSpill].filter((f) => existsSync(f))).toEqual([]);
    expect([queued, liveSpill, other].every((f) => existsSync(f))).toBe(true);
  });
});
