import { useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import type { ItemDetail, Item } from '../lib/types.ts';

/**
 * The one-click "share with AI" switch of a record. It sets the record's own setting, which
 * overrides any rule; secret records can never be shared, so their switch is disabled.
 */
export function ShareToggle(props: { item: Item; onChange(item: Item): void; onError(e: unknown): void }) {
  const it = props.item;
  const [busy, setBusy] = useState(false);
  const on = it.effectivePermission.shareWithAi;
  const secret = it.sensitivity === 'secret';
  const toggle = async () => {
    setBusy(true);
    try {
      const updated = await api<ItemDetail>('PUT', `/api/vault/items/${it.id}/permissions`, { shareWithAi: !on });
      props.onChange(updated);
    } catch (e) {
      props.onError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      role="switch"
      class="switch"
      aria-checked={on ? 'true' : 'false'}
      aria-label={`Share “${it.title}” with the AI`}
      title={secret ? 'Secret records are never shared with the AI' : on ? 'Shared with the AI — click to stop sharing' : 'Not shared — click to share with the AI'}
      disabled={busy || secret}
      onClick={toggle}
    >
      <span class="knob" aria-hidden="true" />
      <span class="switch-text">{on ? 'AI can read' : 'Private'}</span>
    </button>
  );
}
