import { useState } from 'hono/jsx/dom';
import { uploadFile } from '../lib/upload.ts';
import { ErrorNote } from '../lib/ui.tsx';
import { JobProgress } from './job-progress.tsx';

/** Upload a file to an import endpoint with a progress bar, then follow the import job. */
export function FileImport(props: { id: string; title: string; description: string; endpoint: string; accept: string; onImported?(): void }) {
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<{ done: number; total: number } | null>(null);
  const [jobId, setJobId] = useState('');
  const [error, setError] = useState<unknown>(null);

  const start = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setError(null);
    setJobId('');
    setSent({ done: 0, total: file.size });
    try {
      const r = await uploadFile<{ jobId: string }>(props.endpoint, file, (done, total) => setSent({ done, total }));
      setJobId(r.jobId);
    } catch (err) {
      setError(err);
    } finally {
      setSent(null);
    }
  };

  const pct = sent && sent.total ? Math.round((sent.done / sent.total) * 100) : 0;
  return (
    <form class="card import" onSubmit={start} aria-labelledby={`${props.id}-h`}>
      <h2 id={`${props.id}-h`}>{props.title}</h2>
      <p class="muted">{props.description}</p>
      <label for={`${props.id}-file`}>File</label>
      <input
        id={`${props.id}-file`}
        type="file"
        accept={props.accept}
        onChange={(e: Event) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
      />
      <button type="submit" class="primary" disabled={!file || !!sent}>
        Upload
      </button>
      {sent ? (
        <div class="upload-progress">
          <progress max={100} value={pct} aria-label={`Uploading ${props.title}`} />
          <span role="status">Uploading… {pct}%</span>
        </div>
      ) : null}
      <ErrorNote error={error} />
      {jobId ? <JobProgress jobId={jobId} label="Import" onFinished={() => props.onImported?.()} /> : null}
    </form>
  );
}
