import { formatBytes, limitError } from './import-limits.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Checks the nesting depth and string lengths of JSON bytes as they inflate, before anything
 * parses them: JSON.parse of a 100,000-deep array or a string of many MB would take the memory
 * (or the stack) first and fail later. Syntax is left to JSON.parse; this only counts.
 */
export class JsonLimitScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private stringBytes = 0;

  constructor(
    private readonly entry: string,
    private readonly maxDepth: number,
    private readonly maxStringBytes: number,
  ) {}

  write(chunk: Buffer): void {
    let { depth, inString, escaped, stringBytes } = this;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) {
          inString = false;
          continue;
        }
        if (++stringBytes > this.maxStringBytes) throw limitError(this.entry, `holds a string longer than ${formatBytes(this.maxStringBytes)}`, 'MAX_JSON_STRING_BYTES');
      } else if (b === QUOTE) {
        inString = true;
        stringBytes = 0;
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        if (++depth > this.maxDepth) throw limitError(this.entry, `nests objects or arrays deeper than ${this.maxDepth} levels`, 'MAX_JSON_DEPTH');
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) depth--;
    }
    Object.assign(this, { depth, inString, escaped, stringBytes });
  }
}
