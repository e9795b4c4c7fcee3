import { useEffect, useState } from 'hono/jsx/dom';
import { api } from '../lib/api.ts';
import type { Job } from '../lib/types.ts';
import { messageOf } from '../lib/ui.tsx';

const POLL_MS = 700;

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

/** Follows a background job (sync, import) by polling GET /api/jobs/:id until it ends. */
export function JobProgress(props: { jobId: string; label: string; onFinished?(job: Job): void }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const j = await api<Job>('GET', `/api/jobs/${props.jobId}`);
        if (stopped) return;
        setJob(j);
        if (j.status === 'succeeded' || j.status === 'failed') {
          props.onFinished?.(j);
          return;
        }
      } catch (e) {
        if (stopped) return;
        setError(messageOf(e));
      }
      timer = setTimeout(poll, POLL_MS);
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
    !job ? 'starting…' : done ? 'done' : failed ? 'failed' : job.status === 'queued' ? 'waiting to start' : !p?.done && !total ? 'starting…' : total ? `${amount(p!.done, unit)} of ${amount(total, unit)}` : amount(p?.done ?? 0, unit)
  }`;
  return (
    <div class="job" data-status={job?.status ?? 'loading'}>
      <p class="job-label" role="status" aria-live="polite">
        {label}
      </p>
      {!done && !failed ? (
        total ? <progress max={total} value={p!.done} aria-label={props.label} /> : <progress aria-label={props.label} />
      ) : null}
      {done && p ? <p class="muted">{`${amount(p.done, unit)} processed.`}</p> : null}
      {failed ? (
        <p class="error" role="alert">
          {typeof job!.error === 'string' ? job!.error : (job!.error?.message ?? 'The job failed.')}
        </p>
      ) : null}
      {error ? <p class="error">{error}</p> : null}
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
