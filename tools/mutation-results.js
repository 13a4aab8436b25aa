#!/usr/bin/env node
// Folds the report of one StrykerJS run (reports/mutation/<module>.json) into the committed results,
// bench/mutation-results.json, and writes bench/mutation-results.md from them. Files mutated in this run replace their
// earlier entry; the others keep theirs, with the commit and command they were measured with.
// Usage: node tools/mutation-results.js REPORT SECONDS 'COMMAND' (tools/mutate.sh calls it after each module's run);
// node tools/mutation-results.js --tree prints the commit a run is about to measure.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { cpus, totalmem } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');

/** The tree as it is now: the commit, and whether the sources or tests differ from it. */
function tree() {
  const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--', 'constructs', 'stacks', 'tests') !== '';
  return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes' : ''}`;
}
if (process.argv[2] === '--tree') {
  console.log(tree());
  process.exit(0);
}

const [reportFile, seconds, command] = process.argv.slice(2);
if (!reportFile || !seconds || !command)
  throw new Error('usage: node tools/mutation-results.js REPORT SECONDS COMMAND (- - - to render only)');
const report = reportFile === '-' ? { files: {} } : JSON.parse(readFileSync(join(root, reportFile), 'utf8'));
const resultsFile = join(root, 'bench/mutation-results.json');
const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : { files: {}, equivalent: {} };

// The commit the run started from (tools/mutate.sh asks for it with --tree before the run and passes it back).
const commit = process.env.AMC_MUTATE_COMMIT ?? tree();
const DETECTED = ['Killed', 'Timeout'];
const UNDETECTED = ['Survived', 'NoCoverage'];
const key = (file, m) =>
  `${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} ${m.replacement ?? ''}`.trim();

for (const [file, { mutants }] of Object.entries(report.files)) {
  const counts = {};
  for (const m of mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
  const detected = DETECTED.reduce((n, s) => n + (counts[s] ?? 0), 0);
  const undetected = UNDETECTED.reduce((n, s) => n + (counts[s] ?? 0), 0);
  if (results.notes) delete results.notes[file];
  results.files[file] = {
    measured: new Date().toISOString(),
    commit,
    command,
    seconds: Number(seconds),
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version} for the report, ${process.platform}`,
    counts,
    score: Number(((100 * detected) / (detected + undetected)).toFixed(2)),
    undetected: mutants
      .filter((m) => UNDETECTED.includes(m.status))
      .map((m) => ({ id: key(file, m), status: m.status })),
  };
}

// What a survivor's entry in `equivalent` says: why no test can tell it from the original.
const lines = [
  '# Mutation testing results',
  '',
  'StrykerJS over the modules where a wrong line loses data, leaks a secret or grants too much (`stryker.config.mjs`),',
  'one module per run, against the unit test files that own it (`TARGETS` there; a floor of what the whole suite',
  'would score). Score: killed and timed-out mutants over all that ran (compile errors',
  'excluded, as the TypeScript checker rejects them before any test); "equivalent" survivors are listed with why no',
  'test can tell them from the original, and counted as survivors in the score.',
  '',
  '| file | mutants | killed | timeout | survived | no coverage | compile error | score % | equivalent | seconds | commit | command |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
];
const sorted = Object.entries(results.files).sort(([a], [b]) => (a < b ? -1 : 1));
for (const [file, r] of sorted) {
  const c = (s) => r.counts[s] ?? 0;
  const total = Object.values(r.counts).reduce((a, b) => a + b, 0);
  const eq = r.undetected.filter((u) => results.equivalent[u.id]).length;
  lines.push(
    `| ${file} | ${total} | ${c('Killed')} | ${c('Timeout')} | ${c('Survived')} | ${c('NoCoverage')} | ${c('CompileError')} | ${r.score} | ${eq} | ${r.seconds} | ${r.commit} | \`${r.command}\` |`,
  );
}
lines.push('', '## Undetected mutants', '');
for (const [file, r] of sorted) {
  if (!r.undetected.length) continue;
  lines.push(`### ${file}`, '');
  // What is known about a run since it was measured (a result to distrust, survivors killed since), until the next.
  if (results.notes?.[file]) lines.push(results.notes[file], '');
  for (const u of r.undetected)
    lines.push(
      `- \`${u.id}\` (${u.status}): ${results.equivalent[u.id] ? `equivalent: ${results.equivalent[u.id]}` : 'not killed yet'}`,
    );
  lines.push('');
}
if (results.partial?.length) {
  lines.push('## Runs stopped before the end', '', 'Not scores: what a run had measured when it was stopped.', '');
  for (const p of results.partial) lines.push(`- ${p}`);
  lines.push('');
}
lines.push('Machines:', '');
for (const [file, r] of sorted) lines.push(`- ${file}: ${r.machine}, measured ${r.measured}`);
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(root, 'bench/mutation-results.md'), `${lines.join('\n')}\n`);
