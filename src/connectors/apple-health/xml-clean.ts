import { StringDecoder } from 'node:string_decoder';
import { ExportFormatError } from './errors.ts';

/**
 * XML 1.0 forbids most C0 control characters, yet real exports carry some (a vertical tab in a
 * device name). They are removed before parsing; tab, LF and CR stay.
 */
// eslint-disable-next-line no-control-regex
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const ANY = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function stripIllegalXmlChars(s: string): { text: string; removed: number } {
  if (!ANY.test(s)) return { text: s, removed: 0 };
  let removed = 0;
  const text = s.replace(ILLEGAL, () => {
    removed++;
    return '';
  });
  return { text, removed };
}

/**
 * An export's bytes as clean text, chunk by chunk: UTF-8 decoded across chunk edges, the BOM
 * dropped, a start that cannot be XML refused, XML-illegal control characters removed (counted).
 */
export class ExportTextDecoder {
  removed = 0;
  private readonly decoder = new StringDecoder('utf8');
  private first = true;

  write(chunk: Buffer): string {
    return this.clean(this.decoder.write(chunk));
  }

  /** The last characters; refuses an export without any. */
  end(): string {
    const text = this.clean(this.decoder.end());
    if (this.first) throw new ExportFormatError('The export is empty.');
    return text;
  }

  private clean(text: string): string {
    if (!text) return text;
    if (this.first) {
      this.first = false;
      text = text.replace(/^\uFEFF/, '');
      if (!/^\s*</.test(text.slice(0, 1024))) throw new ExportFormatError('The file is neither a zip archive nor an XML document, so it cannot be an Apple Health export.');
    }
    const clean = stripIllegalXmlChars(text);
    this.removed += clean.removed;
    return clean.text;
  }
}
