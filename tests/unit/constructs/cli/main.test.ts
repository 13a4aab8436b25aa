import { PROCESS_BUDGET_MS } from '../../support/budgets';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestYaml, parseTopologyYaml } from '../../../../constructs';
import { CLI, ROOT, cli, example, find, objects, topologyFile } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { listTree } from '../../support/output-helpers';
import { fakeKube, kubeError, usageOf } from '../../support/cli';

const work = mkdtempSync(join(tmpdir(), 'amc-cli-'));
const out = join(work, 'dist');
const EXAMPLE = join(ROOT, 'constructs', 'examples', 'topology.yaml');

afterEach(() => jest.restoreAllMocks());

describe('the built binary', () => {
  test(
    'exit codes reach the shell: 0 done, 2 invalid input, 1 any other failure',
    () => {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm test", which builds the CLI first`);
      expect(cli(['validate', '--example'])).toEqual({
        code: 0,
        stdout: `${EXAMPLE}: valid (local cluster-0, 1 remote cluster(s), secrets.mode none)\n`,
        stderr: '',
      });
      const bad = topologyFile(work, 'no-remotes', (t) => (t.remotes = []));
      expect(cli(['validate', '-f', bad])).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: ${bad} is invalid:\n  - remotes: [] must list at least one remote cluster\n`,
      });
      const file = join(work, 'a-file');
      writeFileSync(file, 'x');
      expect(cli(['synth', '--example', '-o', file])).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: ${file} is not a folder\n`,
      });
    },
    PROCESS_BUDGET_MS,
  );
});

