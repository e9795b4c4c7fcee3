import { useEffect, useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import { formatDate, formatDateTime, humanize, kindLabel, sourceLabel } from '../lib/format.ts';
import { Link, navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import type { ItemDetail } from '../lib/types.ts';
import { ErrorNote, Spinner } from '../lib/ui.tsx';
import { ContentView } from './content-view.tsx';
import { PermissionsForm } from './permissions-form.tsx';

/** One record: what it says, where it came from, and who may read it. */
export function ItemScreen(props: { id: string }) {
  const session = useSession();
  const [item, setItem] = useState<ItemDetail | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setItem(null);
    setError(null);
    api<ItemDetail>('GET', `/api/vault/items/${encodeURIComponent(props.id)}`).then(setItem, setError);
  }, [props.id]);

  // Should the loaded page have replaced the focused heading, put focus back on it (never
  // taking it from wherever the person has moved it meanwhile).
  const loadedId = item?.id;
  useEffect(() => {
    if (loadedId && (!document.activeElement || document.activeElement === document.body)) document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
  }, [loadedId]);

  if (error && !item) {
    return (
      <section>
        <h1 tabIndex={-1}>Record</h1>
        <ErrorNote error={error} />
        <Link href="/vault">Back to the vault</Link>
      </section>
    );
  }
  // While it loads the page already has its heading, in the same place as the loaded one, so
  // the shell's move of focus to the new screen's heading finds it (and keeps it when the title arrives).
  if (!item) {
    return (
      <article class="item-detail" aria-busy="true">
        <Link href="/vault" class="back">
          ← Vault
        </Link>
        <h1 tabIndex={-1}>Record</h1>
        <Spinner label="Loading the record…" />
      </article>
    );
  }

  const remove = async () => {
    if (!confirm(`Delete “${item.title}” from your vault? This cannot be undone.`)) return;
    try {
      await api('DELETE', `/api/vault/items/${item.id}`);
      void session.refresh();
      navigate('/vault');
    } catch (e) {
      setError(e);
    }
  };

  return (
    <article class="item-detail">
      <Link href="/vault" class="back">
        ← Vault
      </Link>
      <h1 tabIndex={-1}>{item.title}</h1>
      <dl class="facts">
        <div>
          <dt>Kind</dt>
          <dd>{kindLabel(item.kind)}</dd>
        </div>
        <div>
          <dt>Source</dt>
          <dd>{sourceLabel(item.source)}</dd>
        </div>
        {item.effectiveAt ? (
          <div>
            <dt>Date</dt>
            <dd>{formatDate(item.effectiveAt)}</dd>
          </div>
        ) : null}
        <div>
          <dt>Sensitivity</dt>
          <dd>{humanize(item.sensitivity)}</dd>
        </div>
        {item.tags.length ? (
          <div>
            <dt>Tags</dt>
            <dd>{item.tags.join(', ')}</dd>
          </div>
        ) : null}
        {item.updatedAt ? (
          <div>
            <dt>Updated</dt>
            <dd>{formatDateTime(item.updatedAt)}</dd>
          </div>
        ) : null}
      </dl>
      {item.text ? (
        <section class="card" aria-labelledby="summary-h">
          <h2 id="summary-h">Summary</h2>
          <div class="record-text">{item.text}</div>
        </section>
      ) : null}
      {item.content !== null && item.content !== undefined ? (
        <details class="card details">
          <summary>
            <h2>Details</h2> <span class="muted">everything the source recorded</span>
          </summary>
          <ContentView value={item.content} />
        </details>
      ) : null}
      <PermissionsForm
        item={item}
        onSaved={(it) => {
          setItem(it);
          void session.refresh();
        }}
      />
      <ErrorNote error={error} />
      <div class="danger-zone">
        <button type="button" class="danger" onClick={remove} disabled={item.permissions.readOnly} title={item.permissions.readOnly ? 'Read-only records cannot be deleted' : undefined}>
          Delete this record
        </button>
      </div>
    </article>
  );
}
