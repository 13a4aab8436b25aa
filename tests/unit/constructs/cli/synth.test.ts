import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { buildCharts, gitopsTree } from '../../../../constructs';
import { exampleTopologyPath } from '../../../../constructs/model/example';
import { example, topologyFile } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { listTree } from '../../support/output-helpers';
import { fakeKube } from '../../support/cli';

const work = mkdtempSync(join(tmpdir(), 'amc-safe-'));
const REPO = 'https://github.com/me/fleet.git';
const EXAMPLE = exampleTopologyPath();
const t = example();
const size = gitopsTree(t, buildCharts(t)).size;
let n = 0;
const fresh = (name: string) => join(work, `${name}-${n++}`);

afterEach(() => jest.restoreAllMocks());

describe('synth and validate read -f or, when asked, the built-in example', () => {
  test.each([
    [
      ['synth'],
      2,
      '',
      'error: synth: give -f TOPOLOGY (your topology file), or --example for the built-in example; there is no default\n',
    ],
    [
      ['validate'],
      2,
      '',
      'error: validate: give -f TOPOLOGY (your topology file), or --example for the built-in example; there is no default\n',
    ],
    [['synth', '-f', EXAMPLE, '--example'], 2, '', 'error: synth: give -f TOPOLOGY or --example, not both\n'],
    [['validate', '--example', '-f', EXAMPLE], 2, '', 'error: validate: give -f TOPOLOGY or --example, not both\n'],
    [['validate', '--example'], 0, `${EXAMPLE}: valid (local cluster-0, 1 remote cluster(s), secrets.mode none)\n`, ''],
  ])('%j exits %i', async (args, code, stdout, stderr) => {
    expect(await runCli(args)).toEqual({ code, stdout, stderr });
  });

  test('synth without -f or --example leaves a fleet folder exactly as it was', async () => {
    const fleet = topologyFile(work, 'fleet', (raw) => raw.remotes.push({ name: 'cluster-2', server: 'https://c2' }));
    const out = fresh('fleet');
    expect((await runCli(['synth', '-f', fleet, '-o', out])).code).toBe(0);
    const before = listTree(out);
    expect((await runCli(['synth', '-o', out])).code).toBe(2);
    expect(listTree(out)).toEqual(before);
    expect(Object.keys(before)).toContain('cluster-2/kustomization.yaml');
  });
});

