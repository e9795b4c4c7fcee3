import type { Child } from 'hono/jsx';
import { humanize } from '../lib/format.ts';

const MAX_DEPTH = 6;

/**
 * A record's structured content (e.g. a FHIR resource) as nested labelled lists: readable
 * without knowing JSON, and every value stays a text node.
 */
export function ContentView(props: { value: unknown }) {
  return <div class="content-view">{render(props.value, 0)}</div>;
}

function render(v: unknown, depth: number): Child {
  if (v === null || v === undefined) return <span class="muted">—</span>;
  if (typeof v !== 'object') return String(v);
  if (depth >= MAX_DEPTH) return <code>{JSON.stringify(v)}</code>;
  if (Array.isArray(v)) {
    if (!v.length) return <span class="muted">none</span>;
    if (v.every((x) => typeof x !== 'object' || x === null)) return v.map(String).join(', ');
    return (
      <ol class="cv-list">
        {v.map((x) => (
          <li>{render(x, depth + 1)}</li>
        ))}
      </ol>
    );
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([k]) => k !== 'resourceType' || depth > 0);
  return (
    <dl class="cv">
      {entries.map(([k, x]) => (
        <div>
          <dt>{humanize(k)}</dt>
          <dd>{render(x, depth + 1)}</dd>
        </div>
      ))}
    </dl>
  );
}
