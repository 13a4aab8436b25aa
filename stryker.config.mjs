// StrykerJS over the modules where a wrong line loses data, leaks a secret or grants too much. `npm run mutate` runs
// one module at a time (tools/mutate.sh sets AMC_MUTATE): against the unit tests that own its behaviour, listed here,
// rather than the whole suite. Most of these modules are tables and patterns built when the module loads, and Stryker
// must run every selected test for each such "static" mutant: against the whole suite that is hours per module on two
// cores, against its own tests minutes. The score is then a floor: a mutant another test would kill counts as alive.

/** Each critical module, and the unit test files (paths under tests/unit/, without `.test.ts`) that run against it. */
export const TARGETS = {
  'constructs/render/output-folder.ts': [
    'constructs/render/output-folder',
    'constructs/render/output-folder-lock',
    'constructs/render/output-folder-marker',
    'constructs/render/output-folder-tree',
    'constructs/render/output-folder-differences',
    'constructs/render/output-folder-lock-file',
    'constructs/render/output-folder-errors',
    'constructs/render/output-folder-recovery',
  ],
  'constructs/model/redact.ts': ['constructs/model/redact', 'constructs/cli/main-credentials'],
  'constructs/objects/rbac-rules.ts': [
    'constructs/objects/rbac-rules',
    'constructs/objects/controller-rbac',
    'constructs/objects/controller-identity',
    'constructs/objects/executor-rbac',
  ],
  'constructs/objects/controller-configmap.ts': ['constructs/objects/controller-configmap', 'constructs/model/limits'],
  'constructs/objects/profile.ts': ['constructs/objects/profile', 'constructs/render/kubeconfig'],
  'constructs/objects/profile-admission-policy.ts': ['constructs/objects/profile-admission-policy'],
  'constructs/cli/verify.ts': ['constructs/cli/verify'],
  'constructs/cli/rotate.ts': ['constructs/cli/rotate'],
  'constructs/cli/fleet.ts': ['constructs/cli/fleet', 'constructs/cli/fleet-pulumi'],
  'constructs/model/validate.ts': [
    'constructs/model/validate',
    'constructs/model/validate-malformed',
    'constructs/model/validate-messages',
  ],
  'stacks/component/cluster.ts': ['stacks/component/cluster', 'stacks/component/component'],
};

const target = process.env.AMC_MUTATE;
if (target !== undefined && !(target in TARGETS)) {
  throw new Error(`AMC_MUTATE=${target} is not a critical module; valid: ${Object.keys(TARGETS).join(', ')}`);
}
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const tests = target ? TARGETS[target] : Object.values(TARGETS).flat();
const slug = (target ?? 'all').replace(/[/.]/g, '-');

export default {
  $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    enableFindRelatedTests: false,
    config: {
      testEnvironment: 'node',
      rootDir: '.',
      roots: ['<rootDir>/tests/unit'],
      testRegex: [`^.*/tests/unit/(${[...new Set(tests)].map(escape).join('|')})\\.test\\.ts$`],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
      testTimeout: 60000,
    },
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // Stryker type-checks every mutant first with half of these, then runs tests with all: one more than the two cores
  // this was measured on, as the tests wait on child processes and files part of the time.
  concurrency: 3,
  timeoutFactor: 3,
  timeoutMS: 30000,
  mutate: target ? [target] : Object.keys(TARGETS),
  ignorePatterns: ['dist', 'bench/work', 'cdk8s.out', '.pulumi', 'reports'],
  // Not incremental: measured here, Stryker 10 kept a static mutant's "survived" from an earlier run after a test that
  // kills it was added (a static mutant lists no covering test, so a changed test file did not invalidate it).
  incremental: false,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${slug}.json` },
  htmlReporter: { fileName: `reports/mutation/${slug}.html` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  dryRunTimeoutMinutes: 30,
};
