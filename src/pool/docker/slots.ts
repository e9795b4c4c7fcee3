import { OllamaLease, type LeaseOutcome } from '../ollama-lease.ts';

/** One model container. `userId` binds it to the one user it may ever serve. */
export interface Slot {
  name: string;
  containerId?: string;
  host?: string;
  state: 'starting' | 'ready' | 'busy';
  userId?: string;
  requests: number;
  createdAt: number;
  lastUsedAt: number;
  /** Last time the container was known to answer (ready, released fine, or probed while idle). */
  checkedAt?: number;
  /** An idle probe is in flight. */
  probing?: boolean;
  /** Idle probes that failed in a row. */
  probeFailures?: number;
  /** While starting: cancels the start's waits when the slot is dropped (its container died). */
  cancelStart?: AbortController;
  /** Booting with the boot CPU limits (see BOOT_CPU_SHARES); `cpuRaised` once raising them began. */
  throttled?: boolean;
  cpuRaised?: Promise<void>;
  lease?: OllamaLease;
}

export interface SlotCounts {
  /** Ready and bound to no user: what POOL_MIN_WARM keeps. */
  warm: number;
  /** Ready but already bound to a user (only that user may use it). */
  idle: number;
  busy: number;
  starting: number;
}

export function countSlots(slots: Iterable<Slot>): SlotCounts {
  const c: SlotCounts = { warm: 0, idle: 0, busy: 0, starting: 0 };
  for (const s of slots) {
    if (s.state === 'starting') c.starting++;
    else if (s.state === 'busy') c.busy++;
    else if (s.userId) c.idle++;
    else c.warm++;
  }
  return c;
}

/** A ready container `userId` may use: its own idle one first, else an unbound warm one. */
export function pickSlot(slots: Iterable<Slot>, userId: string): Slot | undefined {
  let pick: Slot | undefined;
  for (const s of slots) {
    if (s.state !== 'ready') continue;
    if (s.userId === userId) return s;
    if (!s.userId && !pick) pick = s;
  }
  return pick;
}

/**
 * What the pool should do now: unbound containers (ready or starting) should cover the warm
 * target plus everyone waiting, within the cap. At the cap, idle containers bound to users who
 * are not waiting (least recently used first) are evicted to make room: a warm container for
 * anyone matters more than a kept one for someone who is not asking (and keeps less data around).
 */
export function planCapacity(args: { slots: Slot[]; waitingUsers: string[]; minWarm: number; max: number }): { evict: Slot[]; start: number } {
  const counts = countSlots(args.slots);
  const waiting = args.waitingUsers.length;
  const want = args.minWarm + waiting - counts.warm - counts.starting;
  let room = args.max - args.slots.length;
  let evict: Slot[] = [];
  if (want > room) {
    const waitingUsers = new Set(args.waitingUsers);
    evict = args.slots
      .filter((s) => s.state === 'ready' && s.userId && !waitingUsers.has(s.userId))
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt)
      .slice(0, want - room);
    room += evict.length;
  }
  return { evict, start: Math.max(0, Math.min(want, room)) };
}

/**
 * The periodic look at ready containers: those past their age (counted from creation, so a slow
 * start does not stretch a container's life) and those silent long enough to be probed.
 */
export function idleChecks(slots: Iterable<Slot>, now: number, o: { maxAgeMs: number; idleProbeMs: number }): { expired: Slot[]; probe: Slot[] } {
  const expired: Slot[] = [];
  const probe: Slot[] = [];
  for (const s of slots) {
    if (s.state !== 'ready') continue;
    if (now - s.createdAt >= o.maxAgeMs) expired.push(s);
    else if (o.idleProbeMs > 0 && !s.probing && now - (s.checkedAt ?? s.createdAt) >= o.idleProbeMs) probe.push(s);
  }
  return { expired, probe };
}

/** Containers counted as ready or busy that are not among the `running` ids (they died unseen). */
export function notRunning(slots: Iterable<Slot>, running: Set<string>): Slot[] {
  return [...slots].filter((s) => s.state !== 'starting' && (!s.containerId || !running.has(s.containerId)));
}

/** Marks `slot` busy for one request of `userId` (binding it to that user for good) and opens the lease. */
export function leaseSlot(
  slot: Slot,
  userId: string,
  opts: { idleTimeoutMs: number; keepAlive: string; numCtx: number; onRelease(outcome: LeaseOutcome, heldMs: number): void; onFirstToken?(): void },
): OllamaLease {
  slot.state = 'busy';
  slot.userId = userId;
  slot.requests++;
  const leasedAt = performance.now();
  slot.lease = new OllamaLease(slot.name, userId, {
    host: slot.host!,
    idleTimeoutMs: opts.idleTimeoutMs,
    keepAlive: opts.keepAlive,
    numCtx: opts.numCtx,
    onRelease: async (outcome) => opts.onRelease(outcome, performance.now() - leasedAt),
    onFirstToken: opts.onFirstToken,
  });
  return slot.lease;
}
