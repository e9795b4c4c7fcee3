import { ExportFormatError } from './errors.ts';
import { doctypeEnd, endsName, isSpace, malformed, MAX_MARKUP, referenceText, SPECIAL, TRUNCATED } from './xml-syntax.ts';

export type Attrs = Record<string, string>;

/** What the scanner reports: elements as they open (attributes only where asked for) and close. */
export interface ScanHandler {
  /** Whether the attributes of elements of this name are wanted (the others are checked, not kept). */
  wants(name: string): boolean;
  /** Attribute names never kept, in any element (checked all the same). */
  ignored?: ReadonlySet<string>;
  open(name: string, attrs: Attrs | null): void;
  close(name: string): void;
}

/**
 * A streaming XML scanner made for Apple Health exports: a few times faster than a general
 * SAX parser because it builds nothing it is not asked for (text is checked, then dropped;
 * only wanted elements get an attribute object). It still refuses what is not well-formed —
 * mismatched or unclosed tags, markup outside the root, a truncated end — and, like saxes,
 * skips the internal DTD (iOS 16's is broken) and never expands an entity it declares: any
 * reference other than the five predefined ones and character references is refused.
 * Feed decoded text with `write`, then call `end`.
 */
export class HealthXmlScanner {
  private rest = '';
  private readonly stack: string[] = [];
  private sawRoot = false;
  private rootClosed = false;
  /** Attribute values with references, decoded once: the same device strings repeat on millions of records. */
  private readonly decoded = new Map<string, string>();
  /** Attribute names the careful reader accepted: the fast path takes only these. */
  private readonly names = new Set<string>();
  /** Per element name, the attribute names of its last tag, in order. */
  private readonly layouts = new Map<string, string[]>();
  /** The last reference-holding values decoded (the device strings of consecutive records). */
  private memo: [string, string, string, string] = ['', '', '', ''];

  private readonly ignored: ReadonlySet<string>;

  constructor(private readonly h: ScanHandler) {
    this.ignored = h.ignored ?? new Set();
  }

  get rootSeen(): boolean {
    return this.sawRoot;
  }

  write(text: string): void {
    const s = this.rest ? this.rest + text : text;
    const n = s.length;
    let i = 0;
    for (;;) {
      const lt = s.indexOf('<', i);
      if (lt < 0) {
        // Text up to the end: keep only an entity reference that may be cut in two.
        const amp = s.lastIndexOf('&');
        const keepFrom = amp >= i && s.indexOf(';', amp) < 0 ? amp : n;
        this.text(s, i, keepFrom);
        i = keepFrom;
        break;
      }
      if (lt > i) this.text(s, i, lt);
      const end = this.markup(s, lt);
      if (end < 0) {
        i = lt;
        break;
      }
      i = end;
    }
    this.rest = i < n ? s.slice(i) : '';
    // What waits for its end is one tag, comment or DOCTYPE: huge only in a hostile file.
    if (this.rest.length > MAX_MARKUP) throw malformed(`a tag, comment or declaration longer than ${MAX_MARKUP / 1024 / 1024} MB`);
  }

  end(): void {
    if (this.rest.includes('<') || this.stack.length) throw new ExportFormatError(TRUNCATED);
    if (this.rest) this.text(this.rest, 0, this.rest.length);
    this.rest = '';
  }

  /** Character data: dropped, but checked for references and for text outside the root element. */
  private text(s: string, from: number, to: number): void {
    if (from >= to) return;
    if (!this.stack.length) {
      for (let k = from; k < to; k++) if (!isSpace(s.charCodeAt(k))) throw malformed(this.rootClosed ? 'text after the root element' : 'text before the root element');
      return;
    }
    // A loop, not indexOf: that would search on past `to`, through the rest of the chunk.
    for (let k = from; k < to; k++) {
      if (s.charCodeAt(k) !== 38) continue;
      const semi = s.indexOf(';', k);
      if (semi < 0 || semi >= to) throw malformed('an unterminated reference');
      referenceText(s.slice(k + 1, semi));
      k = semi;
    }
  }

