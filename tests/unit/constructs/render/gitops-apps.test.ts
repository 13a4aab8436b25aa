import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { runCli } from '../../support/in-process-cli';
import { TopologyError, gitopsAppFiles } from '../../../../constructs';
import { example, topology } from '../../support/helpers';

const REPO = 'https://github.com/me/fleet.git';

describe('Argo CD and Flux objects for the cluster folders', () => {
  test('one Application per cluster, pointing at its folder (or overlay) in the repository', () => {
    const files = gitopsAppFiles(example(), {
      repoURL: REPO,
      path: 'gitops/dist/',
      revision: 'v1.2',
      argocd: 'applications',
      overlays: { 'cluster-0': './gitops/overlays/cluster-0' },
    });
    expect([...files.keys()]).toEqual(['argocd/cluster-0.yaml', 'argocd/cluster-1.yaml']);
    const app = parse(files.get('argocd/cluster-1.yaml')!);
    expect(app).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: 'argo-multicluster-cluster-1',
        namespace: 'argocd',
        labels: { 'app.kubernetes.io/managed-by': 'argo-multicluster' },
      },
      spec: {
        project: 'default',
        source: { repoURL: REPO, path: 'gitops/dist/cluster-1', targetRevision: 'v1.2' },
        destination: { name: 'cluster-1' },
        syncPolicy: { syncOptions: ['ServerSideApply=true'] },
      },
    });
    expect(parse(files.get('argocd/cluster-0.yaml')!).spec.source.path).toBe('gitops/overlays/cluster-0');
  });

  test('or one ApplicationSet whose list generator names every cluster and its path', () => {
    const files = gitopsAppFiles(example(), {
      repoURL: REPO,
      path: 'dist',
      argocd: 'applicationset',
      argocdNamespace: 'gitops',
    });
    const set = parse(files.get('argocd/applicationset.yaml')!);
    expect(set.metadata.namespace).toBe('gitops');
    expect(set.spec.generators).toEqual([
      {
        list: {
          elements: [
            { cluster: 'cluster-0', path: 'dist/cluster-0' },
            { cluster: 'cluster-1', path: 'dist/cluster-1' },
          ],
        },
      },
    ]);
    expect(set.spec.template.spec.source).toEqual({ repoURL: REPO, path: '{{.path}}', targetRevision: 'HEAD' });
    expect(set.spec.template.spec.destination).toEqual({ name: '{{.cluster}}' });
  });

  test('Flux: a GitRepository and a Kustomization per cluster; 40 hex digits are a commit, anything else a branch', () => {
    for (const [revision, ref] of [
      [undefined, { branch: 'main' }],
      ['release', { branch: 'release' }],
      ['a'.repeat(40), { commit: 'a'.repeat(40) }],
    ] as const) {
      const files = gitopsAppFiles(example(), {
        repoURL: 'git@github.com:me/fleet.git',
        path: 'dist',
        revision,
        flux: true,
      });
      expect([...files.keys()]).toEqual(['flux/cluster-0/sync.yaml', 'flux/cluster-1/sync.yaml']);
      const [source, kustomization] = parseAllDocuments(files.get('flux/cluster-1/sync.yaml')!).map((d) => d.toJS());
      expect(source).toMatchObject({
        kind: 'GitRepository',
        metadata: { name: 'argo-multicluster', namespace: 'flux-system' },
        spec: { url: 'git@github.com:me/fleet.git', ref },
      });
      expect(kustomization).toMatchObject({
        kind: 'Kustomization',
        spec: {
          path: './dist/cluster-1',
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'argo-multicluster' },
        },
      });
    }
  });

  test('bad options are refused, each named with its value and what is valid', () => {
    let error: unknown;
    try {
      gitopsAppFiles(example(), {
        repoURL: 'fleet',
        path: '../up',
        revision: 'a b',
        overlays: { 'cluster-9': '/abs' },
        argocd: 'applications',
        argocdNamespace: 'Argo CD',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as TopologyError).issues.map((i) => [i.path, i.value])).toEqual([
      ['--repo', 'fleet'],
      ['--repo-path', '../up'],
      ['--revision', 'a b'],
      ['--overlay', 'cluster-9=/abs'],
      ['--overlay', 'cluster-9=/abs'],
      ['--argocd-namespace', 'Argo CD'],
    ]);
  });

  test('a cluster named like one of the tool folders is refused rather than overwritten', () => {
    const t = topology((raw) => (raw.remotes[0].name = 'flux'));
    expect(() => gitopsAppFiles(t, { repoURL: REPO, path: 'dist', flux: true })).toThrow(
      /cluster name: "flux" is the folder/,
    );
  });
});

describe('synth with --argocd / --flux', () => {
  const work = mkdtempSync(join(tmpdir(), 'amc-apps-'));

  test('writes the tool folders beside the cluster folders, from the output folder as the repository path', async () => {
    const out = join(work, 'a');
    const cwd = process.cwd();
    process.chdir(work);
    try {
      const r = await runCli(['synth', '-o', 'a', '--argocd', 'applications', '--flux', '--repo', REPO]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
    } finally {
      process.chdir(cwd);
    }
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
    [['--argocd', 'applications'], 'synth: --argocd and --flux need --repo URL'],
    [
      ['--repo', REPO],
      'synth: --repo, --repo-path, --revision, --overlay and --argocd-namespace need --argocd or --flux',
    ],
    [['--flux', '--repo', REPO, '--overlay', 'cluster-0'], 'synth: --overlay "cluster-0" must be CLUSTER=PATH'],
    [['--flux', '--repo', 'nope'], '--repo: "nope" must be a git URL'],
  ])('%j exits 2 and writes nothing', async (flags, message) => {
    const out = join(work, `bad-${Math.random().toString(36).slice(2)}`);
    const r = await runCli(['synth', '-o', out, '--repo-path', 'dist', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(existsSync(out)).toBe(false);
  });

  test('an absolute output folder needs --repo-path', async () => {
    const r = await runCli(['synth', '-o', join(work, 'abs'), '--flux', '--repo', REPO]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give --repo-path: the output folder .* is absolute/);
    const ok = await runCli(['synth', '-o', join(work, 'abs'), '--flux', '--repo', REPO, '--repo-path', 'clusters']);
    expect(ok.code).toBe(0);
  });
});
