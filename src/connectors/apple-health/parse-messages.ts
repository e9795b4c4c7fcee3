import type { PackedGroup } from '../timeseries/packed-group.ts';
import type { SamplerReport } from './export-samples.ts';
import type { ParseCounts } from './parse-export.ts';

/** Messages between the import (main thread) and its XML worker (parse-worker.ts). */
export type ToWorker = { text: string } | { end: true };

export type FromWorker =
  /** A chunk was parsed (the main thread may send the next). */
  | { type: 'ack'; chars: number; records: number }
  /** (metric, day) groups of samples, ready to store. */
  | { type: 'groups'; groups: PackedGroup[] }
  | { type: 'done'; counts: ParseCounts; report: SamplerReport }
  | { type: 'error'; name: string; code?: string; message: string };
