import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../../support/in-process-cli';
import { exampleInput } from '../../support/helpers';

/**
 * `validate` and `synth` agree on every input: over a generated corpus of odd strings and structures (a fixed seed,
 * so a failure replays), each input is either refused by both with exit 2 and the same field-named errors, or accepted
 * by both; every accepted output is built by kustomize, as Argo CD and Flux will build it.
 */

const CASES = 300;
const SEED = Number(process.env.AMC_CORPUS_SEED ?? 20261125);
const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

let state = SEED;
const random = () => {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state / 2147483648;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];

const ODD_STRINGS = [
  '',
  ' ',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'true',
  'False',
  'null',
  '~',
  '0',
  '0x1f',
  '0o17',
  '1e3',
  '.inf',
  '-.inf',
  '.nan',
  '1_000',
  '12:30:00',
  '2001-12-14',
  '-',
  '--',
  'a-',
  '-a',
  'a.b',
  'a..b',
  'A',
  'aB',
  'é',
  'ß',
  '日本',
  '\u0000',
  '\t',
  '\n',
  'a\nb',
  ' a',
  'a ',
  '#a',
  'a #b',
  'a: b',
  '- a',
  '[a]',
  '{a: 1}',
  '*a',
  '&a',
  '!a',
  '%a',
  '@a',
  '`a',
  '|',
  '>',
  "'",
  '"',
  '\\',
  '"a"',
  "'a'",
  'a'.repeat(63),
  'a'.repeat(64),
  'a'.repeat(244),
  'a'.repeat(253),
  'a'.repeat(254),
  `${'a'.repeat(63)}.b`,
  'x'.repeat(5000),
  '<<',
  '=',
  '?',
  ':',
  ',',
  'default',
  'kube-system',
  'argo',
  'cluster-1',
  'cluster-2',
  'team-a',
  'https://h',
  'https://h:6443/p',
  'https://[::1]:6443',
  'https://h\t',
  'https://h:0',
  'ftp://h',
  'https://u:p@h',
  'ghcr.io/a/b:v1',
  `ghcr.io/a/b@sha256:${'f'.repeat(64)}`,
  'quay.io/argoproj/workflow-controller:v3.5.0',
  'ghcr.io/A/b:v1',
  'b:latest',
  '1h',
  '5m',
  '1h30m',
  '10',
  'IfNotPresent',
  'Always',
  'cluster',
  'namespaced',
  'ClusterSecretStore',
  'SecretStore',
  'external',
  'none',
  '{remote}',
  'argo/{remote}',
  'xn--nxasmq6b',
  '\u202e',
  '\ufeff',
  'a\u0085b',
  '\u2028',
  'OnWorkflowCompletion',
  'OnPodSuccess',
  '100m',
  '1Gi',
  '-1',
];
const ODD_VALUES: unknown[] = [
  0,
  -1,
  1,
  2,
  1.5,
  1e21,
  2 ** 53,
  1e308,
  true,
  false,
  null,
  [],
  {},
  ['a'],
  [1, 'a'],
  { a: 1 },
  [[[]]],
  { a: { b: { c: [] } } },
];
const ODD_KEYS = [
  'x',
  'name',
  'Name',
  '__proto__',
  'constructor',
  '',
  ' ',
  'a.b',
  'a b',
  '0',
  'true',
  'podGC',
  'executor',
  'cluster',
  'server',
];

/** A richer base than the example: two remotes, several namespaces, external secrets, more config. */
function richer(): any {
  const t: any = exampleInput();
  t.local.controller.namespaced = true;
  t.local.controller.config.workflowDefaults = {
    spec: { serviceAccountName: 'workflow', podGC: { strategy: 'OnPodSuccess' } },
  };
  t.local.controller.config.links = [{ name: 'logs', scope: 'workflow', url: 'https://logs/${metadata.name}' }];
  t.local.controller.config.instanceID = 'mc';
  t.local.controller.config.namespace = 'argo';
  t.local.controller.config.metricsConfig = { enabled: true, path: '/metrics', port: 9090 };
  t.local.context = 'admin@cluster-0';
  t.remotes[0].namespaces = ['default', 'team-a'];
  t.remotes[0].workflowNamespace = '';
  t.remotes.push({
    name: 'cluster-2',
    server: 'https://10.0.0.2:6443',
    access: 'cluster',
    executorServiceAccount: 'workflow',
    namespaces: ['on'],
  });
  t.secrets = { store: { name: 'vault', key: 'argo/{remote}' } };
  return t;
}

type Path = (string | number)[];
function paths(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [...(prefix.length ? [prefix] : []), ...keys.flatMap((k) => paths((value as any)[k], [...prefix, k]))];
}
function parentOf(root: any, path: Path): any {
  let cur = root;
  for (const k of path.slice(0, -1)) cur = cur?.[k];
  return cur;
}

