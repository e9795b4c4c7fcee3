import { useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import { Link } from '../lib/router.tsx';
import type { Me } from '../lib/types.ts';
import { ErrorNote } from '../lib/ui.tsx';

/** Sign in and sign up: one form, two modes, linked to each other. */
export function AuthScreen(props: { mode: 'login' | 'signup'; onSignedIn(me: Me): void }) {
  const signup = props.mode === 'signup';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const params = new URLSearchParams(location.search);
  const deleted = params.has('deleted');
  // Switching between sign-in and sign-up keeps the page the visitor asked for (see app.tsx).
  const next = params.get('next');
  const keepNext = (page: string) => (next ? `${page}?next=${encodeURIComponent(next)}` : page);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api<Me>('POST', signup ? '/api/auth/signup' : '/api/auth/login', { email: email.trim(), password });
      props.onSignedIn(res);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="auth">
      <div class="auth-card">
        <p class="brand big">
          context<span>vault</span>
        </p>
        <p class="tagline">Chat with your own medical records. Nothing is shared with the AI until you say so.</p>
        <h1 tabIndex={-1}>{signup ? 'Create your vault' : 'Sign in'}</h1>
        {deleted && !signup ? <p role="status">Your account and all its records were deleted.</p> : null}
        <form onSubmit={submit} aria-describedby="auth-error">
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="email" required value={email} onInput={(e: Event) => setEmail((e.target as HTMLInputElement).value)} />
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete={signup ? 'new-password' : 'current-password'}
            required
            minLength={signup ? 10 : 1}
            aria-describedby={signup ? 'pw-hint' : undefined}
            value={password}
            onInput={(e: Event) => setPassword((e.target as HTMLInputElement).value)}
          />
          {signup ? (
            <p id="pw-hint" class="hint">
              At least 10 characters and hard to guess (a few unrelated words work well; length alone is not enough). It protects your records, so make it one you use nowhere else.
            </p>
          ) : null}
          <div id="auth-error">
            <ErrorNote error={error} />
          </div>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Please wait…' : signup ? 'Create account' : 'Sign in'}
          </button>
        </form>
        <p class="switch">
          {signup ? (
            <>
              Already have a vault? <Link href={keepNext('/login')}>Sign in</Link>
            </>
          ) : (
            <>
              New here? <Link href={keepNext('/signup')}>Create an account</Link>
            </>
          )}
        </p>
      </div>
    </main>
  );
}
