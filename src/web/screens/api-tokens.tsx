import { useEffect, useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import { formatDate, formatDateTime } from '../lib/format.ts';
import { ErrorNote } from '../lib/ui.tsx';

interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

/**
 * Personal API tokens for the OpenAI-compatible endpoint (/v1/chat/completions). A new token
 * is shown once: the server keeps only its hash.
 */
export function ApiTokens() {
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [name, setName] = useState('');
  const [fresh, setFresh] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = () => api<{ tokens: ApiToken[] }>('GET', '/api/tokens').then((r) => setTokens(r.tokens), setError);
  useEffect(() => void load(), []);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const t = await api<ApiToken & { token: string }>('POST', '/api/tokens', { name: name.trim() });
      setFresh({ name: t.name, token: t.token });
      setName('');
      await load();
    } catch (err) {
      setError(err);
    }
  };

  const revoke = async (t: ApiToken) => {
    if (!confirm(`Revoke “${t.name}”? Apps using it stop working at once.`)) return;
    try {
      await api('DELETE', `/api/tokens/${t.id}`);
      await load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section class="card" aria-labelledby="tokens-h">
      <h2 id="tokens-h">API tokens</h2>
      <p>Let another app (any OpenAI-compatible client) chat with your shared records through <code>/v1/chat/completions</code>.</p>
      {fresh ? (
        <div class="notice" role="status">
          <p>
            Copy your new token “{fresh.name}” now; it will not be shown again:
          </p>
          <input class="token" readOnly value={fresh.token} aria-label="New API token" onFocus={(e: FocusEvent) => (e.target as HTMLInputElement).select()} />
        </div>
      ) : null}
      <form class="row" onSubmit={create}>
        <label for="token-name" class="visually-hidden">
          Token name
        </label>
        <input id="token-name" placeholder="Name, e.g. my laptop" required maxLength={100} value={name} onInput={(e: Event) => setName((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={!name.trim()}>
          Create token
        </button>
      </form>
      <ErrorNote error={error} />
      {tokens?.length ? (
        <ul class="rule-list">
          {tokens.map((t) => (
            <li>
              <span>
                <strong>{t.name}</strong> <code>{t.prefix}…</code>
                <span class="muted">
                  {` · created ${formatDate(t.createdAt)}`}
                  {t.lastUsedAt ? ` · last used ${formatDateTime(t.lastUsedAt)}` : ' · never used'}
                  {t.expiresAt ? ` · expires ${formatDate(t.expiresAt)}` : ''}
                </span>
              </span>
              <button type="button" class="small" aria-label={`Revoke token ${t.name}`} onClick={() => revoke(t)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
