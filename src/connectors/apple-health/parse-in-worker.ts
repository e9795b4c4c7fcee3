import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { PackedGroup } from '../timeseries/packed-group.ts';
import { ExportFormatError } from './errors.ts';
import type { SamplerReport } from './export-samples.ts';
import type { ParseCounts } from './parse-export.ts';
import type { FromWorker, ToWorker } from './parse-messages.ts';
import { ExportTextDecoder } from './xml-clean.ts';
import { PARSE_WORKER_HEAP_MB } from './import-limits.ts';

/**
 * Characters sent and not yet parsed, and group batches received and not yet taken: memory stays
 * bounded. The window is wide because this thread also runs the database: while a batch is
 * written it cannot feed the worker, which must have enough to parse meanwhile.
 */
const MAX_CHARS_IN_FLIGHT = 24 * 1024 * 1024;
const MESSAGE_CHARS = 1024 * 1024;
const MAX_BATCHES_WAITING = 2;

let running = 0;

/** Worker threads of imports currently alive in this process (tests check that none outlives its import). */
export function activeParseWorkers(): number {
  return running;
}

export interface WorkerParse {
  /** The (metric, day) groups as the worker finishes them; throws what failed (the input, the XML, the worker). */
  batches: AsyncGenerator<PackedGroup[]>;
  /** Stops reading and terminates the worker (also done when `batches` ends); safe to call more than once. */
  stop(): Promise<void>;
  /** Once `batches` has ended: what was parsed, and when the worker had (performance.now()). */
  summary(): { counts: ParseCounts; report: SamplerReport; at: number };
}

/**
 * Parses an export in a worker thread while the caller stores what it sends: the XML parse
 * (the larger part of an import's work) no longer waits for the database, nor the database
 * for it. The input is read and decoded here and handed over as text; both directions are
 * bounded, so memory stays flat however large the export. The worker is terminated when
 * `batches` ends, fails, is abandoned, or `signal` aborts. `onRead(bytes, records)` tells the
 * bytes read and records parsed so far.
 */
export function parseInWorker(input: Readable, source: string, o: { signal?: AbortSignal; onRead?(bytes: number, records: number): void } = {}): WorkerParse {
  // A heap of its own: a file that still exhausts it ends the worker (and the job), never the gateway.
  const worker = new Worker(new URL('./parse-worker.mjs', import.meta.url), { execArgv: [], workerData: { source }, resourceLimits: { maxOldGenerationSizeMb: PARSE_WORKER_HEAP_MB } });
  running++;
  // Decoding and cleaning run here, beside the database, leaving the worker the XML itself.
  const decoder = new ExportTextDecoder();
  const waiting: PackedGroup[][] = [];
  let inFlight = 0;
  let records = 0;
  let done: { counts: ParseCounts; report: SamplerReport; at: number } | undefined;
  let failure: Error | undefined;
  let changed: () => void = () => undefined;
  let change = new Promise<void>((r) => (changed = r));
  const notify = () => {
    const wake = changed;
    change = new Promise<void>((r) => (changed = r));
    wake();
  };
  const fail = (e: Error) => {
    failure ??= e;
    notify();
  };

  worker.on('message', (m: FromWorker) => {
    if (m.type === 'ack') {
      inFlight -= m.chars;
      records = m.records;
    } else if (m.type === 'groups') waiting.push(m.groups);
    else if (m.type === 'done') done = { counts: { ...m.counts, controlCharsRemoved: decoder.removed }, report: m.report, at: performance.now() };
    else fail(m.code === 'export_invalid' ? new ExportFormatError(m.message) : new Error(m.message));
    notify();
  });
  worker.on('error', (e) =>
    fail((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? new ExportFormatError(`The export needed more than ${PARSE_WORKER_HEAP_MB} MB of memory to parse (limit PARSE_WORKER_HEAP_MB): the import was refused and nothing from this file was saved.`) : (e as Error)),
  );
  worker.on('exit', () => {
    running--;
    if (!done) fail(new Error('The XML parser stopped before the end of the export.'));
  });
  const onAbort = () => fail(o.signal!.reason instanceof Error ? o.signal!.reason : new Error('import cancelled'));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();

  const send = (m: ToWorker) => worker.postMessage(m);
  let held: string[] = [];
  let heldChars = 0;
  const flush = () => {
    const text = held.join('');
    inFlight += text.length;
    send({ text });
    o.onRead?.(bytesRead, records);
    held = [];
    heldChars = 0;
  };
  let bytesRead = 0;
  const feeding = (async () => {
    for await (const chunk of input) {
      const buf = chunk as Buffer;
      bytesRead += buf.length;
      const text = decoder.write(buf);
      held.push(text);
      heldChars += text.length;
      if (heldChars < MESSAGE_CHARS) continue;
      while (!failure && (inFlight >= MAX_CHARS_IN_FLIGHT || waiting.length >= MAX_BATCHES_WAITING)) await change;
      if (failure) return;
      flush();
    }
    if (failure) return;
    held.push(decoder.end());
    flush();
    send({ end: true });
  })().catch((e: Error) => fail(e));

  async function* batches(): AsyncGenerator<PackedGroup[]> {
    try {
      for (;;) {
        if (failure) throw failure;
        const next = waiting.shift();
        if (next) {
          notify();
          yield next;
        } else if (done) return;
        else await change;
      }
    } finally {
      await stop();
    }
  }

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      failure ??= new Error('stopped');
      notify();
      o.signal?.removeEventListener('abort', onAbort);
      await feeding;
      await worker.terminate();
    })());

  return {
    batches: batches(),
    stop,
    summary: () => {
      if (!done) throw new Error('the export has not been parsed yet');
      return done;
    },
  };
}
