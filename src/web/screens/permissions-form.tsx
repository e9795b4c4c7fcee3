import { useEffect, useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import { endOfDay, toDateInput } from '../lib/format.ts';
import { explain } from '../lib/describe.ts';
import type { ItemDetail, Sensitivity } from '../lib/types.ts';
import { ErrorNote, Status } from '../lib/ui.tsx';

type Share = 'rules' | 'yes' | 'no';


/** Who may read one record: AI sharing (own choice or rules), expiry, read-only, sensitivity. */
export function PermissionsForm(props: { item: ItemDetail; onSaved(item: ItemDetail): void }) {
  const it = props.item;
  const initialShare: Share = it.permissions.shareWithAi === null ? 'rules' : it.permissions.shareWithAi ? 'yes' : 'no';
  const [share, setShare] = useState<Share>(initialShare);
  const [until, setUntil] = useState(toDateInput(it.permissions.expiresAt));
  const [readOnly, setReadOnly] = useState(it.permissions.readOnly);
  const [sensitivity, setSensitivity] = useState<Sensitivity>(it.sensitivity);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setShare(it.permissions.shareWithAi === null ? 'rules' : it.permissions.shareWithAi ? 'yes' : 'no');
    setUntil(toDateInput(it.permissions.expiresAt));
    setReadOnly(it.permissions.readOnly);
    setSensitivity(it.sensitivity);
  }, [it]);

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const permissions = {
        shareWithAi: share === 'rules' ? null : share === 'yes',
        readOnly,
        expiresAt: endOfDay(until),
      };
      let latest: ItemDetail = it;
      // A read-only record refuses edits, so the sensitivity change goes in while it is writable.
      const patchFirst = !it.permissions.readOnly;
      if (patchFirst && sensitivity !== it.sensitivity) latest = await api<ItemDetail>('PATCH', `/api/vault/items/${it.id}`, { sensitivity });
      latest = await api<ItemDetail>('PUT', `/api/vault/items/${it.id}/permissions`, permissions);
      if (!patchFirst && sensitivity !== it.sensitivity) latest = await api<ItemDetail>('PATCH', `/api/vault/items/${it.id}`, { sensitivity });
      props.onSaved(latest);
      setStatus('Saved.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const radio = (value: Share, label: string) => (
    <label class="check">
      <input type="radio" name="share" value={value} checked={share === value} onChange={() => setShare(value)} /> {label}
    </label>
  );

  return (
    <form class="card permissions" onSubmit={save} aria-labelledby="perm-h">
      <h2 id="perm-h">Who can read this</h2>
      <p class={`verdict ${it.effectivePermission.shareWithAi ? 'on' : 'off'}`} data-testid="verdict">
        {explain(it)}
      </p>
      <fieldset disabled={sensitivity === 'secret'}>
        <legend>Share with the AI</legend>
        {radio('rules', 'Follow my sharing rules')}
        {radio('yes', 'Share this record')}
        {radio('no', 'Never share this record')}
      </fieldset>
      <label for="perm-until">Share until (optional)</label>
      <div class="row">
        <input id="perm-until" type="date" value={until} onInput={(e: Event) => setUntil((e.target as HTMLInputElement).value)} />
        {until ? (
          <button type="button" onClick={() => setUntil('')}>
            No end date
          </button>
        ) : null}
      </div>
      <label for="perm-sensitivity">Sensitivity</label>
      <select id="perm-sensitivity" value={sensitivity} onChange={(e: Event) => setSensitivity((e.target as HTMLSelectElement).value as Sensitivity)}>
        <option value="normal">Normal</option>
        <option value="private">Private</option>
        <option value="secret">Secret — never shared, not searchable</option>
      </select>
      <label class="check">
        <input type="checkbox" checked={readOnly} onChange={(e: Event) => setReadOnly((e.target as HTMLInputElement).checked)} /> Read-only (protect from edits
        and deletion)
      </label>
      <ErrorNote error={error} />
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <Status text={status} />
      </div>
    </form>
  );
}
