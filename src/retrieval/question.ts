import { parseTimeFilter, type TimeFilter } from './time-filter.ts';
import { CLASSES, STOP_WORDS, TOPICS, tokens, type ClassId, type RecordClass, type Topic } from './vocabulary.ts';

/**
 * What a health question asks for, read once per question: the record classes and topics it
 * names, the shape of the answer it wants (the latest, a complete list, a trend, the one before,
 * an overview, costs), the period, and the words left for free-text search.
 */
export interface Intent {
  classes: ClassId[];
  topics: Topic[];
  /** Current/active records only, or past/stopped/resolved ones only. */
  status?: 'current' | 'past';
  latest: boolean;
  list: boolean;
  trend: boolean;
  /** "the one before that": the reading or visit before the latest. */
  previous: boolean;
  overview: boolean;
  /** Reads as a continuation of the conversation ("and…", "what about…", "the one before"). */
  followUp: boolean;
  /** Points back at an earlier subject ("it", "that", "those"). */
  refersBack: boolean;
  filter: TimeFilter;
  /** Words no class, topic or marker took: for free-text search. */
  freeWords: string[];
  /** The question without its time phrase: what is embedded. */
  searchText: string;
}

type Phrase = { words: string[]; source: string };
const phrase = (s: string): string[] => tokens(s);

const CLASS_PHRASES: { cls: RecordClass; p: string[] }[] = CLASSES.flatMap((cls) => cls.words.map((w) => ({ cls, p: phrase(w) })));
const TOPIC_PHRASES: { topic: Topic; p: string[] }[] = TOPICS.flatMap((topic) => topic.words.map((w) => ({ topic, p: phrase(w) })));

/** Class words that only count when nothing stronger names a class ("taking" in "how many steps am I taking"). */
const WEAK = new Set(['taking', 'take', 'result', 'test', 'level', 'stay', 'file', 'ring', 'activity', 'physical', 'hospital', 'dose', 'panel', 'exercise', 'screening', 'note']);

const marker = (list: string): Phrase[] => list.split('|').map((s) => ({ words: phrase(s), source: s }));
const LATEST = marker('new|anything new|whats new|last|latest|most recent|newest|recent|recently|lately|current|currently|now|today|these days|when did i|when was|when were|when is the last|right now|how is my|how are my|what is my|what my');
const LIST = marker('all|every|list|which|what are my|what are the|any|ever|have i had|have i been|history of|each|everything');
const TREND = marker('trend|trending|change|changed|changing|over time|gone up|gone down|going up|going down|went up|went down|increase|increased|increasing|decrease|decreased|decreasing|improve|improved|improving|better|worse|worsening|progress|compare|compared|over the years|history of my|up or down|track|tracking|rise|rising|fall|falling|drop|dropped|series|all my');
const PREVIOUS = marker('the one before|one before|before that|before this|previous one|the previous|prior one|the time before|the last one before|earlier one|second to last|second last|one prior|before the last');
const CURRENT = marker('current|currently|active|still|now|ongoing|present|right now|these days|at the moment|am i on|im on|i am on|do i take|taking');
const PAST = marker('stop|stopped|quit|past|former|old|resolved|discontinued|used to|no longer|ended|cured|went away|gone|inactive|previously|in the past');
const OVERVIEW = marker('summarize|summary|overview|new doctor|my health|health summary|medical summary|big picture|everything about me|about my health|whole record|my records|medical history|health history|tell me about myself|whats in my record|what is in my record|brief me|rundown|recap|my chart|my history|key points|know about me|what do you know|health record|medical record|whole chart|full picture');
const ABOUT = new Set(['about', 'regarding', 'concerning', 're']);
const FOLLOW_START = marker('and|what about|how about|and what about|same for|also|and the|and my|and how|ok and|then');

function findPhrase(toks: string[], p: string[], from = 0): number {
  if (!p.length) return -1;
  outer: for (let i = from; i + p.length <= toks.length; i++) {
    for (let j = 0; j < p.length; j++) if (toks[i + j] !== p[j]) continue outer;
    return i;
  }
  return -1;
}

const hasAny = (toks: string[], phrases: Phrase[]) => phrases.some((p) => findPhrase(toks, p.words) >= 0);

/** Marks every occurrence of a phrase; returns whether it occurred. */
function take(toks: string[], used: boolean[], p: string[]): boolean {
  let found = false;
  for (let i = findPhrase(toks, p); i >= 0; i = findPhrase(toks, p, i + 1)) {
    found = true;
    for (let j = 0; j < p.length; j++) used[i + j] = true;
  }
  return found;
}

