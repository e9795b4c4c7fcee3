/**
 * Issue 13: the answers benchmark, the project's own evaluation of what reaches the model.
 * Synthetic FHIR patients in Synthea's style (bench/answers/generate.ts), questions in patients'
 * own words with ground truth computed from that FHIR (bench/answers/questions/), asked through
 * the public HTTP API of a gateway started as a child process, with the test model server as
 * its Ollama (it records every prompt). Figures per question class and overall, beside targets:
 * fact recall, record recall, precision, billing share, prompt size, sensitive leaks, errors.
 * Env: CV_BENCH_ANSWERS=embedded|postgres|both (default both), CV_BENCH_ANSWERS_VERBOSE=1 (why
 * each missing question missed), CV_BENCH_ANSWERS_ONLY=<substring of id or text>,
 * ANSWERS_PG_URL (a PostgreSQL server to use instead of a throwaway one), CV_BENCH_SEED.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestModel } from '../test/helpers/test-model.ts';
import { generatePatients } from './answers/generate.ts';
import { startPostgres } from './answers/gateway.ts';
import { buildQuestions } from './answers/questions/index.ts';
import { classTable, missed, missLines, targetLines } from './answers/report.ts';
import { runConfig, type ConfigRun } from './answers/run-config.ts';
import { byClass, score } from './answers/score.ts';
import { day } from './answers/rng.ts';

const which = process.env.CV_BENCH_ANSWERS ?? 'both';
const verbose = process.env.CV_BENCH_ANSWERS_VERBOSE === '1';
const only = process.env.CV_BENCH_ANSWERS_ONLY?.toLowerCase();
const seed = Number(process.env.CV_BENCH_SEED ?? 13);
const today = new Date().toISOString().slice(0, 10);

const patients = generatePatients(seed, day(today));
const all = buildQuestions(patients, today);
// A follow-up needs the turns it continues, so those are asked too.
const chosen = new Set(all.filter((q) => !only || q.id.toLowerCase().includes(only) || q.text.toLowerCase().includes(only)).map((q) => q.id));
for (const q of [...all].reverse()) if (chosen.has(q.id) && q.follows) chosen.add(q.follows);
const questions = all.filter((q) => chosen.has(q.id));
const resources = patients.map((p) => `${p.key} ${p.bundle.entry.length}`).join(', ');
console.log(`${patients.length} patients (resources: ${resources}), ${questions.length} of ${all.length} questions, seed ${seed}, today ${today}`);

const model = await startTestModel({ TEST_MODEL_TOKEN_DELAY_MS: '0', TEST_MODELS: 'test-chat,test-embed' });
// Ctrl-C (or a SIGINT to this process alone): the model server, the gateway and a throwaway
// PostgreSQL (pg_ctl runs it as a daemon) would otherwise stay behind.
const cleanups = new Set<() => Promise<void>>([() => model.stop()]);
process.once('SIGINT', () => {
  void Promise.allSettled([...cleanups].map((c) => c())).finally(() => process.exit(130));
});
const runs: ConfigRun[] = [];
let failed = false;
try {
  // A configuration that cannot even be set up (a failed import, a gateway that does not start)
  // is reported and the other one still runs.
  const attempt = async (name: string, databaseUrl?: string) => {
    try {
      runs.push(await runConfig(name, { model, patients, questions, databaseUrl, cleanups }));
    } catch (e) {
      failed = true;
      console.log(`\n--- ${name}: FAILED before any figure: ${(e as Error).message.slice(0, 500)}`);
    }
  };
  if (which === 'embedded' || which === 'both') await attempt('embedded PGlite, hybrid (test model embeddings)');
  if (which === 'postgres' || which === 'both') {
    let pg: Awaited<ReturnType<typeof startPostgres>>;
    try {
      pg = await startPostgres();
    } catch (e) {
      console.log(`PostgreSQL: could not start a throwaway server (${(e as Error).message.split('\n')[0]}); skipped`);
    }
    if (!pg) console.log('PostgreSQL: no ANSWERS_PG_URL and no Debian PostgreSQL binaries; skipped');
    else {
      const stop = pg.stop;
      cleanups.add(stop);
      try {
        await attempt('PostgreSQL without pgvector (lexical only)', pg.url);
      } finally {
        cleanups.delete(stop);
        await stop();
      }
    }
  }
} finally {
  await model.stop();
}

const results: unknown[] = [];
for (const run of runs) {
  const scored = run.asked.map(score);
  const classes = byClass(scored);
  const overall = classes.at(-1)![1];
  console.log(`\n--- ${run.name} (gateway: ${run.retrieval}): ${run.items} items; setup ${run.setupSeconds.toFixed(1)} s (${run.phases}), ${scored.length} questions in ${run.askSeconds.toFixed(1)} s`);
  for (const l of classTable(classes)) console.log(l);
  for (const l of targetLines(overall, run.setupLeaks.length)) console.log(l);
  if (overall.leaks + run.setupLeaks.length > 0) failed = true;
  for (const l of run.setupLeaks) console.log(`  LEAK (setup): ${l}`);
  if (verbose) {
    const misses = scored.filter(missed);
    console.log(`  ${misses.length} question(s) missed something:`);
    for (const r of misses) for (const l of missLines(r)) console.log(l);
  }
  results.push({ config: run.name, items: run.items, setupLeaks: run.setupLeaks, figures: Object.fromEntries(classes), questions: scored });
}
const file = join(tmpdir(), `cv-answers-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ seed, today, results }, null, 2));
console.log(`\nper-question results: ${file}`);
// The figures are the point and most are expected to miss today; a leak is never acceptable.
process.exit(failed ? 1 : 0);
