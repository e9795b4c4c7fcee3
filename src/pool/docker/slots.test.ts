import { describe, expect, it } from 'vitest';
import { countSlots, idleChecks, notRunning, pickSlot, planCapacity, type Slot } from './slots.ts';

const slot = (name: string, state: Slot['state'], userId?: string): Slot => ({ name, state, userId, requests: 0, createdAt: 0, lastUsedAt: 0 });

describe('pickSlot', () => {
  it("prefers the user's own idle container, then an unbound warm one", () => {
    const slots = [slot('w', 'ready'), slot('mine', 'ready', 'u1')];
    expect(pickSlot(slots, 'u1')?.name).toBe('mine');
    expect(pickSlot(slots, 'u2')?.name).toBe('w');
  });
  it("never hands out another user's container, a busy one or one still starting", () => {
    const slots = [slot('other', 'ready', 'u2'), slot('b', 'busy'), slot('s', 'starting')];
    expect(pickSlot(slots, 'u1')).toBeUndefined();
  });
});

describe('countSlots', () => {
  it('separates warm (unbound) from idle (bound) ready containers', () => {
    expect(countSlots([slot('a', 'ready'), slot('b', 'ready', 'u'), slot('c', 'busy', 'u'), slot('d', 'starting')])).toEqual({ warm: 1, idle: 1, busy: 1, starting: 1 });
  });
});

describe('planCapacity', () => {
  it('starts containers up to the warm target, within the cap', () => {
    expect(planCapacity({ slots: [], waitingUsers: [], minWarm: 2, max: 4 }).start).toBe(2);
    expect(planCapacity({ slots: [slot('a', 'busy', 'u'), slot('b', 'busy', 'v'), slot('c', 'busy', 'w')], waitingUsers: [], minWarm: 2, max: 4 }).start).toBe(1);
    expect(planCapacity({ slots: [slot('a', 'ready'), slot('s', 'starting')], waitingUsers: [], minWarm: 2, max: 4 }).start).toBe(0);
  });
  it('adds one container per waiter, and at the cap evicts idle containers of users not waiting', () => {
    const slots = [{ ...slot('old', 'ready', 'x'), lastUsedAt: 1 }, { ...slot('new', 'ready', 'y'), lastUsedAt: 2 }, slot('b', 'busy', 'w')];
    const plan = planCapacity({ slots, waitingUsers: ['z'], minWarm: 0, max: 3 });
    expect(plan.evict.map((s) => s.name)).toEqual(['old']);
    expect(plan.start).toBe(1);
  });
  it('never evicts busy containers: with none idle, waiters just wait', () => {
    const plan = planCapacity({ slots: [slot('a', 'busy', 'u')], waitingUsers: ['z'], minWarm: 1, max: 1 });
    expect(plan).toEqual({ evict: [], start: 0 });
  });
  it('evicts the least recently used idle container to keep the warm target when nobody waits', () => {
    const slots = [{ ...slot('old', 'ready', 'x'), lastUsedAt: 1 }, { ...slot('new', 'ready', 'y'), lastUsedAt: 2 }];
    expect(planCapacity({ slots, waitingUsers: [], minWarm: 1, max: 2 })).toEqual({ evict: [slots[0]], start: 1 });
  });
});

describe('idleChecks', () => {
  it('expires ready containers by age from creation and probes the ones silent long enough', () => {
    const old = { ...slot('old', 'ready'), createdAt: 0, checkedAt: 9_000 };
    const silent = { ...slot('silent', 'ready'), createdAt: 5_000, checkedAt: 6_000 };
    const fresh = { ...slot('fresh', 'ready'), createdAt: 5_000, checkedAt: 9_500 };
    const probing = { ...slot('probing', 'ready'), createdAt: 5_000, checkedAt: 6_000, probing: true };
    const busy = { ...slot('busy', 'busy'), createdAt: 0 };
    const r = idleChecks([old, silent, fresh, probing, busy], 10_000, { maxAgeMs: 10_000, idleProbeMs: 2_000 });
    expect(r.expired.map((s) => s.name)).toEqual(['old']);
    expect(r.probe.map((s) => s.name)).toEqual(['silent']);
    expect(idleChecks([silent], 10_000, { maxAgeMs: 10_000, idleProbeMs: 0 }).probe).toEqual([]);
  });
});

describe('notRunning', () => {
  it('names ready and busy containers that no longer run, never ones still starting', () => {
    const slots = [{ ...slot('a', 'ready'), containerId: 'A' }, { ...slot('b', 'busy'), containerId: 'B' }, slot('s', 'starting')];
    expect(notRunning(slots, new Set(['A'])).map((s) => s.name)).toEqual(['b']);
  });
});
