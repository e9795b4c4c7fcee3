/**
 * A batch size that follows how long each batch took, so that one batch (one database
 * statement on the embedded engine, which holds the gateway's only thread while it runs) stays
 * near `targetMs` whatever the rows cost on this machine and vault: fewer rows when the vault is
 * large or the machine loaded, more when they are cheap.
 */
export class AdaptiveBatch {
  size: number;

  constructor(
    private readonly targetMs: number,
    private readonly min: number,
    private readonly max: number,
    first = min,
  ) {
    this.size = Math.max(min, Math.min(max, first));
  }

  /** Records that `rows` took `ms`; the next size aims at the target (at most doubling at once). */
  took(rows: number, ms: number): void {
    if (rows <= 0) return;
    const ideal = (rows * this.targetMs) / Math.max(ms, 0.1);
    this.size = Math.round(Math.max(this.min, Math.min(this.max, ideal, this.size * 2)));
  }
}
