import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { buildCharts, gitopsTree, manifestYaml } from '../../../../constructs';
import { example, find, objects, topologyFile } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { listTree } from '../../support/output-helpers';
import { fakeKube } from '../../support/cli';

const work = mkdtempSync(join(tmpdir(), 'amc-synth-'));
const REPO = 'https://github.com/me/fleet.git';
const PLAIN_WARNING =
  'warning: secrets.mode "plain" writes the remote bearer tokens into the output in clear; never commit it unencrypted\n';

afterEach(() => jest.restoreAllMocks());

/** The files under `dir` (folders left out), by relative path. */
const filesIn = (dir: string) => Object.fromEntries(Object.entries(listTree(dir)).filter(([, v]) => v !== '/'));

/** Runs `f` in `dir` as the current folder. */
async function inFolder<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return await f();
  } finally {
    process.chdir(cwd);
  }
}

describe('synth', () => {
  const t = example();
  const tree = gitopsTree(t, buildCharts(t));

  test('writes the GitOps tree of the topology into the output folder and says so', async () => {
    const out = join(work, 'dist');
    expect(await runCli(['synth', '--example', '-o', out])).toEqual({
      code: 0,
      stdout: `wrote ${tree.size} files for 2 clusters in ${out}\n`,
      stderr: '',
    });
    expect(filesIn(out)).toEqual(Object.fromEntries(tree));
  });

  test('is byte-for-byte reproducible; a run that would write the same bytes changes nothing and says so', async () => {
    const first = join(work, 'first');
    const again = join(work, 'again');
    expect((await runCli(['synth', '--example', '-o', first])).code).toBe(0);
    expect((await runCli(['synth', '--example', '-o', again])).code).toBe(0);
    expect(listTree(again)).toEqual(listTree(first));
    expect(await runCli(['synth', '--example', '-o', again])).toEqual({
      code: 0,
      stdout: `unchanged: ${tree.size} files for 2 clusters in ${again}\n`,
      stderr: '',
    });
  });

  test('without -o it writes to $CDK8S_OUTDIR, else to dist', async () => {
    const dir = join(work, 'default-out');
    mkdirSync(dir);
    const saved = process.env.CDK8S_OUTDIR;
    try {
      delete process.env.CDK8S_OUTDIR;
      expect((await inFolder(dir, () => runCli(['synth', '--example']))).stdout).toBe(
        `wrote ${tree.size} files for 2 clusters in dist\n`,
      );
      process.env.CDK8S_OUTDIR = 'cdk8s-out';
      expect((await inFolder(dir, () => runCli(['synth', '--example']))).stdout).toBe(
        `wrote ${tree.size} files for 2 clusters in cdk8s-out\n`,
      );
    } finally {
      if (saved === undefined) delete process.env.CDK8S_OUTDIR;
      else process.env.CDK8S_OUTDIR = saved;
    }
    expect(readdirSync(dir).sort()).toEqual(['cdk8s-out', 'dist']);
    expect(filesIn(join(dir, 'cdk8s-out'))).toEqual(Object.fromEntries(tree));
  });

  test("plain mode reads each remote's token and writes its profile, warning that the output holds it in clear", async () => {
    const out = join(work, 'plain');
    const file = topologyFile(work, 'plain', (raw) => (raw.secrets.mode = 'plain'));
    const credentials = { token: 'the-token', caData: 'Q0E=' };
    const kube = fakeKube(() => ({
      data: { token: Buffer.from(credentials.token).toString('base64'), 'ca.crt': credentials.caData },
    }));
    const r = await runCli(['synth', '-f', file, '-o', out, '--kubeconfig', '/k']);
    expect([r.code, r.stderr]).toEqual([0, PLAIN_WARNING]);
    expect(kube.connects).toEqual([{ context: 'cluster-1', kubeconfig: '/k' }]);
    const plain = { ...t, secrets: { mode: 'plain' as const } };
    const profile = find(
      objects(plain, { credentials: new Map([['cluster-1', credentials]]) }).get('cluster-0')!,
      'Secret',
      'argo.cluster-1',
      'argo',
    );
    expect(readFileSync(join(out, 'cluster-0', 'secret_argo_argo.cluster-1.yaml'), 'utf8')).toBe(manifestYaml(profile));
  });

  test('plain mode without a reachable remote fails with exit 1 and leaves the output as it was', async () => {
    const out = join(work, 'kept');
    expect((await runCli(['synth', '--example', '-o', out])).code).toBe(0);
    const before = listTree(out);
    const file = topologyFile(work, 'plain', (raw) => (raw.secrets.mode = 'plain'));
    const kubeconfig = join(work, 'missing-kubeconfig');
    expect(await runCli(['synth', '-f', file, '-o', out, '--kubeconfig', kubeconfig])).toEqual({
      code: 1,
      stdout: '',
      stderr: `${PLAIN_WARNING}error: cannot read kubeconfig ${kubeconfig}: ENOENT: no such file or directory, open '${kubeconfig}'\n`,
    });
    expect(listTree(out)).toEqual(before);
  });
});