/** Reads a question. Pure: no database, no clock other than `now` (for the period). */
export function understand(question: string, now = new Date()): Intent {
  const filter = parseTimeFilter(question.slice(0, 2000), now);
  const toks = tokens(filter.rest.slice(0, 2000));
  const used = toks.map(() => false);
  const topics = new Set<Topic>();
  // Longer phrases first, so "blood pressure medicine" is one topic and not "blood pressure" + a class.
  for (const { topic, p } of [...TOPIC_PHRASES].sort((a, b) => b.p.length - a.p.length)) if (take(toks, used, p)) topics.add(topic);
  const strong = new Set<ClassId>();
  const weak = new Set<ClassId>();
  // A class word inside a topic's phrase still names its class: "blood pressure medicine".
  for (const { cls, p } of [...CLASS_PHRASES].sort((a, b) => b.p.length - a.p.length)) {
    if (take(toks, used, p)) (p.length === 1 && WEAK.has(p[0]) ? weak : strong).add(cls.id);
  }
  const classes = new Set(strong.size ? strong : weak);
  const previous = hasAny(toks, PREVIOUS);
  const trend = hasAny(toks, TREND) || (!!filter.from && !previous && !hasAny(toks, marker('last|latest|most recent')));
  const latest = !trend && (hasAny(toks, LATEST) || previous);
  const list = hasAny(toks, LIST);
  let status: Intent['status'];
  if (hasAny(toks, PAST) && !previous) status = 'past';
  else if (hasAny(toks, CURRENT)) status = 'current';
  for (const m of [LATEST, LIST, TREND, PREVIOUS, CURRENT, PAST, OVERVIEW]) for (const p of m) take(toks, used, p.words);
  const freeWords = [...new Set(toks.filter((t, i) => !used[i] && !STOP_WORDS.has(t) && t.length > 1))];
  // "What do my records say about my knee?" is about the knee, not an overview; "I see a new
  // cardiologist: can you put together a summary of my health?" is one.
  const aboutWord = toks.some((t, i) => ABOUT.has(t) && freeWords.includes(toks.slice(i + 1).find((x) => !STOP_WORDS.has(x)) ?? ''));
  const overview = hasAny(toks, OVERVIEW) && !topics.size && classes.size === 0 && !aboutWord;
  const startsAsFollowUp = FOLLOW_START.some((p) => findPhrase(toks, p.words) === 0);
  const refersBack = /\b(it|that|those|them|this|these|there|then)\b/i.test(filter.rest);
  const followUp = previous || (startsAsFollowUp && toks.length <= 12) || (refersBack && !topics.size && !overview && toks.length <= 12);
  return { classes: [...classes], topics: [...topics], status, latest, list, trend, previous, overview, followUp, refersBack, filter, freeWords, searchText: filter.rest };
}

/** Whether an intent names anything to look for. */
export function hasSubject(i: Intent): boolean {
  return i.classes.length > 0 || i.topics.length > 0 || i.overview || i.freeWords.length > 0;
}

/**
 * Completes a follow-up from the conversation's earlier questions (newest first): "and the one
 * before that?" takes the subject of the question before it; "what about my cholesterol?" keeps
 * its own subject and takes the earlier shape (latest, trend, period, status).
 */
export function resolveFollowUp(current: Intent, earlier: Intent[]): Intent {
  if (!current.followUp) return current;
  const base = earlier.find((e) => e.classes.length || e.topics.length || e.overview);
  if (!base) return current;
  const merged: Intent = { ...current };
  if (!current.classes.length && !current.topics.length) {
    merged.classes = base.classes;
    merged.topics = base.topics;
    merged.overview = base.overview && !current.freeWords.length;
    merged.freeWords = current.freeWords.length ? current.freeWords : base.freeWords;
    merged.searchText = `${base.searchText} ${current.searchText}`.trim();
  } else if (!current.topics.length && current.refersBack) {
    // "what was she given for it?": its own kind of record, about the earlier subject.
    merged.topics = base.topics;
  }
  const ownShape = current.trend || current.list || current.filter.from || current.filter.to || (current.latest && !current.previous);
  if (!ownShape) {
    merged.trend = base.trend;
    merged.list = base.list;
    merged.latest = current.previous || base.latest;
    merged.filter = base.filter.from || base.filter.to ? { ...base.filter, rest: current.filter.rest } : current.filter;
  }
  merged.status = current.status ?? base.status;
  return merged;
}
