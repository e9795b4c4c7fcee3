import { closeSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { UserKeys } from '../../vault/crypto.ts';

/**
 * A spill file whose records are sealed with the user's data key: what an import keeps on disk
 * while it runs (the daily items waiting for publishing) is as unreadable as the vault itself
 * (DESIGN.md invariant 4), even if the process is killed and the file outlives it. Each record is
 * length(4, big-endian) | UserKeys.encrypt(`spill:<label>:<n>`, text): bound to its user, file and
 * place, so records cannot be swapped, reordered or dropped unnoticed.
 */
export class SealedSpillWriter {
  private fd: number | undefined;
  private written = 0;

  constructor(
    path: string,
    private readonly keys: UserKeys,
    private readonly label: string,
  ) {
    this.fd = openSync(path, 'w', 0o600);
  }

  /** Records written so far (the reader checks it got them all). */
  get records(): number {
    return this.written;
  }

  append(text: string): void {
    if (this.fd === undefined) throw new Error('the spill file is closed');
    const sealed = this.keys.encrypt(`spill:${this.label}:${this.written++}`, text);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(sealed.length);
    writeSync(this.fd, Buffer.concat([len, sealed]));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The records of a sealed spill file in order, decrypted; throws if one is missing, damaged or out of place. */
export async function* readSealedSpill(path: string, keys: UserKeys, label: string, expected: number): AsyncGenerator<string> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const len = Buffer.alloc(4);
    let pos = 0;
    let n = 0;
    // Each record read whole at its place (two reads): records can be many MB, and growing one buffer block by block would copy them over and over.
    while (pos < size) {
      if ((await fh.read(len, 0, 4, pos)).bytesRead !== 4) break;
      const record = Buffer.alloc(len.readUInt32BE(0));
      if ((await fh.read(record, 0, record.length, pos + 4)).bytesRead !== record.length) break;
      pos += 4 + record.length;
      yield keys.decrypt(`spill:${label}:${n++}`, record).toString('utf8');
    }
    if (pos !== size || n !== expected) throw new Error(`the import's spill file is incomplete (${n} of ${expected} records)`);
  } finally {
    await fh.close();
  }
}
