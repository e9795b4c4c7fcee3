import { useEffect, useState } from 'hono/jsx/dom';
import { ApiError, api } from '../lib/api.ts';
import { formatDateTime, plural } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import type { Disclosure, Item } from '../lib/types.ts';
import { groupDisclosures, type DisclosureGroup } from '../lib/describe.ts';
import { ErrorNote, Spinner } from '../lib/ui.tsx';



/** "What the AI has seen": every disclosure of record ids to a model, by conversation. */
export function SeenScreen() {
  const [groups, setGroups] = useState<DisclosureGroup[] | null>(null);
  const [titles, setTitles] = useState<Record<string, string | null>>({});
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api<{ disclosures: Disclosure[] }>('GET', '/api/audit/disclosures?limit=500')
      .then(async (r) => {
        const gs = groupDisclosures(r.disclosures);
        setGroups(gs);
        await loadTitles([...new Set(gs.flatMap((g) => g.itemIds))].slice(0, 200), setTitles);
      })
      .catch(setError);
  }, []);

  return (
    <section class="seen">
      <h1 tabIndex={-1}>What the AI has seen</h1>
      <p class="lead">Every time a record is sent to a model, the vault writes it down here: which records, to which model, when. Only you can see this list.</p>
      <ErrorNote error={error} />
      {groups === null && !error ? <Spinner /> : null}
      {groups && !groups.length ? <p class="empty">The AI has not seen any of your records yet.</p> : null}
      {groups?.map((g) => (
        <section class="card disclosure-group" aria-label={g.conversationId ? 'Conversation' : 'Search index'}>
          <h2>
            {g.conversationId ? <Link href={`/chat/${g.conversationId}`}>Conversation of {formatDateTime(g.latest)}</Link> : g.disclosures[0]?.purpose === 'embedding' ? 'Search index (embeddings)' : 'Outside a conversation'}
          </h2>
          <p class="meta">
            {plural(g.itemIds.length, 'record')} · {plural(g.disclosures.length, 'request')} · {[...new Set(g.disclosures.map((d) => d.model))].join(', ')}
          </p>
          <ul class="seen-items">
            {g.itemIds.map((id) => (
              <li>
                {titles[id] === null ? (
                  <span class="muted">A record you have since deleted</span>
                ) : (
                  <Link href={`/vault/${id}`}>{titles[id] ?? 'Record'}</Link>
                )}
              </li>
            ))}
          </ul>
          <details>
            <summary>Each request</summary>
            <ul class="requests">
              {g.disclosures.map((d) => (
                <li>
                  {formatDateTime(d.createdAt)} · {d.model} · {d.purpose} · {plural(d.itemIds.length, 'record')}
                </li>
              ))}
            </ul>
          </details>
        </section>
      ))}
    </section>
  );
}

/** Fetches record titles a few at a time; null marks records that no longer exist. */
async function loadTitles(ids: string[], set: (fn: (t: Record<string, string | null>) => Record<string, string | null>) => void) {
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      try {
        const it = await api<Item>('GET', `/api/vault/items/${id}`);
        set((t) => ({ ...t, [id!]: it.title }));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) set((t) => ({ ...t, [id!]: null }));
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}
