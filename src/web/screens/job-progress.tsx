import { useEffect, useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import { POLL_MS, retryDelay } from '../lib/poll.ts';
import type { Job } from '../lib/types.ts';
import { messageOf } from '../lib/ui.tsx';

function text(w: Job['warnings'] extends (infer T)[] | undefined ? T : never): string {
  return typeof w === 'string' ? w : (w?.message ?? w?.code ?? 'warning');
}

/** "1,204 records", or "3.2 MB" when the job counts bytes. */
function amount(n: number, unit: string): string {
  if (unit !== 'bytes') return `${n.toLocaleString()} ${unit}`;
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Follows a background job (sync, import) by polling GET /api/jobs/:id until it ends.
 * A job that cannot be read (404, 403) stops the polling with its error; a network or
 * server failure backs off and keeps trying. `onUpdate` reports each state it reads.
 */
export function JobProgress(props: { jobId: string; label: string; onFinished?(job: Job): void; onUpdate?(job: Job | null): void }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState('');
  const [gaveUp, setGaveUp] = useState(false);

  useEffect(() => {
    let stopped = false;
    let failures = 0;
    let timer: ReturnType<typeof setTimeout>;
    setJob(null);
    setError('');
    setGaveUp(false);
    const poll = async () => {
      let wait = POLL_MS;
      try {
        const j = await api<Job>('GET', `/api/jobs/${encodeURIComponent(props.jobId)}`);
        if (stopped) return;
        failures = 0;
        setJob(j);
        setError('');
        props.onUpdate?.(j);
        if (j.status === 'succeeded' || j.status === 'failed') {
          props.onFinished?.(j);
          return;
        }
      } catch (e) {
        if (stopped) return;
        setError(messageOf(e));
        const next = retryDelay(e, failures++);
        if (next === null) {
          setGaveUp(true);
          props.onUpdate?.(null);
          return;
        }
        wait = next;
      }
      timer = setTimeout(poll, wait);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [props.jobId]);

  const p = job?.progress;
  const total = p?.total ?? null;
  const unit = p?.unit ?? 'items';
  const done = job?.status === 'succeeded';
  const failed = job?.status === 'failed';
  const label = `${props.label}: ${
    !job ? (gaveUp ? 'cannot be followed' : 'starting…') : done ? 'done' : failed ? 'failed' : job.status === 'queued' ? 'waiting to start' : !p?.done && !total ? 'starting…' : total ? `${amount(p!.done, unit)} of ${amount(total, unit)}` : amount(p?.done ?? 0, unit)
  }`;
  return (
    <div class="job" data-status={job?.status ?? (gaveUp ? 'unreadable' : 'loading')}>
      <p class="job-label" role="status" aria-live="polite">
        {label}
      </p>
      {!done && !failed && !gaveUp ? (
        total ? <progress max={total} value={p!.done} aria-label={props.label} /> : <progress aria-label={props.label} />
      ) : null}
      {done && p ? <p class="muted">{`${amount(p.done, unit)} processed.`}</p> : null}
      {failed ? (
        <p class="error" role="alert">
          {typeof job!.error === 'string' ? job!.error : (job!.error?.message ?? 'The job failed.')}
        </p>
      ) : null}
      {error ? (
        <p class="error" role={gaveUp ? 'alert' : undefined}>
          {gaveUp ? error : `${error} Trying again…`}
        </p>
      ) : null}
      {job?.warnings?.length ? (
        <details class="warnings" open={job.warnings.length <= 3}>
          <summary>{job.warnings.length === 1 ? '1 warning' : `${job.warnings.length} warnings`}</summary>
          <ul>
            {job.warnings.slice(0, 50).map((w) => (
              <li title={text(w)}>{text(w)}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
