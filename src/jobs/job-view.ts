import type * as repo from '../db/jobs.ts';

/** A job as the API shows it (`GET /api/jobs/:id`). */
export interface JobView {
  id: string;
  type: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: { done: number; total: number | null; unit: string };
  warnings: string[];
  error?: string;
  result?: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The API's view of a job row. */
export function toView(r: NonNullable<Awaited<ReturnType<typeof repo.findJob>>>): JobView {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    progress: { done: Number(r.progress_done), total: r.progress_total === null ? null : Number(r.progress_total), unit: r.progress_unit },
    warnings: r.warnings as string[],
    ...(r.error ? { error: r.error } : {}),
    ...(r.result !== null && r.result !== undefined ? { result: r.result } : {}),
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}
