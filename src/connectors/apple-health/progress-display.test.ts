import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from './progress-display.ts';

describe('ProgressDisplay', () => {
  it('shows MB done of total, MB/s, records per second and an ETA', () => {
    const d = new ProgressDisplay(process.stderr);
    const started = (d as unknown as { started: number }).started;
    const line = d.line({ phase: 'parsing', done: 50 * 1024 * 1024, total: 150 * 1024 * 1024, records: 100_000 }, started + 2000);
    expect(line).toBe('parsing 50.0/150.0 MB  25.0 MB/s  100,000 records (50,000/s)  ETA 0:04');
  });
});
