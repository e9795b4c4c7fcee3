import { describe, expect, it } from 'vitest';
import { modelPresent } from './model-tags.ts';

describe('modelPresent', () => {
  it('treats a bare name and its :latest tag as the same model', () => {
    expect(modelPresent(['nomic-embed-text:latest'], 'nomic-embed-text')).toBe(true);
    expect(modelPresent(['test-chat'], 'test-chat:latest')).toBe(true);
  });
  it('does not confuse different tags or prefixes', () => {
    expect(modelPresent(['llama3.2:1b'], 'llama3.2:3b')).toBe(false);
    expect(modelPresent(['llama3.2:3b-instruct'], 'llama3.2:3b')).toBe(false);
    expect(modelPresent([], 'x')).toBe(false);
  });
});
