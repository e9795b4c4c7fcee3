import { isObj } from './map/datatypes.ts';

/**
 * Bounds of one Bundle entry (or one resource of a sync). Real records stay far inside them:
 * FHIR nests a few levels (extensions of extensions, QuestionnaireResponse items, contained
 * resources), and the longest strings are inline base64 attachments.
 */
export const FHIR_ENTRY_MAX_DEPTH = 100;
/** Characters of one JSON string (a 6 MB PDF inline as base64 is ~8 million). */
export const FHIR_ENTRY_MAX_STRING_CHARS = 8 * 1024 * 1024;

/**
 * Why an entry cannot be stored, in words with no record content, or undefined when it can.
 * Walks the value without recursion (a 100,000-deep `extension` must not overflow the stack):
 * nested deeper than FHIR_ENTRY_MAX_DEPTH, a string (or key) longer than
 * FHIR_ENTRY_MAX_STRING_CHARS, or a NUL character, which PostgreSQL text cannot hold.
 */
export function entryProblem(value: unknown): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const p = stringProblem(v);
      if (p) return p;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > FHIR_ENTRY_MAX_DEPTH) return `it is nested more than ${FHIR_ENTRY_MAX_DEPTH} levels deep`;
    if (Array.isArray(v)) {
      for (const x of v) stack.push([x, depth + 1]);
      continue;
    }
    for (const k in v as Record<string, unknown>) {
      const p = stringProblem(k);
      if (p) return p;
      stack.push([(v as Record<string, unknown>)[k], depth + 1]);
    }
  }
  return undefined;
}

function stringProblem(s: string): string | undefined {
  if (s.length > FHIR_ENTRY_MAX_STRING_CHARS) return `it holds a text of more than ${FHIR_ENTRY_MAX_STRING_CHARS.toLocaleString('en-US')} characters`;
  if (s.includes('\u0000')) return 'it holds a NUL character (\\u0000), which the vault cannot store';
  return undefined;
}

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const TYPE = /^[A-Za-z]{1,64}$/;

/** How a warning names an entry without its content: `Observation/obs-1`, else its position. */
export function entryName(entry: unknown, position?: number): string {
  const r = isObj(entry) && isObj(entry.resource) ? entry.resource : entry;
  const type = isObj(r) && typeof r.resourceType === 'string' && TYPE.test(r.resourceType) ? r.resourceType : undefined;
  const id = isObj(r) && typeof r.id === 'string' && ID.test(r.id) ? r.id : undefined;
  const at = position !== undefined ? `entry ${position + 1}` : undefined;
  if (type && id) return at ? `${at} (${type}/${id})` : `${type}/${id}`;
  const article = /^[AEIOU]/.test(type ?? '') ? 'an' : 'a';
  if (type) return at ? `${at} (${article} ${type})` : `${article} ${type}`;
  return at ?? 'a resource';
}
