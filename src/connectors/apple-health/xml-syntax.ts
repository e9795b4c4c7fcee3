import { ExportFormatError } from './errors.ts';

/** The XML rules HealthXmlScanner applies: messages, character classes, references, the DTD skip. */

export const TRUNCATED = 'The export ends before its XML is complete: the file is truncated (export again from the Health app, or re-download it).';
const ENTITIES = 'The export uses DTD entities, which are refused (an Apple Health export never needs them).';

/** Longest markup (one tag, comment or DOCTYPE) held while waiting for its end. */
export const MAX_MARKUP = 16 * 1024 * 1024;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** What an attribute value needs more than a slice for. */
export const SPECIAL = /[<&\t\n\r]/;

export const malformed = (why: string) => new ExportFormatError(`The export is not well-formed XML (${why}).`);

export const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

/** Name characters, loosely: anything but whitespace and the markup delimiters. */
export const endsName = (c: number) => c === 32 || c === 10 || c === 9 || c === 13 || c === 62 || c === 47 || c === 61 || c === 60 || c === 34 || c === 39;

/** The text of a reference (without `&` and `;`); refuses DTD-declared (or unknown) entities. */
export function referenceText(ref: string): string {
  const pre = PREDEFINED[ref];
  if (pre !== undefined) return pre;
  if (ref.charCodeAt(0) === 35) {
    const code = ref[1] === 'x' ? /^x[0-9a-fA-F]+$/.test(ref.slice(1)) && parseInt(ref.slice(2), 16) : /^\d+$/.test(ref.slice(1)) && parseInt(ref.slice(1), 10);
    if (code === false || !isXmlChar(code)) throw malformed(`an invalid character reference &${ref.slice(0, 12)};`);
    return String.fromCodePoint(code);
  }
  throw new ExportFormatError(ENTITIES);
}

function isXmlChar(c: number): boolean {
  return c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/**
 * The end of a DOCTYPE declaration starting after `<!DOCTYPE`, or -1 when incomplete. Its
 * internal subset is skipped, never read: quoted literals, comments and processing
 * instructions are stepped over so that their brackets do not count.
 */
export function doctypeEnd(s: string, from: number): number {
  const n = s.length;
  let inSubset = false;
  for (let k = from; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c === 34 || c === 39) {
      const e = s.indexOf(c === 34 ? '"' : "'", k + 1);
      if (e < 0) return -1;
      k = e;
    } else if (inSubset && c === 60 && s.startsWith('<!--', k)) {
      const e = s.indexOf('-->', k + 4);
      if (e < 0) return -1;
      k = e + 2;
    } else if (inSubset && c === 60 && s.startsWith('<?', k)) {
      const e = s.indexOf('?>', k + 2);
      if (e < 0) return -1;
      k = e + 1;
    } else if (c === 91 && !inSubset) inSubset = true;
    else if (c === 93 && inSubset) inSubset = false;
    else if (c === 62 && !inSubset) return k + 1;
  }
  return -1;
}
