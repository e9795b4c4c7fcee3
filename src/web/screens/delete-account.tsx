import { useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import { ErrorNote } from '../lib/ui.tsx';

/**
 * Deleting the account for good: the email typed out (no slip of a click) and the current
 * password (an open session on a shared computer is not enough; the gateway checks it).
 */
export function DeleteAccount(props: { email: string }) {
  const { email } = props;
  const [confirmText, setConfirmText] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ready = confirmText.trim().toLowerCase() === email.toLowerCase() && password.length > 0;

  const remove = async (e: Event) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      await api('DELETE', '/api/me', { password });
      // A full reload drops every piece of state of the deleted account.
      location.assign('/login?deleted=1');
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form class="card danger-zone" onSubmit={remove} aria-labelledby="delete-h">
      <h2 id="delete-h">Delete account</h2>
      <p>This deletes your account, every record, rule and conversation, and the keys that protect them. It cannot be undone; export first if you want a copy.</p>
      <label for="delete-confirm">Type your email address ({email}) to confirm</label>
      <input id="delete-confirm" autocomplete="off" value={confirmText} onInput={(e: Event) => setConfirmText((e.target as HTMLInputElement).value)} />
      <label for="delete-password">Your password</label>
      <input id="delete-password" type="password" autocomplete="current-password" value={password} onInput={(e: Event) => setPassword((e.target as HTMLInputElement).value)} />
      <ErrorNote error={error} />
      <button type="submit" class="danger" disabled={busy || !ready}>
        {busy ? 'Deleting…' : 'Delete my account'}
      </button>
    </form>
  );
}
