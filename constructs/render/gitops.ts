import { stringify } from 'yaml';
import type { ClusterCharts } from '../objects/charts';
import { Manifest, clusterManifests, manifestFileName, manifestKey, manifestYaml } from './manifests';
import { controllerIdentityName, profileSecretName, tokenSecretName } from '../model/names';
import { type FileTree, withOutputMarker } from './output-folder';
import { profileTargets } from '../objects/profile';
import type { Topology } from '../model/topology';
import { DNS1123_LABEL } from '../model/kubernetes';

export { OUTPUT_MARKER, OutputFolderError, withOutputMarker, writeTreeAtomically } from './output-folder';
export type { FileTree, WriteOptions } from './output-folder';

const CLUSTER = DNS1123_LABEL.source.slice(1, -1);
// manifestFileName: the lower-cased kind, then the namespace (if any) and the name, cut and hashed when long.
const OWN_PATH = new RegExp(
  `^(?:${CLUSTER}/(?:kustomization\\.yaml|PROFILES\\.md|[a-z0-9]+(?:_[-a-z0-9.]+){1,2}\\.yaml)` +
    `|argocd/${CLUSTER}\\.yaml|flux/${CLUSTER}/sync\\.yaml)$`,
);

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

/** What to do when the profiles are not in git (`secrets.mode: none`). */
function profileNotes(topology: Topology): string {
  const lines = [
    `# Profiles for ${topology.local.name}`,
    '',
    'The profile Secrets that let the workflow controller reach the remote clusters hold a bearer token, so they are',
    'not written here (`secrets.mode: none`). Create each one after the remote objects are applied and the remote',
    'token controller has filled the token Secret, and commit it encrypted (or set `secrets.store` to have',
    'external-secrets.io render it). The controller reads a profile only when it first appears, and this folder cannot',
    `see a profile's content: after creating or rotating one, run \`kubectl -n ${topology.local.namespace} rollout restart deployment/workflow-controller\`.`,
    '',
  ];
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
    if (r.artifactSecrets.length) {
      lines.push(
        `  Artifact credentials are not written here either: create ${r.artifactSecrets.map((n) => `\`${n}\``).join(', ')} in ${r.namespaces.map((n) => `\`${n}\``).join(', ')} of \`${r.context}\``,
        '  (the controller mounts them into the workflow pods there; no identity reads them through the API).',
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
  if (topology.secrets.mode === 'none') tree.set(`${topology.local.name}/PROFILES.md`, profileNotes(topology));
  return withOutputMarker(tree);
}
