'use strict';
// The command line of a generator of a checked-in file: write it, or with `--check` exit 1 when the checked-in copy
// differs from what the generator gives now (so CI and reviewers can tell a stale file).
const { readFileSync, writeFileSync } = require('node:fs');

/** Writes `text` to `file`, or checks it with `--check`; `command` is what regenerates the file. */
function writeOrCheck(file, text, command) {
  if (!process.argv.includes('--check')) {
    writeFileSync(file, text);
    return;
  }
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // missing: out of date
  }
  if (current !== text) {
    process.stderr.write(`${file} is out of date: run "${command}"\n`);
    process.exit(1);
  }
}

module.exports = { writeOrCheck };
