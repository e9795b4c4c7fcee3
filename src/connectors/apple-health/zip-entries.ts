import { Transform, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import { ExportFormatError } from './errors.ts';
import { formatBytes, limitError, type InflateBudget } from './import-limits.ts';

/** The bound of one entry: its largest inflated size and the constant that names it in messages. */
export interface EntryBound {
  maxBytes: number;
  limitName: string;
  /** What the entry is, in the refusal ("one clinical record", "the export XML"). */
  what: string;
  maxRatio: number;
}

/** Deflate64 (method 9, written by Windows' "Send to › Compressed folder" for large files) and others yauzl cannot inflate. */
export function unsupportedMethod(e: yauzl.Entry): ExportFormatError {
  const what = e.compressionMethod === 9 ? 'Deflate64' : `method ${e.compressionMethod}`;
  return new ExportFormatError(
    `The zip entry ${JSON.stringify(e.fileName)} is compressed with ${what}, which this importer cannot read. Upload the export.xml itself, or re-create the zip with standard (Deflate) compression, e.g. \`zip -r export.zip apple_health_export\`.`,
  );
}

export const readable = (e: yauzl.Entry) => e.compressionMethod === 0 || e.compressionMethod === 8;

/** A zip bomb that announces itself in the central directory is refused before a byte inflates. */
function checkClaims(e: yauzl.Entry, b: EntryBound): void {
  if (e.uncompressedSize > b.maxBytes) throw limitError(e.fileName, `claims ${formatBytes(e.uncompressedSize)} uncompressed, more than ${formatBytes(b.maxBytes)} for ${b.what}`, b.limitName);
  const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
  if (e.uncompressedSize > 16 * 1024 * 1024 && ratio > b.maxRatio) {
    throw new ExportFormatError(`The zip entry ${JSON.stringify(e.fileName)} would inflate ${Math.round(ratio)}× (limit ${b.maxRatio}×): refused as a possible zip bomb.`);
  }
}

/**
 * Inflates an entry. The bound is counted on the bytes that really come out (a header may lie;
 * yauzl's validateEntrySizes also stops an entry at its declared size), and every byte is taken
 * from the import's budget as it arrives, so a refusal comes before the memory or time is spent.
 */
export async function openEntry(zip: yauzl.ZipFile, e: yauzl.Entry, b: EntryBound, budget: InflateBudget, clinical = false): Promise<Readable> {
  checkClaims(e, b);
  const raw = await new Promise<Readable>((resolve, reject) => zip.openReadStream(e, (err, s) => (err ? reject(zipError(err)) : resolve(s!))));
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      try {
        if (seen > b.maxBytes) throw limitError(e.fileName, `inflates to more than ${formatBytes(b.maxBytes)}, the limit for ${b.what}`, b.limitName);
        if (seen > e.uncompressedSize) throw new ExportFormatError(`The zip entry ${JSON.stringify(e.fileName)} inflates beyond its declared size: refused as a possible zip bomb.`);
        budget.take(e.fileName, chunk.length, clinical);
      } catch (err) {
        raw.destroy();
        return cb(err as Error);
      }
      cb(null, chunk);
    },
  });
  raw.on('error', (err) => guard.destroy(zipError(err)));
  return raw.pipe(guard);
}

/** The first `bytes` of an entry (to tell the export XML by its start), counted against the budget. */
export async function peek(zip: yauzl.ZipFile, e: yauzl.Entry, bytes: number, budget: InflateBudget): Promise<string> {
  const s = await new Promise<Readable>((resolve, reject) => zip.openReadStream(e, (err, st) => (err ? reject(zipError(err)) : resolve(st!))));
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of s) {
      chunks.push(c as Buffer);
      n += (c as Buffer).length;
      budget.take(e.fileName, (c as Buffer).length);
      if (n >= bytes) break;
    }
  } catch (err) {
    if (err instanceof ExportFormatError) throw err;
    // The start arrived and only the end failed (a size that lies, a damaged tail): the start is
    // enough to tell the export; the limits and checks of openEntry judge the rest if it is.
    if (!n) throw zipError(err as Error);
  } finally {
    s.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes).toString('utf8');
}

export function zipError(err: Error): Error {
  if (err instanceof ExportFormatError) return err;
  const m = err.message ?? '';
  if (/too many bytes in the stream/i.test(m)) return new ExportFormatError('A zip entry inflates beyond its declared size: refused as a possible zip bomb.');
  if (/end of central directory|central directory/i.test(m)) return new ExportFormatError('The zip archive is truncated or damaged (its central directory cannot be read).');
  if (/too many bytes|too few bytes|invalid|unexpected end|corrupt|incorrect header|bad/i.test(m)) {
    return new ExportFormatError(`The zip archive is damaged or truncated (${m.slice(0, 120)}).`);
  }
  return new ExportFormatError(`The zip archive cannot be read (${m.slice(0, 120)}).`);
}
