import { TopologyError, type TopologyIssue } from '../model/validate';
import type { Topology } from '../model/topology';
import { objectYaml } from './yaml-writer';
import { DNS1123_SUBDOMAIN, namespaceNameProblem } from '../model/kubernetes';

/** Argo CD's automated sync (`syncPolicy.automated`): on, with or without pruning and self-healing. */
export interface ArgocdAutomatedSync {
  /** Delete cluster objects that left git. */
  readonly prune: boolean;
  /** Revert changes made in the cluster to what git holds. */
  readonly selfHeal: boolean;
}

/** What GitOps tool objects to write beside the cluster folders, and where they find them in git. */
export interface GitopsAppsOptions {
  /** The git repository that holds the synth output: `https://...`, `ssh://...` or `git@host:path`. */
  readonly repoURL: string;
  /** The folder of the synth output inside the repository, relative to its root (e.g. `gitops/dist`). */
  readonly path: string;
  /**
   * Branch, tag or commit to follow. Flux follows 40 hex digits as a commit and anything else as a branch.
   * @default `HEAD` for Argo CD, `main` for Flux
   */
  readonly revision?: string;
  /**
   * Per cluster, a folder of the repository to deploy instead of `<path>/<cluster>`: an overlay that adds what synth
   * must not own (sealed or sops-encrypted profiles) to the synth folder, so synth never deletes it.
   * @default none
   */
  readonly overlays?: Readonly<Record<string, string>>;
  /** Argo CD: one Application per cluster, or one ApplicationSet for all. @default none */
  readonly argocd?: 'applications' | 'applicationset';
  /** Sync automatically (`syncPolicy.automated`). @default manual sync */
  readonly argocdSync?: ArgocdAutomatedSync;
  /** Namespace of the Argo CD objects (where Argo CD runs). @default `argocd` */
  readonly argocdNamespace?: string;
  /** Flux: a GitRepository and a Kustomization per cluster, for that cluster's own Flux. @default false */
  readonly flux?: boolean;
  /**
   * Flux: the Secret in `flux-system` holding the credentials of a private repository (`GitRepository`
   * `spec.secretRef.name`). @default none (a public repository)
   */
  readonly fluxSecretName?: string;
}

/** Folders of the output tree the GitOps tool objects are written to; no cluster may be named so. */
export const GITOPS_APP_FOLDERS = ['argocd', 'flux'] as const;

const REPO_URL = /^(?:(?:https|ssh|git):\/\/[^\s/]+\/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)$/;
const NAME_PREFIX = 'argo-multicluster';

/** Why a repository path is refused, or undefined: relative, forward slashes, no `..` (Argo CD and Flux refuse them). */
function pathProblem(path: string): string | undefined {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.split('/').some((p) => p === '..')) {
    return 'must be a folder of the repository relative to its root, with "/" and without ".." (e.g. gitops/dist)';
  }
  return undefined;
}

/** The URL as Flux's GitRepository takes it (http, https or ssh): the scp form `user@host:path` as `ssh://user@host/path`. */
function fluxURL(repoURL: string): string {
  const scp = /^([A-Za-z0-9._-]+@[A-Za-z0-9.-]+):(.*)$/.exec(repoURL);
  return scp && !repoURL.includes('://') ? `ssh://${scp[1]}/${scp[2].replace(/^\/+/, '')}` : repoURL;
}

