import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { cleanUp, jobOver, signupOver, tempDir, startGateway, type GatewayProcess } from './gateway-process.ts';

afterAll(cleanUp);

const MiB = 1024 * 1024;
const tinyXml = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData>
<HealthData locale="en_US">
 <ExportDate value="2024-03-03 10:00:00 +0000"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" creationDate="2024-03-02 08:00:00 +0000" startDate="2024-03-02 08:00:00 +0000" endDate="2024-03-02 08:00:00 +0000" value="61"/>
</HealthData>
`;

/** A tiny export.xml and 100 clinical records each holding one long note of "A"s (~1000× deflate). */
async function attackZip(noteBytes: number): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(tinyXml), 'apple_health_export/export.xml');
  const note = 'A'.repeat(noteBytes);
  for (let i = 0; i < 100; i++) {
    const json = `{"resourceType":"Observation","id":"o-${i}","status":"final","code":{"text":"Note"},"note":[{"text":"${note}"}]}`;
    zip.addBuffer(Buffer.from(json), `apple_health_export/clinical-records/Observation-${i}.json`, { compressionLevel: 9 });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const entry = 'The zip entry "apple_health_export/clinical-records/Observation-0.json"';
const refused = '(limit %s): the import was refused and nothing from this file was saved.';

describe('a hostile Apple Health zip fails its own job; the gateway lives and keeps answering', () => {
  let gw: GatewayProcess;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir('cv-hostile-');
    // A bounded heap: an import that held the records the old way kills this process instead of failing its job.
    gw = await startGateway(dataDir, {}, ['--max-old-space-size=1024']);
  }, 120_000);

  const cases = [
    // The reported attack: its headers declare the 16 MB, and are refused before a byte inflates.
    { name: '100 clinical records of 16 MB (the reported attack)', note: 16 * MiB, error: `${entry} claims 16 MiB uncompressed, more than 8 MiB for one clinical record ${refused.replace('%s', 'MAX_CLINICAL_RECORD_BYTES')}` },
    // Under the entry limit: the string is refused while it inflates, before anything parses it.
    { name: '100 clinical records of 7 MB (under the entry limit)', note: 7 * MiB, error: `${entry} holds a string longer than 2 MiB ${refused.replace('%s', 'MAX_JSON_STRING_BYTES')}` },
  ];
  for (const c of cases) {
    it(`${c.name}: refused naming the limit and the entry, /health answers throughout, memory stays bounded, nothing saved`, async () => {
      const body = await attackZip(c.note);
      expect(body.length).toBeLessThan(2 * MiB);
      const { token } = await signupOver(gw.url);
      gw.resetPeak();
      const before = gw.memory();
      let worst = 0;
      let answered = 0;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const t0 = performance.now();
          const r = await fetch(`${gw.url}/health`, { signal: AbortSignal.timeout(5_000) });
          expect(r.status).toBe(200);
          answered++;
          worst = Math.max(worst, performance.now() - t0);
          await new Promise((ok) => setTimeout(ok, 50));
        }
      })();
      const res = await fetch(`${gw.url}/api/imports/apple-health`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' }, body: new Uint8Array(body) });
      expect(res.status).toBe(202);
      const { jobId } = (await res.json()) as { jobId: string };
      let job = await jobOver(gw.url, token, jobId);
      const deadline = Date.now() + 120_000;
      while ((job.status === 'queued' || job.status === 'running') && Date.now() < deadline) {
        await new Promise((ok) => setTimeout(ok, 200));
        job = await jobOver(gw.url, token, jobId);
      }
      polling = false;
      await poller;
      const after = gw.memory();

      expect(job.status).toBe('failed');
      expect(job.error).toBe(c.error);
      // The process lives and answered all along.
      expect(gw.child.exitCode).toBeNull();
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
      expect(answered).toBeGreaterThan(0);
      expect(worst).toBeLessThan(2_000);
      // Resident memory never grew by 200 MB (it reached 8.5 GB before the limits).
      expect(after.peak - before.rss).toBeLessThan(200 * MiB);
      // Nothing saved, nothing half-written: no items, no sample, no temporary file.
      const items = (await (await fetch(`${gw.url}/api/vault/items?limit=500`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: unknown[] };
      expect(items.items).toEqual([]);
      const series = await fetch(`${gw.url}/api/vault/series?code=heart-rate`, { headers: { authorization: `Bearer ${token}` } });
      expect(JSON.stringify(await series.json())).not.toContain('61');
      expect(readdirSync(join(dataDir, 'imports'))).toEqual([]);
      // The logs name no content.
      expect(gw.output()).not.toContain('AAAAAAAA');
      console.log(`${c.name}: ${body.length} bytes, /health answered ${answered}× (worst ${Math.round(worst)} ms), RSS ${Math.round(before.rss / MiB)} MB → peak ${Math.round(after.peak / MiB)} MB`);
    }, 240_000);
  }
});
