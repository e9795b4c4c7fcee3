import { useCallback, useEffect, useMemo, useState } from 'hono/jsx/dom';
import { ApiError, api, setCsrfToken, setUnauthorizedHandler } from './lib/api.ts';
import { Link, match, navigate, useLocation } from './lib/router.tsx';
import { loginWithNext, safeNext } from './lib/next-path.ts';
import { SessionContext, type Session } from './lib/session.tsx';
import type { Me, VaultSummary } from './lib/types.ts';
import { AuthScreen } from './screens/auth.tsx';
import { ChatScreen } from './screens/chat.tsx';
import { VaultScreen } from './screens/vault.tsx';
import { ItemScreen } from './screens/item.tsx';
import { RulesScreen } from './screens/rules.tsx';
import { SeenScreen } from './screens/seen.tsx';
import { ConnectionsScreen } from './screens/connections.tsx';
import { AccountScreen } from './screens/account.tsx';

const NAV: { href: string; label: string }[] = [
  { href: '/chat', label: 'Chat' },
  { href: '/vault', label: 'Vault' },
  { href: '/rules', label: 'Sharing rules' },
  { href: '/seen', label: 'What the AI has seen' },
  { href: '/connections', label: 'Connections' },
  { href: '/account', label: 'Account' },
];

const PUBLIC = new Set(['/login', '/signup']);

/** The app shell: who is signed in, the navigation, and which screen the URL names. */
export function App() {
  const { path, search } = useLocation();
  // undefined while the first /api/me is in flight; null when signed out.
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [bootError, setBootError] = useState('');

  const load = useCallback(async () => {
    try {
      const m = await api<Me>('GET', '/api/me');
      setCsrfToken(m.csrfToken);
      setMe(m);
      setBootError('');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else setBootError((e as Error).message);
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setMe(null);
      // A session that ends mid-use comes back to the same screen after signing in again.
      if (!PUBLIC.has(location.pathname)) navigate(loginWithNext(location.pathname, location.search), { replace: true });
    });
    void load();
  }, []);

  // Route guards: signed-out people see only sign-in/sign-up (remembering a deep link in
  // ?next=); signed-in ones skip them, back to that link if it is one of ours.
  useEffect(() => {
    if (me === null && !PUBLIC.has(path)) navigate(loginWithNext(path, location.search), { replace: true });
    if (me && (PUBLIC.has(path) || path === '/')) navigate(PUBLIC.has(path) ? safeNext(search.get('next')) : '/chat', { replace: true });
  }, [me, path]);

  // Move focus to the new screen's heading (or its marked field) so keyboard and
  // screen-reader users land where the content changed.
  useEffect(() => {
    const t = setTimeout(() => {
      const el = document.querySelector<HTMLElement>('main [data-autofocus]') ?? document.querySelector<HTMLElement>('main h1');
      el?.focus({ preventScroll: true });
    }, 0);
    return () => clearTimeout(t);
  }, [path, !!me]);

  const session = useMemo<Session | null>(
    () =>
      me
        ? {
            me,
            refresh: load,
            setSummary: (vault: VaultSummary) => setMe({ ...me, vault }),
            signOut: async () => {
              await api('POST', '/api/auth/logout').catch(() => undefined);
              setCsrfToken('');
              setMe(null);
              navigate('/login', { replace: true });
            },
          }
        : null,
    [me],
  );

  if (me === undefined) {
    return bootError ? (
      <main class="center">
        <p role="alert">{bootError}</p>
        <button onClick={() => void load()}>Try again</button>
      </main>
    ) : (
      <p class="boot">Loading…</p>
    );
  }

  if (!session) {
    return (
      <AuthScreen
        mode={path === '/signup' ? 'signup' : 'login'}
        onSignedIn={(m) => {
          setCsrfToken(m.csrfToken);
          setMe(m);
          void load();
        }}
      />
    );
  }

  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <div class="shell">
        <header class="top">
          <Link href="/chat" class="brand">
            context<span>vault</span>
          </Link>
          <nav aria-label="Main">
            <ul>
              {NAV.map((n) => (
                <li>
                  <Link href={n.href} aria-current={path === n.href || path.startsWith(n.href + '/') ? 'page' : undefined}>
                    {n.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <SharedBadge summary={session.me.vault} />
        </header>
        <main id="main" class={path.startsWith('/chat') ? 'main chat-main' : 'main'}>
          <Screen path={path} />
        </main>
      </div>
    </SessionContext.Provider>
  );
}

function SharedBadge(props: { summary?: VaultSummary }) {
  const s = props.summary;
  if (!s) return null;
  return (
    <Link href="/vault" class="shared-badge" title="Records the AI may read">
      <strong data-testid="shared-count">{s.sharedWithAi}</strong> of <span data-testid="total-count">{s.total}</span> shared with AI
    </Link>
  );
}

function Screen(props: { path: string }) {
  const p = props.path;
  let m: Record<string, string> | null;
  if (p === '/chat') return <ChatScreen />;
  if ((m = match('/chat/:id', p))) return <ChatScreen conversationId={m.id} />;
  if (p === '/vault') return <VaultScreen />;
  if ((m = match('/vault/:id', p))) return <ItemScreen id={m.id} />;
  if (p === '/rules') return <RulesScreen />;
  if (p === '/seen') return <SeenScreen />;
  if (p === '/connections') return <ConnectionsScreen />;
  if (p === '/account') return <AccountScreen />;
  if (p === '/' || PUBLIC.has(p)) return <p class="boot">Loading…</p>;
  return (
    <section>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is nothing at this address. <Link href="/chat">Go to chat</Link>.
      </p>
    </section>
  );
}
