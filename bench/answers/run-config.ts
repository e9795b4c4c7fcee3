import { randomBytes } from 'node:crypto';
import type { TestModelServer } from '../../test/helpers/test-model.ts';
import { askAll, leaksIn, type Asked, type Vaults } from './ask.ts';
import { ApiClient } from './client.ts';
import { FhirScan, refOf } from './fhir-scan.ts';
import type { GeneratedPatient } from './generate.ts';
import { startGateway } from './gateway.ts';
import type { Question } from './questions/types.ts';

export const SOURCE = 'fhir-bundle';

export interface ConfigRun {
  name: string;
  /** From /health/ready: the database kind and whether retrieval is hybrid or lexical only. */
  retrieval: string;
  asked: Asked[];
  /** Leaks outside any question: embedding requests, secret-labelled records that did not import as secret. */
  setupLeaks: string[];
  setupSeconds: number;
  /** Where the setup time went. */
  phases: string;
  askSeconds: number;
  items: number;
}

/**
 * One configuration end to end through the public API: a gateway on its database, one account
 * per patient, the Bundle imported and shared by a source rule, embeddings settled, then every
 * question (ask.ts).
 */
export async function runConfig(
  name: string,
  opts: { databaseUrl?: string; model: TestModelServer; patients: GeneratedPatient[]; questions: Question[]; /** Stops to run on Ctrl-C. */ cleanups?: Set<() => Promise<void>> },
): Promise<ConfigRun> {
  const t0 = performance.now();
  const gw = await startGateway({ ollamaUrl: opts.model.url, databaseUrl: opts.databaseUrl });
  opts.cleanups?.add(gw.stop);
  try {
    await opts.model.clearRequests();
    // What the gateway says it runs (hybrid or lexical only), so the figures are labelled right.
    const ready = await fetch(`${gw.url}/health/ready`).then((r) => r.json() as Promise<any>).catch(() => ({}));
    const retrieval = `${ready.database?.kind ?? 'unknown'} database, retrieval ${ready.database?.retrieval ?? 'unknown'}`;
    const v: Vaults = { clients: new Map(), refToId: new Map(), idToItem: new Map(), secretIds: new Set() };
    const setupLeaks: string[] = [];
    let items = 0;
    // The sensitive patient is always imported: its records must leak into no one's prompt.
    const wanted = new Set(opts.questions.map((q) => q.patient));
    const patients = opts.patients.filter((x) => wanted.has(x.key) || x.key === 'sensitive');
    // Accounts side by side: the gateway's job runner takes the imports as they come.
    await Promise.all(patients.map(async (p) => {
      const api = new ApiClient(gw.url);
      await api.signup(`${p.key}-${randomBytes(3).toString('hex')}@answers.example`, `answers bench ${randomBytes(9).toString('base64')}`);
      await api.importBundle(p.bundle);
      // Withheld before the source is shared, so no embedding of them is ever computed.
      if (p.unshared.length) {
        const bySource = await api.itemsBySourceId(SOURCE);
        for (const ref of p.unshared) await api.json('PUT', `/api/vault/items/${bySource.get(ref)!.id}/permissions`, { shareWithAi: false });
      }
      await api.json('POST', '/api/vault/rules', { source: SOURCE, shareWithAi: true });
      const { token } = await api.json('POST', '/api/tokens', { name: 'answers bench' });
      v.clients.set(p.key, { api, openai: new ApiClient(gw.url, token) });
    }));
    const tImported = performance.now();
    for (const p of patients) {
      const { api } = v.clients.get(p.key)!;
      await api.settle();
      const bySource = await api.itemsBySourceId(SOURCE);
      items += bySource.size;
      const map = new Map<string, string>();
      for (const [sourceId, it] of bySource) {
        map.set(sourceId, it.id);
        v.idToItem.set(it.id, it);
      }
      v.refToId.set(p.key, map);
      for (const ref of p.unshared) v.secretIds.add(map.get(ref)!);
      for (const r of new FhirScan(p.bundle).secret()) {
        const it = bySource.get(refOf(r));
        if (!it) setupLeaks.push(`${refOf(r)} was not imported`);
        else {
          v.secretIds.add(it.id);
          if (it.sensitivity !== 'secret') setupLeaks.push(`${it.kind} labelled ${r.meta.security.map((x: any) => x.code).join('+')} imported as ${it.sensitivity}`);
        }
      }
    }
    // What reached the model while the vault embedded its items.
    for (const req of await opts.model.requests()) setupLeaks.push(...leaksIn(JSON.stringify(req.body), v.secretIds).map((l) => `embedding request: ${l}`));
    const t1 = performance.now();
    const phases = `gateway and import ${((tImported - t0) / 1000).toFixed(1)} s, embeddings and mapping ${((t1 - tImported) / 1000).toFixed(1)} s`;
    const asked = await askAll(v, opts.model, opts.questions);
    return { name, retrieval, asked, setupLeaks, phases, setupSeconds: (t1 - t0) / 1000, askSeconds: (performance.now() - t1) / 1000, items };
  } finally {
    opts.cleanups?.delete(gw.stop);
    await gw.stop();
  }
}
