import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CLI, cli, topologyFile } from '../../support/helpers';

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm test", which builds the CLI first`);
});

function listTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'amc-cli-'));
const out = join(work, 'dist');

describe('synth', () => {
  test('writes a folder per cluster with a kustomization listing every file', () => {
    const r = cli(['synth', '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const tree = listTree(out);
    expect(
      Object.keys(tree)
        .filter((f) => f.endsWith('kustomization.yaml'))
        .sort(),
    ).toEqual(['cluster-0/kustomization.yaml', 'cluster-1/kustomization.yaml']);
    for (const cluster of ['cluster-0', 'cluster-1']) {
      const listed = tree[`${cluster}/kustomization.yaml`].match(/^ {2}- (.+)$/gm)!.map((l) => l.slice(4));
      const files = Object.keys(tree).filter(
        (f) => f.startsWith(`${cluster}/`) && f.endsWith('.yaml') && !f.endsWith('kustomization.yaml'),
      );
      expect(listed.map((f) => `${cluster}/${f}`).sort()).toEqual(files.sort());
    }
  });

  test('is byte-for-byte reproducible', () => {
    const other = join(work, 'again');
    expect(cli(['synth', '-o', other]).code).toBe(0);
    expect(listTree(other)).toEqual(listTree(out));
  });

  test('refuses to replace a folder it did not write', () => {
    const mine = join(work, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    const r = cli(['synth', '-o', mine]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to replace/);
    expect(listTree(mine)).toEqual({ 'notes.txt': 'keep me' });
  });

  test('-o naming a file is refused', () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    expect(cli(['synth', '-o', file])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/a-file is not a folder/),
    });
  });

  test('plain mode without a reachable remote fails with exit 1 and leaves the output as it was', () => {
    const before = listTree(out);
    const file = topologyFile(work, 'plain', (t) => (t.secrets.mode = 'plain'));
    const r = cli(['synth', '-f', file, '-o', out, '--kubeconfig', join(work, 'missing-kubeconfig')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/warning: secrets.mode "plain"/);
    expect(r.stderr).toMatch(/cannot read kubeconfig/);
    expect(listTree(out)).toEqual(before);
  });
});

// Each: a bad topology, the field the error must name, and a fragment of the reason.
const BAD: [string, (t: any) => void, string, RegExp][] = [
  ['no remotes', (t) => (t.remotes = []), 'remotes', /at least one remote/],
  ['missing local name', (t) => delete t.local.name, 'local.name', /is required/],
  ['invalid local name', (t) => (t.local.name = 'Cluster_0'), 'local.name', /DNS-1123 label/],
  ['duplicate cluster name', (t) => (t.remotes[0].name = 'cluster-0'), 'remotes[0].name', /must be unique/],
  ['invalid namespace', (t) => (t.remotes[0].namespaces = ['Default']), 'remotes[0].namespaces[0]', /DNS-1123/],
  ['namespace listed twice', (t) => (t.remotes[0].namespaces = ['a', 'a']), 'remotes[0].namespaces[1]', /listed twice/],
  ['http server', (t) => (t.remotes[0].server = 'http://cluster-1:6443'), 'remotes[0].server', /https/],
  ['server not a URL', (t) => (t.remotes[0].server = 'cluster-1'), 'remotes[0].server', /not a URL/],
  [
    'released upstream image',
    (t) => (t.local.controller.image = 'quay.io/argoproj/workflow-controller:v3.4.0'),
    'local.controller.image',
    /released upstream/,
  ],
  [
    'image without tag',
    (t) => (t.local.controller.executorImage = 'quay.io/argoproj/argoexec'),
    'local.controller.executorImage',
    /no tag or digest/,
  ],
  [
    'malformed image',
    (t) => (t.local.controller.image = 'ghcr.io/Me/wc:v1'),
    'local.controller.image',
    /not an image reference/,
  ],
  [
    'misspelt config key',
    (t) => (t.local.controller.config.parallelizm = 2),
    'local.controller.config.parallelizm',
    /did you mean "parallelism"/,
  ],
  [
    'cluster in config',
    (t) => (t.local.controller.config.cluster = 'x'),
    'local.controller.config.cluster',
    /local\.name/,
  ],
  [
    'negative parallelism',
    (t) => (t.local.controller.config.parallelism = -1),
    'local.controller.config.parallelism',
    />=0|too small/i,
  ],
  ['bad access', (t) => (t.remotes[0].access = 'admin'), 'remotes[0].access', /"namespaced"\|"cluster"/],
  [
    'bad service account',
    (t) => (t.remotes[0].executorServiceAccount = 'Workflow SA'),
    'remotes[0].executorServiceAccount',
    /DNS-1123 subdomain/,
  ],
  ['unknown top-level field', (t) => (t.remote = []), 'remote', /valid fields here: local, remotes, secrets/],
  ['replicas zero', (t) => (t.local.controller.replicas = 0), 'local.controller.replicas', />=1|too small/i],
  [
    'external without store',
    (t) => (t.secrets.mode = 'external'),
    'remotes[0].secretStore',
    /is required with secrets.mode "external"/,
  ],
  ['bad secrets mode', (t) => (t.secrets.mode = 'sealed'), 'secrets.mode', /"none"\|"external"\|"plain"/],
  [
    'executor image twice',
    (t) => (t.local.controller.config.executor = { image: 'x:1' }),
    'local.controller.config.executor.image',
    /conflicts/,
  ],
  [
    'bad pod GC delay',
    (t) => (t.local.controller.config.podGCDeleteDelayDuration = '5 minutes'),
    'local.controller.config.podGCDeleteDelayDuration',
    /Go duration/,
  ],
];

describe('bad topologies: exit 2, the field named, the output untouched', () => {
  let before: Record<string, string>;
  beforeAll(() => {
    expect(cli(['synth', '-o', out]).code).toBe(0);
    before = listTree(out);
  });

  test.each(BAD)('%s', (name, patch, field, reason) => {
    const file = topologyFile(work, name.replace(/\W+/g, '-'), patch);
    for (const args of [
      ['validate', '-f', file],
      ['synth', '-f', file, '-o', out],
    ]) {
      const r = cli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const line = r.stderr.split('\n').find((l) => l.startsWith(`  - ${field}: `));
      expect(line).toBeDefined();
      expect(line).toMatch(reason);
    }
    expect(listTree(out)).toEqual(before);
  });

  test('YAML syntax error', () => {
    const file = join(work, 'broken.yaml');
    writeFileSync(file, 'local: [\n');
    const r = cli(['synth', '-f', file, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/- local: is not valid YAML at line 2, column 1: /);
    expect(listTree(out)).toEqual(before);
  });

  test('missing file', () => {
    const r = cli(['validate', '-f', join(work, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot be read/);
  });
});

describe('command line', () => {
  test('--help for each command exits 0', () => {
    for (const cmd of [['--help'], ['synth', '--help'], ['validate', '--help'], ['profile', '--help']]) {
      const r = cli(cmd);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: argo-multicluster/);
    }
  });

  test('unknown commands and flags exit 2 naming them', () => {
    expect(cli(['deploy'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "deploy"/) });
    expect(cli(['synth', '--outdir', 'x'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--outdir/) });
    expect(cli(['validate', '-o', 'x'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown flag "-o" \(it is a flag of synth\)/),
    });
    expect(cli(['profile'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--remote is required; valid values: cluster-1/),
    });
    expect(cli(['profile', '--remote', 'cluster-9'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/"cluster-9" is not in the topology/),
    });
    expect(cli(['verify'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/give --context \(the local cluster\) or -f TOPOLOGY/),
    });
  });

  test('validate prints a summary of a valid topology', () => {
    expect(cli(['validate'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/valid \(local cluster-0, 1 remote cluster\(s\), secrets.mode none\)/),
    });
  });
});
