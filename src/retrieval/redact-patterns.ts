/**
 * Patterns for direct identifiers nobody told us about (the second layer of src/retrieval/redact.ts).
 * They are written case-sensitively where case carries meaning: a name is a run of capitalised or
 * upper-case words, so "Patient: complains of chest pain" stays readable while "PATIENT: SMITH,
 * JOHN A" does not. Cue words ("name", "DOB", "MRN"…) match in any case through `ci()`.
 */

/** A case-insensitive regex source for a word, for patterns that must stay case-sensitive. */
export const ci = (word: string) =>
  word.replace(/[a-z]|\.| /gi, (c) => (c === '.' ? '\\.?' : c === ' ' ? '\\s*' : `[${c.toUpperCase()}${c.toLowerCase()}]`));

const MONTH = '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';

/** A date as written next to a birth cue: 1961-03-04, 3/4/1961, 03-04-61, 4 March 1961, March 4, 1961, 1961. */
const DATE = `(?:\\d{4}-\\d{1,2}-\\d{1,2}|\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})|\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTH},?\\s+\\d{4}|${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}|(?:in\\s+)?(?:19|20)\\d{2})(?![\\d/.-]?\\d)`;

const BIRTH_CUE = `(?:${ci('date of birth')}|${ci('birth')}\\s?${ci('date')}|${ci('dob')}|${ci('d.o.b.')}|${ci('born')}(?:\\s+${ci('on')})?|b\\.)`;

/** "DOB 1961-03-04", "born 4 March 1961", "b. 03/04/61": group 1 is the date. */
export const BIRTH_DATE = new RegExp(`(?<![\\p{L}\\p{N}])${BIRTH_CUE}\\s*[:=]?\\s*(${DATE})`, 'gu');

/** Parses a date found by BIRTH_DATE (numeric dates read month first, two-digit years pivot on today). */
export function parseLooseDate(s: string, now: Date): Date | null {
  const t = s.replace(/^in\s+/i, '').replace(/(\d)(st|nd|rd|th)/i, '$1').replace(/,/g, ' ').trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (m) return ymd(+m[1], +m[2], +m[3]);
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/.exec(t);
  if (m) {
    let y = +m[3];
    if (m[3].length === 2) y += y > now.getUTCFullYear() % 100 ? 1900 : 2000;
    return +m[1] > 12 ? ymd(y, +m[2], +m[1]) : ymd(y, +m[1], +m[2]);
  }
  m = /^(\d{4})$/.exec(t);
  if (m) return ymd(+m[1], 7, 1);
  const parts = t.split(/\s+/);
  const month = (w: string) => ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].indexOf(w.slice(0, 3).toLowerCase()) + 1;
  if (parts.length === 3) {
    if (month(parts[0])) return ymd(+parts[2], month(parts[0]), +parts[1]);
    if (month(parts[1])) return ymd(+parts[2], month(parts[1]), +parts[0]);
  }
  return null;
}

function ymd(y: number, m: number, d: number): Date | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  return Number.isNaN(date.getTime()) || m < 1 || m > 12 || d < 1 || d > 31 ? null : date;
}

/** A title then a dot or a space ("Dr. House", "MR JOHN SMITH"); "MS" only with its dot (MS is also a disease). */
const TITLE = '(?:(Dr|Mr|Mrs|Ms|Miss|Mx|Prof|DR|MR|MRS|MISS|MX|PROF|dr|mr|mrs)\\b(?:\\.\\s*|\\s+)|(MS)\\.\\s*)';
/** One word of a name: Smith, O'Brien, Smith-Jones, SMITH, or an initial. */
const NAME_WORD = "(?:\\p{Lu}\\p{Ll}+(?:['’-]\\p{Lu}?\\p{Ll}+)*|\\p{Lu}{2,}(?:['’-]\\p{Lu}+)*)";
const INITIAL = '[A-Z]\\.?(?![\\p{L}\\p{N}])';
const NAME_CUE = `${ci('name')}|${ci('patient')}(?:\\s+${ci('name')})?|${ci('guarantor')}|${ci('emergency contact')}|${ci('next of kin')}|${ci('mother')}|${ci('father')}|${ci('spouse')}`;

