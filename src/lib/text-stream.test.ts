import { describe, expect, it } from 'vitest';
import { textStream } from './text-stream.ts';

describe('textStream', () => {
  it('produces a piece only when the reader asks for one, and ends the producer when cancelled', async () => {
    let made = 0;
    let ended = false;
    async function* pieces() {
      try {
        for (;;) {
          made++;
          yield `piece ${made};`;
        }
      } finally {
        ended = true;
      }
    }
    const reader = textStream(pieces(), () => undefined).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('piece 1;');
    await new Promise((r) => setTimeout(r, 20));
    // One piece ahead at most, however long the reader waits.
    expect(made).toBeLessThanOrEqual(2);
    await reader.cancel();
    expect(ended).toBe(true);
  });

  it('errors the stream (a cut-off body, never a complete-looking one) and reports the failure', async () => {
    const seen: unknown[] = [];
    async function* pieces() {
      yield '{"items":[';
      throw new Error('database gone');
    }
    const reader = textStream(pieces(), (e) => seen.push(e)).getReader();
    expect((await reader.read()).done).toBe(false);
    await expect(reader.read()).rejects.toThrow('database gone');
    expect(seen).toHaveLength(1);
  });
});
