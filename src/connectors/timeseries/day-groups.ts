import type { Sample } from './sample.ts';
import type { DayGroup } from './store.ts';

interface Open {
  metric: string;
  day: string;
  samples: Sample[];
  /** Sequence number of the last sample added. */
  touched: number;
  /** sampleBytes() of its samples (when a byte budget is set). */
  bytes: number;
}

/** A sample's rough weight in memory: its fixed fields plus its strings (two bytes a character), which a hostile file can make long. */
export function sampleBytes(s: Sample): number {
  let n = 160 + 2 * (s.sourceName.length + (s.device?.length ?? 0) + (s.component?.length ?? 0));
  // A for-in loop: this runs for every sample of an export, and Object.entries would allocate.
  const d = s.detail;
  if (d) for (const k in d) n += 32 + 2 * k.length + (typeof d[k] === 'string' ? 2 * (d[k] as string).length : 16);
  return n;
}

/**
 * Gathers a stream of samples into (metric, day) groups in bounded memory. Once `limit`
 * samples, or `maxBytes` of them (a byte budget: a count alone lets long strings through), are held, the groups no sample reached lately are handed to `flush` (in an export,
 * ordered by type and time, those days are complete); if that frees too little (an export in
 * no order), everything goes. A group handed over may get more samples later: the receiver
 * merges them (see StagedImport), so the result is the same in any order, only slower.
 */
export class DayGrouper {
  private readonly open = new Set<Open>();
  private readonly byMetric = new Map<string, Map<string, Open>>();
  private held = 0;
  private heldBytes = 0;
  private seq = 0;

  constructor(
    private readonly flush: (groups: DayGroup[]) => void,
    private readonly limit = 10_000,
    private readonly maxBytes = Infinity,
  ) {}

  add(s: Sample): void {
    // By metric, then day: both strings repeat (shared), so no key is built per sample.
    let days = this.byMetric.get(s.metric);
    if (!days) this.byMetric.set(s.metric, (days = new Map()));
    let g = days.get(s.day);
    if (!g) {
      days.set(s.day, (g = { metric: s.metric, day: s.day, samples: [], touched: 0, bytes: 0 }));
      this.open.add(g);
    }
    g.samples.push(s);
    g.touched = ++this.seq;
    ++this.held;
    if (this.maxBytes !== Infinity) {
      const b = sampleBytes(s);
      g.bytes += b;
      // Over the byte budget everything goes: the long samples may be in any group.
      if ((this.heldBytes += b) >= this.maxBytes) return this.release(Infinity);
    }
    if (this.held >= this.limit) this.release(this.seq - this.limit / 2);
  }

  /** Hands over every group still held (at the end of the input). */
  end(): void {
    this.release(Infinity);
  }

  /** Hands over the groups last touched before `before`, or all of them when that frees under a quarter. */
  private release(before: number): void {
    let freed = 0;
    for (const g of this.open) if (g.touched < before) freed += g.samples.length;
    const all = freed < this.limit / 4;
    const out: DayGroup[] = [];
    for (const g of this.open) {
      if (!all && g.touched >= before) continue;
      out.push([{ metric: g.metric, day: g.day }, g.samples]);
      this.held -= g.samples.length;
      this.heldBytes -= g.bytes;
      this.open.delete(g);
      this.byMetric.get(g.metric)!.delete(g.day);
    }
    if (out.length) this.flush(out);
  }
}
