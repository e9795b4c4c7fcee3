import { createReadStream } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { UserKeys } from '../../vault/crypto.ts';
import { ExportFormatError } from './errors.ts';
import { DEFAULT_IMPORT_LIMITS, formatBytes, InflateBudget, limitError, type ImportLimits } from './import-limits.ts';
import { JsonLimitScanner } from './json-limits.ts';
import { looksSealed, SealedFile } from './sealed-upload.ts';
import { openEntry, peek, readable, unsupportedMethod, zipError, type EntryBound } from './zip-entries.ts';

export interface OpenedExport {
  /** The HealthData XML as a byte stream. */
  openXml(): Promise<Readable>;
  /** Its size in bytes (uncompressed), for progress. */
  xmlBytes: number;
  /** Its name inside the zip, or null for a bare XML upload. */
  entryName: string | null;
  /** Names of the FHIR resources under `clinical-records/`. */
  clinicalRecordNames: string[];
  /**
   * Inflates every clinical record once, without keeping it, and throws the first limit one
   * breaks (entry size, all records' size, JSON depth, string length, the import's total). Run
   * before anything is saved: a refused export saves nothing.
   */
  checkClinicalRecords(): Promise<void>;
  /** One clinical record, parsed, and its size (for the byte budget of records in flight). */
  readClinicalRecord(name: string): Promise<{ resource: unknown; bytes: number } | undefined>;
  close(): void;
}

/**
 * Opens an upload as a zip (read through its central directory, ZIP64 included) or as a bare
 * XML file; a sealed upload (see sealed-upload.ts) is read through its seal with `keys`.
 */
export async function openExport(path: string, limits: ImportLimits = DEFAULT_IMPORT_LIMITS, keys?: UserKeys): Promise<OpenedExport> {
  const head = Buffer.alloc(8);
  const fh = await openFile(path, 'r');
  try {
    await fh.read(head, 0, 8, 0);
  } finally {
    await fh.close();
  }
  if (looksSealed(head)) {
    if (!keys) throw new ExportFormatError('The stored upload is sealed and no key was given to read it.');
    const sealed = await SealedFile.open(path, keys);
    try {
      return await openSource(await sealed.head(4), sealed.size, {
        stream: () => sealed.range(0, sealed.size),
        zip: (o) => new Promise((resolve, reject) => yauzl.fromRandomAccessReader(sealed.zipReader(), sealed.size, o, (err, z) => (err ? reject(zipError(err)) : resolve(z!)))),
        close: () => void sealed.close(),
      }, limits);
    } catch (e) {
      await sealed.close();
      throw e;
    }
  }
  return openSource(head.subarray(0, 4), (await stat(path)).size, {
    stream: () => createReadStream(path, { highWaterMark: 256 * 1024 }),
    zip: (o) => new Promise((resolve, reject) => yauzl.open(path, o, (err, z) => (err ? reject(zipError(err)) : resolve(z!)))),
    close: () => undefined,
  }, limits);
}

interface Source {
  stream(): Readable;
  zip(o: yauzl.Options): Promise<yauzl.ZipFile>;
  close(): void;
}

async function openSource(head: Buffer, size: number, src: Source, limits: ImportLimits): Promise<OpenedExport> {
  if (size === 0) throw new ExportFormatError('The export is empty.');
  if (head[0] !== 0x50 || head[1] !== 0x4b) {
    if (size > limits.maxXmlBytes) throw limitError(null, `is ${formatBytes(size)} of XML, more than ${formatBytes(limits.maxXmlBytes)}`, 'MAX_EXPORT_XML_BYTES');
    return {
      openXml: async () => src.stream(),
      xmlBytes: size,
      entryName: null,
      clinicalRecordNames: [],
      checkClinicalRecords: async () => undefined,
      readClinicalRecord: async () => undefined,
      close: src.close,
    };
  }
  return openZip(src, limits);
}