const normalize = (path: string) => path.replace(/^\.\//, '').replace(/\/+$/, '') || '.';

/** Checks the options against the topology. @throws TopologyError naming each bad option (as its flag). */
export function validateGitopsApps(topology: Topology, o: GitopsAppsOptions): void {
  const issues: TopologyIssue[] = [];
  const clusters = [topology.local.name, ...topology.remotes.map((r) => r.name)];
  if (!REPO_URL.test(o.repoURL))
    issues.push({
      path: '--repo',
      value: o.repoURL,
      message: 'must be a git URL: https://host/path, ssh://host/path or git@host:path',
    });
  const userinfo = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/.exec(o.repoURL)?.[1];
  // ssh://git@host/path names a user, not a credential; a password, or any user of https://, is one.
  if (userinfo !== undefined && (userinfo.includes(':') || !/^ssh:/i.test(o.repoURL)))
    issues.push({
      path: '--repo',
      value: o.repoURL,
      message:
        "holds credentials (the user information before @), which would be written into argocd/ and flux/; give the URL without them and the credentials to the tools' own Secrets (an Argo CD repository Secret, Flux's GitRepository spec.secretRef)",
    });
  for (const [flag, value] of [
    ['--repo', o.repoURL],
    ['--repo-path', o.path],
    ['--revision', o.revision],
    ...Object.entries(o.overlays ?? {}).map(([c, p]) => ['--overlay', `${c}=${p}`]),
  ] as const) {
    if (value !== undefined && (value.includes('{{') || value.includes('}}')))
      issues.push({
        path: flag,
        value,
        message:
          'holds "{{" or "}}", which the ApplicationSet template would expand; no git URL, path or revision needs them',
      });
  }
  if (o.flux && /^git:\/\//i.test(o.repoURL))
    issues.push({
      path: '--repo',
      value: o.repoURL,
      message: "is a git:// URL, which Flux's GitRepository refuses; give https:// or ssh://",
    });
  const problem = pathProblem(o.path);
  if (problem) issues.push({ path: '--repo-path', value: o.path, message: problem });
  if (o.revision !== undefined && !/^[^\s~^:?*[\\]+$/.test(o.revision)) {
    issues.push({
      path: '--revision',
      value: o.revision,
      message: 'must be a branch, tag or commit (no spaces or ~^:?*[\\)',
    });
  }
  for (const [cluster, overlay] of Object.entries(o.overlays ?? {})) {
    if (!clusters.includes(cluster))
      issues.push({
        path: '--overlay',
        value: `${cluster}=${overlay}`,
        message: `names no cluster of the topology; valid: ${clusters.join(', ')}`,
      });
    const bad = pathProblem(overlay);
    if (bad) issues.push({ path: '--overlay', value: `${cluster}=${overlay}`, message: bad });
  }
  const badNamespace = o.argocdNamespace === undefined ? undefined : namespaceNameProblem(o.argocdNamespace);
  if (badNamespace) issues.push({ path: '--argocd-namespace', value: o.argocdNamespace, message: badNamespace });
  if (o.fluxSecretName !== undefined && !(o.fluxSecretName.length <= 253 && DNS1123_SUBDOMAIN.test(o.fluxSecretName)))
    issues.push({
      path: '--flux-secret',
      value: o.fluxSecretName,
      message:
        'must be a Secret name: a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", starting and ending alphanumeric, at most 253 characters)',
    });
  if (!o.argocd && !o.flux)
    issues.push({ path: '--repo', value: o.repoURL, message: 'is only used with --argocd or --flux' });
  for (const cluster of clusters) {
    if ((GITOPS_APP_FOLDERS as readonly string[]).includes(cluster)) {
      issues.push({
        path: 'cluster name',
        value: cluster,
        message: `is the folder the ${cluster} objects are written to; rename the cluster to write them`,
      });
    }
  }
  if (issues.length) throw new TopologyError(issues, 'GitOps options');
}

/**
 * The Argo CD and Flux objects that deploy each cluster folder (or its overlay), as files of the output tree:
 * `argocd/<cluster>.yaml` or `argocd/applicationset.yaml`, and `flux/<cluster>/sync.yaml`. Argo CD runs in one cluster and
 * reaches the others as registered clusters named as in the topology; Flux runs in each cluster.
 */
export function gitopsAppFiles(topology: Topology, o: GitopsAppsOptions): Map<string, string> {
  validateGitopsApps(topology, o);
  const files = new Map<string, string>();
  const clusters = [topology.local.name, ...topology.remotes.map((r) => r.name)];
  const pathOf = (cluster: string) => normalize(o.overlays?.[cluster] ?? `${normalize(o.path)}/${cluster}`);
  const labels = { 'app.kubernetes.io/managed-by': NAME_PREFIX };
  const namespace = o.argocdNamespace ?? 'argocd';
  // Argo CD's schema: `automated: {}` turns automated sync on; prune and selfHeal default to false, so only true ones.
  const automated = o.argocdSync && {
    ...(o.argocdSync.prune ? { prune: true } : {}),
    ...(o.argocdSync.selfHeal ? { selfHeal: true } : {}),
  };
  const syncPolicy = { ...(automated ? { automated } : {}), syncOptions: ['ServerSideApply=true'] };

  if (o.argocd === 'applications') {
    for (const cluster of clusters) {
      files.set(
        `argocd/${cluster}.yaml`,
        objectYaml({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name: `${NAME_PREFIX}-${cluster}`, namespace, labels },
          spec: {
            project: 'default',
            source: { repoURL: o.repoURL, path: pathOf(cluster), targetRevision: o.revision ?? 'HEAD' },
            destination: { name: cluster },
            syncPolicy,
          },
        }),
      );
    }
  } else if (o.argocd === 'applicationset') {
    files.set(
      'argocd/applicationset.yaml',
      objectYaml({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'ApplicationSet',
        metadata: { name: NAME_PREFIX, namespace, labels },
        spec: {
          goTemplate: true,
          goTemplateOptions: ['missingkey=error'],
          generators: [{ list: { elements: clusters.map((cluster) => ({ cluster, path: pathOf(cluster) })) } }],
          template: {
            metadata: { name: `${NAME_PREFIX}-{{.cluster}}`, labels },
            spec: {
              project: 'default',
              source: { repoURL: o.repoURL, path: '{{.path}}', targetRevision: o.revision ?? 'HEAD' },
              destination: { name: '{{.cluster}}' },
              syncPolicy,
            },
          },
        },
      }),
    );
  }

  if (o.flux) {
    const revision = o.revision ?? 'main';
    const ref = /^[0-9a-f]{40}$/.test(revision) ? { commit: revision } : { branch: revision };
    for (const cluster of clusters) {
      const source = {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: NAME_PREFIX, namespace: 'flux-system', labels },
        spec: {
          interval: '5m',
          url: fluxURL(o.repoURL),
          ref,
          ...(o.fluxSecretName ? { secretRef: { name: o.fluxSecretName } } : {}),
        },
      };
      const kustomization = {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: `${NAME_PREFIX}-${cluster}`, namespace: 'flux-system', labels },
        spec: {
          interval: '10m',
          path: `./${pathOf(cluster)}`.replace(/^\.\/\.$/, './'),
          prune: true,
          sourceRef: { kind: 'GitRepository', name: NAME_PREFIX },
        },
      };
      // One file of two documents, as `flux bootstrap` writes its own sync objects.
      files.set(`flux/${cluster}/sync.yaml`, `${objectYaml(source)}---\n${objectYaml(kustomization)}`);
    }
  }
  return files;
}
