import { describe, expect, it } from 'vitest';
import { entryName, entryProblem, FHIR_ENTRY_MAX_DEPTH, FHIR_ENTRY_MAX_STRING_CHARS } from './entry-limits.ts';

function nested(depth: number): unknown {
  let v: unknown = { url: 'http://example.org/x', valueString: 'end' };
  for (let i = 1; i < depth; i++) v = { url: 'http://example.org/x', extension: [v] };
  return v;
}

describe('entryProblem', () => {
  it('accepts an ordinary resource', () => {
    expect(entryProblem({ resourceType: 'Observation', id: 'o1', code: { text: 'Heart rate' }, valueQuantity: { value: 60 } })).toBeUndefined();
  });

  it('finds a NUL in a value or a key, at any depth', () => {
    expect(entryProblem({ resourceType: 'Observation', note: [{ text: 'a\u0000b' }] })).toMatch(/NUL/);
    expect(entryProblem({ resourceType: 'Observation', ['k\u0000']: 1 })).toMatch(/NUL/);
  });

  it('refuses nesting past the limit without overflowing the stack (100,000 levels)', () => {
    // Objects and arrays alternate, so each level here counts twice.
    expect(entryProblem(nested(FHIR_ENTRY_MAX_DEPTH / 2 - 1))).toBeUndefined();
    expect(entryProblem(nested(FHIR_ENTRY_MAX_DEPTH / 2 + 1))).toMatch(/nested more than 100 levels/);
    expect(entryProblem(nested(100_000))).toMatch(/nested/);
  });

  it('refuses a string over the length limit', () => {
    expect(entryProblem({ data: 'A'.repeat(FHIR_ENTRY_MAX_STRING_CHARS) })).toBeUndefined();
    expect(entryProblem({ data: 'A'.repeat(FHIR_ENTRY_MAX_STRING_CHARS + 1) })).toMatch(/more than 8,388,608 characters/);
  });
});

describe('entryName', () => {
  it('names an entry by type and id, else by position, never by content', () => {
    expect(entryName({ resource: { resourceType: 'Observation', id: 'o1' } }, 4)).toBe('entry 5 (Observation/o1)');
    expect(entryName({ resource: { resourceType: 'Observation', id: 'John Smith\u0000' } }, 0)).toBe('entry 1 (an Observation)');
    expect(entryName({ resourceType: 'Condition', id: 'c' })).toBe('Condition/c');
    expect(entryName('x', 2)).toBe('entry 3');
  });
});
