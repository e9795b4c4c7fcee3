import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** ../shared/fixtures/fhir relative to the repository (worktrees sit beside `shared`). */
export const FIXTURES = process.env.CV_FIXTURES_DIR ?? join(here, '../../../../../shared/fixtures/fhir');
export const POWELL_DIR = join(FIXTURES, 'epic-sandbox-powell');
export const EPIC_BASE = 'https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4';
export const POWELL_PATIENT = 'eAB3mDIBBcyUKviyzrxsnAw3';

export interface Track {
  i: number;
  method: string;
  url: string;
  status: number;
  content_type: string;
  body_bytes: number;
  file?: string;
}

export function powellTracks(): Track[] {
  return (JSON.parse(readFileSync(join(POWELL_DIR, '_index.json'), 'utf8')) as { tracks: Track[] }).tracks;
}

export function readFixture(file: string): any {
  return JSON.parse(readFileSync(join(POWELL_DIR, file), 'utf8'));
}

export function syntheaBundlePath(): string {
  const dir = join(FIXTURES, 'synthea');
  return join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!);
}

/**
 * What a full sync of the recordings must leave in the vault, by resource type: every
 * distinct match entry of the 200 answers to searches, the Patient, and the Medications and
 * Binary read by reference (Practitioners and Organizations are not synced).
 */
export function expectedPowellCounts(): Record<string, number> {
  const ids = new Map<string, Set<string>>();
  const add = (type: string, id: string) => {
    if (!ids.has(type)) ids.set(type, new Set());
    ids.get(type)!.add(id);
  };
  for (const t of powellTracks()) {
    if (t.status !== 200 || !t.file) continue;
    const body = readFixture(t.file);
    if (body.resourceType === 'Bundle') {
      for (const e of body.entry ?? []) if (e.search?.mode !== 'outcome' && e.resource?.resourceType !== 'OperationOutcome') add(e.resource.resourceType, e.resource.id);
    } else if (['Patient', 'Medication', 'Binary'].includes(body.resourceType)) add(body.resourceType, body.id);
  }
  return Object.fromEntries([...ids].map(([k, v]) => [k, v.size]));
}
