import type { Child } from 'hono/jsx';
import { linkDestination, parseMarkdown, type Block, type Inline } from './markdown.ts';
import { Link } from './router.tsx';
import type { ContextItem } from './types.ts';

/**
 * Renders parsed Markdown as elements. Strings only ever become text nodes, so model output
 * cannot inject markup; citation markers [n] become links to the n-th cited record.
 */
export function Markdown(props: { text: string; sources?: ContextItem[] }) {
  const blocks = parseMarkdown(props.text);
  return <div class="md">{blocks.map((b) => block(b, props.sources ?? []))}</div>;
}

function block(b: Block, sources: ContextItem[]): Child {
  switch (b.t) {
    case 'p':
      return <p>{inline(b.c, sources)}</p>;
    case 'h': {
      // Answers sit under the page's own headings, so their headings start at h3.
      const level = Math.min(6, b.level + 2);
      const c = inline(b.c, sources);
      if (level === 3) return <h3>{c}</h3>;
      if (level === 4) return <h4>{c}</h4>;
      if (level === 5) return <h5>{c}</h5>;
      return <h6>{c}</h6>;
    }
    case 'ul':
      return <ul>{b.items.map((it) => <li>{inline(it, sources)}</li>)}</ul>;
    case 'ol':
      return <ol start={b.start}>{b.items.map((it) => <li>{inline(it, sources)}</li>)}</ol>;
    case 'code':
      return (
        <pre>
          <code>{b.v}</code>
        </pre>
      );
    case 'quote':
      return <blockquote>{b.c.map((x) => block(x, sources))}</blockquote>;
    case 'hr':
      return <hr />;
  }
}

function inline(nodes: Inline[], sources: ContextItem[]): Child[] {
  return nodes.map((n) => {
    switch (n.t) {
      case 'text':
        return n.v;
      case 'code':
        return <code>{n.v}</code>;
      case 'strong':
        return <strong>{inline(n.c, sources)}</strong>;
      case 'em':
        return <em>{inline(n.c, sources)}</em>;
      case 'link': {
        // Model output can be steered by text inside a record: a link could carry record text
        // in its address. So links open in a new tab without referrer or opener, and the place
        // they lead to is always shown, not only the words the model chose.
        const dest = linkDestination(n.href);
        return (
          <a href={n.href} target="_blank" rel="noopener noreferrer nofollow" class="ext" title={n.href}>
            {inline(n.c, sources)}
            <span class="link-host"> ({dest})</span>
            <span class="visually-hidden"> (opens in a new tab)</span>
          </a>
        );
      }
      case 'cite': {
        const src = sources[n.n - 1];
        if (!src) return `[${n.n}]`;
        if (src.deleted) return <span class="cite deleted" title="deleted record">[{n.n}] (deleted record)</span>;
        return (
          <Link href={`/vault/${src.id}`} class="cite" aria-label={`Source ${n.n}: ${src.title ?? ''}`} title={src.title ?? ''}>
            [{n.n}]
          </Link>
        );
      }
    }
  });
}
