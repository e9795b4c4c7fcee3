/** Deterministic pseudo-random numbers (mulberry32): the same seed gives the same patients. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A value around `mean`, spread ±`spread`, rounded to `decimals` (real lab values have few). */
  around(mean: number, spread: number, decimals = 0): number {
    const f = 10 ** decimals;
    return Math.round((mean + (this.next() * 2 - 1) * spread) * f) / f;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }

  /** A version-4-shaped UUID from the stream (Synthea's resource ids are UUIDs). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[this.int(0, 3)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

const DAY = 86_400_000;

/** Calendar days as UTC midnights: arithmetic on days without time zones getting in the way. */
export const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
export const addDays = (d: number, n: number): number => d + n * DAY;
export const addMonths = (d: number, n: number): number => {
  const x = new Date(d);
  return Date.UTC(x.getUTCFullYear(), x.getUTCMonth() + n, Math.min(x.getUTCDate(), 28));
};
export const isoDay = (d: number): string => new Date(d).toISOString().slice(0, 10);
/**
 * A local date-time as Synthea writes it (offset -05:00). Clinic hours keep the UTC date equal
 * to the local one, so a ground-truth date is the date the gateway prints.
 */
export const localTime = (d: number, hour: number, minute = 0): string =>
  `${isoDay(d)}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00-05:00`;
