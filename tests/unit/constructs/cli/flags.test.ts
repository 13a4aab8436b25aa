import { PROCESS_BUDGET_MS } from '../../support/budgets';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../support/in-process-cli';
import { ROOT, cli } from '../../support/helpers';
import { usageOf } from '../../support/cli';

describe('--version', () => {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

  test.each([['--version'], ['-V'], ['version']])('%s prints the package version and exits 0', async (flag) => {
    expect(await runCli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  test(
    'the compiled CLI finds its package.json from lib/',
    () => {
      expect(cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    },
    PROCESS_BUDGET_MS,
  );
});

describe('misspelt flags and commands', () => {
  const SYNTH_FLAGS =
    '-f/--file, --example, -o/--out, --check, --kubeconfig, --argocd, --argocd-sync, --flux, --flux-secret, --repo, --repo-path, --revision, --overlay, --argocd-namespace, -h/--help';
  const VALIDATE_FLAGS = '-f/--file, --example, -h/--help';

  test.each([
    [['synth', '--fiel', 'x.yaml'], `synth: unknown flag "--fiel" (did you mean --file?); valid flags: ${SYNTH_FLAGS}`],
    [['synth', '--ot', 'dir'], `synth: unknown flag "--ot" (did you mean --out?); valid flags: ${SYNTH_FLAGS}`],
    [
      ['verify', '--namspace', 'argo'],
      'verify: unknown flag "--namspace" (did you mean --namespace?); valid flags: -f/--file, --context, --kubeconfig, --namespace, -h/--help',
    ],
    [
      ['profile', '--remte', 'cluster-1'],
      'profile: unknown flag "--remte" (did you mean --remote?); valid flags: -f/--file, --remote, --context, --kubeconfig, -h/--help',
    ],
    [
      ['profile', '--kubeconifg', 'k'],
      'profile: unknown flag "--kubeconifg" (did you mean --kubeconfig?); valid flags: -f/--file, --remote, --context, --kubeconfig, -h/--help',
    ],
    [
      ['validate', '--out', 'dist'],
      `validate: unknown flag "--out" (it is a flag of synth, init-pulumi); valid flags: ${VALIDATE_FLAGS}`,
    ],
    // Far from every valid flag: no guess, only the list.
    [['synth', '--frobnicate'], `synth: unknown flag "--frobnicate"; valid flags: ${SYNTH_FLAGS}`],
    [['validate', '-x'], `validate: unknown flag "-x"; valid flags: ${VALIDATE_FLAGS}`],
  ])(
    '%j exits 2 naming the flag, what was meant if it can tell, and the valid ones, then the usage',
    async (args, message) => {
      expect(await runCli(args)).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: ${message}\n\n${await usageOf([args[0]])}`,
      });
    },
  );

  const COMMANDS = 'synth, validate, profile, verify, rotate, init-pulumi, fleet';
  test.each([
    [['synht'], 'unknown command "synht"; did you mean "synth"?'],
    [['--verison'], 'unknown command "--verison"; did you mean "--version"?'],
    [['-version'], 'unknown command "-version"; did you mean "--version"?'],
    [['hlep'], 'unknown command "hlep"; did you mean "help"?'],
    [['help', 'synht'], 'unknown command "synht"; did you mean "synth"?'],
    [['deploy'], 'unknown command "deploy";'],
  ])('%j: a misspelt command names the nearest command or top-level flag (exit 2)', async (args, message) => {
    expect(await runCli(args)).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${message} valid commands: ${COMMANDS}\n\n${await usageOf([])}`,
    });
  });

  test('a misspelt fleet action names the nearest one (exit 2)', async () => {
    const r = await runCli(['fleet', 'upp']);
    expect({ ...r, stderr: r.stderr.split('\n')[0] }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: fleet: unknown action "upp" (did you mean "up"?); valid: up, preview, destroy',
    });
  });

  test.each(['synth', 'validate', 'profile', 'verify', 'rotate', 'init-pulumi', 'fleet'])(
    'help %s prints what %s --help prints (exit 0)',
    async (command) => {
      const asked = await runCli(['help', command]);
      expect(asked).toEqual({ code: 0, stdout: await usageOf([command]), stderr: '' });
      expect(asked.stdout).not.toBe(await usageOf([]));
    },
  );

  test('known flags still parse; a value that looks like a flag is given as --file=VALUE', async () => {
    const example = join(ROOT, 'constructs', 'examples', 'topology.yaml');
    expect(await runCli(['validate', '--file', example])).toEqual({
      code: 0,
      stdout: `${example}: valid (local cluster-0, 1 remote cluster(s), secrets.mode none)\n`,
      stderr: '',
    });
    expect(await runCli(['validate', '--file=-x.yaml'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: -x.yaml is invalid:\n  - (file): "-x.yaml" cannot be read: ENOENT: no such file or directory, open '-x.yaml'\n`,
    });
  });
});
