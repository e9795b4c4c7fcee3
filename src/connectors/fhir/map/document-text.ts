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

/**
 * The readable text of a Binary when it is text (plain, HTML, XML such as a C-CDA document),
 * capped so one huge document cannot swamp the index. Other formats (PDF, images) give none.
 */
export function documentText(binary: Json): string | undefined {
  const type = (str(binary.contentType) ?? '').toLowerCase();
  const data = str(binary.data);
  if (!data) return undefined;
  const textual = type.startsWith('text/') || type.includes('xml') || type.includes('json');
  if (!textual) return undefined;
  const raw = Buffer.from(data, 'base64').toString('utf8');
  const text = type.includes('xml') || type.includes('html') ? stripMarkup(raw) : raw.replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, MAX_CHARS) : undefined;
}
