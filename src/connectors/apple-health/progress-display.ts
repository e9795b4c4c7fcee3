import type { ImportProgress } from './importer.ts';

const MB = 1024 * 1024;

/**
 * One status line on stderr: phase, MB done of total, MB/s and records/s, ETA. On a terminal
 * it redraws in place; otherwise (logs, CI) it prints a line every few seconds.
 */
export class ProgressDisplay {
  private readonly started = performance.now();
  private lastPrint = 0;
  private width = 0;
  private last: ImportProgress | undefined;

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(p: ImportProgress): void {
    const now = performance.now();
    // A phase's final figures are always shown, however short the phase.
    if (this.last && this.last.phase !== p.phase) {
      this.write(this.line(this.last, now), this.out.isTTY);
      if (this.out.isTTY) (this.out.write('\n'), (this.width = 0));
      this.lastPrint = now;
    }
    this.last = p;
    const tty = this.out.isTTY;
    if (now - this.lastPrint < (tty ? 200 : 3000)) return;
    this.lastPrint = now;
    this.write(this.line(p, now), tty);
  }

  /** Prints the final state (always, so short imports show their rates too). */
  end(): void {
    if (this.last) this.write(this.line(this.last), this.out.isTTY);
    if (this.out.isTTY && this.width) this.out.write('\n');
  }

  line(p: ImportProgress, now = performance.now()): string {
    const s = Math.max(0.001, (now - this.started) / 1000);
    if (p.phase === 'items') return `writing daily items ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} days`;
    if (p.phase === 'committing') {
      return `committing ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} samples  ${Math.round(p.done / s).toLocaleString('en')} samples/s`;
    }
    const rate = p.done / s;
    const eta = rate > 0 && p.total > p.done ? (p.total - p.done) / rate : 0;
    return (
      `parsing ${(p.done / MB).toFixed(1)}/${(p.total / MB).toFixed(1)} MB  ${(rate / MB).toFixed(1)} MB/s  ` +
      `${p.records.toLocaleString('en')} records (${Math.round(p.records / s).toLocaleString('en')}/s)  ETA ${clock(eta)}`
    );
  }

  private write(line: string, tty: boolean | undefined): void {
    if (tty) {
      this.out.write(`\r${line.padEnd(this.width)}`);
      this.width = line.length;
    } else this.out.write(`${line}\n`);
  }
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
