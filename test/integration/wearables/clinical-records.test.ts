import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { fixture, writeZip } from './helpers.ts';

let rt: TestRuntime;
let tmp: string;
beforeAll(async () => {
  rt = await createTestRuntime();
  await rt.deps.jobs.start();
  tmp = mkdtempSync(join(tmpdir(), 'cv-clinical-'));
});
afterAll(async () => {
  await rt?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

describe('Apple Health export with clinical records, through the upload route', () => {
  it('imports clinical-records/*.json as FHIR vault items (source apple-health), with security labels honoured', async () => {
    const u = await rt.signup();
    const obs = {
      resourceType: 'Observation',
      id: 'hk-obs-1',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
      valueQuantity: { value: 6.1, unit: '%' },
      effectiveDateTime: '2024-03-02T09:00:00Z',
    };
    const hiv = { ...obs, id: 'hk-obs-2', meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' }] }, code: { text: 'HIV-1 RNA' } };
    const zip = join(tmp, 'export.zip');
    await writeZip(zip, {
      'apple_health_export/export.xml': fixture('2024-excerpt.xml'),
      'apple_health_export/clinical-records/Observation-hk-obs-1.json': JSON.stringify(obs),
      'apple_health_export/clinical-records/Observation-hk-obs-2.json': JSON.stringify(hiv),
    });
    const res = await rt.app.request('/api/imports/apple-health', {
      method: 'POST',
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/zip' },
      body: readFileSync(zip),
    });
    expect(res.status).toBe(202);
    const { jobId } = await res.json();
    let job: any;
    for (let i = 0; i < 200; i++) {
      job = (await rt.api('GET', `/api/jobs/${jobId}`, { token: u.token })).body;
      if (job.status === 'succeeded' || job.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job.status).toBe('succeeded');
    expect(job.warnings.join(' ')).not.toMatch(/not imported/);
    const items = (await rt.api('GET', '/api/vault/items?kind=fhir.Observation&limit=50', { token: u.token })).body.items;
    expect(items.map((i: any) => i.sourceId).sort()).toEqual(['Observation/hk-obs-1', 'Observation/hk-obs-2']);
    expect(items.every((i: any) => i.source === 'apple-health')).toBe(true);
    expect(items.find((i: any) => i.sourceId === 'Observation/hk-obs-2').sensitivity).toBe('secret');
    const a1c = await rt.api('GET', `/api/vault/items/${items.find((i: any) => i.sourceId === 'Observation/hk-obs-1').id}`, { token: u.token });
    expect(a1c.body.text).toContain('LOINC 4548-4');
  });
});
