import { formatDate, humanize, kindLabel, sourceLabel } from './format.ts';
import type { Disclosure, ItemDetail, Rule } from './types.ts';

/** Plain-language descriptions of permissions, rules and disclosures (pure; unit-tested). */

/** The disclosures of one conversation (or of the search index), with the records they sent. */
export interface DisclosureGroup {
  conversationId: string | null;
  latest: string;
  disclosures: Disclosure[];
  itemIds: string[];
}

/** A rule as a sentence: "Share vital signs from Epic with the AI until 3 May 2027". */
export function describeRule(r: Pick<Rule, 'source' | 'kind' | 'category' | 'tag' | 'shareWithAi' | 'expiresAt'>): string {
  const what = [r.category ? humanize(r.category).toLowerCase() : '', r.kind ? `${kindLabel(r.kind).toLowerCase()} records` : ''].filter(Boolean).join(' ');
  let s = `${r.shareWithAi ? 'Share' : 'Never share'} all ${what || 'records'}`;
  if (r.tag) s += ` tagged “${r.tag}”`;
  if (r.source) s += r.source === 'user' ? ' that you added yourself' : ` from ${sourceLabel(r.source)}`;
  s += ' with the AI';
  if (r.expiresAt) s += ` until ${formatDate(r.expiresAt)}`;
  return s;
}

/** Explains in words why the AI may or may not read this record right now. */
export function explain(item: Pick<ItemDetail, 'sensitivity' | 'effectivePermission'>): string {
  const e = item.effectivePermission;
  if (item.sensitivity === 'secret' || e.via === 'secret') return 'Secret records are never shared with the AI and are not indexed.';
  const until = e.expiresAt ? ` until ${formatDate(e.expiresAt)}` : '';
  if (e.shareWithAi) return e.via === 'rule' ? `The AI can read this record${until}, because of one of your sharing rules.` : `The AI can read this record${until}, because you shared it.`;
  if (e.via === 'item') return 'The AI cannot read this record: you chose not to share it.';
  if (e.via === 'rule') return 'The AI cannot read this record: a sharing rule keeps it private (or its sharing has expired).';
  return 'The AI cannot read this record: nothing is shared unless you say so.';
}

/** Groups disclosures by conversation, newest conversation first; embeddings form their own group. */
export function groupDisclosures(list: Disclosure[]): DisclosureGroup[] {
  const groups = new Map<string, DisclosureGroup>();
  for (const d of list) {
    const key = d.conversationId ?? `purpose:${d.purpose}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { conversationId: d.conversationId, latest: d.createdAt, disclosures: [], itemIds: [] }));
    g.disclosures.push(d);
    if (d.createdAt > g.latest) g.latest = d.createdAt;
    for (const id of d.itemIds) if (!g.itemIds.includes(id)) g.itemIds.push(id);
  }
  return [...groups.values()].sort((a, b) => (a.latest < b.latest ? 1 : -1));
}
