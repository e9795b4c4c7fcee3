import { createReadStream } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import { ExportFormatError } from './errors.ts';

/** Limits that keep a hostile archive from filling the disk or the job's time. */
export interface ZipLimits {
  /** Largest uncompressed size accepted for one entry. */
  maxEntryBytes: number;
  /** Largest uncompressed/compressed ratio of a large entry (real exports compress ~10–30×). */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntryBytes: 64 * 1024 ** 3, maxRatio: 200 };

export interface OpenedExport {
  /** The HealthData XML as a byte stream. */
  openXml(): Promise<Readable>;
  /** Its size in bytes (uncompressed), for progress. */
  xmlBytes: number;
  /** Its name inside the zip, or null for a bare XML upload. */
  entryName: string | null;
  /** Names of the FHIR resources under `clinical-records/`. */
  clinicalRecordNames: string[];
  readClinicalRecord(name: string): Promise<unknown>;
  close(): void;
}

const ZIP_MAGIC = [0x50, 0x4b];

/** Opens an upload as a zip (read through its central directory, ZIP64 included) or as a bare XML file. */
export async function openExport(path: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<OpenedExport> {
  const head = Buffer.alloc(4);
  const fh = await openFile(path, 'r');
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  const size = (await stat(path)).size;
  if (size === 0) throw new ExportFormatError('The export is empty.');
  if (head[0] !== ZIP_MAGIC[0] || head[1] !== ZIP_MAGIC[1]) {
    return {
      openXml: async () => createReadStream(path, { highWaterMark: 256 * 1024 }),
      xmlBytes: size,
      entryName: null,
      clinicalRecordNames: [],
      readClinicalRecord: async () => undefined,
      close: () => undefined,
    };
  }
  return openZip(path, limits);
}

async function openZip(path: string, limits: ZipLimits): Promise<OpenedExport> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, z) =>
      err ? reject(zipError(err)) : resolve(z!),
    ),
  );
  try {
    const entries = await listEntries(zip);
    const visible = entries.filter((e) => !/(^|\/)__MACOSX\//.test(e.fileName) && !/(^|\/)\._/.test(e.fileName) && !e.fileName.endsWith('/'));
    let xml: yauzl.Entry | undefined;
    let unreadable: yauzl.Entry | undefined;
    let damaged: Error | undefined;
    // export.xml (whatever its localized name) is told by its start only: other XML files
    // (export_cda.xml can be larger than the export itself) are never inflated beyond a few
    // KB, and the size and ratio limits apply to the entry actually parsed.
    const candidates = visible.filter((x) => /\.xml$/i.test(x.fileName)).sort((a, b) => rank(a) - rank(b));
    for (const e of candidates) {
      if (e.compressionMethod !== 0 && e.compressionMethod !== 8) {
        unreadable ??= e;
        continue;
      }
      let start: string;
      try {
        start = await peek(zip, e, 4096);
      } catch (err) {
        // A damaged file that is not the export must not sink the import; if nothing else is, say why.
        damaged ??= err as Error;
        continue;
      }
      if (/<!DOCTYPE\s+HealthData|<HealthData[\s>]/.test(start)) {
        xml = e;
        break;
      }
    }
    if (!xml && unreadable) throw unsupportedMethod(unreadable);
    if (!xml && damaged) throw damaged;
    if (!xml) throw new ExportFormatError('The zip holds no Apple Health export XML (no file starting with <!DOCTYPE HealthData> or <HealthData>).');
    const clinical = visible.filter((e) => /(^|\/)clinical-records\/[^/]+\.json$/i.test(e.fileName));
    const byName = new Map(clinical.map((e) => [e.fileName, e]));
    const found = xml;
    return {
      openXml: () => openEntry(zip, found, limits),
      xmlBytes: found.uncompressedSize,
      entryName: found.fileName,
      clinicalRecordNames: clinical.map((e) => e.fileName),
      async readClinicalRecord(name) {
        const e = byName.get(name);
        if (!e) return undefined;
        if (e.compressionMethod !== 0 && e.compressionMethod !== 8) throw unsupportedMethod(e);
        checkClaims(e, { ...limits, maxEntryBytes: Math.min(limits.maxEntryBytes, 64 * 1024 * 1024) });
        const chunks: Buffer[] = [];
        for await (const c of await openEntry(zip, e, limits)) chunks.push(c as Buffer);
        return JSON.parse(Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, ''));
      },
      close: () => zip.close(),
    };
  } catch (e) {
    zip.close();
    throw e;
  }
}

