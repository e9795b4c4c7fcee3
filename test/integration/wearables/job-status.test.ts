import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, fixture, writeZip } from './helpers.ts';
import { cleanUp, settledJob, signupOver, startGateway, tempDir, type GatewayProcess } from './gateway-process.ts';

const script = resolve(import.meta.dirname, 'fixtures/crash-import.ts');
afterAll(cleanUp);

/** Runs an import in a child process that kills itself (SIGKILL) at `point`; returns its job and the user's token. */
async function crashAt(dataDir: string, file: string, point: string): Promise<{ jobId: string; token: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir, file, point], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const signal = await new Promise<NodeJS.Signals | null>((ok) => child.once('exit', (_c, s) => ok(s)));
  expect(signal, out).toBe('SIGKILL');
  return JSON.parse(out.split('\n')[0]) as { jobId: string; token: string };
}

/** The user's items as the API lists them (source id, title, date): what the import saved. */
async function items(gw: GatewayProcess, token: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const r = await fetch(`${gw.url}/api/vault/items?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await r.json()) as { items: { sourceId: string; title: string; effectiveAt: string }[]; nextCursor: string | null };
    out.push(...body.items.map((i) => `${i.sourceId}|${i.title}|${i.effectiveAt}`));
    cursor = body.nextCursor;
  } while (cursor);
  return out.sort();
}

describe('after a crash, an import job says what was committed', () => {
  const xml = join(FIXTURES, 'v3-full-11k-records.xml');
  let zip: string;
  /** What a clean import of the same file saves (another user, same gateway). */
  let reference: { items: string[]; samples: number };
  let dataDir: string;
  let gw: GatewayProcess;

  beforeAll(async () => {
    dataDir = tempDir('cv-jobstatus-');
    zip = join(tempDir('cv-jobstatus-src-'), 'export.zip');
    const record = { resourceType: 'Observation', id: 'o-1', status: 'final', code: { text: 'Glucose' }, effectiveDateTime: '2024-01-02' };
    await writeZip(zip, { 'apple_health_export/export.xml': fixture('v3-full-11k-records.xml'), 'apple_health_export/clinical-records/Observation-o-1.json': JSON.stringify(record) });
    gw = await startGateway(dataDir);
    const ref = await signupOver(gw.url);
    const res = await fetch(`${gw.url}/api/imports/apple-health`, { method: 'POST', headers: { authorization: `Bearer ${ref.token}`, 'content-type': 'application/xml' }, body: new Uint8Array(readFileSync(xml)) });
    const job = await settledJob(gw.url, ref.token, ((await res.json()) as { jobId: string }).jobId);
    expect(job.status).toBe('succeeded');
    reference = { items: await items(gw, ref.token), samples: job.result.samples };
    expect(reference.items.length).toBeGreaterThan(10);
    await gw.kill('SIGTERM');
  }, 240_000);

  const cases = [
    { point: 'before-publish', status: 'failed', error: /^Interrupted by a server restart before the import was saved: nothing from this file was saved\. Import it again\.$/ },
    { point: 'after-publish', status: 'succeeded' },
    { point: 'after-items', status: 'succeeded' },
  ];
  for (const c of cases) {
    it(`killed ${c.point}: the job ends ${c.status}, and the rows agree`, async () => {
      const { jobId, token } = await crashAt(dataDir, xml, c.point);
      gw = await startGateway(dataDir);
      try {
        const job = await settledJob(gw.url, token, jobId);
        expect(job.status).toBe(c.status);
        const saved = await items(gw, token);
        if (c.status === 'failed') {
          expect(job.error).toMatch(c.error!);
          expect(saved).toEqual([]);
        } else {
          expect(job.error).toBeUndefined();
          expect(job.result.samples).toBe(reference.samples);
          expect(job.result.finishedAfterRestart).toBe(true);
          // Every daily item is there, exactly as a clean import writes them.
          expect(saved).toEqual(reference.items);
        }
      } finally {
        await gw.kill('SIGTERM');
      }
    }, 240_000);
  }

  it('killed after its samples were committed but before its clinical records: failed, saying what was saved and what to do', async () => {
    const { jobId, token } = await crashAt(dataDir, zip, 'after-items');
    gw = await startGateway(dataDir);
    try {
      const job = await settledJob(gw.url, token, jobId);
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/^Interrupted by a server restart after its samples were saved \(\d+ samples, \d+ days\) but before all of its 1 clinical records were imported\. Import the file again to add them: what is already saved is not duplicated\.$/);
      // The samples' daily items are all there; the clinical record is not.
      expect(await items(gw, token)).toEqual(reference.items);
    } finally {
      await gw.kill('SIGTERM');
    }
  }, 240_000);
});
