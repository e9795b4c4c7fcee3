import type { TestModelServer } from '../../test/helpers/test-model.ts';
import type { ApiClient } from './client.ts';
import type { PatientKey } from './generate.ts';
import { numbersIn } from './facts.ts';
import { SECRET_MARKERS, SECRET_VIRAL_LOAD } from './patients/sensitive.ts';
import { WITHHELD_MARKERS } from './patients/healthy.ts';
import type { Question } from './questions/types.ts';

export type VaultItem = { id: string; kind: string; title: string; sourceId: string; sensitivity: string };

/** What the setup of a configuration hands to the questions: accounts and the item maps. */
export interface Vaults {
  clients: Map<PatientKey, { api: ApiClient; openai: ApiClient }>;
  /** Per patient: FHIR `<Type>/<id>` → vault item id. */
  refToId: Map<PatientKey, Map<string, string>>;
  idToItem: Map<string, VaultItem>;
  /** Ids of the items no prompt may show: secret-labelled and withheld ones. */
  secretIds: Set<string>;
}

/** What one question got back, raw: scored in score.ts. */
export interface Asked {
  question: Question;
  status: number;
  error?: string;
  notice?: string;
  /** Context items with the FHIR reference they came from (undefined: not one of the patient's). */
  context: { id: string; ref?: string; kind: string; title: string }[];
  /** The records as the model received them: system messages and the last (asking) message. */
  system: string;
  /** Kind and title of each required record (from the vault listing), to say which ones missed. */
  requiredTitles: Record<string, string>;
  promptTokens: number;
  leaks: string[];
  /** Context items no chat disclosure of the conversation lists (invariant 6). */
  undisclosed: number;
  /** Whether /v1/chat/completions gave the same context (null: not compared, e.g. a follow-up). */
  openaiSame: boolean | null;
}

const estimate = (s: string) => Math.ceil(s.length / 3);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Markers of secret or withheld records, and their item ids, found in a text. */
export function leaksIn(s: string, secretIds: Set<string>): string[] {
  const low = s.toLowerCase();
  const out = [...SECRET_MARKERS, ...WITHHELD_MARKERS].filter((m) => low.includes(m.toLowerCase())).map((m) => `marker "${m.slice(0, 40)}"`);
  for (const id of secretIds) if (s.includes(id)) out.push(`secret or withheld item id ${id}`);
  if (numbersIn(s).includes(SECRET_VIRAL_LOAD)) out.push('the secret viral load value');
  return out;
}

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

/** Context items that no chat disclosure of the conversation lists (all of them if it cannot be read). */
async function undisclosedItems(api: ApiClient, conversationId: string, context: Asked['context']): Promise<number> {
  const r = await api.json('GET', `/api/audit/disclosures?conversationId=${conversationId}`).catch(() => null);
  if (!r) return context.length;
  const listed = new Set((r.disclosures as any[]).filter((d) => d.purpose === 'chat').flatMap((d) => d.itemIds));
  return context.filter((c) => !listed.has(c.id)).length;
}

/** The same question through /v1/chat/completions: its context (null if it failed) and any leak on that path. */
async function viaOpenAi(openai: ApiClient, model: TestModelServer, v: Vaults, question: string): Promise<{ context: Asked['context'] | null; leaks: string[] }> {
  await model.clearRequests();
  const o = await openai.json('POST', '/v1/chat/completions', { model: 'test-chat', stream: false, messages: [{ role: 'user', content: question }] }).catch(() => null);
  const leaks = (await model.requests()).flatMap((req) => leaksIn(JSON.stringify(req.body), v.secretIds).map((l) => `/v1/chat/completions: ${l}`));
  const context = o ? contextItems({ items: o.context_vault?.context ?? [] }, v.idToItem) : null;
  for (const it of context ?? []) if (v.secretIds.has(it.id)) leaks.push(`/v1/chat/completions: secret or withheld item ${it.kind} in context`);
  return { context, leaks };
}

/**
 * Asks every question through POST /api/chat (a follow-up in the conversation of the question
 * it continues), reads the prompt the test model received, checks the conversation's
 * disclosures, and asks the same question through /v1/chat/completions to compare contexts.
 */
export async function askAll(v: Vaults, model: TestModelServer, questions: Question[]): Promise<Asked[]> {
  const conversations = new Map<string, string>();
  const asked: Asked[] = [];
  for (const q of questions) {
    const { api, openai } = v.clients.get(q.patient)!;
    await model.clearRequests();
    let r: Awaited<ReturnType<ApiClient['chat']>>;
    try {
      r = await api.chat(q.text, q.follows ? conversations.get(q.follows) : undefined);
    } catch (e) {
      r = { status: 0, body: { error: { code: (e as Error).name } } };
    }
    const requests = await model.requests();
    const messages: { role: string; content: string }[] = requests.filter((x) => x.kind === 'chat').at(-1)?.body.messages ?? [];
    const leaks = requests.flatMap((x) => leaksIn(JSON.stringify(x.body), v.secretIds));
    const context = contextItems(r.context, v.idToItem);
    for (const it of context) if (v.secretIds.has(it.id)) leaks.push(`secret or withheld item ${it.kind} in context`);
    const conversationId: string | undefined = r.context?.conversationId;
    if (conversationId) conversations.set(q.id, conversationId);
    const error = r.status !== 200 ? `HTTP ${r.status} ${r.body?.error?.code ?? ''}`.trim() : r.errorEvent ? `SSE error ${r.errorEvent.code}` : !r.context ? 'no context event' : undefined;
    const undisclosed = conversationId && context.length ? await undisclosedItems(api, conversationId, context) : 0;
    let openaiSame: boolean | null = null;
    if (!q.follows && q.cls !== 'bad-input' && !error) {
      const o = await viaOpenAi(openai, model, v, q.text);
      openaiSame = o.context !== null && o.context.map((c) => c.id).join(',') === context.map((c) => c.id).join(',');
      leaks.push(...o.leaks);
    }
    const own = v.refToId.get(q.patient)!;
    const titleOf = (ref: string) => {
      const it = v.idToItem.get(own.get(ref) ?? '');
      return it ? `${it.kind} "${it.title}"` : `${ref} (not in the vault)`;
    };
    asked.push({
      question: q,
      status: r.status,
      error,
      notice: r.context?.notice,
      context,
      // The records: system messages and whatever the asking turn adds to the question itself
      // (earlier turns echo older answers; the person's own words are no evidence).
      system: [...messages.filter((m) => m.role === 'system').map((m) => m.content), ...messages.slice(-1).filter((m) => m.role !== 'system').map((m) => m.content.replace(q.text.trim(), ''))].join('\n'),
      requiredTitles: Object.fromEntries(q.required.map((ref) => [ref, titleOf(ref)])),
      promptTokens: messages.reduce((n, m) => n + estimate(m.content) + 4, 0),
      leaks: [...new Set(leaks)],
      undisclosed,
      openaiSame,
    });
  }
  return asked;
}
