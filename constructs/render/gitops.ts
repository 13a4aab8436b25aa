import { stringify } from 'yaml';
import type { ClusterCharts } from '../objects/charts';
import { Manifest, clusterManifests, manifestFileName, manifestKey, manifestYaml } from './manifests';
import { controllerIdentityName, profileSecretName, tokenSecretName } from '../model/names';
import { type FileTree, withOutputMarker } from './output-folder';
import { profileTargets } from '../objects/profile';
import type { Topology } from '../model/topology';
import { DNS1123_LABEL } from '../model/kubernetes';

export {
  OUTPUT_MARKER,
  OutputFolderError,
  treeDifferences,
  withOutputMarker,
  writeTreeAtomically,
} from './output-folder';
export type { FileDifference, FileTree, WriteOptions } from './output-folder';

const CLUSTER = DNS1123_LABEL.source.slice(1, -1);
// manifestFileName: the lower-cased kind, then the namespace (if any) and the name, cut and hashed when long.
const OWN_PATH = new RegExp(
  `^(?:${CLUSTER}/(?:kustomization\\.yaml|PROFILES\\.md|[a-z0-9]+(?:_[-a-z0-9.]+){1,2}\\.yaml)` +
    `|argocd/${CLUSTER}\\.yaml|flux/${CLUSTER}/sync\\.yaml)$`,
);

/** Whether the file at `path` of a GitOps tree holds a Secret (a plain-mode profile holds a bearer token). */
export function isSecretPath(path: string): boolean {
  return /^[^/]+\/secret_[^/]+\.yaml$/.test(path);
}

/**
 * Whether `synth` could have written `path` in its output folder, for any topology: a cluster folder's objects,
 * `kustomization.yaml` and `PROFILES.md`, and the Argo CD and Flux files. A run deletes or replaces no other file.
 */
export function isGitopsPath(path: string): boolean {
  return OWN_PATH.test(path);
}

function kustomization(files: readonly string[]): string {
  return stringify(
    { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files },
    { lineWidth: 0 },
  );
}

const code = (s: string) => `\`${s}\``;
const codes = (l: readonly string[]) => l.map(code).join(', ');

/**
 * The Secrets the topology names but no output holds, each with where to create it: the controller's and executors'
 * image pull Secrets (`kubernetes.io/dockerconfigjson`) and the artifact repository Secrets of remote namespaces.
 */
function namedSecrets(topology: Topology): string[] {
  const lines: string[] = [];
  const pull = (topology.local.controller.imagePullSecrets ?? []).map((s) => s.name);
  if (pull.length)
    lines.push(
      `- image pull Secrets (type \`kubernetes.io/dockerconfigjson\`) of the controller, \`local.controller.imagePullSecrets\`:`,
      `  ${codes(pull)} in namespace ${code(topology.local.namespace)} of ${code(topology.local.context)}`,
    );
  for (const [i, r] of topology.remotes.entries()) {
    const where = `in namespace${r.namespaces.length > 1 ? 's' : ''} ${codes(r.namespaces)} of ${code(r.context)}`;
    const executorPull = (r.executorImagePullSecrets ?? []).map((s) => s.name);
    if (executorPull.length)
      lines.push(
        `- image pull Secrets (type \`kubernetes.io/dockerconfigjson\`) of the executor, \`remotes[${i}].executorImagePullSecrets\`:`,
        `  ${codes(executorPull)} ${where}`,
      );
    if (r.artifactSecrets.length)
      lines.push(
        `- artifact repository Secrets, \`remotes[${i}].artifactSecrets\` (the controller mounts them into the workflow pods`,
        `  there; no identity reads them through the API): ${codes(r.artifactSecrets)} ${where}`,
      );
  }
  return lines;
}

/** How to create one profile Secret (`secrets.mode: none`). */
function profileSteps(topology: Topology): string[] {
  const lines: string[] = [];
  for (const r of topology.remotes) {
    // With profilePerNamespace, one block per profile: `profile --remote <remote>-<namespace>` prints that one.
    for (const { cluster } of profileTargets(r)) {
      lines.push(
        `- \`${profileSecretName(cluster)}\` in namespace \`${topology.local.namespace}\`, from the token Secret`,
        `  \`${tokenSecretName(topology.local.name, r.tokenGeneration)}\` of \`${controllerIdentityName(topology.local.name)}\` in \`${r.context}\`/\`${r.namespaces[0]}\`:`,
        '',
        '  ```sh',
        `  argo-multicluster profile -f TOPOLOGY --remote ${cluster} | kubeseal -o yaml > ${profileSecretName(cluster)}.sealed.yaml`,
        '  ```',
        '',
      );
    }
    if (profileTargets(r).some((t) => t.namespace === '')) {
      lines.push(
        '  This profile serves any namespace, and the controller build this package targets never deletes its task results',
        '  (README, "Controller builds"): delete them yourself now and then.',
        '',
      );
    }
  }
  return lines;
}

/**
 * PROFILES.md: every Secret the user must create because the output cannot hold it (a credential), or undefined when
 * there is none. With `secrets.mode: none` that is each profile; in every mode, the Secrets the topology names.
 */
function secretNotes(topology: Topology): string | undefined {
  const named = namedSecrets(topology);
  const none = topology.secrets.mode === 'none';
  if (!none && !named.length) return undefined;
  const lines = [`# Secrets to create for ${topology.local.name}`, ''];
  if (none)
    lines.push(
      '## Profiles',
      '',
      'The profile Secrets that let the workflow controller reach the remote clusters hold a bearer token, so they are',
      'not written here (`secrets.mode: none`). Create each one after the remote objects are applied and the remote',
      'token controller has filled the token Secret, and commit it encrypted (or set `secrets.store` to have',
      'external-secrets.io render it). The controller reads a profile only when it first appears, and this folder cannot',
      `see a profile's content: after creating or rotating one, run \`kubectl -n ${topology.local.namespace} rollout restart deployment/workflow-controller\`.`,
      '',
      ...profileSteps(topology),
    );
  if (named.length)
    lines.push(
      '## Secrets the topology names',
      '',
      'Credentials, so never written here: create each one (and commit it encrypted, e.g. sealed, in an overlay).',
      '',
      ...named,
      '',
    );
  return lines.join('\n');
}

/**
 * The files of a GitOps tree: `<cluster>/<kind>_<namespace>_<name>.yaml` per object and a `kustomization.yaml` that
 * lists them in apply order.
 */
export function gitopsTree(topology: Topology, charts: ClusterCharts): FileTree {
  const tree: FileTree = new Map();
  for (const [cluster, manifests] of clusterManifests(charts)) {
    const files: string[] = [];
    const seen = new Map<string, Manifest>();
    for (const m of manifests) {
      const file = manifestFileName(m);
      const clash = seen.get(file);
      if (clash)
        throw new Error(`${cluster}: ${manifestKey(m)} and ${manifestKey(clash)} would share the file ${file}`);
      seen.set(file, m);
      files.push(file);
      tree.set(`${cluster}/${file}`, manifestYaml(m));
    }
    tree.set(`${cluster}/kustomization.yaml`, kustomization(files));
  }
  const notes = secretNotes(topology);
  if (notes !== undefined) tree.set(`${topology.local.name}/PROFILES.md`, notes);
  return withOutputMarker(tree);
}
