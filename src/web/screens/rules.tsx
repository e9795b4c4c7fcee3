import { useEffect, useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import { daysFromNow, endOfDay } from '../lib/format.ts';
import { useSession } from '../lib/session.tsx';
import type { Rule } from '../lib/types.ts';
import { describeRule } from '../lib/describe.ts';
import { ErrorNote, Spinner, Status } from '../lib/ui.tsx';


const DURATIONS: { value: string; label: string }[] = [
  { value: '', label: 'with no end date' },
  { value: '7', label: 'for 7 days' },
  { value: '30', label: 'for 30 days' },
  { value: '90', label: 'for 90 days' },
  { value: '365', label: 'for a year' },
  { value: 'date', label: 'until a date…' },
];

/** Sharing rules: list, explain in words, add and remove. */
export function RulesScreen() {
  const session = useSession();
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [form, setForm] = useState({ share: 'yes', category: '', kind: '', source: '', tag: '', duration: '30', date: '', priority: '0' });

  const load = () => api<{ rules: Rule[] }>('GET', '/api/vault/rules').then((r) => setRules(r.rules), setError);
  useEffect(() => void load(), []);

  const expiresAt = form.duration === 'date' ? endOfDay(form.date) : form.duration ? daysFromNow(Number(form.duration)) : null;
  const draft = {
    shareWithAi: form.share === 'yes',
    category: form.category.trim() || null,
    kind: form.kind.trim() || null,
    source: form.source.trim() || null,
    tag: form.tag.trim() || null,
    expiresAt,
  };
  const matchesSomething = !!(draft.category || draft.kind || draft.source || draft.tag);

  const add = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body: Record<string, unknown> = { shareWithAi: draft.shareWithAi, priority: Number(form.priority) || 0 };
      for (const k of ['category', 'kind', 'source', 'tag'] as const) if (draft[k]) body[k] = draft[k];
      if (expiresAt) body.expiresAt = expiresAt;
      const rule = await api<Rule>('POST', '/api/vault/rules', body);
      setStatus(`Added: ${describeRule(rule)}.`);
      setForm({ ...form, category: '', kind: '', source: '', tag: '' });
      await load();
      void session.refresh();
    } catch (err) {
      setError(err);
    }
  };

  const remove = async (r: Rule) => {
    try {
      await api('DELETE', `/api/vault/rules/${r.id}`);
      setStatus(`Removed: ${describeRule(r)}.`);
      await load();
      void session.refresh();
    } catch (err) {
      setError(err);
    }
  };

  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });

  return (
    <section class="rules">
      <h1 tabIndex={-1}>Sharing rules</h1>
      <p class="lead">
        Rules share whole groups of records with the AI, such as everything of one kind from one source. A choice you make on a single record always wins
        over the rules; secret records are never shared.
      </p>
      <form class="card rule-form" onSubmit={add} aria-labelledby="rule-h">
        <h2 id="rule-h">Add a rule</h2>
        <div class="grid">
          <div class="field">
            <label for="r-share">Action</label>
            <select id="r-share" value={form.share} onChange={set('share')}>
              <option value="yes">Share with the AI</option>
              <option value="no">Never share with the AI</option>
            </select>
          </div>
          <div class="field">
            <label for="r-category">Category</label>
            <input id="r-category" list="r-categories" placeholder="e.g. vital-signs" value={form.category} onInput={set('category')} />
            <datalist id="r-categories">
              {['vital-signs', 'laboratory', 'social-history', 'imaging', 'activity', 'sleep'].map((c) => (
                <option value={c} />
              ))}
            </datalist>
          </div>
          <div class="field">
            <label for="r-kind">Kind</label>
            <input id="r-kind" placeholder="e.g. Observation" value={form.kind} onInput={set('kind')} />
          </div>
          <div class="field">
            <label for="r-source">Source</label>
            <input id="r-source" placeholder="e.g. epic" value={form.source} onInput={set('source')} />
          </div>
          <div class="field">
            <label for="r-tag">Tag</label>
            <input id="r-tag" value={form.tag} onInput={set('tag')} />
          </div>
          <div class="field">
            <label for="r-duration">For how long</label>
            <select id="r-duration" value={form.duration} onChange={set('duration')}>
              {DURATIONS.map((d) => (
                <option value={d.value}>{d.label}</option>
              ))}
            </select>
          </div>
          {form.duration === 'date' ? (
            <div class="field">
              <label for="r-date">Until</label>
              <input id="r-date" type="date" required value={form.date} onInput={set('date')} />
            </div>
          ) : null}
          <div class="field">
            <label for="r-priority">Priority</label>
            <input id="r-priority" type="number" min={-1000} max={1000} value={form.priority} onInput={set('priority')} aria-describedby="r-priority-hint" />
            <span id="r-priority-hint" class="hint">
              Higher wins when rules disagree.
            </span>
          </div>
        </div>
        <p class="preview" aria-live="polite">
          {matchesSomething ? `${describeRule(draft)}.` : 'Choose at least a category, kind, source or tag.'}
        </p>
        <button type="submit" class="primary" disabled={!matchesSomething}>
          Add rule
        </button>
      </form>
      <Status text={status} />
      <ErrorNote error={error} />
      <h2>Your rules</h2>
      {rules === null && !error ? <Spinner /> : null}
      {rules && !rules.length ? <p class="empty">No rules yet: only records you share one by one are visible to the AI.</p> : null}
      {rules?.length ? (
        <ul class="rule-list">
          {rules.map((r) => (
            <li class={r.expired ? 'expired' : ''}>
              <span>
                {describeRule(r)}
                {r.expired ? ' (expired)' : ''}
                {r.priority ? <span class="muted"> · priority {r.priority}</span> : null}
              </span>
              <button type="button" class="small" aria-label={`Remove rule: ${describeRule(r)}`} onClick={() => remove(r)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
