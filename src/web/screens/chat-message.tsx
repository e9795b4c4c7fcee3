import { useEffect, useState } from 'hono/jsx/dom';
import { ApiError } from '../lib/api.ts';
import { formatDate, kindLabel } from '../lib/format.ts';
import { Markdown } from '../lib/markdown-view.tsx';
import { Link } from '../lib/router.tsx';
import type { ContextItem } from '../lib/types.ts';

/** One turn of a conversation as the screen holds it. */
export interface ChatTurn {
  key: string;
  role: 'user' | 'assistant';
  text: string;
  sources: ContextItem[];
  state: 'streaming' | 'done' | 'stopped' | 'error';
  error?: ApiError;
  /** Why no (or fewer) records went with the question: `nothing_shared`, `nothing_relevant` or `none_of_kind`. */
  notice?: string;
  /** With `none_of_kind`: the kinds asked for of which nothing is shared ("allergy"). */
  absent?: string[];
  /** Ids of the sources the answer cites (from `done`); unknown for reopened answers. */
  cited?: string[];
}

/** Error codes by which the gateway says there is nothing the AI may read. */
export const NOTHING_SHARED = new Set(['nothing_shared', 'no_shared_items', 'no_context', 'nothing_shared_with_ai']);
const BUSY = new Set(['pool_saturated', 'pool_busy', 'rate_limited']);

/** A message bubble; the assistant's shows its answer, cited sources and any problem. */
export function ChatMessage(props: { turn: ChatTurn; onRetry(): void }) {
  const t = props.turn;
  if (t.role === 'user') {
    return (
      <li class="msg user">
        <span class="who">You</span>
        <div class="bubble">{t.text}</div>
      </li>
    );
  }
  return (
    <li class="msg assistant" aria-busy={t.state === 'streaming' ? 'true' : 'false'} data-state={t.state}>
      <span class="who">Assistant</span>
      <div class="bubble">
        {t.text ? <Markdown text={t.text} sources={t.sources} /> : t.state === 'streaming' ? <p class="typing">Reading your shared records…</p> : null}
        {t.state === 'stopped' ? <p class="note">Stopped.</p> : null}
        {t.error ? <Problem error={t.error} onRetry={props.onRetry} /> : null}
        {t.notice === 'nothing_shared' && !t.error ? <NothingShared /> : null}
        {t.notice === 'none_of_kind' && t.absent?.length && !t.error && t.state !== 'streaming' ? (
          <p class="note">
            No {t.absent.join(', ')} records are shared with the AI. <Link href="/vault">Check what you share</Link>
          </p>
        ) : null}
        {t.notice === 'nothing_relevant' && !t.error && t.state !== 'streaming' ? (
          <p class="note">None of the records you share with the AI matched this question.</p>
        ) : null}
      </div>
      {t.sources.length ? (
        <nav class="sources" aria-label="Sources">
          <h2 class="sources-title">Sources</h2>
          <ol>
            {t.sources.map((s, i) =>
              s.deleted ? (
                <li>
                  <span class="source deleted">
                    <span class="n">[{i + 1}]</span> <span class="title">deleted record</span>
                  </span>
                </li>
              ) : (
                <li>
                  <Link href={`/vault/${s.id}`} class={t.cited && !t.cited.includes(s.id) ? 'source uncited' : 'source'} title={t.cited && !t.cited.includes(s.id) ? 'Sent to the AI, not cited in the answer' : undefined}>
                    <span class="n">[{i + 1}]</span> <span class="title">{s.title}</span>
                    <span class="meta">
                      {kindLabel(s.kind ?? '')}
                      {s.effectiveAt ? ` · ${formatDate(s.effectiveAt)}` : ''}
                    </span>
                  </Link>
                </li>
              ),
            )}
          </ol>
        </nav>
      ) : null}
    </li>
  );
}

function NothingShared() {
  return (
    <div class="notice" role="note">
      <p>
        <strong>Nothing in your vault is shared with the AI yet</strong>, so it cannot answer from your records.
      </p>
      <p>
        <Link href="/vault">Share some records first</Link> or <Link href="/rules">add a sharing rule</Link>.
      </p>
    </div>
  );
}

/** Seconds left of a Retry-After wait, counting down once a second. */
function useCountdown(seconds: number | undefined): number {
  const [left, setLeft] = useState(seconds ?? 0);
  useEffect(() => {
    setLeft(seconds ?? 0);
    if (!seconds) return;
    const started = Date.now();
    const timer = setInterval(() => {
      const rest = Math.max(0, seconds - Math.floor((Date.now() - started) / 1000));
      setLeft(rest);
      if (!rest) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [seconds]);
  return left;
}

/** Explains a failed answer in plain words, with a retry when trying again can help. */
function Problem(props: { error: ApiError; onRetry(): void }) {
  const e = props.error;
  // The server said when capacity frees up: the retry waits for it rather than being refused again.
  const wait = useCountdown(e.retryAfterS);
  if (NOTHING_SHARED.has(e.code)) return <NothingShared />;
  let title = 'The answer could not be completed.';
  let detail = e.message;
  if (BUSY.has(e.code)) {
    title = 'The AI is busy right now.';
    detail = 'All model workers are answering other questions.';
  } else if (e.status === 503 || e.code === 'model_unavailable' || e.code === 'pool_unavailable') {
    title = 'No AI model is available right now.';
    detail = 'The local model is not running or is starting up. Your records were not sent anywhere.';
  } else if (e.code === 'network' || e.code === 'stream_interrupted') {
    title = 'The connection was interrupted.';
  }
  return (
    <div class="problem" role="alert">
      <p>
        <strong>{title}</strong> {detail}
        {e.retryAfterS ? ` Try again in ${e.retryAfterS} second${e.retryAfterS === 1 ? '' : 's'}.` : ''}
      </p>
      <button type="button" onClick={props.onRetry} disabled={wait > 0}>
        {wait > 0 ? `Retry in ${wait} s` : 'Retry'}
      </button>
    </div>
  );
}
