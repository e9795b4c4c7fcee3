import { describe, expect, it } from 'vitest';
import { resolveFollowUp, understand } from './question.ts';
import { fold, tokens } from './vocabulary.ts';

const now = new Date('2026-12-07T12:00:00Z');
const read = (q: string) => {
  const i = understand(q, now);
  return { classes: i.classes.sort(), topics: i.topics.map((t) => t.id).sort(), latest: i.latest, list: i.list, trend: i.trend, previous: i.previous, overview: i.overview, status: i.status };
};

describe('understand', () => {
  it('folds British spellings and plurals the same way on both sides', () => {
    expect(tokens('Summarise my immunisations, allergies and anaemia')).toEqual(['summarize', 'my', 'immunization', 'allergy', 'and', 'anemia']);
    expect(fold('diagnoses')).toBe('diagnosis');
    expect(fold('diabetes')).toBe('diabetes');
    expect(tokens("What's my BP? I'm fine")).toEqual(['what', 'my', 'bp', 'im', 'fine']);
  });

  it('reads overviews in either spelling, and not when a kind of record is named', () => {
    expect(read('Summarize my health for a new doctor.').overview).toBe(true);
    expect(read('Summarise my records').overview).toBe(true);
    expect(read('summarize my medications')).toMatchObject({ overview: false, classes: ['medications'] });
    expect(read('What do my records say about my knee?').overview).toBe(false);
    expect(read('I am seeing a new cardiologist next week. Can you put together a summary of my health?').overview).toBe(true);
  });

  it('names the record classes of everyday words', () => {
    expect(read('What pills am I taking?')).toMatchObject({ classes: ['medications'], status: 'current' });
    expect(read('Do I have any allergies?')).toMatchObject({ classes: ['allergies'], list: true });
    expect(read('list my diagnoses').classes).toEqual(['conditions']);
    expect(read('What surgeries have I had?').classes).toEqual(['procedures']);
    expect(read('When did I last see a doctor?')).toMatchObject({ classes: ['visits'], latest: true, topics: [] });
    expect(read('How much did my last visit cost?').classes).toEqual(['billing', 'visits']);
    expect(read('How many steps am I taking?').classes).toEqual(['wearables']);
  });

  it('maps consumer words to topics with their codes', () => {
    expect(read('When did I last get a flu shot?')).toMatchObject({ classes: ['immunizations'], topics: ['flu-vaccine'], latest: true });
    expect(read('Am I on a water pill?')).toMatchObject({ classes: ['medications'], topics: ['diuretic'] });
    expect(read('Have I had an echo?').topics).toEqual(['echo']);
    expect(read('did she ever have an ear infection?').topics).toEqual(['ear-infection']);
    expect(read('is my thyroid ok').topics).toEqual(['thyroid']);
    expect(read('what blood pressure medicine am I on').classes).toEqual(['medications']);
    expect(read('what blood pressure medicine am I on').topics).toContain('hypertension');
  });

  it('tells latest, trend and status apart', () => {
    expect(read('What was my most recent blood pressure?')).toMatchObject({ topics: ['blood-pressure'], latest: true, trend: false });
    expect(read('How has my A1c changed since 2020?')).toMatchObject({ topics: ['a1c'], trend: true, latest: false });
    expect(read('What was my blood pressure last month?').trend).toBe(true);
    expect(read('What medications did I stop?').status).toBe('past');
    expect(read('my current problems').status).toBe('current');
  });

  it('says nothing for greetings, nonsense and other languages', () => {
    for (const q of ['hello', 'thanks!', 'zxqv wrrbl', '', 'Wie hoch ist mein Blutdruck?']) {
      const i = understand(q, now);
      expect([q, i.classes, i.topics, i.overview]).toEqual([q, [], [], false]);
    }
  });
});

describe('resolveFollowUp', () => {
  const history = (...qs: string[]) => qs.reverse().map((q) => understand(q, now));

  it('"and the one before that?" takes the subject of the question before', () => {
    const i = resolveFollowUp(understand('And the one before that?', now), history('my last A1c?'));
    expect(i.topics.map((t) => t.id)).toEqual(['a1c']);
    expect(i).toMatchObject({ previous: true, latest: true });
  });

  it('"what about my cholesterol?" keeps its own subject and the earlier shape', () => {
    const i = resolveFollowUp(understand('what about my cholesterol?', now), history('How has my A1c changed since 2020?'));
    expect(i.topics.map((t) => t.id)).toEqual(['cholesterol']);
    expect(i.trend).toBe(true);
    expect(i.filter.from?.toISOString().slice(0, 10)).toBe('2020-01-01');
  });

  it('"what was she given for it?" asks for medications about the earlier subject', () => {
    const i = resolveFollowUp(understand('what was she given for it?', now), history('did she ever have an ear infection?'));
    expect(i.classes).toEqual(['medications']);
    expect(i.topics.map((t) => t.id)).toEqual(['ear-infection']);
  });

  it('a follow-up with no earlier turn, or a new question, stands alone', () => {
    expect(resolveFollowUp(understand('And the one before that?', now), []).topics).toEqual([]);
    expect(resolveFollowUp(understand('Do I have any allergies?', now), history('my last A1c?')).topics).toEqual([]);
  });
});
