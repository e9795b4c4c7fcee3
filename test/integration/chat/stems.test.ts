import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type KyselyPlugin } from 'kysely';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { QuestionStemmer, plainWords } from '../../../src/retrieval/stems.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(() => rt?.destroy());

/** What the database makes of the whole text: the reference the stemmer must always agree with. */
async function reference(text: string): Promise<string[]> {
  const r = await sql<{ l: string[] }>`select coalesce((select array_agg(lexeme order by lexeme) from unnest(to_tsvector('english', ${text}))), '{}') as l`.execute(rt.deps.db);
  return [...r.rows[0].l].sort();
}

function counting(): { plugin: KyselyPlugin; count: () => number } {
  let n = 0;
  return {
    plugin: { transformQuery: (a) => (n++, a.node), transformResult: async (a) => a.result },
    count: () => n,
  };
}

// Words of questions, stopwords among them, in every case; separators the fast path accepts and
// ones it must leave to the database (a period inside a word, hyphens, digits, slashes, accents).
const VOCAB = ['What', 'was', 'my', 'blood', 'PRESSURE', 'pressures', 'Heart', 'rate', 'running', 'ran', 'knees', 'the', 'of', 'and', 'Is', 'it', 's', 'o', 'clock', 'vitamins', 'thyroid', 'sleeping', 'e', 'g', 'u', 'A1c', 'café', 'naïve', 'x'];
const SEPS = [' ', '  ', "'", '?', '!', ', ', ';', ':', '(', ')', '"', '. ', '.', '-', '/', '\t', '\n', '\u00a0', '&', '<b>', '3.5', ' 12 '];

describe('question stemming', () => {
  it('accepts plain words and leaves everything else to the database', () => {
    expect(plainWords("What's my blood pressure?")).toEqual(['what', 's', 'my', 'blood', 'pressure']);
    expect(plainWords('Hello!How are you;fine:yes.')).toEqual(['hello', 'how', 'are', 'you', 'fine', 'yes']);
    for (const t of ['e.g. this', 'blood-pressure', 'A1c', 'mg/dL', 'café', 'in 2023', '<b>x</b>', 'a&amp;b', 'x'.repeat(65), 'blood\u00a0pressure', 'a\u2003b']) expect(plainWords(t), t).toBeNull();
  });

  it('gives exactly the lexemes PostgreSQL gives the whole text, warm or cold, for generated questions', async () => {
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const texts = ["What's my blood pressure?", 'Hello!How are you;fine:yes.', "it's o'clock", 'e.g. U.S. ok', 'blood-pressure readings', 'HbA1c in 2023', 'naïve café', ''];
    for (let i = 0; i < 300; i++) {
      let t = '';
      for (let k = rand(8) + 1; k > 0; k--) t += VOCAB[rand(VOCAB.length)] + (rand(3) ? SEPS[rand(7)] : SEPS[rand(SEPS.length)]);
      texts.push(t);
    }
    const warm = new QuestionStemmer(rt.deps.db);
    for (const text of texts) {
      const want = await reference(text);
      expect((await new QuestionStemmer(rt.deps.db).terms(text, [])).lexemes, JSON.stringify(text)).toEqual(want);
      expect((await warm.terms(text, [])).lexemes, JSON.stringify(text)).toEqual(want);
    }
  });

  it('stays exact when remembering new words evicts old words of the same question', async () => {
    const stemmer = new QuestionStemmer(rt.deps.db, 3);
    await stemmer.terms('blood pressure', ['85354-9', '8480-6', '8462-4']);
    // Full: "blood" and "pressure" are the oldest words, and this question brings two new ones.
    const text = 'blood pressure heart rate';
    const r = await stemmer.terms(text, ['85354-9', '8867-4']);
    expect(r.lexemes).toEqual(await reference(text));
    expect(r.codePhrases).toHaveLength(2);
  });

  it('asks the database only for words and codes it has not seen, and remembers code phrases', async () => {
    const c = counting();
    const stemmer = new QuestionStemmer(rt.deps.db.withPlugin(c.plugin));
    const first = await stemmer.terms('How is my blood pressure', ['85354-9', '8480-6']);
    expect(c.count()).toBe(1);
    const phrase = await sql<{ p: string }>`select phraseto_tsquery('english', '85354-9')::text as p`.execute(rt.deps.db);
    expect(first.codePhrases[0]).toBe(phrase.rows[0].p);
    expect(first.codePhrases).toHaveLength(2);
    expect(first.lexemes).toEqual(await reference('How is my blood pressure'));
    const again = await stemmer.terms('my pressure, blood?', ['8480-6']);
    expect(c.count()).toBe(1);
    expect(again).toEqual({ lexemes: ['blood', 'pressur'], codePhrases: [first.codePhrases[1]] });
    await stemmer.terms('blood glucose', []);
    expect(c.count()).toBe(2);
    // Not plain words: parsed whole by the database every time.
    await stemmer.terms('blood-pressure', []);
    await stemmer.terms('blood-pressure', []);
    expect(c.count()).toBe(4);
  });
});
