import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { api, query } from '../lib/api.ts';
import { dateOnly, formatDate, humanize, kindLabel, sourceLabel } from '../lib/format.ts';
import { Link, navigate, useLocation } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import type { Item, VaultSummary } from '../lib/types.ts';
import { ErrorNote, Spinner, Status } from '../lib/ui.tsx';
import { NoteForm } from './note-form.tsx';
import { ShareToggle } from './share-toggle.tsx';

const FILTERS = ['q', 'kind', 'source', 'from', 'to', 'shared'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const COMMON_KINDS = ['note', 'Observation', 'Condition', 'MedicationRequest', 'AllergyIntolerance', 'Immunization', 'Procedure', 'DiagnosticReport', 'Encounter'];

/** The vault: counts, search and filters, the record list with its sharing switches, and notes. */
export function VaultScreen() {
  const session = useSession();
  const { search } = useLocation();
  // The URL holds the filters, so back/forward and reload keep the search.
  const applied: Filters = Object.fromEntries(FILTERS.map((k) => [k, search.get(k) ?? ''])) as Filters;
  const appliedKey = FILTERS.map((k) => applied[k]).join('\u0000');
  const [draft, setDraft] = useState<Filters>(applied);
  const [items, setItems] = useState<Item[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [adding, setAdding] = useState(false);
  const [seenKinds, setSeenKinds] = useState<string[]>([]);
  const [seenSources, setSeenSources] = useState<string[]>([]);
  const [loadingMore, setLoadingMore] = useState(false);
  // A second click can arrive before the disabled button re-renders: the ref is the real guard.
  const moreBusy = useRef(false);
  const addButton = useRef<HTMLButtonElement>(null);

  const remember = (list: Item[]) => {
    setSeenKinds((k) => [...new Set([...k, ...list.map((i) => i.kind)])].sort());
    setSeenSources((s) => [...new Set([...s, ...list.map((i) => i.source)])].sort());
  };

  const fetchPage = async (after?: string) => {
    const r = await api<{ items: Item[]; nextCursor: string | null }>(
      'GET',
      // Dates go as dates: the gateway reads a date-only `to` as that whole day.
      '/api/vault/items' + query({ ...applied, from: dateOnly(applied.from), to: dateOnly(applied.to), limit: 50, cursor: after }),
    );
    remember(r.items);
    return r;
  };

  const refreshSummary = async () => {
    try {
      session.setSummary(await api<VaultSummary>('GET', '/api/vault/summary'));
    } catch {
      /* the counts are a nicety; the list still works */
    }
  };

  useEffect(() => {
    let cancelled = false;
    setDraft(applied);
    setItems(null);
    setError(null);
    fetchPage()
      .then((r) => {
        if (cancelled) return;
        setItems(r.items);
        setCursor(r.nextCursor);
      })
      .catch((e) => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [appliedKey]);

  const apply = (e: Event) => {
    e.preventDefault();
    navigate('/vault' + query({ ...draft, from: dateOnly(draft.from), to: dateOnly(draft.to) }));
  };

  const replaceItem = (it: Item) => {
    setItems((list) => (list ?? []).map((x) => (x.id === it.id ? it : x)));
    setStatus(it.effectivePermission.shareWithAi ? `“${it.title}” is now shared with the AI.` : `“${it.title}” is no longer shared with the AI.`);
    void refreshSummary();
  };

  const field = (k: keyof Filters) => ({
    value: draft[k],
    onInput: (e: Event) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value }),
  });

  const summary = session.me.vault;
  const filtered = FILTERS.some((k) => applied[k]);
  return (
    <section class="vault">
      <div class="page-head">
        <h1 tabIndex={-1}>Your vault</h1>
        <div class="row">
          <button type="button" class="primary" ref={addButton} aria-expanded={adding ? 'true' : 'false'} onClick={() => setAdding(!adding)}>
            Add a note
          </button>
        </div>
      </div>
      {summary ? (
        <dl class="counts" aria-label="At a glance">
          <div>
            <dt>Records</dt>
            <dd data-testid="count-total">{summary.total}</dd>
          </div>
          <div class="accent">
            <dt>Shared with the AI</dt>
            <dd data-testid="count-shared">{summary.sharedWithAi}</dd>
          </div>
          <div>
            <dt>Secret</dt>
            <dd data-testid="count-secret">{summary.secret}</dd>
          </div>
        </dl>
      ) : null}
      {adding ? (
        <NoteForm
          onCancel={() => {
            setAdding(false);
            addButton.current?.focus();
          }}
          onAdded={(item) => {
            setAdding(false);
            setItems((list) => [item, ...(list ?? [])]);
            setStatus(`Added “${item.title}”.`);
            void refreshSummary();
          }}
        />
      ) : null}
      <form class="filters" role="search" onSubmit={apply} aria-label="Search the vault">
        <div class="field grow">
          <label for="f-q">Search</label>
          <input id="f-q" type="search" placeholder="Words in titles and text" {...field('q')} />
        </div>
        <div class="field">
          <label for="f-kind">Kind</label>
          <input id="f-kind" list="kinds" {...field('kind')} />
          <datalist id="kinds">
            {[...new Set([...seenKinds, ...COMMON_KINDS])].map((k) => (
              <option value={k} />
            ))}
          </datalist>
        </div>
        <div class="field">
          <label for="f-source">Source</label>
          <input id="f-source" list="sources" {...field('source')} />
          <datalist id="sources">
            {seenSources.map((s) => (
              <option value={s} />
            ))}
          </datalist>
        </div>
        <div class="field">
          <label for="f-from">From</label>
          <input id="f-from" type="date" {...field('from')} />
        </div>
        <div class="field">
          <label for="f-to">To</label>
          <input id="f-to" type="date" {...field('to')} />
        </div>
        <div class="field">
          <label for="f-shared">AI access</label>
          <select id="f-shared" value={draft.shared} onChange={(e: Event) => setDraft({ ...draft, shared: (e.target as HTMLSelectElement).value })}>
            <option value="">Any</option>
            <option value="ai">Shared with AI</option>
            <option value="none">Not shared</option>
          </select>
        </div>
        <div class="field buttons">
          <button type="submit" class="primary">
            Search
          </button>
          {filtered ? (
            <button type="button" onClick={() => navigate('/vault')}>
              Clear
            </button>
          ) : null}
        </div>
      </form>
      <Status text={status} />
      <ErrorNote error={error} />
      {items === null && !error ? <Spinner /> : null}
      {items && !items.length ? (
        <p class="empty">{filtered ? 'No records match this search.' : 'Your vault is empty. Add a note or connect a record source under Connections.'}</p>
      ) : null}
      {items?.length ? (
        <ul class="items" aria-label="Records">
          {items.map((it) => (
            <li class="item-row">
              <div class="item-main">
                <Link href={`/vault/${it.id}`} class="item-title">
                  {it.title}
                </Link>
                <span class="meta">
                  {kindLabel(it.kind)} · {sourceLabel(it.source)}
                  {it.effectiveAt ? ` · ${formatDate(it.effectiveAt)}` : ''}
                </span>
                <span class="badges">
                  {it.sensitivity !== 'normal' ? <span class={`badge ${it.sensitivity}`}>{humanize(it.sensitivity)}</span> : null}
                  {it.permissions.readOnly ? <span class="badge">Read-only</span> : null}
                  {it.effectivePermission.shareWithAi && it.effectivePermission.via === 'rule' ? <span class="badge rule">By rule</span> : null}
                  {it.effectivePermission.expiresAt ? <span class="badge">Until {formatDate(it.effectivePermission.expiresAt)}</span> : null}
                </span>
              </div>
              <ShareToggle item={it} onChange={replaceItem} onError={setError} />
            </li>
          ))}
        </ul>
      ) : null}
      {cursor ? (
        <button
          type="button"
          class="more"
          disabled={loadingMore}
          aria-busy={loadingMore ? 'true' : 'false'}
          onClick={async () => {
            if (moreBusy.current) return;
            moreBusy.current = true;
            setLoadingMore(true);
            try {
              const r = await fetchPage(cursor);
              setItems((list) => {
                const have = new Set((list ?? []).map((x) => x.id));
                return [...(list ?? []), ...r.items.filter((x) => !have.has(x.id))];
              });
              setCursor(r.nextCursor);
            } catch (e) {
              setError(e);
            } finally {
              moreBusy.current = false;
              setLoadingMore(false);
            }
          }}
        >
          {loadingMore ? 'Loading…' : 'Show more'}
        </button>
      ) : null}
    </section>
  );
}
