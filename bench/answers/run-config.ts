import { randomBytes } from 'node:crypto';
import type { TestModelServer } from '../../test/helpers/test-model.ts';
import { ApiClient } from './client.ts';
import { FhirScan, refOf } from './fhir-scan.ts';
import type { GeneratedPatient, PatientKey } from './generate.ts';
import { startGateway } from './gateway.ts';
import { SECRET_MARKERS } from './patients/sensitive.ts';
import type { Question } from './questions/types.ts';

export const SOURCE = 'fhir-bundle';

/** What one question got back, raw: scored in score.ts. */
export interface Asked {
  question: Question;
  status: number;
  error?: string;
  notice?: string;
  /** Context items with the FHIR reference they came from (undefined: not one of the patient's). */
  context: { id: string; ref?: string; kind: string; title: string }[];
  /** The system message (the records) and every message, as the model received them. */
  system: string;
  /** Kind and title of each required record (from the vault listing), to say which ones missed. */
  requiredTitles: Record<string, string>;
  promptTokens: number;
  leaks: string[];
}

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

const estimate = (s: string) => Math.ceil(s.length / 3);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type VaultItem = { id: string; kind: string; title: string; sourceId: string; sensitivity: string };

/**
 * The records a `context` event discloses: each item's id, and any item id it cites (a series
 * table or a summary line may cite the items it came from), once each, in order. Kind and title
 * come from the person's own vault listing, so a composed line is judged by the records behind it.
 */
export function contextItems(event: any, byId: Map<string, VaultItem>): Asked['context'] {
  const ids: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === 'string' && UUID.test(v)) ids.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  for (const it of event?.items ?? []) visit(it);
  return [...new Set(ids)].map((id) => {
    const known = byId.get(id);
    const own = (event.items as any[]).find((x) => x?.id === id);
    return { id, ref: known?.sourceId, kind: known?.kind ?? own?.kind ?? 'unknown', title: known?.title ?? own?.title ?? '' };
  });
}

/** Secret markers and secret item ids found in a text. */
function leaksIn(s: string, secretIds: Set<string>): string[] {
  const low = s.toLowerCase();
  const out = SECRET_MARKERS.filter((m) => low.includes(m.toLowerCase())).map((m) => `marker "${m.slice(0, 40)}"`);
  for (const id of secretIds) if (s.includes(id)) out.push(`secret item id ${id}`);
  return out;
}

/**
 * One configuration end to end through the public API: a gateway on its database, one account
 * per patient, the Bundle imported and shared by a source rule, embeddings settled, then every
 * question (follow-ups in their conversation), reading the prompt the test model received.
 */
export async function runConfig(name: string, opts: { databaseUrl?: string; model: TestModelServer; patients: GeneratedPatient[]; questions: Question[] }): Promise<ConfigRun> {
  const t0 = performance.now();
  const gw = await startGateway({ ollamaUrl: opts.model.url, databaseUrl: opts.databaseUrl });
  try {
    await opts.model.clearRequests();
    // What the gateway says it runs (hybrid or lexical only), so the figures are labelled right.
    const ready = await fetch(`${gw.url}/health/ready`).then((r) => r.json() as Promise<any>).catch(() => ({}));
    const retrieval = `${ready.database?.kind ?? 'unknown'} database, retrieval ${ready.database?.retrieval ?? 'unknown'}`;
    const clients = new Map<PatientKey, ApiClient>();
    const refToId = new Map<PatientKey, Map<string, string>>();
    const idToItem = new Map<string, VaultItem>();
    const secretIds = new Set<string>();
    const setupLeaks: string[] = [];
    let items = 0;
    const wanted = new Set(opts.questions.map((q) => q.patient));
    for (const p of opts.patients.filter((x) => wanted.has(x.key) || x.key === 'sensitive')) {
      const api = new ApiClient(gw.url);
      await api.signup(`${p.key}-${randomBytes(3).toString('hex')}@answers.example`, `answers bench ${randomBytes(9).toString('base64')}`);
      await api.importBundle(p.bundle);
      await api.json('POST', '/api/vault/rules', { source: SOURCE, shareWithAi: true });
      clients.set(p.key, api);
    }
    const tImported = performance.now();
    for (const p of opts.patients.filter((x) => clients.has(x.key))) {
      const api = clients.get(p.key)!;
      await api.settle();
      const bySource = await api.itemsBySourceId(SOURCE);
      items += bySource.size;
      const map = new Map<string, string>();
      for (const [sourceId, it] of bySource) {
        map.set(sourceId, it.id);
        idToItem.set(it.id, it);
      }
      refToId.set(p.key, map);
      for (const r of new FhirScan(p.bundle).secret()) {
        const it = bySource.get(refOf(r));
        if (!it) setupLeaks.push(`${refOf(r)} was not imported`);
        else {
          secretIds.add(it.id);
          if (it.sensitivity !== 'secret') setupLeaks.push(`${it.kind} labelled ${r.meta.security.map((x: any) => x.code).join('+')} imported as ${it.sensitivity}`);
        }
      }
    }
    // What reached the model while the vault embedded its items.
    for (const req of await opts.model.requests()) setupLeaks.push(...leaksIn(JSON.stringify(req.body), secretIds).map((l) => `embedding request: ${l}`));
    const t1 = performance.now();
    const phases = `gateway and import ${((tImported - t0) / 1000).toFixed(1)} s, embeddings and mapping ${((t1 - tImported) / 1000).toFixed(1)} s`;
    const conversations = new Map<string, string>();
    const asked: Asked[] = [];
    for (const q of opts.questions) {
      const api = clients.get(q.patient)!;
      await opts.model.clearRequests();
      let r: Awaited<ReturnType<ApiClient['chat']>>;
      try {
        r = await api.chat(q.text, q.follows ? conversations.get(q.follows) : undefined);
      } catch (e) {
        r = { status: 0, body: { error: { code: (e as Error).name } } };
      }
      const requests = await opts.model.requests();
      const chat = requests.filter((x) => x.kind === 'chat').at(-1);
      const messages: { role: string; content: string }[] = chat?.body.messages ?? [];
      const system = messages.find((m) => m.role === 'system')?.content ?? '';
      const leaks = requests.flatMap((x) => leaksIn(JSON.stringify(x.body), secretIds));
      const context = contextItems(r.context, idToItem);
      for (const it of context) if (secretIds.has(it.id)) leaks.push(`secret item ${it.kind} in context`);
      if (r.context?.conversationId) conversations.set(q.id, r.context.conversationId);
      const error = r.status !== 200 ? `HTTP ${r.status} ${r.body?.error?.code ?? ''}`.trim() : r.errorEvent ? `SSE error ${r.errorEvent.code}` : !r.context ? 'no context event' : undefined;
      const own = refToId.get(q.patient)!;
      const requiredTitles = Object.fromEntries(q.required.map((ref) => [ref, ((it) => (it ? `${it.kind} "${it.title}"` : `${ref} (not in the vault)`))(idToItem.get(own.get(ref) ?? ''))]));
      asked.push({ question: q, status: r.status, error, requiredTitles, notice: r.context?.notice, context, system, promptTokens: messages.reduce((n, m) => n + estimate(m.content) + 4, 0), leaks: [...new Set(leaks)] });
    }
    return { name, retrieval, asked, setupLeaks, phases, setupSeconds: (t1 - t0) / 1000, askSeconds: (performance.now() - t1) / 1000, items };
  } finally {
    await gw.stop();
  }
}