describe('command line', () => {
  test('without a command the overview is printed and the exit code is 2; asked for, 0', async () => {
    const overview = await runCli([]);
    expect(overview.code).toBe(2);
    expect(overview.stdout.split('\n').slice(0, 3)).toEqual([
      'argo-multicluster: Argo Workflows multi-cluster manifests from one topology file',
      '',
      'Usage: argo-multicluster <command> [options]',
    ]);
    for (const ask of ['--help', '-h', 'help']) expect(await runCli([ask])).toEqual({ ...overview, code: 0 });
  });

  test.each([
    ['synth', 'Usage: argo-multicluster synth (-f TOPOLOGY | --example) [-o DIR] [--check] [--kubeconfig PATH]'],
    ['validate', 'Usage: argo-multicluster validate (-f TOPOLOGY | --example)'],
    ['profile', 'Usage: argo-multicluster profile -f TOPOLOGY --remote NAME [--context CTX] [--kubeconfig PATH]'],
    ['verify', 'Usage: argo-multicluster verify (--context CTX | -f TOPOLOGY) [--kubeconfig PATH] [--namespace NS]'],
    [
      'rotate',
      'Usage: argo-multicluster rotate -f TOPOLOGY --remote NAME [--kubeconfig PATH] [--no-wait] [--timeout DURATION]',
    ],
  ])('%s --help prints its usage and exits 0', async (command, first) => {
    const r = await runCli([command, '--help']);
    expect({ ...r, stdout: r.stdout.split('\n')[0] }).toEqual({ code: 0, stdout: first, stderr: '' });
    expect(await runCli([command, '-h'])).toEqual(r);
  });

  test('the overview lists rotate, and rotate --help tells the order that never leaves the controller without a token', async () => {
    expect((await usageOf([])).split('\n')).toContain(
      "  rotate     move one remote's profile to a new token, then delete the old token",
    );
    expect((await usageOf(['rotate'])).split('\n').slice(2, 7)).toEqual([
      "Raise the remote's tokenGeneration in the topology first. Then rotate creates that generation's token Secret in the",
      'remote, waits for its token, rewrites the profile Secret in the local cluster, rolls the controller and waits for the',
      'rollout, and only then deletes the token Secrets of other generations (the API server refuses their tokens from then',
      'on). Run it before your GitOps tool syncs the new synth output; a rerun finishes an interrupted rotation. Each step',
      'is printed on stderr as it starts or ends.',
    ]);
  });

  test('unknown commands and flags exit 2 naming them, followed by the usage', async () => {
    const cases: [string[], string, string[]][] = [
      [
        ['deploy'],
        'unknown command "deploy"; valid commands: synth, validate, profile, verify, rotate, init-pulumi, fleet',
        [],
      ],
      [
        ['synth', '--outdir', 'x'],
        'synth: unknown flag "--outdir"; valid flags: -f/--file, --example, -o/--out, --check, --kubeconfig, --argocd, --argocd-sync, --flux, --flux-secret, --repo, --repo-path, --revision, --overlay, --argocd-namespace, -h/--help',
        ['synth', '--example'],
      ],
      [
        ['validate', '-o', 'x'],
        'validate: unknown flag "-o" (it is a flag of synth, init-pulumi); valid flags: -f/--file, --example, -h/--help',
        ['validate', '--example'],
      ],
      [
        ['rotate', '--remote', 'cluster-1', '--context', 'c'],
        'rotate: unknown flag "--context" (it is a flag of profile, verify); valid flags: -f/--file, --remote, --kubeconfig, --no-wait, --timeout, -h/--help',
        ['rotate'],
      ],
    ];
    for (const [args, message, command] of cases)
      expect(await runCli(args)).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: ${message}\n\n${await usageOf(command)}`,
      });
  });

  test.each(['profile', 'rotate'])('%s needs --remote, one of the topology (exit 2)', async (command) => {
    expect(await runCli([command])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${command}: --remote is required; valid values: cluster-1\n`,
    });
    expect(await runCli([command, '--remote', 'cluster-9'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${command}: --remote "cluster-9" is not in the topology; valid values: cluster-1\n`,
    });
  });

  test('verify needs the local cluster: --context or a topology naming it (exit 2)', async () => {
    expect(await runCli(['verify'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: verify: give --context (the local cluster) or -f TOPOLOGY\n',
    });
  });

  test('validate prints a summary of a valid topology', async () => {
    const file = topologyFile(work, 'plain-two', (t) => {
      t.secrets.mode = 'plain';
      t.remotes.push({ name: 'cluster-2', server: 'https://c2:6443' });
    });
    expect(await runCli(['validate', '--example'])).toEqual({
      code: 0,
      stdout: `${EXAMPLE}: valid (local cluster-0, 1 remote cluster(s), secrets.mode none)\n`,
      stderr: '',
    });
    expect(await runCli(['validate', '-f', file])).toEqual({
      code: 0,
      stdout: `${file}: valid (local cluster-0, 2 remote cluster(s), secrets.mode plain)\n`,
      stderr: '',
    });
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
    /: -1 is out of range; valid: an integer of at least 0$/m,
  ],
  ['bad access', (t) => (t.remotes[0].access = 'admin'), 'remotes[0].access', /"namespaced"\|"cluster"/],
  [
    'bad service account',
    (t) => (t.remotes[0].executorServiceAccount = 'Workflow SA'),
    'remotes[0].executorServiceAccount',
    /DNS-1123 subdomain/,
  ],
  ['unknown top-level field', (t) => (t.remote = []), 'remote', /valid fields here: local, remotes, secrets/],
  [
    'replicas zero',
    (t) => (t.local.controller.replicas = 0),
    'local.controller.replicas',
    /: 0 is out of range; valid: an integer from 1 to 10$/m,
  ],
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
  beforeAll(async () => {
    expect((await runCli(['synth', '--example', '-o', out])).code).toBe(0);
    before = listTree(out);
  });

  test.each(BAD)('%s', async (name, patch, field, reason) => {
    const file = topologyFile(work, name.replace(/\W+/g, '-'), patch);
    for (const args of [
      ['validate', '-f', file],
      ['synth', '-f', file, '-o', out],
    ]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const line = r.stderr.split('\n').find((l) => l.startsWith(`  - ${field}: `));
      expect(line).toBeDefined();
      expect(line).toMatch(reason);
    }
    expect(listTree(out)).toEqual(before);
  });

  test('YAML syntax error', async () => {
    const file = join(work, 'broken.yaml');
    writeFileSync(file, 'local: [\n');
    expect(await runCli(['synth', '-f', file, '-o', out])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `error: ${file} is invalid:\n` +
        '  - (yaml): is not valid YAML at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]\n',
    });
    expect(listTree(out)).toEqual(before);
  });

  test('missing file', async () => {
    const file = join(work, 'nope.yaml');
    expect(await runCli(['validate', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${file} is invalid:\n  - (file): "${file}" cannot be read: ENOENT: no such file or directory, open '${file}'\n`,
    });
  });
});

