import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../support/in-process-cli';
import { nearest } from '../../../../constructs/cli/flags';
import { ROOT, cli } from '../../support/helpers';

describe('--version', () => {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

  test.each([['--version'], ['-V'], ['version']])('%s prints the package version and exits 0', async (flag) => {
    expect(await runCli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('the compiled CLI finds its package.json from lib/', () => {
    expect(cli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});

describe('misspelt flags and commands', () => {
  test.each([
    [['synth', '--fiel', 'x.yaml'], 'synth: unknown flag "--fiel" (did you mean --file?)'],
    [['synth', '--ot', 'dir'], 'synth: unknown flag "--ot" (did you mean --out?)'],
    [['verify', '--namspace', 'argo'], 'verify: unknown flag "--namspace" (did you mean --namespace?)'],
    [['profile', '--remte', 'cluster-1'], 'profile: unknown flag "--remte" (did you mean --remote?)'],
    [['profile', '--kubeconifg', 'k'], 'profile: unknown flag "--kubeconifg" (did you mean --kubeconfig?)'],
  ])('%j names the nearest flag and exits 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      `error: ${message}; valid flags: ${r.stderr.split('valid flags: ')[1].split('\n')[0]}`,
    );
    expect(r.stdout).toBe('');
  });

  test('a flag of another command says which command takes it', async () => {
    const r = await runCli(['validate', '--out', 'dist']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: validate: unknown flag "--out" (it is a flag of synth); valid flags: -f/--file, -h/--help',
    );
  });

  test('a flag far from every valid one gets no guess, only the list', async () => {
    const r = await runCli(['synth', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: synth: unknown flag "--frobnicate"; valid flags: -f/--file, -o/--out, --kubeconfig, --argocd, --flux, --repo, --repo-path, --revision, --overlay, --argocd-namespace, -h/--help',
    );
  });

  test('an unknown short flag is refused with the list', async () => {
    const r = await runCli(['validate', '-x']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: validate: unknown flag "-x"; valid flags: -f/--file, -h/--help');
  });

  test('a misspelt command names the nearest command', async () => {
    const r = await runCli(['synht']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: unknown command "synht"; did you mean "synth"? valid commands: synth, validate, profile, verify, rotate, fleet',
    );
  });

  test('known flags still parse (a value that looks like a flag after --file is its value)', async () => {
    const r = await runCli(['validate', '--file', join(ROOT, 'constructs', 'examples', 'topology.yaml')]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });

  test('nearest() guesses only within two edits, fewer for short words', () => {
    expect(nearest('fiel', ['file', 'out'])).toBe('file');
    expect(nearest('x', ['file', 'out'])).toBeUndefined();
    expect(nearest('o', ['file', 'out'])).toBeUndefined();
    expect(nearest('kubeconfg', ['kubeconfig', 'context'])).toBe('kubeconfig');
    expect(nearest('namespaces', ['namespace'])).toBe('namespace');
  });
});
