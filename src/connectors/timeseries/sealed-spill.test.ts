import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserKeys } from '../../vault/crypto.ts';
import { readSealedSpill, SealedSpillWriter } from './sealed-spill.ts';

const dir = mkdtempSync(join(tmpdir(), 'cv-spill-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keys = new UserKeys('u1', randomBytes(32));
const read = async (path: string, expected: number, k = keys) => {
  const out: string[] = [];
  for await (const r of readSealedSpill(path, k, 'imp', expected)) out.push(r);
  return out;
};

describe('sealed spill files', () => {
  const path = join(dir, 'items');
  const records = ['{"text":"Heart rate on 2024-03-02: resting 58"}', 'x'.repeat(3 * 1024 * 1024), '', '{"text":"Steps"}'];
  it('give back every record in order, large ones included, and hold nothing readable', async () => {
    const w = new SealedSpillWriter(path, keys, 'imp');
    for (const r of records) w.append(r);
    w.close();
    expect(w.records).toBe(4);
    expect(readFileSync(path).includes('Heart rate')).toBe(false);
    expect(await read(path, 4)).toEqual(records);
  });

  it('refuse a missing record, swapped records and another user\'s key', async () => {
    const whole = readFileSync(path);
    await expect(read(path, 5)).rejects.toThrow(/incomplete \(4 of 5 records\)/);
    // Swap the first two records: each is bound to its place.
    const len0 = 4 + whole.readUInt32BE(0);
    const len1 = 4 + whole.readUInt32BE(len0);
    writeFileSync(path, Buffer.concat([whole.subarray(len0, len0 + len1), whole.subarray(0, len0), whole.subarray(len0 + len1)]));
    await expect(read(path, 4)).rejects.toThrow();
    writeFileSync(path, whole.subarray(0, whole.length - 3));
    await expect(read(path, 4)).rejects.toThrow(/incomplete/);
    writeFileSync(path, whole);
    await expect(read(path, 4, new UserKeys('u2', randomBytes(32)))).rejects.toThrow();
  });
});
