import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { exampleInput } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';

/**
 * Flag values that parse but would make a command silently wrong are refused before anything is read or written:
 * empty and whitespace-damaged values, a flag given twice, a value joined to a short flag, a flag without effect for
 * the topology, a namespace that would change a request's path. Run in a folder of its own, whose content (the
 * current folder that `-o ''` would have replaced) must be the same after every case.
 */
const work = fs.mkdtempSync(join(tmpdir(), 'amc-flag-values-'));
const topology = join(work, 'topology.yaml');
fs.writeFileSync(topology, stringify(exampleInput()));
fs.writeFileSync(join(work, 'keep.txt'), 'mine');
const home = process.cwd();
beforeAll(() => process.chdir(work));
afterAll(() => process.chdir(home));

/** Every file under the folder with its content: the state before and after a case. */
function state(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(dir, entry);
    out[entry] = fs.statSync(path).isDirectory() ? '(folder)' : fs.readFileSync(path, 'utf8');
  }
  return out;
}

const WS = 'has white space at its start or end, which would name another path or value; give it without';
const EMPTY = 'is empty; give a value (leave the flag out for its default)';
const DNS_LABEL =
  'is not a namespace name; valid: a DNS-1123 label (lower-case letters, digits and "-", starting and ending alphanumeric, at most 63 characters)';

// Each: the arguments, $CDK8S_OUTDIR (undefined: unset), and the one line on stderr (exit 2, nothing written).
const CASES: [string[], string | undefined, string][] = [
  [['synth', '-f', topology, '-o', ''], undefined, `synth: -o/--out ${EMPTY}`],
  [['synth', '-f', topology, '--out='], undefined, `synth: -o/--out ${EMPTY}`],
  [['synth', '-f', topology, '-o', 'out\n'], undefined, `synth: -o/--out "out\\n" ${WS}`],
  [['synth', '-f', topology, '-o', 'out '], undefined, `synth: -o/--out "out " ${WS}`],
  [['synth', '-f', topology, '-o', 'out\r'], undefined, `synth: -o/--out "out\\r" ${WS}`],
  [['synth', '-f', `${topology} `], undefined, `synth: -f/--file "${topology} " ${WS}`],
  [
    ['profile', '-f', topology, '--remote', 'cluster-1', '--kubeconfig', ''],
    undefined,
    `profile: --kubeconfig ${EMPTY}`,
  ],
  [['rotate', '-f', topology, '--remote', 'cluster-1', '--kubeconfig', ''], undefined, `rotate: --kubeconfig ${EMPTY}`],
  [['verify', '--context', 'c', '--kubeconfig', ''], undefined, `verify: --kubeconfig ${EMPTY}`],
  [['verify', '--context', ''], undefined, `verify: --context ${EMPTY}`],
  [['init-pulumi', '-o', ''], undefined, `init-pulumi: -o/--out ${EMPTY}`],
  [['synth', '-f', topology], '', 'synth: $CDK8S_OUTDIR is "", empty; unset it, correct it or give -o DIR'],
  [
    ['synth', '-f', topology],
    'out\n',
    'synth: $CDK8S_OUTDIR is "out\\n", with white space at its start or end; unset it, correct it or give -o DIR',
  ],
  [
    ['synth', '-f', topology, '-o', 'a', '-o', 'b'],
    undefined,
    'synth: -o/--out is given twice ("a" and "b"); give it once',
  ],
  [
    ['synth', '-f', topology, '--file', topology, '-o', 'a'],
    undefined,
    `synth: -f/--file is given twice (${JSON.stringify(topology)} and ${JSON.stringify(topology)}); give it once`,
  ],
  [
    ['rotate', '-f', topology, '--remote', 'cluster-1', '--no-wait', '--no-wait'],
    undefined,
    'rotate: --no-wait is given twice; give it once',
  ],
  [
    ['validate', `-f${topology}`],
    undefined,
    `validate: "-f${topology}" joins its value to -f; write -f "${topology}" or --file=${topology}`,
  ],
  [['validate', '-file'], undefined, 'validate: "-file" joins its value to -f; write -f "ile" or --file=ile'],
  [
    ['synth', '-f', topology, '-o', 'a', '--kubeconfig', join(work, 'kubeconfig')],
    undefined,
    `synth: --kubeconfig is read only with secrets.mode "plain" (for the remote tokens), and ${topology} has secrets.mode "none"; leave --kubeconfig out`,
  ],
  [
    ['verify', '--context', 'c', '--namespace', 'argo/secrets/x?'],
    undefined,
    `verify: --namespace "argo/secrets/x?" ${DNS_LABEL}`,
  ],
  [['verify', '--context', 'c', '--namespace', 'Argo'], undefined, `verify: --namespace "Argo" ${DNS_LABEL}`],
  [
    ['verify', '--context', 'c', '--namespace', 'n'.repeat(64)],
    undefined,
    `verify: --namespace "${'n'.repeat(64)}" ${DNS_LABEL}`,
  ],
  // The same rule for every namespace a flag names: it lands in an object's metadata.namespace.
  [
    [
      'synth',
      '-f',
      topology,
      '--argocd',
      'applications',
      '--repo',
      'https://git.example.com/fleet',
      '--argocd-namespace',
      'n'.repeat(64),
    ],
    undefined,
    `GitOps options is invalid:\n  - --argocd-namespace: "${'n'.repeat(64)}" ${DNS_LABEL}`,
  ],
];

describe('flag values that would be silently wrong are refused, and nothing changes', () => {
  const saved = process.env.CDK8S_OUTDIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = saved;
  });

  test.each(CASES)('%j with CDK8S_OUTDIR=%j', async (args, outdir, line) => {
    if (outdir === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = outdir;
    const before = state(work);
    expect(await runCli(args)).toEqual({ code: 2, stdout: '', stderr: `error: ${line}\n` });
    expect(state(work)).toEqual(before);
  });

  test('a value with white space inside is taken as it is', async () => {
    const dir = join(work, 'with space');
    expect(await runCli(['synth', '-f', topology, '-o', dir])).toMatchObject({ code: 0, stderr: '' });
    expect(fs.existsSync(join(dir, 'cluster-0', 'kustomization.yaml'))).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });
});
