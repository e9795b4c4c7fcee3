import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { UserKeys } from '../../vault/crypto.ts';
import { SEAL_CHUNK, SealedFile, sealingStream } from './sealed-upload.ts';

const dir = mkdtempSync(join(tmpdir(), 'cv-seal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keys = new UserKeys('u1', randomBytes(32));

async function sealTo(path: string, data: Buffer, k = keys, pieces = 7): Promise<void> {
  const step = Math.max(1, Math.ceil(data.length / pieces));
  const parts = Array.from({ length: Math.ceil(data.length / step) }, (_, i) => data.subarray(i * step, (i + 1) * step));
  await pipeline(Readable.from(parts), sealingStream(k), createWriteStream(path));
}

const collect = async (r: Readable) => Buffer.concat(await r.toArray());

describe('sealed uploads', () => {
  for (const n of [0, 1, SEAL_CHUNK - 1, SEAL_CHUNK, SEAL_CHUNK + 1, 3 * SEAL_CHUNK, 3 * SEAL_CHUNK + 12_345]) {
    it(`round-trips ${n} bytes, whole and by random ranges, and nothing plain is on disk`, async () => {
      const data = Buffer.from(Array.from({ length: n }, (_, i) => 'Heart rate 60 '.charCodeAt(i % 14)));
      const path = join(dir, `f${n}`);
      await sealTo(path, data);
      if (n >= 14) expect(readFileSync(path).includes('Heart rate')).toBe(false);
      const f = await SealedFile.open(path, keys);
      try {
        expect(f.size).toBe(n);
        expect((await collect(f.range(0, n))).equals(data)).toBe(true);
        for (let i = 0; i < 20 && n; i++) {
          const a = Math.floor(Math.random() * n);
          const b = a + Math.floor(Math.random() * (n - a + 1));
          expect((await collect(f.range(a, b))).equals(data.subarray(a, b))).toBe(true);
        }
      } finally {
        await f.close();
      }
    });
  }

  it('refuses a file cut at a chunk boundary, a flipped byte and another user\'s key', async () => {
    const data = randomBytes(2 * SEAL_CHUNK + 100);
    const path = join(dir, 'cut');
    await sealTo(path, data);
    const whole = readFileSync(path);
    // Cut after the first full chunk: what is left looks complete but its last chunk was not sealed as the end.
    truncateSync(path, 24 + SEAL_CHUNK + 29);
    const cut = await SealedFile.open(path, keys);
    await expect(collect(cut.range(0, cut.size))).rejects.toThrow(/damaged/);
    await cut.close();
    const flipped = Buffer.from(whole);
    flipped[100] ^= 1;
    writeFileSync(path, flipped);
    const f = await SealedFile.open(path, keys);
    await expect(collect(f.range(0, 10))).rejects.toThrow(/damaged/);
    await f.close();
    writeFileSync(path, whole);
    const other = await SealedFile.open(path, new UserKeys('u2', randomBytes(32)));
    await expect(collect(other.range(0, 10))).rejects.toThrow(/damaged/);
    await other.close();
  });
});