function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      out.push(e);
      zip.readEntry();
    });
    zip.once('end', () => resolve(out));
    zip.once('error', (err) => reject(zipError(err)));
    zip.readEntry();
  });
}

/** The usual name first (`export.xml`), then other names (localized), `export_cda.xml` last. */
function rank(e: yauzl.Entry): number {
  const base = e.fileName.split('/').pop()!.toLowerCase();
  return base === 'export.xml' ? 0 : /cda/.test(base) ? 2 : 1;
}

/** Deflate64 (method 9, written by Windows' "Send to › Compressed folder" for large files) and others yauzl cannot inflate. */
function unsupportedMethod(e: yauzl.Entry): ExportFormatError {
  const what = e.compressionMethod === 9 ? 'Deflate64' : `method ${e.compressionMethod}`;
  return new ExportFormatError(
    `The zip entry ${JSON.stringify(e.fileName)} is compressed with ${what}, which this importer cannot read. Upload the export.xml itself, or re-create the zip with standard (Deflate) compression, e.g. \`zip -r export.zip apple_health_export\`.`,
  );
}

/** A zip bomb announces itself in the central directory: refuse before inflating a byte. */
function checkClaims(e: yauzl.Entry, limits: ZipLimits): void {
  if (e.uncompressedSize > limits.maxEntryBytes) {
    throw new ExportFormatError(`The zip entry ${JSON.stringify(e.fileName)} claims ${e.uncompressedSize} bytes uncompressed, over the limit of ${limits.maxEntryBytes}: refused as a possible zip bomb.`);
  }
  const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
  if (e.uncompressedSize > 16 * 1024 * 1024 && ratio > limits.maxRatio) {
    throw new ExportFormatError(`The zip entry ${JSON.stringify(e.fileName)} would inflate ${Math.round(ratio)}× (limit ${limits.maxRatio}×): refused as a possible zip bomb.`);
  }
}

/**
 * Inflates an entry; yauzl checks the real size against the declared one (validateEntrySizes),
 * and the counter below stops anything past the limit even if the declaration lies.
 */
async function openEntry(zip: yauzl.ZipFile, e: yauzl.Entry, limits: ZipLimits): Promise<Readable> {
  checkClaims(e, limits);
  const raw = await new Promise<Readable>((resolve, reject) => zip.openReadStream(e, (err, s) => (err ? reject(zipError(err)) : resolve(s!))));
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > limits.maxEntryBytes || seen > e.uncompressedSize) cb(new ExportFormatError(`The zip entry ${JSON.stringify(e.fileName)} inflates beyond its declared size: refused as a possible zip bomb.`));
      else cb(null, chunk);
    },
  });
  raw.on('error', (err) => guard.destroy(zipError(err)));
  return raw.pipe(guard);
}

async function peek(zip: yauzl.ZipFile, e: yauzl.Entry, bytes: number): Promise<string> {
  const s = await new Promise<Readable>((resolve, reject) => zip.openReadStream(e, (err, st) => (err ? reject(zipError(err)) : resolve(st!))));
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of s) {
      chunks.push(c as Buffer);
      n += (c as Buffer).length;
      if (n >= bytes) break;
    }
  } catch (err) {
    // The start arrived and only the end failed (a size that lies, a damaged tail): the start is
    // enough to tell the export; the limits and checks of openEntry judge the rest if it is.
    if (!n) throw zipError(err as Error);
  } finally {
    s.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes).toString('utf8');
}

function zipError(err: Error): Error {
  if (err instanceof ExportFormatError) return err;
  const m = err.message ?? '';
  if (/too many bytes in the stream/i.test(m)) return new ExportFormatError('A zip entry inflates beyond its declared size: refused as a possible zip bomb.');
  if (/end of central directory|central directory/i.test(m)) return new ExportFormatError('The zip archive is truncated or damaged (its central directory cannot be read).');
  if (/too many bytes|too few bytes|invalid|unexpected end|corrupt|incorrect header|bad/i.test(m)) {
    return new ExportFormatError(`The zip archive is damaged or truncated (${m.slice(0, 120)}).`);
  }
  return new ExportFormatError(`The zip archive cannot be read (${m.slice(0, 120)}).`);
}