  /** Handles the markup starting at `lt`; returns the index after it, or -1 when it is not complete yet. */
  private markup(s: string, lt: number): number {
    const n = s.length;
    if (lt + 1 >= n) return -1;
    const c = s.charCodeAt(lt + 1);
    if (c === 47) {
      const gt = s.indexOf('>', lt + 2);
      if (gt < 0) return -1;
      this.closeTag(s.slice(lt + 2, gt).trimEnd());
      return gt + 1;
    }
    if (c === 63) {
      const e = s.indexOf('?>', lt + 2);
      return e < 0 ? -1 : e + 2;
    }
    if (c === 33) return this.declaration(s, lt);
    return this.openTag(s, lt);
  }

  private declaration(s: string, lt: number): number {
    const n = s.length;
    const startsWith = (p: string) => s.startsWith(p, lt);
    const partial = (p: string) => n - lt < p.length && p.startsWith(s.slice(lt));
    if (startsWith('<!--')) {
      const e = s.indexOf('-->', lt + 4);
      return e < 0 ? -1 : e + 3;
    }
    if (startsWith('<![CDATA[')) {
      if (!this.stack.length) throw malformed('CDATA outside the root element');
      const e = s.indexOf(']]>', lt + 9);
      return e < 0 ? -1 : e + 3;
    }
    if (startsWith('<!DOCTYPE')) {
      if (this.sawRoot) throw malformed('a DOCTYPE inside the document');
      return doctypeEnd(s, lt + 9);
    }
    if (partial('<!--') || partial('<![CDATA[') || partial('<!DOCTYPE')) return -1;
    throw malformed('an unknown declaration');
  }

  private openTag(s: string, lt: number): number {
    const n = s.length;
    let j = lt + 1;
    while (j < n && !endsName(s.charCodeAt(j))) j++;
    if (j >= n) return -1;
    if (j === lt + 1) throw malformed('a tag without a name');
    const name = s.slice(lt + 1, j);
    let attrs: Attrs | null = this.h.wants(name) ? {} : null;
    let end = this.attributesFast(s, j, name, attrs);
    if (end === -2) {
      attrs = attrs ? {} : null;
      end = this.attributes(s, j, name, attrs);
    }
    if (end < 0) return end;
    const selfClosing = s.charCodeAt(end - 2) === 47;
    if (this.rootClosed) throw malformed('a second root element');
    if (!this.sawRoot) this.sawRoot = true;
    this.h.open(name, attrs);
    if (selfClosing) this.ended(name);
    else this.stack.push(name);
    return end;
  }

  /**
   * The attributes as exports write them (` key="value"`, names already seen), read with
   * indexOf only; returns the index after the tag, or -2 for anything else (the careful reader
   * below then starts over).
   */
  private attributesFast(s: string, j: number, name: string, attrs: Attrs | null): number {
    const n = s.length;
    // Elements of a name repeat their attributes in the same order: the last order is tried
    // first, which spares slicing and looking up each name.
    const layout = this.layouts.get(name);
    let keys: string[] | undefined;
    for (let i = 0; ; i++) {
      if (j >= n) return -2;
      let c = s.charCodeAt(j);
      if (c === 62 || c === 47) {
        if (c === 47 && s.charCodeAt(j + 1) !== 62) return -2;
        if (keys && this.layouts.size < 1000) this.layouts.set(name, keys);
        return c === 62 ? j + 1 : j + 2;
      }
      if (c !== 32 && c !== 10) return -2;
      c = s.charCodeAt(++j);
      while (c === 32 || c === 10 || c === 9 || c === 13) c = s.charCodeAt(++j);
      if (c === 62 || c === 47) continue;
      const guess = layout && i < layout.length ? layout[i] : undefined;
      let key: string;
      let eq: number;
      if (guess !== undefined && s.charCodeAt(j + guess.length) === 61 && s.startsWith(guess, j)) {
        key = guess;
        eq = j + guess.length;
      } else {
        eq = s.indexOf('=', j);
        if (eq < 0) return -2;
        key = s.slice(j, eq);
        if (!this.names.has(key)) return -2;
        keys ??= layout ? layout.slice(0, i) : [];
      }
      keys?.push(key);
      const q = s.charCodeAt(eq + 1);
      if (q !== 34 && q !== 39) return -2;
      const close = s.indexOf(q === 34 ? '"' : "'", eq + 2);
      if (close < 0) return -2;
      j = close + 1;
      if (!this.put(attrs, key, s.slice(eq + 2, close), name)) return -2;
    }
  }

