import { parentPort, workerData } from 'node:worker_threads';
import { DayGrouper } from '../timeseries/day-groups.ts';
import { MAX_SAMPLE_BYTES_IN_FLIGHT } from './import-limits.ts';
import { packGroup } from '../timeseries/packed-group.ts';
import { ExportSampler } from './export-samples.ts';
import { HealthXmlParser } from './parse-export.ts';
import type { FromWorker, ToWorker } from './parse-messages.ts';

/**
 * The XML side of an import, in a worker thread (see parse-in-worker.ts): the export's text
 * comes in (decoded and cleaned on the main thread), (metric, day) groups of samples go out,
 * packed (see PackedGroup), while the main thread writes the groups already sent.
 */
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
const { source } = workerData as { source: string };
// Deduplicated, packed and with its daily item here, so that the main thread (which also runs
// the database) only seals and writes a group when nothing is stored for its day yet.
const grouper = new DayGrouper((groups) => post({ type: 'groups', groups: groups.map(([k, s]) => packGroup(source, k.metric, k.day, s)) }), 10_000, MAX_SAMPLE_BYTES_IN_FLIGHT);
const sampler = new ExportSampler((s) => grouper.add(s));
const parser = new HealthXmlParser(sampler);
let failed = false;

port.on('message', (m: ToWorker) => {
  if (failed) return;
  try {
    if ('text' in m) {
      parser.writeText(m.text);
      post({ type: 'ack', chars: m.text.length, records: parser.counts.records });
    } else {
      const counts = parser.endText();
      grouper.end();
      post({ type: 'done', counts, report: sampler.report() });
    }
  } catch (e) {
    failed = true;
    const err = e as Error;
    post({ type: 'error', name: err.name, code: (err as { code?: string }).code, message: err.message });
  }
});
