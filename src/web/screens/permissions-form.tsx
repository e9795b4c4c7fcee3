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
    const permissions = {
      shareWithAi: share === 'rules' ? null : share === 'yes',
      readOnly,
      expiresAt: endOfDay(until),
    };
    // A read-only record refuses edits, so a sensitivity change goes in while it is writable:
    // before the permissions when it is writable now, after them when this save unlocks it.
    // (The select is locked while "Read-only" is ticked, so both never change together the wrong way.)
    const patch = sensitivity !== it.sensitivity ? () => api<ItemDetail>('PATCH', `/api/vault/items/${it.id}`, { sensitivity }) : null;
    const put = () => api<ItemDetail>('PUT', `/api/vault/items/${it.id}/permissions`, permissions);
    const steps = it.permissions.readOnly ? [put, patch] : [patch, put];
    let saved = 0;
    try {
      let latest: ItemDetail = it;
      for (const step of steps) {
        if (!step) continue;
        latest = await step();
        saved++;
      }
      props.onSaved(latest);
      setStatus('Saved.');
    } catch (err) {
      setError(err);
      // Part of the change may have gone in: show the record as the server now has it, never a guess.
      if (saved > 0) {
        try {
          props.onSaved(await api<ItemDetail>('GET', `/api/vault/items/${it.id}`));
          setStatus('Only part of your change was saved; see the error above.');
        } catch {
          /* the error above already says something went wrong */
        }
      }
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
      <select
        id="perm-sensitivity"
        value={sensitivity}
        disabled={readOnly}
        aria-describedby={readOnly ? 'perm-sensitivity-hint' : undefined}
        onChange={(e: Event) => setSensitivity((e.target as HTMLSelectElement).value as Sensitivity)}
      >
        <option value="normal">Normal</option>
        <option value="private">Private</option>
        <option value="secret">Secret — never shared, not searchable</option>
      </select>
      {readOnly ? (
        <p id="perm-sensitivity-hint" class="hint">
          A read-only record keeps its sensitivity. Untick “Read-only” to change it.
        </p>
      ) : null}
      <label class="check">
        <input
          type="checkbox"
          checked={readOnly}
          onChange={(e: Event) => {
            const on = (e.target as HTMLInputElement).checked;
            setReadOnly(on);
            // The locked select shows what will be kept, not an unsaved choice.
            if (on) setSensitivity(it.sensitivity);
          }}
        />{' '}
        Read-only (protect from edits and deletion)
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
