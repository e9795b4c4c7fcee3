import { useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import { useSession } from '../lib/session.tsx';
import { ErrorNote } from '../lib/ui.tsx';
import { ApiTokens } from './api-tokens.tsx';

/** The account: export everything, sign out, delete the account for good. */
export function AccountScreen() {
  const session = useSession();
  const [confirmText, setConfirmText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const email = session.me.user.email;

  const remove = async (e: Event) => {
    e.preventDefault();
    if (confirmText.trim().toLowerCase() !== email.toLowerCase()) return;
    setBusy(true);
    try {
      await api('DELETE', '/api/me');
      // A full reload drops every piece of state of the deleted account.
      location.assign('/login?deleted=1');
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section class="account">
      <h1 tabIndex={-1}>Account</h1>
      <p>
        Signed in as <strong data-testid="account-email">{email}</strong>.
      </p>
      <section class="card" aria-labelledby="export-h">
        <h2 id="export-h">Export everything</h2>
        <p>Download all your records, sharing rules and the AI disclosure log as one JSON file, decrypted.</p>
        <a class="button" href="/api/vault/export" download="context-vault-export.json">
          Download export
        </a>
      </section>
      <ApiTokens />
      <section class="card" aria-labelledby="signout-h">
        <h2 id="signout-h">Sign out</h2>
        <button type="button" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </section>
      <form class="card danger-zone" onSubmit={remove} aria-labelledby="delete-h">
        <h2 id="delete-h">Delete account</h2>
        <p>This deletes your account, every record, rule and conversation, and the keys that protect them. It cannot be undone; export first if you want a copy.</p>
        <label for="delete-confirm">Type your email address ({email}) to confirm</label>
        <input id="delete-confirm" autocomplete="off" value={confirmText} onInput={(e: Event) => setConfirmText((e.target as HTMLInputElement).value)} />
        <ErrorNote error={error} />
        <button type="submit" class="danger" disabled={busy || confirmText.trim().toLowerCase() !== email.toLowerCase()}>
          {busy ? 'Deleting…' : 'Delete my account'}
        </button>
      </form>
    </section>
  );
}