// Valid names that YAML readers take for something else unless quoted, and other values near the edge of valid.
const PLAUSIBLE = [
  'on',
  'yes',
  'no',
  'null',
  'true',
  'n',
  'y',
  'off',
  '0a',
  'a-0',
  'x',
  'team-b',
  '1e3',
  '0x1f',
  '0o17',
  'e2e',
  '1-1',
  'a'.repeat(63),
  'nan',
  'inf',
];

function oddValue(): unknown {
  const r = random();
  return r < 0.35 ? pick(PLAUSIBLE) : r < 0.8 ? pick(ODD_STRINGS) : structuredClone(pick(ODD_VALUES));
}

/** One generated input: YAML text, mostly a mutated object, sometimes mutated text. */
function generate(): string {
  const t = random() < 0.5 ? exampleInput() : richer();
  // Half the cases change one field, so that many odd values are accepted and reach kustomize.
  const mutations = random() < 0.5 ? 1 : 1 + Math.floor(random() * 3);
  for (let m = 0; m < mutations; m++) {
    const all = paths(t);
    const leaves = all.filter((p) => {
      const v = parentOf(t, p)?.[p[p.length - 1]];
      return v === null || typeof v !== 'object';
    });
    const path = pick(random() < 0.8 && leaves.length ? leaves : all);
    const parent = parentOf(t, path);
    if (parent === null || typeof parent !== 'object') continue;
    const key = path[path.length - 1];
    const kind = random();
    if (kind < 0.6) parent[key] = oddValue();
    else if (kind < 0.75 && !Array.isArray(parent)) delete parent[key];
    else if (kind < 0.9 && !Array.isArray(parent))
      Object.defineProperty(parent, pick(ODD_KEYS), {
        value: oddValue(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else if (Array.isArray(t.remotes))
      t.remotes.push({ ...structuredClone(t.remotes[0] ?? {}), name: pick(ODD_STRINGS) });
  }
  let text = stringify(t);
  if (random() < 0.2) {
    const lines = text.split('\n');
    const at = Math.floor(random() * lines.length);
    const snippet = pick([
      '  x: &a [*a]',
      '---',
      '\t',
      'local: {}',
      '  ? [a]\n  : b',
      '!!binary aGk=',
      '  <<: {a: 1}',
      '"',
      '  - *nowhere',
      ':',
      '\u0000',
    ]);
    lines.splice(at, 0, snippet);
    text = lines.join('\n');
  }
  return text;
}

const work = mkdtempSync(join(tmpdir(), 'amc-corpus-'));

function kustomize(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(KUBECTL, ['kustomize', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) =>
      resolve(code === 0 ? undefined : `${dir}: kubectl kustomize exited ${code}: ${stderr}`),
    );
  });
}

beforeAll(() => {
  const r = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(
      `kubectl (with its built-in kustomize) is needed at ${KUBECTL} (or $KUBECTL): ${r.error?.message ?? r.stderr}`,
    );
});

test(`validate and synth agree on ${CASES} generated inputs (seed ${SEED}), and kustomize builds every accepted output`, async () => {
  const accepted: string[] = [];
  let refused = 0;
  let acceptedCases = 0;
  for (let i = 0; i < CASES; i++) {
    const text = generate();
    const file = join(work, `case-${i}.yaml`);
    writeFileSync(file, text);
    const out = join(work, `out-${i}`);
    const validate = await runCli(['validate', '-f', file]);
    const synth = await runCli(['synth', '-f', file, '-o', out]);
    const context = `case ${i} (seed ${SEED}, ${file}): validate ${validate.code} ${validate.stderr}\nsynth ${synth.code} ${synth.stderr}`;
    expect([context, validate.code, synth.code]).toEqual([
      context,
      validate.code === 0 ? 0 : 2,
      validate.code === 0 ? 0 : 2,
    ]);
    if (validate.code === 2) {
      refused++;
      expect([context, synth.stderr]).toEqual([context, validate.stderr]);
      expect([context, existsSync(out)]).toEqual([context, false]);
    } else {
      acceptedCases++;
      accepted.push(
        ...readdirSync(out, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => join(out, e.name)),
      );
    }
  }
  // A corpus that only the validator sees, or that the validator never refuses, would show nothing.
  const counts = { refused, accepted: acceptedCases };
  expect([counts, refused > CASES / 4 && acceptedCases > CASES / 8]).toEqual([counts, true]);

  const failures: string[] = [];
  for (let i = 0; i < accepted.length; i += 4) {
    for (const f of await Promise.all(accepted.slice(i, i + 4).map(kustomize))) if (f) failures.push(f);
  }
  expect(failures).toEqual([]);
}, 600_000);
