import { gunzipSync } from 'node:zlib';
import { AppError, InvalidJsonError, UnsupportedMediaTypeError } from '../../errors.ts';
import { arr, isObj, type Json } from './map/datatypes.ts';

/** 413 naming the limit in words a person can act on (and the setting that raises it). */
export function bundleTooLarge(limit: number): AppError {
  const mb = Math.round((limit / (1024 * 1024)) * 10) / 10;
  return new AppError(
    'payload_too_large',
    `The FHIR Bundle is larger than this server's limit of ${mb} MB (${limit} bytes). Ask the operator to raise FHIR_BUNDLE_MAX_BYTES, or split the export into smaller files.`,
    undefined,
    // The rest of a refused body must not be read as the next request.
    { Connection: 'close' },
  );
}

/**
 * The JSON text of an uploaded bundle, whatever the client labelled it (curl's default form
 * type, text/plain, octet-stream): a gzip body is unpacked, a byte-order mark dropped, and the
 * first byte decides — `{`/`[` is JSON, anything else is refused with 415 saying what it looks like.
 */
export function bundleText(bytes: Uint8Array, maxBytes: number): string {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: maxBytes });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw bundleTooLarge(maxBytes);
      throw new AppError('bad_request', 'The body looks gzip-compressed but could not be unpacked.');
    }
  }
  // UTF-16 with a byte-order mark (Windows tools write it) is read as such; everything else as UTF-8.
  let text: string;
  if (buf[0] === 0xff && buf[1] === 0xfe) text = buf.subarray(2).toString('utf16le');
  else if (buf[0] === 0xfe && buf[1] === 0xff) text = Buffer.from(buf.subarray(2)).swap16().toString('utf16le');
  else text = buf.toString('utf8').replace(/^\uFEFF/, '');
  const first = text.match(/^\s*(\S)/)?.[1];
  if (!first) throw new AppError('bad_request', 'The request body is empty: send a FHIR Bundle in JSON.');
  if (first === '{' || first === '[') return text;
  if (buf[0] === 0x50 && buf[1] === 0x4b) {
    throw new UnsupportedMediaTypeError('a FHIR Bundle in JSON (this is a zip archive; an Apple Health export goes to /api/imports/apple-health)');
  }
  if (first === '<') throw new UnsupportedMediaTypeError('a FHIR Bundle in JSON (this looks like XML; FHIR XML and C-CDA files are not read here)');
  throw new UnsupportedMediaTypeError('a FHIR Bundle in JSON (application/fhir+json); the body is not JSON');
}

/** One resource per line (FHIR Bulk Data NDJSON) as a collection Bundle, or undefined when the text is not that. */
function fromNdjson(text: string): Json | undefined {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  if (lines.length < 2) return undefined;
  const entry: Json[] = [];
  for (const line of lines) {
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (!isObj(r) || typeof r.resourceType !== 'string') return undefined;
    entry.push({ resource: r });
  }
  return { resourceType: 'Bundle', type: 'collection', entry };
}

/**
 * Parses an uploaded body as a FHIR Bundle (or NDJSON or a JSON array of resources, turned into one). Throws
 * 400 `invalid_json` / `invalid_bundle` so a bad file is refused before anything is stored.
 */
export function parseBundleText(text: string): { bundle: Json; entries: number; converted: boolean } {
  let body: unknown;
  let converted = false;
  try {
    body = JSON.parse(text);
  } catch {
    body = fromNdjson(text);
    if (!body) throw new InvalidJsonError();
    converted = true;
  }
  // A JSON array of resources (some tools export a record that way) is read as a collection.
  if (Array.isArray(body) && body.length && body.every((r) => isObj(r) && typeof r.resourceType === 'string')) {
    body = { resourceType: 'Bundle', type: 'collection', entry: body.map((resource) => ({ resource })) };
    converted = true;
  }
  if (!isObj(body) || body.resourceType !== 'Bundle') {
    throw new AppError('invalid_bundle', 'The body is JSON but not a FHIR Bundle (resourceType must be "Bundle").');
  }
  if (body.entry !== undefined && !Array.isArray(body.entry)) throw new AppError('invalid_bundle', 'Bundle.entry must be an array.');
  return { bundle: body, entries: arr(body.entry).length, converted };
}
