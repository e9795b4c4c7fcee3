/**
 * A deliberately small Markdown reader for model answers. It produces a tree of plain
 * strings and known node types, never HTML: the renderer turns strings into text nodes,
 * so nothing in model output or record text can become markup or script.
 * Covers what chat answers use: paragraphs, headings, lists, code, quotes, rules,
 * emphasis, inline code, http(s)/mailto links and citation markers like [1].
 */

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'code'; v: string }
  | { t: 'strong'; c: Inline[] }
  | { t: 'em'; c: Inline[] }
  | { t: 'link'; href: string; c: Inline[] }
  | { t: 'cite'; n: number };

export type Block =
  | { t: 'p'; c: Inline[] }
  | { t: 'h'; level: number; c: Inline[] }
  | { t: 'ul'; items: Inline[][] }
  | { t: 'ol'; start: number; items: Inline[][] }
  | { t: 'code'; lang: string; v: string }
  | { t: 'quote'; c: Block[] }
  | { t: 'hr' };

const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

/** Only absolute http(s) and mailto links survive; `javascript:`, `data:` and relative ones become text. */
export function isSafeHref(href: string): boolean {
  return SAFE_HREF.test(href.trim());
}

/** Parses inline Markdown of one block into nodes. */
export function parseInline(src: string): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const flush = () => {
    if (text) out.push({ t: 'text', v: text });
    text = '';
  };
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    const rest = src.slice(i);
    if (ch === '\\' && i + 1 < src.length && /[\\`*_[\]()#>!-]/.test(src[i + 1])) {
      text += src[i + 1];
      i += 2;
      continue;
    }
    if (ch === '`') {
      const end = src.indexOf('`', i + 1);
      if (end > i + 1) {
        flush();
        out.push({ t: 'code', v: src.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if ((ch === '*' || ch === '_') && src[i + 1] === ch) {
      const end = src.indexOf(ch + ch, i + 2);
      if (end > i + 2 && src[i + 2] !== ' ') {
        flush();
        out.push({ t: 'strong', c: parseInline(src.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    }
    if (ch === '*' || (ch === '_' && (i === 0 || /[\s(]/.test(src[i - 1])))) {
      const end = findSingle(src, ch, i + 1);
      if (end > i + 1 && src[i + 1] !== ' ') {
        flush();
        out.push({ t: 'em', c: parseInline(src.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (ch === '[') {
      const cite = /^\[(\d{1,3})\]/.exec(rest);
      if (cite) {
        flush();
        out.push({ t: 'cite', n: Number(cite[1]) });
        i += cite[0].length;
        continue;
      }
      const multi = /^\[(\d{1,3}(?:\s*,\s*\d{1,3})+)\]/.exec(rest);
      if (multi) {
        flush();
        for (const n of multi[1].split(',')) out.push({ t: 'cite', n: Number(n.trim()) });
        i += multi[0].length;
        continue;
      }
      const link = /^\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)/.exec(rest);
      if (link) {
        flush();
        if (isSafeHref(link[2])) out.push({ t: 'link', href: link[2].trim(), c: parseInline(link[1]) });
        else out.push(...parseInline(link[1]));
        i += link[0].length;
        continue;
      }
    }
    text += ch;
    i++;
  }
  flush();
  return out;
}

/** Index of a closing single `*`/`_` (not part of a double), or -1. */
function findSingle(src: string, ch: string, from: number): number {
  for (let j = from; j < src.length; j++) {
    if (src[j] === ch) {
      if (src[j + 1] === ch) {
        j++;
        continue;
      }
      if (src[j - 1] === ' ') continue;
      if (ch === '_' && j + 1 < src.length && /\w/.test(src[j + 1])) continue;
      return j;
    }
  }
  return -1;
}

const FENCE = /^\s{0,3}(```|~~~)\s*([\w+-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s{0,6}[-*+]\s+(.*)$/;
const ORDERED = /^\s{0,6}(\d{1,9})[.)]\s+(.*)$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

/** Parses a whole answer into blocks. Unclosed constructs (mid-stream) degrade to text. */
export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  const flushPara = () => {
    if (para.length) blocks.push({ t: 'p', c: parseInline(para.join('\n')) });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      flushPara();
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !new RegExp(`^\\s{0,3}${fence[1]}\\s*$`).test(lines[j])) body.push(lines[j++]);
      blocks.push({ t: 'code', lang: fence[2], v: body.join('\n') });
      i = j;
      continue;
    }
    if (!line.trim()) {
      flushPara();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flushPara();
      blocks.push({ t: 'h', level: heading[1].length, c: parseInline(heading[2]) });
      continue;
    }
    if (RULE.test(line)) {
      flushPara();
      blocks.push({ t: 'hr' });
      continue;
    }
    if (QUOTE.test(line)) {
      flushPara();
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) body.push(QUOTE.exec(lines[i++])![1]);
      i--;
      blocks.push({ t: 'quote', c: parseMarkdown(body.join('\n')) });
      continue;
    }
    const bullet = BULLET.exec(line);
    const ordered = ORDERED.exec(line);
    if (bullet || ordered) {
      flushPara();
      const kind = bullet ? BULLET : ORDERED;
      const items: string[] = [];
      while (i < lines.length) {
        const m = kind.exec(lines[i]);
        if (m) items.push(bullet ? m[1] : m[2]);
        else if (lines[i].trim() && /^\s+/.test(lines[i]) && items.length) items[items.length - 1] += '\n' + lines[i].trim();
        else break;
        i++;
      }
      i--;
      const parsed = items.map(parseInline);
      blocks.push(bullet ? { t: 'ul', items: parsed } : { t: 'ol', start: Number(ordered![1]), items: parsed });
      continue;
    }
    para.push(line);
  }
  flushPara();
  return blocks;
}

/** Where a link leads, as people read it: the host of a web address, the address of a mailto. */
export function linkDestination(href: string): string {
  try {
    const u = new URL(href);
    if (u.protocol === 'mailto:') return `email to ${decodeURIComponent(u.pathname)}`;
    return u.host;
  } catch {
    return href;
  }
}