describe('profile', () => {
  test("prints the profile Secret of the remote, with the token read from the remote's token Secret", async () => {
    const credentials = { token: 'the-token', caData: 'Q0E=' };
    const kube = fakeKube(() => ({
      data: { token: Buffer.from(credentials.token).toString('base64'), 'ca.crt': credentials.caData },
    }));
    const r = await runCli(['profile', '--remote', 'cluster-1', '--context', 'admin@c1', '--kubeconfig', '/k']);
    // The very Secret that secrets.mode "plain" writes with the same credentials.
    const plain = { ...example(), secrets: { mode: 'plain' as const } };
    const written = find(
      objects(plain, { credentials: new Map([['cluster-1', credentials]]) }).get('cluster-0')!,
      'Secret',
      'argo.cluster-1',
      'argo',
    );
    expect(r).toEqual({ code: 0, stdout: manifestYaml(written), stderr: '' });
    expect(kube.connects).toEqual([{ context: 'admin@c1', kubeconfig: '/k' }]);
  });

  test('profilePerNamespace: --remote <remote> prints every profile of it as one stream, <remote>-<namespace> one', async () => {
    const credentials = { token: 'the-token', caData: 'Q0E=' };
    fakeKube(() => ({
      data: { token: Buffer.from(credentials.token).toString('base64'), 'ca.crt': credentials.caData },
    }));
    const patch = (t: any) =>
      Object.assign(t.remotes[0], { namespaces: ['team-a', 'team-b'], profilePerNamespace: true });
    const file = topologyFile(work, 'per-namespace', patch);
    const plain = objects(
      { ...parseTopologyYaml(readFileSync(file, 'utf8')), secrets: { mode: 'plain' as const } },
      { credentials: new Map([['cluster-1', credentials]]) },
    ).get('cluster-0')!;
    const written = (ns: string) => manifestYaml(find(plain, 'Secret', `argo.cluster-1-${ns}`, 'argo'));
    expect(await runCli(['profile', '-f', file, '--remote', 'cluster-1'])).toEqual({
      code: 0,
      stdout: `${written('team-a')}---\n${written('team-b')}`,
      stderr: '',
    });
    expect(await runCli(['profile', '-f', file, '--remote', 'cluster-1-team-b'])).toEqual({
      code: 0,
      stdout: written('team-b'),
      stderr: '',
    });
    expect(await runCli(['profile', '-f', file, '--remote', 'cluster-2'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: profile: --remote "cluster-2" is not in the topology; valid values: cluster-1, cluster-1-team-a, cluster-1-team-b\n',
    });
  });

  test('a remote it cannot read fails with exit 1', async () => {
    fakeKube((call) => kubeError(call, 403, 'forbidden'));
    expect(await runCli(['profile', '--remote', 'cluster-1'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: GET /api/v1/namespaces/default/secrets/argo.cluster-0.service-account-token on cluster-1: 403 forbidden\n',
    });
  });
});

describe('verify', () => {
  /** The local cluster holds no profile Secret, or one whose remote allows what `allowed` says. */
  const clusters = (profiles: number, allowed = true) =>
    fakeKube((call) => {
      if (call.method === 'POST') return { status: { allowed } };
      const kubeconfig = `apiVersion: v1\nclusters: [{name: c, cluster: {server: "https://c1"}}]\nusers: [{name: u, user: {token: T}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`;
      const item = {
        metadata: {
          name: 'argo.cluster-1',
          namespace: 'argo',
          labels: { 'workflows.argoproj.io/cluster': 'cluster-1' },
        },
        data: { kubeconfig: Buffer.from(kubeconfig).toString('base64') },
      };
      return { items: Array(profiles).fill(item) };
    });

  const none = (namespace: string) =>
    `no profile Secrets (label workflows.argoproj.io/cluster) in namespace ${namespace}\n`;

  test('takes the local context and the profile namespace from the topology', async () => {
    const kube = clusters(0);
    const t = topologyFile(work, 'local-ns', (raw) => {
      raw.local.context = 'admin@local';
      raw.local.namespace = 'workflows';
    });
    expect(await runCli(['verify', '-f', t])).toEqual({ code: 1, stdout: none('workflows'), stderr: '' });
    expect(kube.connects).toEqual([{ context: 'admin@local' }]);
  });

  test('--context, --namespace and --kubeconfig override the topology', async () => {
    const kube = clusters(0);
    const args = ['verify', '-f', EXAMPLE, '--context', 'c', '--namespace', 'ns', '--kubeconfig', '/k'];
    expect((await runCli(args)).stdout).toBe(none('ns'));
    expect(kube.connects).toEqual([{ context: 'c', kubeconfig: '/k' }]);
  });

  test('without a topology the profiles are looked for in namespace argo', async () => {
    clusters(0);
    expect((await runCli(['verify', '--context', 'c'])).stdout).toBe(none('argo'));
  });

  test.each([
    [true, 0, 'all needs met'],
    [false, 1, 'some needs are not met'],
  ])('a remote that answers allowed: %s exits %i', async (allowed, code, verdict) => {
    clusters(1, allowed);
    const r = await runCli(['verify', '--context', 'c']);
    expect([r.code, r.stdout.split('\n').slice(-2), r.stderr]).toEqual([code, [verdict, ''], '']);
  });
});

describe('rotate', () => {
  test('a refusal of the input exits 2 before any cluster is contacted; a failure of a cluster exits 1', async () => {
    const external = topologyFile(work, 'external', (t) => (t.secrets = { store: { name: 's' } }));
    const kube = fakeKube((call) => kubeError(call, 403, 'forbidden'));
    expect(await runCli(['rotate', '-f', external, '--remote', 'cluster-1'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: rotate: secrets.mode "external" renders the profile of cluster-1 through external-secrets.io from the token Secret named by tokenGeneration; ' +
        'raise tokenGeneration, apply the remote folder without pruning, then the local one, and delete the old token Secret after the controller rolled\n',
    });
    expect(kube.connects).toEqual([]);
    expect(await runCli(['rotate', '--remote', 'cluster-1', '--kubeconfig', '/k'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: GET /api/v1/namespaces/argo/secrets/argo.cluster-1 on cluster-0: 403 forbidden\n',
    });
  });

  const TIMEOUT_VALID = "valid: a duration from 1s to 24h, as seconds (300) or Go's form (90s, 5m, 1h30m)";
  test.each(['0', '0s', '500ms', '25h', '86401', 'abc', '-5', '5 m', '1.5', '1d'])(
    '--timeout %j is refused (exit 2) before any cluster is contacted',
    async (value) => {
      const kube = fakeKube((call) => kubeError(call, 403, 'forbidden'));
      expect(await runCli(['rotate', '--remote', 'cluster-1', `--timeout=${value}`])).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: rotate: --timeout ${JSON.stringify(value)} is not valid; ${TIMEOUT_VALID}\n`,
      });
      expect(kube.connects).toEqual([]);
    },
  );

  test.each(['1', '300', '90s', '1h30m', '24h', '1.5m'])('--timeout %j is taken', async (value) => {
    fakeKube((call) => kubeError(call, 403, 'forbidden'));
    expect((await runCli(['rotate', '--remote', 'cluster-1', '--timeout', value])).code).toBe(1);
  });

  test('each step is printed on stderr as it happens, redacted; stdout stays empty', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    let tokenSecretReads = 0;
    fakeKube((call) => {
      if (call.method === 'GET' && call.path === '/api/v1/namespaces/argo/secrets/argo.cluster-1') return { data: {} };
      if (call.method === 'GET' && call.path === '/api/v1/namespaces/default/secrets') return { items: [] };
      if (call.method === 'POST') return {};
      if (call.method === 'GET' && call.path.endsWith('.service-account-token') && tokenSecretReads++ === 0)
        kubeError(call, 404, 'not found');
      kubeError(call, 500, `token ${token} refused`);
    });
    expect(await runCli(['rotate', '--remote', 'cluster-1'])).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        'created token Secret default/argo.cluster-0.service-account-token in cluster-1',
        'waiting for the token controller to fill default/argo.cluster-0.service-account-token',
        'error: GET /api/v1/namespaces/default/secrets/argo.cluster-0.service-account-token on cluster-1: 500 token (41 characters hidden: this looks like a credential) refused',
        '',
      ].join('\n'),
    });
  });
});