const STREET_TYPES = ['Street', 'St', 'Avenue', 'Ave', 'Road', 'Rd', 'Lane', 'Ln', 'Drive', 'Dr', 'Boulevard', 'Blvd', 'Court', 'Ct', 'Way', 'Place', 'Pl', 'Terrace', 'Ter', 'Circle', 'Cir', 'Highway', 'Hwy', 'Parkway', 'Pkwy', 'Square', 'Sq', 'Trail', 'Trl', 'Crescent'];
const STREET_TYPE = `(?:${STREET_TYPES.flatMap((t) => [t, t.toUpperCase()]).join('|')})\\b\\.?`;
const DIRECTION = '(?:[NSEW]|NE|NW|SE|SW|North|South|East|West|NORTH|SOUTH|EAST|WEST)\\.?';
const STREET_WORD = '(?:[A-Z][a-z]+|[A-Z]{2,}|\\d+(?:st|nd|rd|th))';
const UNIT = `(?:,?\\s+(?:${ci('apt')}|${ci('apartment')}|${ci('suite')}|${ci('ste')}|${ci('unit')}|#)\\.?\\s*[A-Za-z0-9-]+)`;
/** ", Springfield, IL 62704", ", Garland TX", " 75043-1234" after a street or a PO box. */
const PLACE_TAIL = `(?:,\\s*[A-Z][A-Za-z.'-]+(?:\\s+[A-Z][A-Za-z.'-]+){0,2}(?:,?\\s+[A-Z]{2}(?![A-Za-z]))?(?:,?\\s+\\d{5}(?:-\\d{4})?)?|,?\\s+\\d{5}(?:-\\d{4})?(?!\\d))?`;

const ID_CUE = `${ci('mrn')}|${ci('medical record')}(?:\\s+(?:${ci('number')}|${ci('no')}\\.?))?|${ci('patient id')}|${ci('member id')}|${ci('account')}(?:\\s+(?:${ci('number')}|${ci('no')}\\.?))?|${ci('acct')}\\.?|${ci('ssn')}|${ci('social security')}(?:\\s+${ci('number')})?|${ci('insurance id')}`;

/**
 * A code of a code system ("SNOMED 271649006", "LOINC 8480-6", "RxNorm 197361", "CVX 140",
 * "ICD-10-CM E11.9"): it names a concept, not a person, and the model needs it readable, so
 * the identifier patterns below (a run of 9+ digits is an id) must not touch it. Group 1 is
 * the system and its separator, group 2 the code.
 */
export const CODE_MENTION = new RegExp(
  `(?<![\\p{L}\\p{N}])((?:SNOMED(?:[ -]?CT)?|SCTID|SCT|LOINC|RxNorm|RXNORM|RxCUI|CVX|ICD-?(?:10|9|11)(?:-(?:CM|PCS))?|ICD|NDC|CPT|HCPCS)(?:\\s*(?:code|id))?\\s*[:#]?\\s*)([A-Z0-9](?=[A-Z0-9.-]{0,24}\\d)[A-Z0-9.-]{0,24}[A-Z0-9]|\\d)(?![\\p{L}\\p{N}])`,
  'giu',
);

/** Pattern → replacement, applied in order after the person's own identifiers. */
export const PATTERNS: [RegExp, string | ((...m: string[]) => string)][] = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  // SSN-shaped, with dashes or spaces; the spaced form only after a cue (see the next rule).
  [/\b\d{3}-\d{2}-\d{4}\b/g, '[id]'],
  // "Medical Record #: 12345678", "Acct 12345678", "SSN 123 45 6789": the value must hold a digit.
  [new RegExp(`\\b(${ID_CUE})(\\s*(?:#|${ci('no')}\\.)?\\s*[:#]?\\s*)(?:\\d{3}[ -]\\d{2}[ -]\\d{4}(?!\\d)|(?=[A-Za-z-]{0,12}\\d)[A-Za-z0-9-]{3,})`, 'g'), '$1$2[id]'],
  // North American numbers: 608-555-0199, (555) 010-9999, (555)123-4567, +1 555.010.9999.
  [/(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\d)/g, '[phone]'],
  // International numbers: +44 20 7946 0958 (a leading + and at least 8 digits).
  [/(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,5}(?![\d])/g, (m: string) => (m.replace(/\D/g, '').length >= 8 ? '[phone]' : m)],
  [/\b\d{9,}\b/g, '[id]'],
  [new RegExp(`\\b${TITLE}(?:${NAME_WORD}|${INITIAL})(?:\\s+(?:${NAME_WORD}|${INITIAL})){0,2}`, 'gu'), (_m: string, t?: string, ms?: string) => `${t ?? ms}. [name]`],
  // After a cue, two or more name words ("Camila Powell", "SMITH, JOHN A"); one word only after "name:".
  [new RegExp(`\\b(${NAME_CUE})(\\s*:\\s*)${NAME_WORD}(?:,?\\s+(?:${NAME_WORD}|${INITIAL})){1,3}`, 'gu'), '$1$2[name]'],
  [new RegExp(`\\b(${ci('name')})(\\s*:\\s*)${NAME_WORD}`, 'gu'), '$1$2[name]'],
  [new RegExp(`\\b(?:${ci('p.o. box')}|${ci('p o box')}|${ci('post office box')})\\s*\\d+${PLACE_TAIL}`, 'g'), '[address]'],
  [new RegExp(`\\b\\d{1,6}[A-Za-z]?\\s+(?:${DIRECTION}\\s+)?(?:${STREET_WORD}\\s+){1,3}${STREET_TYPE}${UNIT}?${PLACE_TAIL}`, 'g'), '[address]'],
];
