import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sample } from './sample.ts';

/**
 * Holds the samples of a large import on disk, hash-partitioned by (metric, day), so that
 * memory stays constant however big the export: each partition holds whole days and is read
 * back alone when committing. Files live in a private (0700) temp directory removed by
 * `dispose()`; they hold the same data as the uploaded export sitting beside them.
 */
export class SampleSpill {
  /** The private (0700) directory of the spill; removed with everything in it by `dispose()`. */
  readonly dir: string;
  private readonly fds: number[] = [];
  private readonly buffers: string[][] = [];
  private readonly sizes: number[] = [];
  private count = 0;

  constructor(
    readonly partitions: number,
    baseDir = tmpdir(),
    private readonly flushChars = 256 * 1024,
  ) {
    mkdirSync(baseDir, { recursive: true, mode: 0o700 });
    this.dir = mkdtempSync(join(baseDir, 'cv-spill-'));
    for (let p = 0; p < partitions; p++) {
      this.fds.push(openSync(join(this.dir, `p${p}`), 'w', 0o600));
      this.buffers.push([]);
      this.sizes.push(0);
    }
  }

  get samples(): number {
    return this.count;
  }

  add(s: Sample): void {
    const p = this.partitions === 1 ? 0 : this.partitionOf(s.metric, s.day);
    const line = JSON.stringify([s.metric, s.day, s.component ?? null, s.start, s.end, s.tz, s.value, s.unit, s.sourceName, s.device ?? null, s.detail ?? null]);
    this.buffers[p].push(line);
    this.sizes[p] += line.length;
    this.count++;
    if (this.sizes[p] >= this.flushChars) this.flush(p);
  }

  /** Writes out every buffer; call once parsing has finished. */
  finish(): void {
    for (let p = 0; p < this.partitions; p++) this.flush(p);
    for (const fd of this.fds.splice(0)) closeSync(fd);
  }

  /** Every (metric, day) group, one partition in memory at a time. */
  *groups(): Generator<[{ metric: string; day: string }, Sample[]]> {
    for (let p = 0; p < this.partitions; p++) {
      const text = readFileSync(join(this.dir, `p${p}`), 'utf8');
      const groups = new Map<string, Sample[]>();
      for (const line of text.split('\n')) {
        if (!line) continue;
        const [metric, day, component, start, end, tz, value, unit, sourceName, device, detail] = JSON.parse(line);
        const s: Sample = { metric, day, start, end, tz, value, unit, sourceName, ...(component !== null ? { component } : {}), ...(device !== null ? { device } : {}), ...(detail !== null ? { detail } : {}) };
        const k = `${metric}\u0000${day}`;
        const g = groups.get(k);
        if (g) g.push(s);
        else groups.set(k, [s]);
      }
      for (const [k, samples] of groups) {
        const [metric, day] = k.split('\u0000');
        yield [{ metric, day }, samples];
      }
    }
  }

  dispose(): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private readonly partitionCache = new Map<string, number>();

  private partitionOf(metric: string, day: string): number {
    const key = metric + day;
    let p = this.partitionCache.get(key);
    if (p === undefined) {
      p = hash(`${metric}|${day}`) % this.partitions;
      if (this.partitionCache.size > 100_000) this.partitionCache.clear();
      this.partitionCache.set(key, p);
    }
    return p;
  }

  private flush(p: number): void {
    if (!this.buffers[p].length) return;
    writeSync(this.fds[p], this.buffers[p].join('\n') + '\n');
    this.buffers[p] = [];
    this.sizes[p] = 0;
  }
}

/** FNV-1a: a fast, well-spread string hash for partitioning (not for security). */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
