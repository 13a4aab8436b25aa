import * as fs from 'node:fs';
import * as path from 'node:path';

// The benchmark runs compiled, from lib/bench: its inputs, work files and results stay in the source folder bench/,
// while the scripts it starts as child processes are the compiled siblings of this file.

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');
/** The source folder bench/, where the results are written. */
export const BENCH = path.join(ROOT, 'bench');
/** Scratch space for topologies, outputs and profiles (git-ignored). */
export const WORK = path.join(BENCH, 'work');
/** The built CLI, run as a whole process as a user runs it: where package.json's `bin` points. */
export const CLI = path.join(
  ROOT,
  (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin[
    'argo-multicluster'
  ],
);

/** The compiled form of a script in bench/, to start as a child process. */
export function compiledScript(name: string): string {
  return path.join(__dirname, `${name}.js`);
}
