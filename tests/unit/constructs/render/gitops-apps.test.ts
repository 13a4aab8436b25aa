import { parseAllDocuments, parse } from 'yaml';
import { TopologyError, gitopsAppFiles } from '../../../../constructs';
import { example, topology } from '../../support/helpers';

const REPO = 'https://github.com/me/fleet.git';
const MANAGED = { 'app.kubernetes.io/managed-by': 'argo-multicluster' };

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
      metadata: { name: 'argo-multicluster-cluster-1', namespace: 'argocd', labels: MANAGED },
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
    expect([...files.keys()]).toEqual(['argocd/applicationset.yaml']);
    expect(parse(files.get('argocd/applicationset.yaml')!)).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'argo-multicluster', namespace: 'gitops', labels: MANAGED },
      spec: {
        goTemplate: true,
        // A cluster or path missing from an element fails the generator instead of rendering an empty field.
        goTemplateOptions: ['missingkey=error'],
        generators: [
          {
            list: {
              elements: [
                { cluster: 'cluster-0', path: 'dist/cluster-0' },
                { cluster: 'cluster-1', path: 'dist/cluster-1' },
              ],
            },
          },
        ],
        template: {
          metadata: { name: 'argo-multicluster-{{.cluster}}', labels: MANAGED },
          spec: {
            project: 'default',
            source: { repoURL: REPO, path: '{{.path}}', targetRevision: 'HEAD' },
            destination: { name: '{{.cluster}}' },
            syncPolicy: { syncOptions: ['ServerSideApply=true'] },
          },
        },
      },
    });
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
      expect(source).toEqual({
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'argo-multicluster', namespace: 'flux-system', labels: MANAGED },
        spec: { interval: '5m', url: 'ssh://git@github.com/me/fleet.git', ref },
      });
      expect(kustomization).toEqual({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'argo-multicluster-cluster-1', namespace: 'flux-system', labels: MANAGED },
        spec: {
          interval: '10m',
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
    const folder =
      'must be a folder of the repository relative to its root, with "/" and without ".." (e.g. gitops/dist)';
    expect((error as TopologyError).issues.map((i) => [i.path, i.value, i.message])).toEqual([
      ['--repo', 'fleet', 'must be a git URL: https://host/path, ssh://host/path or git@host:path'],
      ['--repo-path', '../up', folder],
      ['--revision', 'a b', 'must be a branch, tag or commit (no spaces or ~^:?*[\\)'],
      ['--overlay', 'cluster-9=/abs', 'names no cluster of the topology; valid: cluster-0, cluster-1'],
      ['--overlay', 'cluster-9=/abs', folder],
      [
        '--argocd-namespace',
        'Argo CD',
        'is not a namespace name; valid: a DNS-1123 label (lower-case letters, digits and "-", starting and ending alphanumeric, at most 63 characters)',
      ],
    ]);
  });

  test('a cluster named like one of the tool folders is refused rather than overwritten', () => {
    const t = topology((raw) => (raw.remotes[0].name = 'flux'));
    expect(() => gitopsAppFiles(t, { repoURL: REPO, path: 'dist', flux: true })).toThrow(
      new Error(
        'GitOps options is invalid:\n  - cluster name: "flux" is the folder the flux objects are written to; rename the cluster to write them',
      ),
    );
  });
});
