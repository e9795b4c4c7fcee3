import { readFileSync } from 'node:fs';

/**
 * Free-text names nobody told us about ("seen with John Smith"), found through lists of common
 * first names and surnames shipped in ./names (sources and licences in names/SOURCES.md).
 *
 * Many names are also words ("May", "Will", "Mark", "Grace", "Rose", "Brown", "Hill"), so a
 * listed word alone is never a name here. A name is a first name followed by a surname
 * (optionally with a middle initial), both written as proper nouns (Capitalised or UPPER),
 * neither on the stop lists below; "Dr./Mr./Mrs. Surname" is left to the title pattern of
 * redact-patterns.ts. The stop lists remove first names that start ordinary sentences or
 * headings ("Will Call", "May Stop", "Grace Period") and surnames that are everyday or
 * clinical words ("Care", "Rate", "Pain").
 */

const FIRST_STOP = new Set(
  `will may mark grace hope faith joy june april august dawn rose iris ivy hazel amber crystal summer autumn bill sue pat art gene guy jack frank
  rich don honor mercy merry happy lucky glad candy honey star storm bird bell fancy fan deny else carry row pen page van de em min angel bride doll
  christian max tuesday sunny penny ray robin sky river jade ruby pearl opal jewel daisy lily violet heather holly ginger olive cherry melody harmony
  liberty charity patience prudence constance trinity destiny unity chase wade dale glen lane miles dean earl duke king prince major sterling hunter
  archer mason carter cooper baker tanner price stone cliff rocky brook heath moss fern reed rush hale lance gale rex ace sol hall tom bob sherry
  brandy sandy misty stormy rusty dusty buck beau nick sonny kit kitty ash ashes clay cole colt drew ward west lee long young rod read sage
  sharon shannon tammy chance cash golden gay royal noble free early fair fay hart heart vita lupe lorraine lyme addison graves bright luna allegra alli
  north south east west care bay red`
    .split(/\s+/)
    .filter(Boolean),
);

const SURNAME_STOP = new Set(
  `care rate count panel test level pressure daily well good little young long strong best love hand head heart bone blood pain black white
  green gray grey day week weeks may will mark rose hope joy grace hill field wood woods stone lake park street house church law case
  close fine free high low new early late still back power powers free small short large major minor bright sweet wise rich gold silver
  battle chase cross deal key keys story ring post pool block box card edge stock song word place race book lock hair child money forest
  fortune light way north south east west mass index screen scan drug dose plan note notes visit clinic office hospital center centre
  doctor nurse patient health medical lab labs result results report status history review follow sugar salt iron zinc lead
  fish glass hurt heard guess treat treatment held shell walls wall moon sun rain snow winter spring summer fall falls bell gates
  cook baker walker hunter fisher rivers brooks banks price bush waters fields colon patch valley beach hills springs trail cave cape
  parish ridge hook walk`
    .split(/\s+/)
    .filter(Boolean),
);

let lists: { first: Set<string>; surnames: Set<string> } | undefined;

function load(): { first: Set<string>; surnames: Set<string> } {
  const read = (file: string, stop: Set<string>) =>
    new Set(
      readFileSync(new URL(`./names/${file}`, import.meta.url), 'utf8')
        .split('\n')
        .map((w) => w.trim().toLowerCase())
        .filter((w) => w.length >= 2 && !stop.has(w)),
    );
  return (lists ??= { first: read('first-names.txt', FIRST_STOP), surnames: read('surnames.txt', SURNAME_STOP) });
}

/**
 * A word written as a proper noun: Smith, McDonald, O'Brien, Smith-Jones, Wu, SMITH. In upper
 * case at least three letters: "OH", "IN" and "ME" are state codes before they are surnames.
 */
const PROPER = /^(?:\p{Lu}\p{Ll}+(?:['’-]?\p{Lu}?\p{Ll}+)*|\p{Lu}{3,}(?:['’-]\p{Lu}+)*)$/u;
// Only words that start with a capital can be part of a name; a lower-case word between two
// makes the gap between them non-blank, so they are never taken for a pair.
const WORD = /(?<![\p{L}\p{N}'’-])\p{Lu}[\p{L}'’-]*/gu;
const INITIAL = /^\s+\p{Lu}\.?\s+$/u;
const key = (w: string) => w.toLowerCase().replace(/['’]/g, '');

const isFirst = (w: string) => PROPER.test(w) && load().first.has(key(w));
const isSurname = (w: string) => {
  if (!PROPER.test(w)) return false;
  const k = key(w);
  return load().surnames.has(k) || (k.includes('-') && k.split('-').some((p) => load().surnames.has(p)));
};

/** Replaces each listed first name + surname pair (middle initial allowed) with `label`. */
export function redactListedNames(text: string, label = '[name]'): string {
  const words = [...text.matchAll(WORD)].map((m) => ({ w: m[0], start: m.index!, end: m.index! + m[0].length }));
  const spans: [number, number][] = [];
  for (let i = 0; i + 1 < words.length; i++) {
    if (!isFirst(words[i].w)) continue;
    const gap = text.slice(words[i].end, words[i + 1].start);
    let j = -1;
    if (/^\s+$/u.test(gap) && isSurname(words[i + 1].w)) j = i + 1;
    else if (i + 2 < words.length && words[i + 1].w.length === 1 && INITIAL.test(text.slice(words[i].end, words[i + 2].start)) && isSurname(words[i + 2].w)) j = i + 2;
    if (j < 0) continue;
    spans.push([words[i].start, words[j].end]);
    i = j;
  }
  if (!spans.length) return text;
  let out = '';
  let at = 0;
  for (const [s, e] of spans) {
    out += text.slice(at, s) + label;
    at = e;
  }
  return out + text.slice(at);
}