describe('synth with --argocd / --flux', () => {
  test('writes the tool folders beside the cluster folders, from the output folder as the repository path', async () => {
    const out = join(work, 'a');
    const r = await inFolder(work, () =>
      runCli(['synth', '--example', '-o', 'a', '--argocd', 'applications', '--flux', '--repo', REPO]),
    );
    // 2 Applications and 2 Flux sync files beside the example's tree.
    const t = example();
    expect(r).toEqual({
      code: 0,
      stdout: `wrote ${gitopsTree(t, buildCharts(t)).size + 4} files for 2 clusters in a\n`,
      stderr: '',
    });
    expect(readdirSync(out).sort()).toEqual(['.argo-multicluster', 'argocd', 'cluster-0', 'cluster-1', 'flux']);
    expect(parse(readFileSync(join(out, 'argocd', 'cluster-0.yaml'), 'utf8')).spec.source.path).toBe('a/cluster-0');
    // The cluster folders' own kustomizations do not list the tool objects: they deploy the cluster, not themselves.
    expect(readFileSync(join(out, 'cluster-0', 'kustomization.yaml'), 'utf8')).not.toMatch(/argocd|flux/);
  });

  test.each([
    [
      ['--argocd', 'apps', '--repo', REPO],
      'synth: --argocd "apps" is not valid; valid values: applications, applicationset',
    ],
    [
      ['--argocd', 'applications'],
      'synth: --argocd and --flux need --repo URL (the git repository holding the output)',
    ],
    [
      ['--repo', REPO],
      'synth: --repo, --repo-path, --revision, --overlay and --argocd-namespace need --argocd or --flux',
    ],
    [['--flux', '--repo', REPO, '--overlay', 'cluster-0'], 'synth: --overlay "cluster-0" must be CLUSTER=PATH'],
    [
      ['--flux', '--repo', 'nope'],
      'GitOps options is invalid:\n  - --repo: "nope" must be a git URL: https://host/path, ssh://host/path or git@host:path',
    ],
  ])('%j exits 2 and writes nothing', async (flags, message) => {
    const out = join(work, `bad-${Math.random().toString(36).slice(2)}`);
    expect(await runCli(['synth', '--example', '-o', out, '--repo-path', 'dist', ...flags])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${message}\n`,
    });
    expect(existsSync(out)).toBe(false);
  });

  test('an absolute output folder needs --repo-path', async () => {
    const out = join(work, 'abs');
    expect(await runCli(['synth', '--example', '-o', out, '--flux', '--repo', REPO])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: synth: give --repo-path: the output folder ${out} is absolute, so its folder in the repository is unknown\n`,
    });
    const ok = await runCli(['synth', '--example', '-o', out, '--flux', '--repo', REPO, '--repo-path', 'clusters']);
    expect(ok.code).toBe(0);
    const [, kustomization] = parseAllDocuments(readFileSync(join(out, 'flux', 'cluster-1', 'sync.yaml'), 'utf8'));
    expect(kustomization.toJS().spec.path).toBe('./clusters/cluster-1');
  });
});
