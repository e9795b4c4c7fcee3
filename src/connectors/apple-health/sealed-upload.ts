import { randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import yauzl from 'yauzl';
import type { UserKeys } from '../../vault/crypto.ts';
import { ExportFormatError } from './errors.ts';

/**
 * An upload as it rests on disk: sealed with its user's data key in chunks, so that no byte of
 * the export is ever plain on disk (DESIGN.md invariant 4) and yet a 200 MB upload never sits
 * whole in memory. Layout: magic(8) | file id(16) | chunk 0 | chunk 1 | … where each chunk is
 * UserKeys.encrypt of SEAL_CHUNK plaintext bytes (the last one shorter, possibly empty) with the
 * AAD `upload:<id>:<index>:<more|end>`: chunks cannot be reordered, swapped between files or
 * users, and a file cut at a chunk boundary fails because its last chunk was not sealed as `end`.
 * Fixed-size chunks give random access, which the zip reader needs (its central directory is
 * at the end).
 */

export const SEAL_MAGIC = Buffer.from('CVSEAL01', 'latin1');
const ID_BYTES = 16;
const HEADER = SEAL_MAGIC.length + ID_BYTES;
/** Plaintext bytes per sealed chunk: small enough for random reads, large enough that sealing costs little. */
export const SEAL_CHUNK = 64 * 1024;
/** What UserKeys.encrypt adds to each chunk: version, nonce, tag. */
const OVERHEAD = 1 + 12 + 16;

const aad = (id: string, index: number, last: boolean) => `upload:${id}:${index}:${last ? 'end' : 'more'}`;

/** A stream that seals what goes through it (see the layout above). */
export function sealingStream(keys: UserKeys): Transform {
  const idBytes = randomBytes(ID_BYTES);
  const id = idBytes.toString('hex');
  let parts: Buffer[] = [];
  let held = 0;
  let index = 0;
  let started = false;
  const header = (t: Transform) => {
    if (!started) t.push(Buffer.concat([SEAL_MAGIC, idBytes]));
    started = true;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      header(this);
      parts.push(chunk);
      held += chunk.length;
      if (held <= SEAL_CHUNK) return cb();
      // Everything but the last SEAL_CHUNK bytes (at most) is sealed now; the rest waits, so that the final chunk is known.
      let all = Buffer.concat(parts);
      while (all.length > SEAL_CHUNK) {
        this.push(keys.encrypt(aad(id, index++, false), all.subarray(0, SEAL_CHUNK)));
        all = all.subarray(SEAL_CHUNK);
      }
      parts = [all];
      held = all.length;
      cb();
    },
    flush(cb) {
      header(this);
      this.push(keys.encrypt(aad(id, index, true), Buffer.concat(parts)));
      parts = [];
      cb();
    },
  });
}

/** True when the file starts like a sealed upload. */
export function looksSealed(head: Buffer): boolean {
  return head.length >= SEAL_MAGIC.length && head.subarray(0, SEAL_MAGIC.length).equals(SEAL_MAGIC);
}

/** The plaintext size of a file, sealed or not, from its length alone (no key needed): for progress. */
export async function plainSize(path: string): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(HEADER);
    const { bytesRead } = await fh.read(head, 0, HEADER, 0);
    const size = (await fh.stat()).size;
    if (bytesRead < HEADER || !looksSealed(head)) return size;
    const body = size - HEADER;
    return Math.max(0, body - Math.ceil(body / (SEAL_CHUNK + OVERHEAD)) * OVERHEAD);
  } finally {
    await fh.close();
  }
}

const damaged = () => new ExportFormatError('The stored upload is damaged and cannot be read; upload the export again.');

/** A sealed upload opened for reading: its plaintext size, ranges of it, all of it as a stream. */
export class SealedFile {
  private cached: { index: number; plain: Buffer } | undefined;

  private constructor(
    private readonly fh: FileHandle,
    private readonly keys: UserKeys,
    private readonly id: string,
    private readonly chunkCount: number,
    readonly size: number,
  ) {}

  static async open(path: string, keys: UserKeys): Promise<SealedFile> {
    const fh = await open(path, 'r');
    try {
      const head = Buffer.alloc(HEADER);
      const { bytesRead } = await fh.read(head, 0, HEADER, 0);
      if (bytesRead < HEADER || !looksSealed(head)) throw damaged();
      const body = (await fh.stat()).size - HEADER;
      const chunkCount = Math.ceil(body / (SEAL_CHUNK + OVERHEAD));
      const size = body - chunkCount * OVERHEAD;
      // Only the last chunk may be short (or empty): any other length is a cut or foreign file.
      if (chunkCount < 1 || size < (chunkCount - 1) * SEAL_CHUNK || size > chunkCount * SEAL_CHUNK) throw damaged();
      return new SealedFile(fh, keys, head.subarray(SEAL_MAGIC.length).toString('hex'), chunkCount, size);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  private async chunk(index: number): Promise<Buffer> {
    if (this.cached?.index === index) return this.cached.plain;
    const last = index === this.chunkCount - 1;
    const length = last ? this.size - index * SEAL_CHUNK + OVERHEAD : SEAL_CHUNK + OVERHEAD;
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.fh.read(buf, 0, length, HEADER + index * (SEAL_CHUNK + OVERHEAD));
    if (bytesRead !== length) throw damaged();
    let plain: Buffer;
    try {
      plain = this.keys.decrypt(aad(this.id, index, last), buf);
    } catch {
      throw damaged();
    }
    this.cached = { index, plain };
    return plain;
  }

  /** Plaintext bytes [start, end), chunk by chunk (one chunk in memory at a time). */
  range(start: number, end: number): Readable {
    const self = this;
    return Readable.from(
      (async function* () {
        let pos = start;
        while (pos < end) {
          const index = Math.floor(pos / SEAL_CHUNK);
          const plain = await self.chunk(index);
          const from = pos - index * SEAL_CHUNK;
          const to = Math.min(plain.length, end - index * SEAL_CHUNK);
          if (to <= from) throw damaged();
          yield plain.subarray(from, to);
          pos += to - from;
        }
      })(),
      { objectMode: false },
    );
  }

  /** The first bytes (fewer if the file is shorter). */
  async head(bytes: number): Promise<Buffer> {
    if (this.size === 0) return Buffer.alloc(0);
    return (await this.chunk(0)).subarray(0, bytes);
  }

  /** A reader for yauzl.fromRandomAccessReader: the zip is read through the seal. */
  zipReader(): yauzl.RandomAccessReader {
    return new SealedZipReader(this);
  }

  async close(): Promise<void> {
    this.cached = undefined;
    await this.fh.close().catch(() => undefined);
  }
}

class SealedZipReader extends yauzl.RandomAccessReader {
  constructor(private readonly file: SealedFile) {
    super();
  }

  _readStreamForRange(start: number, end: number): Readable {
    return this.file.range(start, end);
  }

  close(cb: (err: Error | null) => void): void {
    void this.file.close().then(() => cb(null), cb);
  }
}
