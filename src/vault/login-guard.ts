import { RateLimitedError } from '../errors.ts';
import { BackoffLimiter } from '../lib/rate-limiter.ts';

export interface LoginGuardOptions {
  /** Failures of one account before its back-off starts (LOGIN_MAX_FAILURES_PER_ACCOUNT). */
  maxFailuresPerAccount: number;
  /** Failures from one address, over every account, before its back-off starts. */
  maxFailuresPerAddress: number;
  /** The longest wait between two tries (LOGIN_WINDOW_S). */
  windowS: number;
}

/** Where a password attempt comes from. `device` is set only for a browser that proved it signed in to this account before. */
export interface AttemptSource {
  address: string;
  device?: string;
}

/**
 * Slows password guessing without handing anyone a way to lock the owner out. An unknown
 * source backs off per account and per address (exponentially, see BackoffLimiter). A device
 * that has signed in to the account before (a signed cookie set at sign-in) has its own
 * counter instead: an attacker failing on purpose, from anywhere, does not slow the owner's
 * own browser, and a stolen cookie alone is still rate-limited.
 */
export class LoginGuard {
  private readonly perAccount: BackoffLimiter;
  private readonly perAddress: BackoffLimiter;
  private readonly perDevice: BackoffLimiter;

  constructor(opts: LoginGuardOptions) {
    const maxMs = opts.windowS * 1000;
    // Failures are remembered for a while after the cap, so an attacker at the cap stays there.
    const memoryMs = Math.max(4 * maxMs, 3_600_000);
    const limiter = (free: number) => new BackoffLimiter({ free, baseMs: Math.min(1000, maxMs), maxMs, memoryMs });
    this.perAccount = limiter(opts.maxFailuresPerAccount);
    this.perAddress = limiter(opts.maxFailuresPerAddress);
    this.perDevice = limiter(opts.maxFailuresPerAccount);
  }

  /** Throws 429 with Retry-After while this account/source must wait. */
  check(account: string, from: AttemptSource): void {
    const wait = from.device
      ? this.perDevice.retryAfter(deviceKey(account, from.device))
      : Math.max(this.perAccount.retryAfter(account), this.perAddress.retryAfter(from.address));
    if (wait > 0) throw new RateLimitedError(wait, `Too many wrong passwords; try again in ${describeWait(wait)}.`);
  }

  failed(account: string, from: AttemptSource): void {
    if (from.device) {
      this.perDevice.fail(deviceKey(account, from.device));
      return;
    }
    this.perAccount.fail(account);
    this.perAddress.fail(from.address);
  }

  succeeded(account: string, from: AttemptSource): void {
    if (from.device) this.perDevice.reset(deviceKey(account, from.device));
    else this.perAccount.reset(account);
  }
}

const deviceKey = (account: string, device: string) => `${account}\n${device}`;

function describeWait(s: number): string {
  if (s < 90) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return `${m} minutes`;
}
