import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { exampleInput } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { fakeKube } from '../../support/cli';

/**
 * Time linear in the input, whatever the input: every pattern applied to user input (redaction runs on every message)
 * and every parse. Each command gets 1 MB values and 1 KB values of the same shapes; the CPU time of the large run is
 * bounded by a ratio to the small one's, never by seconds, so a slow or busy machine cannot fail it: linear work
 * grows at most 1,000-fold (fixed costs make it far less), the quadratic patterns this replaced grew a million-fold
 * (minutes).
 */
const work = mkdtempSync(join(tmpdir(), 'amc-linear-'));
const SMALL = 1000;
const LARGE = 1_000_000;
const MAX_RATIO = 2000;

/** Runs of the shapes that made redaction's patterns backtrack: letters, repeated prefixes of a JWT, PEM and URL. */
const SHAPES: Record<string, (n: number) => string> = {
  letters: (n) => 'a'.repeat(n),
  'JWT prefixes': (n) => 'eyJ'.repeat(n / 3),
  'PEM headers without an end': (n) => '-----BEGIN A-----'.repeat(n / 17),
  'URL scheme characters': (n) => 'a+'.repeat(n / 2),
  'hex ending in a letter': (n) => `${'f'.repeat(n - 1)}g`,
  'a key ending in punctuation': (n) => `${'k'.repeat(n - 2)}!b`,
};

let files = 0;
/** A topology file with `value` in the fields whose values messages quote. */
function topologyWith(value: string): string {
  const t = exampleInput() as any;
  t.local.name = value;
  t.remotes[0].server = `https://${value}`;
  t.local.controller.image = value;
  t.local.controller.extraArgs = [`--${value}`];
  t.local.controller.podAnnotations = { [value]: value };
  t[value] = 1;
  const file = join(work, `t${files++}.yaml`);
  writeFileSync(file, stringify(t, { lineWidth: 0 }));
  return file;
}

const COMMANDS: Record<string, (value: string) => string[]> = {
  validate: (v) => ['validate', '-f', topologyWith(v)],
  synth: (v) => ['synth', '-f', topologyWith(v), '-o', join(work, 'out')],
  'synth --repo': (v) => ['synth', '--flux', '--repo', `https://${v}`, '--repo-path', v, '-o', join(work, 'out')],
  profile: (v) => ['profile', '--remote', v],
  rotate: (v) => ['rotate', '--remote', v, '--kubeconfig', v],
  verify: (v) => ['verify', '--context', 'c', '--namespace', v],
  fleet: (v) => ['fleet', 'preview', '--stack', v],
  'an unknown flag': (v) => ['validate', `--${v}`],
};

/**
 * The least CPU time of three runs, in ms. CPU time, not the clock: on a busy machine a run waits for a core, which
 * adds to its wall time (a 1 MB run, being longer, more often) but not to the CPU time it spends.
 */
async function fastest(args: () => string[]): Promise<{ ms: number; code: number }> {
  let best = Infinity;
  let code = -1;
  for (let i = 0; i < 3; i++) {
    const a = args();
    const start = process.cpuUsage();
    code = (await runCli(a)).code;
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return { ms: Math.max(best, 1), code };
}

beforeEach(() => fakeKube(() => ({ items: [] })));
afterEach(() => jest.restoreAllMocks());

// Every shape through validate, whose messages quote the most fields; every command with the shape that reaches
// each pattern (a PEM header starts with dashes, so a flag value of that shape also meets the flag parser).
const cases = [
  ...Object.entries(SHAPES).map(([shape, make]) => ['validate', shape, COMMANDS.validate, make] as const),
  ...Object.entries(COMMANDS)
    .filter(([command]) => command !== 'validate')
    .flatMap(([command, args]) =>
      ['letters', 'PEM headers without an end'].map((shape) => [command, shape, args, SHAPES[shape]] as const),
    ),
];

test.each(cases)(
  '%s with %s: 1 MB takes at most 2,000 times as long as 1 KB, and fails the same way',
  async (_command, _shape, args, make) => {
    const small = await fastest(() => args(make(SMALL)));
    const large = await fastest(() => args(make(LARGE)));
    expect(large.code).toBe(small.code);
    expect(large.ms / small.ms).toBeLessThan(MAX_RATIO);
  },
  120_000,
);