describe('synth --check', () => {
  const DEPLOYMENT = 'cluster-0/deployment_argo_workflow-controller.yaml';
  const NAMESPACE = 'cluster-0/namespace_argo.yaml';
  const added = gitopsTree(t, buildCharts(t))
    .get(NAMESPACE)!
    .trimEnd()
    .split('\n')
    .map((l) => `+${l}`);

  /** A folder the example was synthesized into, then changed by `tamper`. */
  async function synthesized(tamper: (out: string) => void): Promise<string> {
    const out = fresh('check');
    expect((await runCli(['synth', '--example', '-o', out])).code).toBe(0);
    tamper(out);
    return out;
  }

  const cases: [string, (out: string) => void, number, string[], string][] = [
    ['an up-to-date folder', () => undefined, 0, [`unchanged: ${size} files for 2 clusters in OUT`], ''],
    [
      'a changed and a deleted file; a file of the user is no difference',
      (out) => {
        const path = join(out, DEPLOYMENT);
        writeFileSync(path, readFileSync(path, 'utf8').replace('replicas: 1', 'replicas: 3'));
        unlinkSync(join(out, NAMESPACE));
        writeFileSync(join(out, 'cluster-1', 'mine.yaml'), 'kept: true\n');
      },
      1,
      [
        `--- OUT/${DEPLOYMENT}`,
        `+++ OUT/${DEPLOYMENT}`,
        '@@ -12,7 +12,7 @@',
        '   name: workflow-controller',
        '   namespace: argo',
        ' spec:',
        '-  replicas: 3',
        '+  replicas: 1',
        '   selector:',
        '     matchLabels:',
        '       app: workflow-controller',
        '--- /dev/null',
        `+++ OUT/${NAMESPACE}`,
        `@@ -0,0 +1,${added.length} @@`,
        ...added,
        '',
      ],
      `OUT differs from what ${EXAMPLE} gives in 2 file(s): ${DEPLOYMENT}, ${NAMESPACE}; run synth without --check to write them\n`,
    ],
  ];
  test.each(cases)('%s', async (_name, tamper, code, stdout, stderr) => {
    const out = await synthesized(tamper);
    const before = listTree(out);
    const beside = listTree(work);
    const r = await runCli(['synth', '--example', '-o', out, '--check']);
    expect(r).toEqual({
      code,
      stdout: stdout.join('\n').replaceAll('OUT', out) + (code === 0 ? '\n' : ''),
      stderr: stderr.replaceAll('OUT', out),
    });
    // Nothing changed: not the folder, not its marker, and no lock or staging folder beside it.
    expect(listTree(out)).toEqual(before);
    expect(listTree(work)).toEqual(beside);
  });

  test('a file synth wrote before and no longer writes is a deletion', async () => {
    const two = topologyFile(work, 'two', (raw) => raw.remotes.push({ name: 'cluster-2', server: 'https://c2' }));
    const out = fresh('fewer');
    expect((await runCli(['synth', '-f', two, '-o', out])).code).toBe(0);
    const r = await runCli(['synth', '--example', '-o', out, '--check']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('+++ ') || l.startsWith('--- '))).toContain(
      `--- ${out}/cluster-2/kustomization.yaml`,
    );
    expect(r.stdout).toContain(`--- ${out}/cluster-2/kustomization.yaml\n+++ /dev/null\n@@ -1,`);
  });

  test('a missing folder differs in every file and is not created; a folder synth did not write is refused (exit 1)', async () => {
    const out = fresh('missing');
    const r = await runCli(['synth', '--example', '-o', join(out, 'dist'), '--check']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`in ${size} file\\(s\\)`));
    expect(existsSync(out)).toBe(false);
    mkdirSync(out);
    writeFileSync(join(out, 'x'), 'x');
    expect(await runCli(['synth', '--example', '-o', out, '--check'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: ${out} is not empty and was not written by argo-multicluster synth (no .argo-multicluster): synth would refuse to replace it\n`,
    });
  });
});

describe('plain mode writes profile Secrets readable by their owner only', () => {
  const mode = (path: string) => statSync(path).mode & 0o777;

  test('secret files 0600, every other file as the umask gives; an earlier 0644 profile is made private', async () => {
    const file = topologyFile(work, 'plain', (raw) => (raw.secrets.mode = 'plain'));
    fakeKube(() => ({ data: { token: Buffer.from('the-token').toString('base64'), 'ca.crt': 'Q0E=' } }));
    const out = fresh('plain');
    const umask = process.umask();
    expect((await runCli(['synth', '-f', file, '-o', out, '--kubeconfig', '/k'])).code).toBe(0);
    const modes = Object.fromEntries(
      Object.entries(listTree(out))
        .filter(([, v]) => v !== '/')
        .map(([p]) => [p, mode(join(out, p))]),
    );
    const secrets = Object.keys(modes).filter((p) => /^[^/]+\/secret_/.test(p));
    expect(secrets.sort()).toEqual([
      'cluster-0/secret_argo_argo.cluster-1.yaml',
      'cluster-1/secret_default_argo.cluster-0.service-account-token.yaml',
    ]);
    for (const [path, m] of Object.entries(modes))
      expect([path, m]).toEqual([path, secrets.includes(path) ? 0o600 & ~umask : 0o666 & ~umask]);

    // The same bytes at 0644 (an earlier release wrote them so): the run rewrites the file, privately.
    const profile = join(out, 'cluster-0', 'secret_argo_argo.cluster-1.yaml');
    const content = readFileSync(profile);
    unlinkSync(profile);
    writeFileSync(profile, content, { mode: 0o644 });
    const r = await runCli(['synth', '-f', file, '-o', out, '--kubeconfig', '/k']);
    expect(r.stdout).toMatch(/^wrote /);
    expect(mode(profile)).toBe(0o600 & ~umask);
    expect((await runCli(['synth', '-f', file, '-o', out, '--kubeconfig', '/k'])).stdout).toMatch(/^unchanged: /);
  });
});

describe('insecureSkipTLSVerify: true is said on stderr by validate and synth', () => {
  const WARNING =
    "warning: remotes[1].insecureSkipTLSVerify is true: the controller will not check the certificate of https://c2:6443, so whoever sits between them gets the profile's bearer token; set it to false (the profile then trusts the CA of the remote's token Secret)\n";
  const file = topologyFile(work, 'insecure', (raw) =>
    raw.remotes.push({ name: 'cluster-2', server: 'https://c2:6443', insecureSkipTLSVerify: true }),
  );
  test.each([
    [['validate', '-f', file], `${file}: valid (local cluster-0, 2 remote cluster(s), secrets.mode none)\n`],
    [['synth', '-f', file, '-o', join(work, 'insecure-out')], /^wrote \d+ files for 3 clusters/],
  ])('%j', async (args, stdout) => {
    const r = await runCli(args);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: WARNING });
    expect(r.stdout).toMatch(stdout);
  });
});

describe('--argocd-sync, --flux-secret and --overlay', () => {
  const synthIn = (dir: string, flags: string[]) => {
    const cwd = process.cwd();
    mkdirSync(dir, { recursive: true });
    process.chdir(dir);
    return runCli(['synth', '--example', '-o', 'gitops/dist', '--repo', REPO, ...flags]).finally(() =>
      process.chdir(cwd),
    );
  };

  test.each([
    ['automated', {}],
    ['automated,prune', { prune: true }],
    ['automated,selfHeal', { selfHeal: true }],
    ['automated,prune,selfHeal', { prune: true, selfHeal: true }],
    ['automated,selfHeal,prune', { prune: true, selfHeal: true }],
  ])(
    '--argocd-sync %s writes syncPolicy.automated %j in Applications and the ApplicationSet',
    async (value, automated) => {
      const dir = fresh('sync');
      for (const [kind, file] of [
        ['applications', 'cluster-1.yaml'],
        ['applicationset', 'applicationset.yaml'],
      ]) {
        expect((await synthIn(dir, ['--argocd', kind, '--argocd-sync', value])).code).toBe(0);
        const object = parse(readFileSync(join(dir, 'gitops', 'dist', 'argocd', file), 'utf8'));
        const spec = kind === 'applications' ? object.spec : object.spec.template.spec;
        expect(spec.syncPolicy).toEqual({ automated, syncOptions: ['ServerSideApply=true'] });
      }
    },
  );

  test('without --argocd-sync, manual sync: no automated', async () => {
    const dir = fresh('manual');
    expect((await synthIn(dir, ['--argocd', 'applications'])).code).toBe(0);
    const app = parse(readFileSync(join(dir, 'gitops', 'dist', 'argocd', 'cluster-0.yaml'), 'utf8'));
    expect(app.spec.syncPolicy).toEqual({ syncOptions: ['ServerSideApply=true'] });
  });

  test('--flux-secret NAME is the GitRepository spec.secretRef.name', async () => {
    const dir = fresh('flux');
    expect((await synthIn(dir, ['--flux', '--flux-secret', 'fleet-deploy-key'])).code).toBe(0);
    const [source] = parseAllDocuments(
      readFileSync(join(dir, 'gitops', 'dist', 'flux', 'cluster-0', 'sync.yaml'), 'utf8'),
    );
    expect(source.toJS().spec.secretRef).toEqual({ name: 'fleet-deploy-key' });
  });

  test('a missing overlay is refused before any cluster is asked for a token (plain mode)', async () => {
    const dir = fresh('overlay-plain');
    mkdirSync(dir);
    const file = topologyFile(dir, 'plain', (raw) => (raw.secrets.mode = 'plain'));
    const kube = fakeKube(() => ({ data: { token: 'dA==', 'ca.crt': 'Q0E=' } }));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await runCli([
        'synth',
        '-f',
        file,
        '-o',
        'dist',
        '--flux',
        '--repo',
        REPO,
        '--overlay',
        'cluster-0=ov',
      ]);
      expect(r.code).toBe(2);
    } finally {
      process.chdir(cwd);
    }
    expect(kube.connects).toEqual([]);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  test('an --overlay folder that exists in the checkout is deployed', async () => {
    const dir = fresh('overlay');
    mkdirSync(join(dir, 'gitops', 'overlays', 'cluster-0'), { recursive: true });
    expect((await synthIn(dir, ['--flux', '--overlay', 'cluster-0=gitops/overlays/cluster-0'])).code).toBe(0);
    const [, kustomization] = parseAllDocuments(
      readFileSync(join(dir, 'gitops', 'dist', 'flux', 'cluster-0', 'sync.yaml'), 'utf8'),
    );
    expect(kustomization.toJS().spec.path).toBe('./gitops/overlays/cluster-0');
  });

  const SYNC_FORMS =
    'valid: automated | automated,prune | automated,selfHeal | automated,prune,selfHeal (prune deletes what left git, selfHeal reverts changes made in the cluster)';
  test.each([
    [['--argocd', 'applications', '--argocd-sync', 'auto'], `synth: --argocd-sync "auto" is not valid; ${SYNC_FORMS}`],
    [
      ['--argocd', 'applications', '--argocd-sync', 'prune'],
      `synth: --argocd-sync "prune" is not valid; ${SYNC_FORMS}`,
    ],
    [
      ['--argocd', 'applications', '--argocd-sync', 'automated,prune,prune'],
      `synth: --argocd-sync "automated,prune,prune" is not valid; ${SYNC_FORMS}`,
    ],
    [
      ['--argocd', 'applications', '--argocd-sync', 'automated,selfheal'],
      `synth: --argocd-sync "automated,selfheal" is not valid; ${SYNC_FORMS}`,
    ],
    [
      ['--flux', '--argocd-sync', 'automated'],
      'synth: --argocd-sync needs --argocd (it sets the sync policy of the Argo CD objects)',
    ],
    [
      ['--argocd', 'applications', '--flux-secret', 'key'],
      "synth: --flux-secret needs --flux (it names the Secret of Flux's GitRepository)",
    ],
    [
      ['--flux', '--flux-secret', 'Deploy_Key'],
      'GitOps options is invalid:\n  - --flux-secret: "Deploy_Key" must be a Secret name: a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", starting and ending alphanumeric, at most 253 characters)',
    ],
    [
      ['--flux', '--overlay', 'cluster-0=gitops/overlays/cluster-0'],
      'synth: --overlay cluster-0=gitops/overlays/cluster-0: DIR/gitops/overlays/cluster-0 is not a folder; create the overlay first (repository paths are read from DIR, where -o is the repository path gitops/dist)',
    ],
  ])('%j exits 2 naming the flag and writes nothing', async (flags, message) => {
    const dir = fresh('refused');
    mkdirSync(dir);
    expect(await synthIn(dir, flags)).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${message.replaceAll('DIR', dir)}\n`,
    });
    expect(existsSync(join(dir, 'gitops'))).toBe(false);
  });
});
