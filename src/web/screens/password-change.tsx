import { useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import { ErrorNote, Status } from '../lib/ui.tsx';

/**
 * A new password needs the current one. The gateway signs out every other session of the
 * account (a lost phone, a shared computer) and keeps this one, so the person stays here.
 */
export function PasswordChange() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone('');
    setBusy(true);
    try {
      const r = await api<{ endedSessions: number }>('POST', '/api/auth/password', { currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      const others = r.endedSessions === 1 ? '1 other session was' : `${r.endedSessions} other sessions were`;
      setDone(`Password changed. ${others} signed out.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-labelledby="password-h">
      <h2 id="password-h">Change password</h2>
      <label for="current-password">Current password</label>
      <input id="current-password" type="password" autocomplete="current-password" required value={current} onInput={(e: Event) => setCurrent((e.target as HTMLInputElement).value)} />
      <label for="new-password">New password</label>
      <input id="new-password" type="password" autocomplete="new-password" required minLength={10} aria-describedby="new-password-hint" value={next} onInput={(e: Event) => setNext((e.target as HTMLInputElement).value)} />
      <span id="new-password-hint" class="hint">
        At least 10 characters and hard to guess: a few unrelated words work well. Your other devices will be signed out.
      </span>
      <ErrorNote error={error} />
      <Status text={done} />
      <button type="submit" disabled={busy || !current || !next}>
        {busy ? 'Changing…' : 'Change password'}
      </button>
    </form>
  );
}
