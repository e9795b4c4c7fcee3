import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { ApiError, api } from '../lib/api.ts';
import { streamChat } from '../lib/chat-stream.ts';
import { navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import type { ConversationSummary, StoredMessage } from '../lib/types.ts';
import { Spinner, messageOf } from '../lib/ui.tsx';
import { ChatMessage, type ChatTurn } from './chat-message.tsx';
import { ConversationList } from './conversation-list.tsx';

let keySeq = 0;
const nextKey = () => `t${++keySeq}`;

/** Turns a stored conversation into screen turns, whatever optional fields the server adds. */
function fromStored(m: StoredMessage): ChatTurn {
  const state = m.status === 'incomplete' ? 'stopped' : 'done';
  const turn: ChatTurn = { key: nextKey(), role: m.role === 'user' ? 'user' : 'assistant', text: m.content ?? m.text ?? '', sources: m.items ?? [], state };
  if (m.status === 'error' && m.role !== 'user') turn.error = new ApiError(0, 'model_failed', 'The model failed while answering.');
  return turn;
}

/** Chat: ask, watch the answer stream in with its sources, stop it, reopen past conversations. */
export function ChatScreen(props: { conversationId?: string }) {
  const session = useSession();
  const [turns, setTurns] = useState<ChatTurn[]>([]);
  const [input, setInput] = useState('');
  const [streaming, setStreaming] = useState(false);
  const [convs, setConvs] = useState<ConversationSummary[] | null>(null);
  const [convError, setConvError] = useState('');
  const [loadError, setLoadError] = useState('');
  const [showHistory, setShowHistory] = useState(false);
  // A reopened conversation is fetched before its turns show: say so instead of the welcome text.
  const [loadingConv, setLoadingConv] = useState(false);
  const historyButton = useRef<HTMLButtonElement>(null);
  const historyHeading = useRef<HTMLHeadingElement>(null);
  const historyPanel = useRef<HTMLElement>(null);
  const abortRef = useRef<AbortController | null>(null);
  // The conversation the turns on screen belong to (set by a `done` event before the URL changes).
  const activeConv = useRef<string | undefined>(undefined);
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  const loadConversations = async () => {
    try {
      const r = await api<{ conversations?: ConversationSummary[] } | ConversationSummary[]>('GET', '/api/conversations');
      setConvs(Array.isArray(r) ? r : (r.conversations ?? []));
      setConvError('');
    } catch (e) {
      setConvError(e instanceof ApiError && e.status === 404 ? 'Past conversations are not available on this server.' : messageOf(e));
    }
  };

  useEffect(() => {
    void loadConversations();
    return () => abortRef.current?.abort();
  }, []);

  useEffect(() => {
    const id = props.conversationId;
    setShowHistory(false);
    if (id === activeConv.current) return;
    abortRef.current?.abort();
    activeConv.current = id;
    setTurns([]);
    setLoadError('');
    if (!id) {
      setLoadingConv(false);
      inputRef.current?.focus();
      return;
    }
    let cancelled = false;
    setLoadingConv(true);
    api<{ messages?: StoredMessage[] }>('GET', `/api/conversations/${encodeURIComponent(id)}`)
      .then((c) => {
        if (!cancelled) setTurns((c.messages ?? []).map(fromStored));
      })
      .catch((e) => {
        if (!cancelled) setLoadError(messageOf(e));
      })
      .finally(() => {
        if (!cancelled) setLoadingConv(false);
      });
    return () => {
      cancelled = true;
    };
  }, [props.conversationId]);

  // The phone's history drawer covers the chat: focus moves into it when it opens and stays in
  // it (Tab and Shift+Tab wrap around), Escape (anywhere) closes it, and closing it returns focus
  // to the History button.
  useEffect(() => {
    if (!showHistory) return;
    const t = setTimeout(() => historyHeading.current?.focus(), 0);
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        closeHistory();
        return;
      }
      const panel = historyPanel.current;
      if (e.key !== 'Tab' || !panel) return;
      const stops = [...panel.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])')].filter((el) => el.offsetParent !== null);
      if (!stops.length) return;
      const first = stops[0];
      const last = stops[stops.length - 1];
      const at = document.activeElement;
      const inside = at instanceof Node && panel.contains(at);
      if (e.shiftKey && (!inside || at === first || at === historyHeading.current)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (!inside || at === last)) {
        e.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      clearTimeout(t);
      document.removeEventListener('keydown', onKey);
    };
  }, [showHistory]);

  const closeHistory = () => {
    setShowHistory(false);
    setTimeout(() => historyButton.current?.focus(), 0);
  };

  // Keep the newest text in view while it streams.
  useEffect(() => {
    const el = listRef.current?.lastElementChild;
    el?.scrollIntoView?.({ block: 'end' });
  }, [turns]);

  const update = (key: string, fn: (t: ChatTurn) => ChatTurn) => setTurns((ts) => ts.map((t) => (t.key === key ? fn(t) : t)));

  const ask = async (message: string, opts: { retryOf?: string } = {}) => {
    if (!message.trim() || streaming) return;
    const answerKey = nextKey();
    const answer: ChatTurn = { key: answerKey, role: 'assistant', text: '', sources: [], state: 'streaming' };
    setTurns((ts) => {
      const kept = opts.retryOf ? ts.filter((t) => t.key !== opts.retryOf) : [...ts, { key: nextKey(), role: 'user' as const, text: message, sources: [], state: 'done' as const }];
      return [...kept, answer];
    });
    const controller = new AbortController();
    abortRef.current = controller;
    setStreaming(true);
    try {
      await streamChat(
        { message, ...(activeConv.current ? { conversationId: activeConv.current } : {}) },
        {
          onContext: (items, meta) => {
            update(answerKey, (t) => ({ ...t, sources: items, notice: meta.notice, absent: meta.absent }));
            // The server names a new conversation up front: the URL follows at once, so Stop and a reload both know it.
            if (meta.conversationId && meta.conversationId !== activeConv.current) {
              activeConv.current = meta.conversationId;
              navigate(`/chat/${meta.conversationId}`, { replace: true });
            }
          },
          onToken: (text) => update(answerKey, (t) => ({ ...t, text: t.text + text })),
          onDone: (d) => {
            update(answerKey, (t) => ({ ...t, state: 'done', cited: d.cited }));
            if (d.conversationId && d.conversationId !== activeConv.current) {
              activeConv.current = d.conversationId;
              navigate(`/chat/${d.conversationId}`, { replace: true });
            }
          },
        },
        controller.signal,
      );
    } catch (e) {
      if ((e as Error).name === 'AbortError') update(answerKey, (t) => ({ ...t, state: 'stopped' }));
      else update(answerKey, (t) => ({ ...t, state: 'error', error: e instanceof ApiError ? e : new ApiError(0, 'network', messageOf(e)) }));
    } finally {
      if (abortRef.current === controller) abortRef.current = null;
      setStreaming(false);
      void loadConversations();
      void session.refresh();
    }
  };

  const send = (e?: Event) => {
    e?.preventDefault();
    const text = input.trim();
    if (!text) return;
    setInput('');
    void ask(text);
  };

  const retry = (answerKey: string) => {
    const idx = turns.findIndex((t) => t.key === answerKey);
    const question = [...turns.slice(0, idx)].reverse().find((t) => t.role === 'user');
    if (question) void ask(question.text, { retryOf: answerKey });
  };

  // Closing the stream is what stops generation; the explicit stop also covers a proxy that keeps the upstream open.
  const stop = () => {
    abortRef.current?.abort();
    if (activeConv.current) void api('POST', '/api/chat/stop', { conversationId: activeConv.current }).catch(() => undefined);
  };

  const newConversation = () => {
    abortRef.current?.abort();
    activeConv.current = undefined;
    setTurns([]);
    navigate('/chat');
    inputRef.current?.focus();
  };

  return (
    <div class={`chat ${showHistory ? 'history-open' : ''}`}>
      <aside class="history" id="chat-history" aria-label="Past conversations" ref={historyPanel}>
        <div class="history-head">
          <h2 ref={historyHeading} tabIndex={-1}>
            Conversations
          </h2>
          <button type="button" class="primary small" onClick={newConversation}>
            New conversation
          </button>
          <button type="button" class="small history-close" onClick={closeHistory}>
            Close
          </button>
        </div>
        <ConversationList conversations={convs} current={props.conversationId} error={convError} />
      </aside>
      <section class="conversation" aria-labelledby="chat-title">
        <div class="chat-head">
          <h1 id="chat-title" tabIndex={-1}>
            Chat with your records
          </h1>
          <div class="chat-actions">
            <button
              type="button"
              class="history-toggle"
              ref={historyButton}
              aria-controls="chat-history"
              aria-expanded={showHistory ? 'true' : 'false'}
              onClick={() => (showHistory ? closeHistory() : setShowHistory(true))}
            >
              History
            </button>
            <button type="button" class="new-conv" onClick={newConversation}>
              New
            </button>
          </div>
        </div>
        {loadError ? (
          <p class="error" role="alert">
            {loadError}
          </p>
        ) : null}
        {loadingConv && turns.length === 0 ? <Spinner label="Loading the conversation…" /> : null}
        {turns.length === 0 && !loadError && !loadingConv ? <Welcome shared={session.me.vault?.sharedWithAi} /> : null}
        {/* Announce the answer's state, not every token: a live region over streaming text would never stop talking. */}
        <p class="visually-hidden" role="status">
          {streaming ? 'The assistant is answering.' : announce(turns[turns.length - 1])}
        </p>
        <ol class="turns" ref={listRef} aria-label="Messages">
          {turns.map((t) => (
            <ChatMessage turn={t} onRetry={() => retry(t.key)} />
          ))}
        </ol>
        <form class="composer" onSubmit={send}>
          <label for="composer-input" class="visually-hidden">
            Ask about your records
          </label>
          <textarea
            id="composer-input"
            ref={inputRef}
            data-autofocus
            rows={2}
            placeholder="Ask about your records…"
            value={input}
            onInput={(e: Event) => setInput((e.target as HTMLTextAreaElement).value)}
            aria-describedby="composer-keys"
            onKeyDown={(e: KeyboardEvent) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) send(e);
              if (e.key === 'Escape' && streaming) stop();
            }}
          />
          {streaming ? (
            <button type="button" class="stop" onClick={stop}>
              Stop
            </button>
          ) : (
            <button type="submit" class="primary" disabled={!input.trim()}>
              Send
            </button>
          )}
        </form>
        <p class="fineprint">
          <span id="composer-keys">Enter sends, Shift+Enter adds a line, Escape stops an answer.</span> Answers come from a local model that sees only the records you
          share with it.
        </p>
      </section>
    </div>
  );
}

/** What a screen reader hears when an answer ends. */
function announce(t: ChatTurn | undefined): string {
  if (!t || t.role !== 'assistant') return '';
  if (t.state === 'stopped') return 'Answer stopped.';
  if (t.state === 'error') return 'The answer could not be completed.';
  return `Answer ready${t.sources.length ? `, citing ${t.sources.length} record${t.sources.length === 1 ? '' : 's'}` : ''}.`;
}

function Welcome(props: { shared?: number }) {
  return (
    <div class="welcome">
      <p>Ask a question about your health records, for example “What was my last blood pressure?”</p>
      {props.shared === 0 ? (
        <p class="notice">
          Nothing is shared with the AI yet. <a href="/vault" onClick={(e: MouseEvent) => (e.preventDefault(), navigate('/vault'))}>Share some records first</a>.
        </p>
      ) : null}
    </div>
  );
}
