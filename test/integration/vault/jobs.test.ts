import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { JobRunner } from '../../../src/jobs/job-runner.ts';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';

let rt: TestRuntime;
let u: Awaited<ReturnType<TestRuntime['signup']>>;
/** Holds test jobs until the test lets them finish; `gate()` opens it once. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
let opened = deferred();
const gate = () => opened.resolve();
const rearm = () => {
  opened = deferred();
};

beforeAll(async () => {
  rt = await createTestRuntime();
  rt.deps.jobs.register<{ n: number; fail?: boolean }>('test.count', {
    resumable: false,
    unit: 'things',
    async run(ctx) {
      for (let i = 1; i <= ctx.params.n; i++) {
        ctx.progress(i, ctx.params.n);
        if (i === 2) ctx.warn('thing 2 was odd');
      }
      if (ctx.params.fail) throw new Error('the source answered 500 three times');
      await opened.promise;
      return { counted: ctx.params.n };
    },
  });
  await rt.deps.jobs.start();
  u = await rt.signup();
});
afterAll(() => rt?.destroy());

async function waitFor(userId: string, id: string, status: string) {
  for (let i = 0; i < 200; i++) {
    const j = await rt.deps.jobs.get(userId, id);
    if (j.status === status) return j;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job never reached ${status}`);
}

describe('jobs', () => {
  it('runs a job with progress and warnings visible at GET /api/jobs/:id', async () => {
    const { jobId } = await rt.deps.jobs.enqueue({ type: 'test.count', userId: u.userId, params: { n: 3 } });
    const running = await waitFor(u.userId, jobId, 'running');
    expect(running.type).toBe('test.count');
    gate();
    await waitFor(u.userId, jobId, 'succeeded');
    rearm();
    const r = await rt.api('GET', `/api/jobs/${jobId}`, { token: u.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: jobId, status: 'succeeded', progress: { done: 3, total: 3, unit: 'things' }, warnings: ['thing 2 was odd'], result: { counted: 3 } });
  });

  it('a finished job shows the progress unit it last reported, even one switched just before the end', async () => {
    rt.deps.jobs.register('test.units', {
      resumable: false,
      unit: 'bytes',
      async run(ctx) {
        ctx.progress(100, 100, 'bytes');
        await new Promise((r) => setTimeout(r, 150)); // that write is done
        // Within the runner's 500 ms write interval of the last write, then done at once.
        ctx.progress(7, 7, 'samples');
        return {};
      },
    });
    const { jobId } = await rt.deps.jobs.enqueue({ type: 'test.units', userId: u.userId, params: {} });
    await waitFor(u.userId, jobId, 'succeeded');
    expect((await rt.api('GET', `/api/jobs/${jobId}`, { token: u.token })).body.progress).toEqual({ done: 7, total: 7, unit: 'samples' });
  });

  it('a failing job ends failed with its error, and one user cannot see another user’s job', async () => {
    const { jobId } = await rt.deps.jobs.enqueue({ type: 'test.count', userId: u.userId, params: { n: 2, fail: true } });
    const failed = await waitFor(u.userId, jobId, 'failed');
    expect(failed.error).toBe('the source answered 500 three times');
    const other = await rt.signup();
    const r = await rt.api('GET', `/api/jobs/${jobId}`, { token: other.token });
    expect(r.status).toBe(404);
  });

  it('deduplicates: a second enqueue with the same key returns the active job', async () => {
    const a = await rt.deps.jobs.enqueue({ type: 'test.count', userId: u.userId, params: { n: 1 }, dedupeKey: 'sync:conn-1' });
    const b = await rt.deps.jobs.enqueue({ type: 'test.count', userId: u.userId, params: { n: 1 }, dedupeKey: 'sync:conn-1' });
    expect(b).toEqual({ jobId: a.jobId, existing: true });
    await waitFor(u.userId, a.jobId, 'running');
    gate();
    await waitFor(u.userId, a.jobId, 'succeeded');
    rearm();
    const c = await rt.deps.jobs.enqueue({ type: 'test.count', userId: u.userId, params: { n: 1 }, dedupeKey: 'sync:conn-1' });
    expect(c.existing).toBe(false);
    await waitFor(u.userId, c.jobId, 'running');
    gate();
    await waitFor(u.userId, c.jobId, 'succeeded');
    rearm();
  });

  it('after a crash, resumable jobs run again and the others end failed — none stays running', async () => {
    const ids = { resumable: crypto.randomUUID(), oneShot: crypto.randomUUID() };
    for (const [id, type] of [[ids.resumable, 'test.resumable'], [ids.oneShot, 'test.oneshot']] as const) {
      await rt.deps.db
        .insertInto('jobs')
        .values({ id, user_id: u.userId, type, status: 'running', params: '{}', progress_done: 5, progress_unit: 'items', warnings: '["kept warning"]', result: null, started_at: new Date() })
        .execute();
    }
    const log = pino({ level: 'silent' });
    const second = new JobRunner(rt.deps.db, log);
    let resumedFrom = -1;
    second.register('test.resumable', { resumable: true, run: async (ctx) => { resumedFrom = (await rt.deps.jobs.get(u.userId, ctx.jobId)).progress.done; ctx.progress(10, 10); } });
    second.register('test.oneshot', { resumable: false, run: async () => undefined });
    await second.start();
    await waitFor(u.userId, ids.resumable, 'succeeded');
    await second.whenIdle();
    expect(resumedFrom).toBe(5);
    const one = await rt.deps.jobs.get(u.userId, ids.oneShot);
    expect(one.status).toBe('failed');
    expect(one.error).toMatch(/restart/);
    expect(one.warnings).toEqual(['kept warning']);
    await second.stop();
  });

  it('runs a job another process queued (a CLI run queues embeddings it does not run itself)', async () => {
    const log = pino({ level: 'silent' });
    const runner = new JobRunner(rt.deps.db, log, 2, 100);
    let ran = 0;
    runner.register('test.elsewhere', { resumable: false, run: async () => void ran++ });
    await runner.start();
    await runner.whenIdle();
    // Queued straight into the table, as another process's runner (which never runs it) would.
    const { insertJob } = await import('../../../src/db/jobs.ts');
    const id = crypto.randomUUID();
    await insertJob(rt.deps.db, { id, userId: u.userId, type: 'test.elsewhere', params: {}, dedupeKey: null, unit: 'items' });
    await waitFor(u.userId, id, 'succeeded');
    expect(ran).toBe(1);
    await runner.stop();
  });

  it('stop() returns once the running jobs have ended on its abort', async () => {
    const runner = new JobRunner(rt.deps.db, pino({ level: 'silent' }));
    let aborted = false;
    let started = false;
    runner.register('test.waits', {
      resumable: false,
      run: (ctx) =>
        new Promise((_, reject) => {
          started = true;
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(ctx.signal.reason);
          });
        }),
    });
    await runner.start();
    const { jobId } = await runner.enqueue({ type: 'test.waits', userId: u.userId });
    await waitFor(u.userId, jobId, 'running');
    while (!started) await new Promise((r) => setTimeout(r, 10));
    const stopped = await Promise.race([runner.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('still waiting'), 5_000))]);
    expect(stopped).toBe('stopped');
    expect(aborted).toBe(true);
  });
});
