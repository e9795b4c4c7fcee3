import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dedupeSamples, mergeSamples, packSamples, unpackSamples, type Sample } from './sample.ts';

const s = (start: number, value: number, src = 'Watch'): Sample => ({ metric: 'steps', start, end: start + 60_000, tz: '+01:00', day: '2024-03-02', value, unit: '{steps}', sourceName: src });

describe('samples', () => {
  it('merge keeps one sample per reading and source; two values at the same time are two readings', () => {
    const r = mergeSamples([s(0, 10), s(60_000, 20)], [s(0, 10), s(60_000, 25), s(0, 10, 'iPhone')]);
    expect(r).toMatchObject({ added: 2, replaced: 0 });
    expect(r.samples).toHaveLength(4);
  });
  it('for revised documents (valueIsIdentity false) a new value replaces the old one', () => {
    const r = mergeSamples([s(0, 10), s(60_000, 20)], [s(0, 10), s(60_000, 25), s(0, 10, 'iPhone'), s(120_000, 5)], false);
    expect(r).toMatchObject({ added: 2, replaced: 1 });
    expect(r.samples.map((x) => [x.start, x.value, x.sourceName])).toEqual([[0, 10, 'Watch'], [0, 10, 'iPhone'], [60_000, 25, 'Watch'], [120_000, 5, 'Watch']]);
  });
  it('pack and unpack round-trip', () => {
    const list = [{ ...s(0, 1), component: 'resting', device: 'Apple Watch (Watch6,7)', detail: { a: 1 } }, s(5, 2)];
    expect(unpackSamples('steps', '2024-03-02', packSamples(list))).toEqual(list);
  });
  it('dedupeSamples gives what merging into nothing gives', () => {
    const sample = fc.record({ start: fc.integer({ min: 0, max: 4 }), len: fc.integer({ min: 0, max: 2 }), value: fc.option(fc.integer({ min: 0, max: 3 })), src: fc.constantFrom('Watch', 'iPhone'), component: fc.option(fc.constantFrom('', 'a')), detail: fc.option(fc.integer({ min: 0, max: 1 })) });
    const toSample = (x: { start: number; len: number; value: number | null; src: string; component: string | null; detail: number | null }): Sample => ({
      ...s(x.start * 60_000, 0, x.src),
      end: (x.start + x.len) * 60_000,
      value: x.value,
      ...(x.component !== null ? { component: x.component } : {}),
      ...(x.detail !== null ? { detail: { d: x.detail } } : {}),
    });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 40 }), fc.boolean(), (xs, identity) => {
        const list = xs.map(toSample);
        expect(dedupeSamples(list, identity)).toEqual(mergeSamples([], list, identity));
      }),
    );
  });
});
