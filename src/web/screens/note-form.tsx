import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import type { ItemDetail } from '../lib/types.ts';
import { ErrorNote } from '../lib/ui.tsx';

/** Adds a personal note to the vault (kind `note`; the gateway gives it source `user`), private unless ticked. */
export function NoteForm(props: { onAdded(item: ItemDetail): void; onCancel(): void }) {
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [date, setDate] = useState('');
  const [share, setShare] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const titleRef = useRef<HTMLInputElement>(null);
  // The form opens in place (no route change), so it takes focus itself: the Title field.
  useEffect(() => titleRef.current?.focus(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const item = await api<ItemDetail>('POST', '/api/vault/items', {
        kind: 'note',
        title: title.trim(),
        text,
        ...(date ? { effectiveAt: date } : {}),
        ...(share ? { permissions: { shareWithAi: true } } : {}),
      });
      props.onAdded(item);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card note-form" onSubmit={submit} aria-labelledby="note-title">
      <h2 id="note-title">Add a note</h2>
      <label for="note-title-input">Title</label>
      <input id="note-title-input" ref={titleRef} required maxLength={1000} value={title} onInput={(e: Event) => setTitle((e.target as HTMLInputElement).value)} />
      <label for="note-text">Note</label>
      <textarea id="note-text" rows={5} value={text} onInput={(e: Event) => setText((e.target as HTMLTextAreaElement).value)} />
      <label for="note-date">Date (optional)</label>
      <input id="note-date" type="date" value={date} onInput={(e: Event) => setDate((e.target as HTMLInputElement).value)} />
      <label class="check">
        <input type="checkbox" checked={share} onChange={(e: Event) => setShare((e.target as HTMLInputElement).checked)} /> Share this note with the AI
      </label>
      <ErrorNote error={error} />
      <div class="row">
        <button type="submit" class="primary" disabled={busy || !title.trim()}>
          {busy ? 'Saving…' : 'Save note'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