  /** The careful reader: every form XML allows, -1 when the tag is not complete yet. */
  private attributes(s: string, j: number, name: string, attrs: Attrs | null): number {
    const n = s.length;
    for (;;) {
      const before = j;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      const c = s.charCodeAt(j);
      if (c === 62) return j + 1;
      if (c === 47) {
        if (j + 1 >= n) return -1;
        if (s.charCodeAt(j + 1) !== 62) throw malformed(`a stray "/" in <${name}>`);
        return j + 2;
      }
      if (j === before) throw malformed(`no space between the attributes of <${name}>`);
      const a = j;
      while (j < n && !endsName(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      if (j === a) throw malformed(`an attribute without a name in <${name}>`);
      const key = s.slice(a, j);
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      if (s.charCodeAt(j) !== 61) throw malformed(`attribute ${key} of <${name}> has no value`);
      j++;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      const q = s.charCodeAt(j);
      if (q !== 34 && q !== 39) throw malformed(`attribute ${key} of <${name}> is not quoted`);
      const close = s.indexOf(q === 34 ? '"' : "'", j + 1);
      if (close < 0) return -1;
      const raw = s.slice(j + 1, close);
      j = close + 1;
      if (!this.put(attrs, key, raw, name)) throw malformed(`attribute ${key} repeated in <${name}>`);
      if (this.names.size < 1000) this.names.add(key);
    }
  }

  /** Checks a value and keeps it in `attrs` (when wanted); false when the attribute is repeated. */
  private put(attrs: Attrs | null, key: string, raw: string, name: string): boolean {
    const value = SPECIAL.test(raw) ? this.value(raw, key, name) : raw;
    if (!attrs || this.ignored.has(key)) return true;
    if (key in attrs) return false;
    attrs[key] = value;
    return true;
  }

  /** A value with a reference, a tab or a line break, or a forbidden "<". */
  private value(raw: string, key: string, name: string): string {
    const m = this.memo;
    if (raw === m[0]) return m[1];
    if (raw === m[2]) return m[3];
    if (raw.includes('<')) throw malformed(`a "<" in attribute ${key} of <${name}>`);
    // Attribute-value normalization: tab, CR and LF read as spaces (not those written as references).
    const v = /[\t\n\r]/.test(raw) ? raw.replace(/[\t\n\r]/g, ' ') : raw;
    const out = v.includes('&') ? this.unescape(v) : v;
    this.memo = [raw, out, m[0], m[1]];
    return out;
  }

  private closeTag(name: string): void {
    const top = this.stack.pop();
    if (top !== name) throw malformed(top === undefined ? `a closing tag </${name}> without its opening tag` : `</${name}> closes <${top}>`);
    this.ended(name);
  }

  private ended(name: string): void {
    if (!this.stack.length) this.rootClosed = true;
    this.h.close(name);
  }

  private unescape(raw: string): string {
    const hit = this.decoded.get(raw);
    if (hit !== undefined) return hit;
    const out = raw.replace(/&([^;&]*);?/g, (m, ref: string) => {
      if (!m.endsWith(';')) throw malformed('an unterminated reference');
      return referenceText(ref);
    });
    if (this.decoded.size > 1000) this.decoded.clear();
    this.decoded.set(raw, out);
    return out;
  }
}
