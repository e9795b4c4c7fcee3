import { str, type Json } from './datatypes.ts';

const MAX_CHARS = 100_000;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Plain text of markup: tags become spaces, common entities decoded, whitespace collapsed. */
export function stripMarkup(xml: string): string {
  return xml
    .replace(/<\?[\s\S]*?\?>/g, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(cp) && cp > 0 && cp < 0x110000 ? String.fromCodePoint(cp) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** Groups of an RTF document that hold no text (fonts, colours, styles, metadata, `{\*…}` destinations). */
const RTF_SKIP = /^\\(\*|fonttbl|colortbl|stylesheet|info|listtable|listoverridetable|rsidtbl|generator|pict|header|footer|xmlnstbl|themedata|latentstyles|datastore)/;

/** Plain text of an RTF document (Epic and other EHRs store notes as RTF). */
export function stripRtf(rtf: string): string {
  let out = '';
  let depth = 0;
  let skipBelow = Infinity;
  for (let i = 0; i < rtf.length; i++) {
    const ch = rtf[i];
    if (ch === '{') {
      depth++;
      if (depth < skipBelow && RTF_SKIP.test(rtf.slice(i + 1, i + 24))) skipBelow = depth;
      continue;
    }
    if (ch === '}') {
      if (depth === skipBelow) skipBelow = Infinity;
      depth--;
      continue;
    }
    if (depth >= skipBelow) continue;
    if (ch === '\\') {
      const next = rtf[i + 1];
      if (next === '\\' || next === '{' || next === '}') {
        out += next;
        i++;
        continue;
      }
      if (next === "'") {
        const code = parseInt(rtf.slice(i + 2, i + 4), 16);
        if (Number.isFinite(code)) out += String.fromCharCode(code);
        i += 3;
        continue;
      }
      const m = rtf.slice(i + 1, i + 40).match(/^([a-zA-Z]+)(-?\d+)? ?/);
      if (!m) {
        i++;
        continue;
      }
      const word = m[1];
      if (word === 'par' || word === 'line' || word === 'row' || word === 'cell' || word === 'tab') out += word === 'tab' || word === 'cell' ? ' ' : '\n';
      else if (word === 'u' && m[2]) out += String.fromCharCode((Number(m[2]) + 65536) % 65536);
      i += m[0].length;
      // \uN is followed by one fallback character for readers without Unicode.
      if (word === 'u' && m[2] && rtf[i + 1] === '?') i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') continue;
    out += ch;
  }
  return out.replace(/[ \t]+/g, ' ').replace(/\s*\n\s*/g, '\n').replace(/\s+/g, ' ').trim();
}

/** Base64 characters decoded at most: enough for MAX_CHARS of text even after markup is stripped. */
const MAX_BASE64 = 4 * 1024 * 1024;

/** Whether decoded bytes read as text (no NULs, few control characters): for attachments without a content type. */
function looksLikeText(buf: Buffer): boolean {
  const head = buf.subarray(0, 4096);
  if (!head.length) return false;
  let odd = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) odd++;
  }
  return odd / head.length < 0.01;
}

/**
 * The readable text of a Binary or an Attachment (`contentType` + base64 `data`) when it is
 * text (plain, HTML, XML such as a C-CDA document, JSON), with markup stripped and capped so
 * one huge document cannot swamp the index. Other formats (PDF, images) give none. An
 * attachment without a content type is read when its bytes look like text.
 */
export function documentText(binary: Json): string | undefined {
  const type = (str(binary.contentType) ?? '').toLowerCase();
  const data = str(binary.data);
  if (!data) return undefined;
  const textual = type.startsWith('text/') || type.includes('xml') || type.includes('json') || type.includes('html') || type.includes('rtf');
  if (type && !textual) return undefined;
  const bytes = Buffer.from(data.length > MAX_BASE64 ? data.slice(0, MAX_BASE64) : data, 'base64');
  if (!type && !looksLikeText(bytes)) return undefined;
  const charset = type.match(/charset\s*=\s*"?([a-z0-9_-]+)/)?.[1];
  const raw = bytes.toString(charset && /^(iso-?8859-?1|latin-?1|windows-1252|us-ascii)$/.test(charset) ? 'latin1' : 'utf8').replace(/^\uFEFF/, '');
  const rtf = type.includes('rtf') || /^\s*\{\\rtf/.test(raw);
  const markup = !rtf && (type.includes('xml') || type.includes('html') || (!type && /^\s*</.test(raw)));
  const text = rtf ? stripRtf(raw) : markup ? stripMarkup(raw) : raw.replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, MAX_CHARS) : undefined;
}
