import { factFound, type Fact } from './facts.ts';
import { CLASSES, type QuestionClass } from './questions/types.ts';
import type { Asked } from './ask.ts';

const BILLING = new Set(['fhir.Claim', 'fhir.ExplanationOfBenefit']);

/** One question's figures (null: the figure does not apply to it). */
export interface Scored {
  id: string;
  cls: QuestionClass;
  text: string;
  error?: string;
  notice?: string;
  factRecall: number | null;
  recordRecall: number | null;
  precision: number | null;
  billingItems: number;
  contextItems: number;
  promptTokens: number;
  leaks: string[];
  undisclosed: number;
  openaiSame: boolean | null;
  missingFacts: Fact[];
  missingRecords: string[];
  irrelevant: { kind: string; title: string }[];
}

export function score(a: Asked): Scored {
  const q = a.question;
  const found = a.context.map((c) => c.ref).filter(Boolean) as string[];
  const inContext = new Set(found);
  const missingFacts = q.facts.filter((f) => !factFound(f, a.system, a.notice));
  const missingRecords = q.required.filter((r) => !inContext.has(r));
  const relevant = new Set(q.relevant);
  const irrelevant = a.context.filter((c) => !c.ref || !relevant.has(c.ref));
  const judged = q.cls !== 'bad-input';
  return {
    id: q.id,
    cls: q.cls,
    text: q.text.length > 80 ? `${q.text.slice(0, 77)}… (${q.text.length} chars)` : q.text,
    error: a.error,
    notice: a.notice,
    factRecall: q.facts.length ? (q.facts.length - missingFacts.length) / q.facts.length : null,
    recordRecall: q.required.length ? (q.required.length - missingRecords.length) / q.required.length : null,
    precision: judged && a.context.length ? (a.context.length - irrelevant.length) / a.context.length : null,
    billingItems: q.aboutCost ? 0 : a.context.filter((c) => BILLING.has(c.kind)).length,
    contextItems: q.aboutCost ? 0 : a.context.length,
    promptTokens: a.promptTokens,
    leaks: a.leaks,
    undisclosed: a.undisclosed,
    openaiSame: a.openaiSame,
    missingFacts,
    missingRecords: missingRecords.map((ref) => a.requiredTitles[ref] ?? ref),
    irrelevant: irrelevant.map((c) => ({ kind: c.kind, title: c.title })),
  };
}

export interface Figures {
  n: number;
  factRecall: number | null;
  recordRecall: number | null;
  precision: number | null;
  billingShare: number | null;
  promptMedian: number | null;
  promptP90: number | null;
  leaks: number;
  errors: number;
  /** Context items missing from the conversation's disclosures. */
  undisclosed: number;
  /** Questions whose /v1/chat/completions context differed from /api/chat's, of those compared. */
  openaiDiffer: number;
  openaiCompared: number;
}

const mean = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};
export const percentile = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] : null);

/** Per-question means (a 40-reading trend counts as one question, like a one-fact lookup). */
export function figures(rows: Scored[]): Figures {
  const billing = rows.reduce((n, r) => n + r.billingItems, 0);
  const ctx = rows.reduce((n, r) => n + r.contextItems, 0);
  const tokens = rows.filter((r) => !r.error).map((r) => r.promptTokens);
  return {
    n: rows.length,
    factRecall: mean(rows.map((r) => r.factRecall)),
    recordRecall: mean(rows.map((r) => r.recordRecall)),
    precision: mean(rows.map((r) => r.precision)),
    billingShare: ctx ? billing / ctx : null,
    promptMedian: percentile(tokens, 50),
    promptP90: percentile(tokens, 90),
    leaks: rows.reduce((n, r) => n + r.leaks.length, 0),
    errors: rows.filter((r) => r.error).length,
    undisclosed: rows.reduce((n, r) => n + r.undisclosed, 0),
    openaiDiffer: rows.filter((r) => r.openaiSame === false).length,
    openaiCompared: rows.filter((r) => r.openaiSame !== null).length,
  };
}

export function byClass(rows: Scored[]): [QuestionClass | 'overall', Figures][] {
  const out: [QuestionClass | 'overall', Figures][] = [];
  for (const c of CLASSES) {
    const own = rows.filter((r) => r.cls === c);
    if (own.length) out.push([c, figures(own)]);
  }
  out.push(['overall', figures(rows)]);
  return out;
}