async function openZip(src: Source, limits: ImportLimits): Promise<OpenedExport> {
  // autoClose: the sealed source's reader closes its file when the zip closes.
  const zip = await src.zip({ lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false, decodeStrings: true });
  try {
    if (zip.entryCount > limits.maxEntries) throw limitError(null, `holds ${zip.entryCount} zip entries, more than ${limits.maxEntries}`, 'MAX_ZIP_ENTRIES');
    const budget = new InflateBudget(limits);
    const entries = await listEntries(zip, limits.maxEntries);
    const visible = entries.filter((e) => !/(^|\/)__MACOSX\//.test(e.fileName) && !/(^|\/)\._/.test(e.fileName) && !e.fileName.endsWith('/'));
    const xml = await findExportXml(zip, visible, budget);
    const xmlBound: EntryBound = { maxBytes: limits.maxXmlBytes, limitName: 'MAX_EXPORT_XML_BYTES', what: 'the export XML', maxRatio: limits.maxRatio };
    const recordBound: EntryBound = { maxBytes: limits.maxClinicalRecordBytes, limitName: 'MAX_CLINICAL_RECORD_BYTES', what: 'one clinical record', maxRatio: limits.maxRatio };
    const clinical = visible.filter((e) => /(^|\/)clinical-records\/[^/]+\.json$/i.test(e.fileName));
    const byName = new Map(clinical.map((e) => [e.fileName, e]));
    // The records were counted against the import's budget when checked; reading them again to import costs no more of it.
    const free = new InflateBudget({ ...limits, maxInflatedBytes: Infinity, maxClinicalRecordsBytes: Infinity });
    return {
      openXml: () => openEntry(zip, xml, xmlBound, budget),
      xmlBytes: xml.uncompressedSize,
      entryName: xml.fileName,
      clinicalRecordNames: clinical.map((e) => e.fileName),
      async checkClinicalRecords() {
        for (const e of clinical) {
          if (!readable(e)) throw unsupportedMethod(e);
          const scanner = new JsonLimitScanner(e.fileName, limits.maxJsonDepth, limits.maxJsonStringBytes);
          for await (const c of await openEntry(zip, e, recordBound, budget, true)) scanner.write(c as Buffer);
        }
      },
      async readClinicalRecord(name) {
        const e = byName.get(name);
        if (!e) return undefined;
        if (!readable(e)) throw unsupportedMethod(e);
        const chunks: Buffer[] = [];
        for await (const c of await openEntry(zip, e, recordBound, free)) chunks.push(c as Buffer);
        const text = Buffer.concat(chunks);
        return { resource: JSON.parse(text.toString('utf8').replace(/^\uFEFF/, '')), bytes: text.length };
      },
      close: () => {
        zip.close();
        src.close();
      },
    };
  } catch (e) {
    zip.close();
    src.close();
    throw e;
  }
}

/**
 * export.xml (whatever its localized name) is told by its start only: other XML files
 * (export_cda.xml can be larger than the export itself) are never inflated beyond a few KB,
 * and the size and ratio limits apply to the entry actually parsed.
 */
async function findExportXml(zip: yauzl.ZipFile, visible: yauzl.Entry[], budget: InflateBudget): Promise<yauzl.Entry> {
  let unreadable: yauzl.Entry | undefined;
  let damaged: Error | undefined;
  const candidates = visible.filter((x) => /\.xml$/i.test(x.fileName)).sort((a, b) => rank(a) - rank(b));
  for (const e of candidates) {
    if (!readable(e)) {
      unreadable ??= e;
      continue;
    }
    let start: string;
    try {
      start = await peek(zip, e, 4096, budget);
    } catch (err) {
      if (err instanceof ExportFormatError && /\(limit [A-Z_]+\)/.test(err.message)) throw err;
      // A damaged file that is not the export must not sink the import; if nothing else is, say why.
      damaged ??= err as Error;
      continue;
    }
    if (/<!DOCTYPE\s+HealthData|<HealthData[\s>]/.test(start)) return e;
  }
  if (unreadable) throw unsupportedMethod(unreadable);
  if (damaged) throw damaged;
  throw new ExportFormatError('The zip holds no Apple Health export XML (no file starting with <!DOCTYPE HealthData> or <HealthData>).');
}

/** The central directory's entries; more than `max` is refused while listing (the count in its end record may lie). */
function listEntries(zip: yauzl.ZipFile, max: number): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      out.push(e);
      if (out.length > max) return reject(limitError(null, `holds more than ${max} zip entries`, 'MAX_ZIP_ENTRIES'));
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
