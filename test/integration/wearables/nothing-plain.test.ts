import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateExport } from '../../../bench/gen-apple-health.ts';
import { cleanUp, jobOver, settledJob, signupOver, startGateway, tempDir, type GatewayProcess } from './gateway-process.ts';

afterAll(cleanUp);

/** Text of the export that would be readable in a plain copy of the upload or of a daily item. */
const NEEDLES = ['Heart rate on 2016-01-0', 'HKDevice: 0x3012772a0', 'HKQuantityTypeIdentifierHeartRate', 'sourceVersion="10.2"', '<Record type='];

/** Every file under `dir`, recursively (the embedded database's files included). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) out.push(...filesUnder(p));
    else if (st?.isFile()) out.push(p);
  }
  return out;
}

/** The files of `dir` holding any needle, with the needle found. */
function readable(dir: string): string[] {
  const hits: string[] = [];
  for (const f of filesUnder(dir)) {
    const buf = readFileSync(f);
    for (const n of NEEDLES) if (buf.includes(n)) hits.push(`${f.slice(dir.length)}: ${n}`);
  }
  return hits;
}

const tempFiles = (dataDir: string) => {
  const d = join(dataDir, 'imports');
  return existsSync(d) ? filesUnder(d).map((f) => f.slice(d.length + 1)) : [];
};

/** Uploads the export and returns its job id once the import has staged part of it (a spill file with data on disk). */
async function uploadAndWaitForSpill(gw: GatewayProcess, dataDir: string, token: string, xml: Buffer): Promise<{ jobId: string; files: string[] }> {
  const res = await fetch(`${gw.url}/api/imports/apple-health`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' }, body: new Uint8Array(xml) });
  expect(res.status).toBe(202);
  const { jobId } = (await res.json()) as { jobId: string };
  const imports = join(dataDir, 'imports');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const spill = filesUnder(imports).find((f) => /cv-spill-[^/]+\/daily-items$/.test(f) && statSync(f, { throwIfNoEntry: false })?.size);
    if (spill) return { jobId, files: tempFiles(dataDir) };
    await new Promise((ok) => setTimeout(ok, 10));
  }
  throw new Error(`no spill file appeared: ${JSON.stringify((await jobOver(gw.url, token, jobId)))}`);
}

describe('nothing of an import is plain on disk, and nothing of it outlives a crash or the account', () => {
  let xml: Buffer;
  beforeAll(() => {
    const file = join(tempDir('cv-plain-src-'), 'export.xml');
    generateExport(file, 80 * 1024 * 1024);
    xml = readFileSync(file);
    // The needles are really in what is imported.
    for (const n of NEEDLES.slice(1)) expect(xml.includes(n)).toBe(true);
  });

  it('kill -9 mid-import: no file of the data directory holds readable imported text; after a restart the orphans are gone', async () => {
    const dataDir = tempDir('cv-plain-');
    let gw = await startGateway(dataDir);
    const { token } = await signupOver(gw.url);
    const { jobId, files } = await uploadAndWaitForSpill(gw, dataDir, token, xml);
    await gw.kill('SIGKILL');
    // What the killed process left: the upload and a spill folder with staged daily items.
    expect(files.some((f) => f.endsWith('.upload'))).toBe(true);
    expect(files.some((f) => /^cv-spill-.+\/daily-items$/.test(f))).toBe(true);
    expect(tempFiles(dataDir).length).toBeGreaterThanOrEqual(2);
    expect(readable(dataDir)).toEqual([]);

    gw = await startGateway(dataDir);
    expect(tempFiles(dataDir)).toEqual([]);
    const job = await settledJob(gw.url, token, jobId);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/nothing from this file was saved/);
    expect(readable(dataDir)).toEqual([]);
    // The logs carry no imported text either.
    expect(NEEDLES.filter((n) => gw.output().includes(n))).toEqual([]);
    await gw.kill('SIGTERM');
  }, 240_000);

  it('DELETE /api/me while an import runs, and after one was killed, leaves no file of that user', async () => {
    const dataDir = tempDir('cv-plain-del-');
    let gw = await startGateway(dataDir);
    // One user's import runs while the account is deleted.
    const a = await signupOver(gw.url);
    const { files } = await uploadAndWaitForSpill(gw, dataDir, a.token, xml);
    expect(files.filter((f) => f.includes(a.userId)).length).toBeGreaterThanOrEqual(2);
    const del = await fetch(`${gw.url}/api/me`, { method: 'DELETE', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ password: 'a long enough password' }) });
    expect(del.status).toBeLessThan(300);
    expect(tempFiles(dataDir).filter((f) => f.includes(a.userId))).toEqual([]);
    // A moment later too: the stopped import wrote nothing more.
    await new Promise((ok) => setTimeout(ok, 1_000));
    expect(tempFiles(dataDir)).toEqual([]);

    // Another user's import is killed with the process; their account is deleted after the restart.
    const b = await signupOver(gw.url);
    await uploadAndWaitForSpill(gw, dataDir, b.token, xml);
    await gw.kill('SIGKILL');
    expect(tempFiles(dataDir).filter((f) => f.includes(b.userId)).length).toBeGreaterThanOrEqual(2);
    gw = await startGateway(dataDir);
    const del2 = await fetch(`${gw.url}/api/me`, { method: 'DELETE', headers: { authorization: `Bearer ${b.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ password: 'a long enough password' }) });
    expect(del2.status).toBeLessThan(300);
    expect(tempFiles(dataDir)).toEqual([]);
    expect(readable(dataDir)).toEqual([]);
    expect(gw.child.exitCode).toBeNull();
    await gw.kill('SIGTERM');
  }, 240_000);
});
