import { PROCESS_BUDGET_MS } from './support/budgets';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support/helpers';

/**
 * The unit tests mirror the source tree, so that the tests of a file are found at one place: `<file>.test.ts` under
 * tests/unit/, and further files about one aspect of it as `<file>-<aspect>.test.ts` beside it.
 */

/** Sources with no behaviour of their own, and where what they do is tested instead. */
const WITHOUT_UNIT_TESTS: Record<string, string> = {
  'constructs/index.ts': 're-exports only; the packed tarball is imported by tests/integration/package.test.ts',
  'stacks/index.ts': "the Pulumi entry point, one line; the program it exports is program/program.ts's",
};

const tracked = (pattern: string) =>
  execFileSync('git', ['ls-files', pattern], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

test(
  'every source file has its test file at the mirrored path, or says why not',
  () => {
    const sources = [...tracked('constructs/*.ts'), ...tracked('stacks/*.ts')];
    const untested = sources.filter((f) => !existsSync(join(ROOT, 'tests', 'unit', f.replace(/\.ts$/, '.test.ts'))));
    expect(untested).toEqual(Object.keys(WITHOUT_UNIT_TESTS));
  },
  PROCESS_BUDGET_MS,
);

test(
  'every test file of the source tree names its source file',
  () => {
    const tests = [...tracked('tests/unit/constructs/*.test.ts'), ...tracked('tests/unit/stacks/*.test.ts')];
    const orphans = tests.filter((t) => {
      const name = t.replace(/^tests\/unit\//, '').replace(/\.test\.ts$/, '');
      // The source is the whole name, or the part before one of its dashes (`<file>-<aspect>`).
      const candidates = [name, ...[...name.matchAll(/-/g)].map((m) => name.slice(0, m.index))];
      return !candidates.some((s) => existsSync(join(ROOT, `${s}.ts`)));
    });
    expect(orphans).toEqual([]);
  },
  PROCESS_BUDGET_MS,
);
