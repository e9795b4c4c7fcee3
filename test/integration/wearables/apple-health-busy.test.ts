import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { generateExport } from '../../../bench/gen-apple-health.ts';
import { itemCount, storedSamples } from './helpers.ts';

/**
 * A large import on the embedded default (one PGlite connection) must not freeze the API: the
 * importer writes in short batches, so a job poll or a readiness probe waits at most for one
 * batch, never for the whole commit.
 */
let rt: TestRuntime;
let server: ServerType;
let base: string;
const file = join(tmpdir(), `cv-busy-${process.pid}.xml`);

beforeAll(async () => {
  rt = await createTestRuntime({ MAX_IMPORT_BYTES: String(200 * 1024 * 1024) });
  await rt.deps.jobs.start();
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: rt.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server?.close();
  await rt?.destroy();
  rmSync(file, { force: true });
});

interface Poll {
  at: number;
  ms: number;
  status: string;
  done: number;
  total: number | null;
  unit: string;
}

describe('a large Apple Health import through HTTP', () => {
  it('leaves GET /api/jobs/:id and /health/ready answering quickly, with progress that grows', async () => {
    const { token, userId } = await rt.signup();
    const gen = generateExport(file, 96 * 1024 * 1024);
    const res = await fetch(`${base}/api/imports/apple-health`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const polls: Poll[] = [];
    const probes: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < 50_000; i++) {
      const t = performance.now();
      const r = await fetch(`${base}/api/jobs/${jobId}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) });
      const j = (await r.json()) as { status: string; progress: { done: number; total: number | null; unit: string } };
      polls.push({ at: t - t0, ms: performance.now() - t, status: j.status, ...j.progress });
      if (j.status === 'succeeded' || j.status === 'failed') break;
      if (i % 5 === 0) {
        const p = performance.now();
        expect((await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(60_000) })).status).toBeLessThan(600);
        probes.push(performance.now() - p);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(polls[polls.length - 1].status).toBe('succeeded');

    const running = polls.filter((p) => p.status === 'running' && p.done > 0);
    const parsing = running.filter((p) => p.unit === 'bytes' && p.done < (p.total ?? 0));
    // Progress is visible in both phases, with a total, and only grows within a phase.
    expect(new Set(parsing.map((p) => p.done)).size).toBeGreaterThan(1);
    // (At least two parsing figures and one of samples: writing the samples can now be over within
    // one or two polls, on a loaded machine too.)
    expect(new Set(running.map((p) => `${p.unit}:${p.done}`)).size).toBeGreaterThanOrEqual(3);
    expect(running.some((p) => p.unit === 'samples')).toBe(true);
    expect(running.every((p) => p.total !== null && p.total > 0)).toBe(true);
    for (let i = 1; i < running.length; i++) if (running[i].unit === running[i - 1].unit) expect(running[i].done).toBeGreaterThanOrEqual(running[i - 1].done);

    // The database is written for seconds (batches are staged while the worker thread parses,
    // then published and the daily items written); no answer waited for all of it: the slowest
    // is a small part of it.
    const writeStart = running[0].at;
    const writeMs = polls[polls.length - 1].at - writeStart;
    const slowest = Math.max(...polls.map((p) => p.ms), ...probes);
    console.log(`import ${Math.round(writeMs)} ms, slowest answer ${Math.round(slowest)} ms, ${polls.length} polls`);
    expect(writeMs).toBeGreaterThan(1000);
    expect(slowest).toBeLessThan(Math.min(3000, writeMs / 3));

    expect((await storedSamples(rt, userId)).samples).toBeGreaterThan(gen.records / 2);
    expect(await itemCount(rt, userId)).toBeGreaterThan(gen.days);
  }, 300_000);
});
