import type { Figures, Scored } from './score.ts';
import type { QuestionClass } from './questions/types.ts';

const f2 = (x: number | null) => (x === null ? '   -' : x.toFixed(2));
const int = (x: number | null) => (x === null ? '-' : String(Math.round(x)));

/** The targets of issue 13, each with its check. */
export const TARGETS: { label: string; value: (f: Figures, setupLeaks: number) => number | null; target: string; ok: (v: number) => boolean; fmt: (v: number | null) => string }[] = [
  { label: 'fact recall', value: (f) => f.factRecall, target: '>= 0.95', ok: (v) => v >= 0.95, fmt: f2 },
  { label: 'record recall', value: (f) => f.recordRecall, target: '>= 0.95', ok: (v) => v >= 0.95, fmt: f2 },
  { label: 'precision', value: (f) => f.precision, target: '>= 0.6', ok: (v) => v >= 0.6, fmt: f2 },
  { label: 'billing share', value: (f) => f.billingShare, target: '<= 0.1', ok: (v) => v <= 0.1, fmt: f2 },
  { label: 'median prompt (tokens)', value: (f) => f.promptMedian, target: '<= 1500', ok: (v) => v <= 1500, fmt: int },
  { label: 'sensitive leaks', value: (f, s) => f.leaks + s, target: '= 0', ok: (v) => v === 0, fmt: int },
  { label: 'errors', value: (f) => f.errors, target: '= 0', ok: (v) => v === 0, fmt: int },
  { label: 'undisclosed context items', value: (f) => f.undisclosed, target: '= 0', ok: (v) => v === 0, fmt: int },
  { label: '/v1 context differs', value: (f) => (f.openaiCompared ? f.openaiDiffer : null), target: '= 0', ok: (v) => v === 0, fmt: int },
];

export function classTable(rows: [QuestionClass | 'overall', Figures][]): string[] {
  const head = `  ${'class'.padEnd(11)} ${'n'.padStart(3)}  facts  records  precision  billing  tokens p50/p90  leaks errors`;
  return [
    head,
    ...rows.map(([c, f]) => `  ${c.padEnd(11)} ${String(f.n).padStart(3)}   ${f2(f.factRecall)}     ${f2(f.recordRecall)}       ${f2(f.precision)}     ${f2(f.billingShare)}  ${`${int(f.promptMedian)}/${int(f.promptP90)}`.padStart(14)}  ${String(f.leaks).padStart(5)} ${String(f.errors).padStart(6)}`),
  ];
}

export function targetLines(overall: Figures, setupLeaks: number): string[] {
  return TARGETS.map((t) => {
    const v = t.value(overall, setupLeaks);
    return `  ${t.label.padEnd(24)} ${t.fmt(v).padStart(6)}  (target ${t.target})  ${v === null ? 'n/a' : t.ok(v) ? 'PASS' : 'FAIL'}`;
  });
}

/** Why a question missed: its missing facts and records, and what did not belong in its context. */
export function missLines(r: Scored): string[] {
  const short = (s: string) => (s.length > 90 ? `${s.slice(0, 89)}…` : s);
  const out = [`  ${r.id} [${r.cls}] "${r.text}"${r.error ? ` ERROR ${r.error}` : ''}${r.notice ? ` notice=${r.notice}` : ''}`];
  if (r.missingFacts.length) out.push(`    missing facts (${r.missingFacts.length}): ${r.missingFacts.slice(0, 12).map((f) => `${f.what}=${f.value}`).join('; ')}${r.missingFacts.length > 12 ? '; …' : ''}`);
  if (r.missingRecords.length) out.push(`    missing records (${r.missingRecords.length}): ${r.missingRecords.slice(0, 8).map(short).join('; ')}${r.missingRecords.length > 8 ? '; …' : ''}`);
  if (r.irrelevant.length) out.push(`    irrelevant in context (${r.irrelevant.length}): ${r.irrelevant.slice(0, 8).map((i) => `${i.kind} "${short(i.title)}"`).join('; ')}${r.irrelevant.length > 8 ? '; …' : ''}`);
  for (const l of r.leaks) out.push(`    LEAK: ${l}`);
  if (r.undisclosed) out.push(`    ${r.undisclosed} context item(s) missing from the conversation's disclosures`);
  if (r.openaiSame === false) out.push('    /v1/chat/completions gave another context');
  return out;
}

export const missed = (r: Scored) => !!r.error || r.leaks.length > 0 || r.undisclosed > 0 || r.openaiSame === false || r.missingFacts.length > 0 || r.missingRecords.length > 0 || (r.precision !== null && r.precision < 0.6);
