import { useEffect, useMemo, useRef, useState } from 'hono/jsx/dom';
import { ApiError, api, query } from '../lib/api.ts';
import { formatDateTime, plural } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import type { Disclosure, Item } from '../lib/types.ts';
import { groupDisclosures, type DisclosureGroup } from '../lib/describe.ts';
import { createTitleLoader, type TitleLoader } from '../lib/titles.ts';
import { ErrorNote, Spinner } from '../lib/ui.tsx';

/** Disclosures per page of the list ("Show earlier" fetches the next). */
const PAGE = 100;
/** Records listed per group before "Show all". */
const GROUP_ITEMS = 50;
/** One vault listing this large gives most people every title in a single request. */
const TITLE_LISTING = 500;

function newLoader(onChange: () => void): TitleLoader {
  return createTitleLoader(
    {
      async list() {
        const r = await api<{ items: Item[]; nextCursor: string | null }>('GET', `/api/vault/items${query({ limit: TITLE_LISTING })}`);
        return { items: r.items, complete: !r.nextCursor };
      },
      async one(id) {
        try {
          return (await api<Item>('GET', `/api/vault/items/${encodeURIComponent(id)}`)).title;
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) return null;
          throw e;
        }
      },
    },
    { concurrency: 4, onChange },
  );
}

/** "What the AI has seen": every disclosure of record ids to a model, by conversation, a page at a time. */
export function SeenScreen() {
  const [disclosures, setDisclosures] = useState<Disclosure[] | null>(null);
  const [more, setMore] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [expanded, setExpanded] = useState<Record<string, boolean>>({});
  const [, setTitleVersion] = useState(0);
  const loader = useRef<TitleLoader | null>(null);
  loader.current ??= newLoader(() => setTitleVersion((n) => n + 1));
  const titles = loader.current.titles;

  /** The page of disclosures older than `before` (all newest first), without any already shown. */
  const fetchPage = async (before?: string) => {
    const r = await api<{ disclosures: Disclosure[] }>('GET', `/api/audit/disclosures${query({ limit: PAGE, before })}`);
    setMore(r.disclosures.length === PAGE);
    return r.disclosures;
  };

  useEffect(() => {
    fetchPage().then(setDisclosures, setError);
  }, []);

  const showEarlier = async () => {
    if (loadingMore || !disclosures?.length) return;
    setLoadingMore(true);
    try {
      // `before` is exclusive at millisecond precision: ask from just after the oldest shown and drop repeats,
      // so disclosures sharing that millisecond are not skipped.
      const oldest = disclosures[disclosures.length - 1].createdAt;
      const next = await fetchPage(new Date(Date.parse(oldest) + 1).toISOString());
      const have = new Set(disclosures.map((d) => d.id));
      const fresh = next.filter((d) => !have.has(d.id));
      if (!fresh.length) setMore(false);
      setDisclosures([...disclosures, ...fresh]);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  };

  const groups = useMemo(() => (disclosures ? groupDisclosures(disclosures) : null), [disclosures]);
  const keyOf = (g: DisclosureGroup) => g.conversationId ?? `purpose:${g.disclosures[0]?.purpose}`;
  const shownIds = (g: DisclosureGroup) => (expanded[keyOf(g)] ? g.itemIds : g.itemIds.slice(0, GROUP_ITEMS));
  const wanted = groups ? [...new Set(groups.flatMap(shownIds))] : [];
  const wantedKey = wanted.join(',');
  useEffect(() => {
    if (wanted.length) void loader.current!.load(wanted);
  }, [wantedKey]);

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
            {shownIds(g).map((id) => (
              <li>
                {titles.get(id) === null ? <span class="muted">A record you have since deleted</span> : <Link href={`/vault/${id}`}>{titles.get(id) ?? 'Record'}</Link>}
              </li>
            ))}
          </ul>
          {g.itemIds.length > GROUP_ITEMS && !expanded[keyOf(g)] ? (
            <button type="button" class="small" onClick={() => setExpanded({ ...expanded, [keyOf(g)]: true })}>
              {`Show all ${g.itemIds.length} records`}
            </button>
          ) : null}
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
      {more ? (
        <button type="button" class="more" disabled={loadingMore} aria-busy={loadingMore ? 'true' : 'false'} onClick={() => void showEarlier()}>
          {loadingMore ? 'Loading…' : 'Show earlier disclosures'}
        </button>
      ) : null}
      {disclosures?.length && !more ? <p class="muted">{`That is everything: ${plural(disclosures.length, 'disclosure')}.`}</p> : null}
    </section>
  );
}
