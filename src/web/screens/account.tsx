import { useSession } from '../lib/session.tsx';
import { ApiTokens } from './api-tokens.tsx';
import { DeleteAccount } from './delete-account.tsx';
import { PasswordChange } from './password-change.tsx';

/** The account: export everything, change the password, API tokens, sign out, delete the account for good. */
export function AccountScreen() {
  const session = useSession();
  const email = session.me.user.email;

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
      <PasswordChange />
      <ApiTokens />
      <section class="card" aria-labelledby="signout-h">
        <h2 id="signout-h">Sign out</h2>
        <button type="button" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </section>
      <DeleteAccount email={email} />
    </section>
  );
}
