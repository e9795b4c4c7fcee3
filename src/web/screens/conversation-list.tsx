import { formatDateTime } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import type { ConversationSummary } from '../lib/types.ts';

/** Past conversations, newest first, each a link to reopen it. */
export function ConversationList(props: { conversations: ConversationSummary[] | null; current?: string; error?: string }) {
  if (props.error) return <p class="muted">{props.error}</p>;
  if (!props.conversations) return <p class="muted">Loading…</p>;
  if (!props.conversations.length) return <p class="muted">No conversations yet.</p>;
  return (
    <ul class="conv-list">
      {props.conversations.map((c) => (
        <li>
          <Link href={`/chat/${c.id}`} aria-current={c.id === props.current ? 'page' : undefined}>
            <span class="title">{c.title?.trim() || 'Conversation'}</span>
            <span class="meta">{formatDateTime(c.updatedAt ?? c.createdAt)}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
