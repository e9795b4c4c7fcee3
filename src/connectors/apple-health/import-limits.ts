import { ExportFormatError } from './errors.ts';

/**
 * The bounds of one Apple Health import (README, "Limits of an Apple Health import"). Each one
 * stops a hostile upload from taking the gateway's memory or time, and is checked on what is
 * really inflated or parsed, never on what the zip's headers declare. They are constants: real
 * exports stay far below them (an export.xml of a decade of Watch data is a few GB, a clinical
 * record a few KB), so no operator needs to tune them.
 */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Bytes inflated from all the entries of one zip together (the export.xml and clinical records, and the first bytes of other XML files). */
export const MAX_IMPORT_INFLATED_BYTES = 64 * GiB;
/** Bytes inflated from the export.xml entry. */
export const MAX_EXPORT_XML_BYTES = 64 * GiB;
/** Entries in the zip's central directory (a real export holds a few thousand: routes, ECGs, clinical records). */
export const MAX_ZIP_ENTRIES = 50_000;
/** Bytes inflated from one `clinical-records/*.json` entry. */
export const MAX_CLINICAL_RECORD_BYTES = 8 * MiB;
/** Bytes inflated from all `clinical-records/*.json` entries together. */
export const MAX_CLINICAL_RECORDS_BYTES = 1 * GiB;
/** Bytes of clinical records held parsed at once while they are handed to the FHIR import (a byte budget, not a count). */
export const MAX_CLINICAL_BYTES_IN_FLIGHT = 16 * MiB;
/** Nesting of objects and arrays in a clinical record. */
export const MAX_JSON_DEPTH = 100;
/** Bytes (UTF-8, as written) of one string in a clinical record. */
export const MAX_JSON_STRING_BYTES = 2 * MiB;
/** Bytes of parsed samples the XML worker holds before handing their day groups over (a byte budget, not a count). */
export const MAX_SAMPLE_BYTES_IN_FLIGHT = 32 * MiB;
/** Heap of the XML worker thread: if a hostile file still exhausts it, the worker dies and the job fails, not the gateway. */
export const PARSE_WORKER_HEAP_MB = 1024;

/** The limits in force for one import (tests pass smaller ones). */
export interface ImportLimits {
  maxInflatedBytes: number;
  maxXmlBytes: number;
  maxEntries: number;
  maxClinicalRecordBytes: number;
  maxClinicalRecordsBytes: number;
  maxClinicalBytesInFlight: number;
  maxJsonDepth: number;
  maxJsonStringBytes: number;
  /** Largest uncompressed/compressed ratio of a large entry (real exports compress ~10–30×). */
  maxRatio: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = Object.freeze({
  maxInflatedBytes: MAX_IMPORT_INFLATED_BYTES,
  maxXmlBytes: MAX_EXPORT_XML_BYTES,
  maxEntries: MAX_ZIP_ENTRIES,
  maxClinicalRecordBytes: MAX_CLINICAL_RECORD_BYTES,
  maxClinicalRecordsBytes: MAX_CLINICAL_RECORDS_BYTES,
  maxClinicalBytesInFlight: MAX_CLINICAL_BYTES_IN_FLIGHT,
  maxJsonDepth: MAX_JSON_DEPTH,
  maxJsonStringBytes: MAX_JSON_STRING_BYTES,
  maxRatio: 200,
});

/** Human size for messages: "8 MiB", "64 GiB", "1.5 KiB". */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', GiB], ['MiB', MiB], ['KiB', 1024]] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  }
  return `${n} bytes`;
}

/** The refusal of an import that went over a limit: names the limit (its constant) and the entry, never content. */
export function limitError(entry: string | null, what: string, limitName: string): ExportFormatError {
  const where = entry ? `The zip entry ${JSON.stringify(entry)}` : 'The export';
  return new ExportFormatError(`${where} ${what} (limit ${limitName}): the import was refused and nothing from this file was saved.`);
}

/** Counts inflated bytes against one import's total; shared by every entry opened from one zip. */
export class InflateBudget {
  private used = 0;
  private clinical = 0;
  constructor(private readonly limits: ImportLimits) {}

  take(entry: string, bytes: number, clinical = false): void {
    this.used += bytes;
    if (this.used > this.limits.maxInflatedBytes) throw limitError(entry, `takes the inflated size of the import beyond ${formatBytes(this.limits.maxInflatedBytes)}`, 'MAX_IMPORT_INFLATED_BYTES');
    if (!clinical) return;
    this.clinical += bytes;
    if (this.clinical > this.limits.maxClinicalRecordsBytes) throw limitError(entry, `takes the clinical records beyond ${formatBytes(this.limits.maxClinicalRecordsBytes)} inflated in total`, 'MAX_CLINICAL_RECORDS_BYTES');
  }
}
