import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { ClusterCharts } from './charts';
import { Manifest, chartManifests, manifestFileName, manifestKey, manifestYaml } from './manifests';
import { controllerIdentityName, profileSecretName, tokenSecretName } from './names';
import type { Topology } from './topology';

/** Marks a folder as written by `synth`, so that replacing it can never delete a folder the user made. */
export const OUTPUT_MARKER = '.argo-multicluster';

/** The GitOps tree: relative path to file content, one folder per cluster. */
export type FileTree = Map<string, string>;

function kustomization(files: readonly string[]): string {
  return stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files }, { lineWidth: 0 });
}

/** What to do when the profiles are not in git (`secrets.mode: none`). */
function profileNotes(topology: Topology): string {
  const lines = [
    `# Profiles for ${topology.local.name}`,
    '',
    'The profile Secrets that let the workflow controller reach the remote clusters hold a bearer token, so they are',
    'not written here (`secrets.mode: none`). Create each one after the remote objects are applied and the remote',
    "token controller has filled the token Secret, and commit it encrypted (or set `secrets.store` to have",
    'external-secrets.io render it). The controller reads a profile only when it first appears, and this folder cannot',
    `see a profile's content: after creating or rotating one, run \`kubectl -n ${topology.local.namespace} rollout restart deployment/workflow-controller\`.`,
    '',
  ];
  for (const r of topology.remotes) {
    lines.push(
      `- \`${profileSecretName(r.name)}\` in namespace \`${topology.local.namespace}\`, from the token Secret`,
      `  \`${tokenSecretName(topology.local.name)}\` of \`${controllerIdentityName(topology.local.name)}\` in \`${r.context}\`/\`${r.namespaces[0]}\`:`,
      '',
      '  ```sh',
      `  argo-multicluster profile -f TOPOLOGY --remote ${r.name} | kubeseal -o yaml > ${profileSecretName(r.name)}.sealed.yaml`,
      '  ```',
      '',
    );
  }
  return lines.join('\n');
}

/**
 * The files of a GitOps tree: `<cluster>/<kind>_<namespace>_<name>.yaml` per object and a `kustomization.yaml` that
 * lists them in apply order.
 */
export function gitopsTree(topology: Topology, charts: ClusterCharts): FileTree {
  const tree: FileTree = new Map([[OUTPUT_MARKER, 'Written by argo-multicluster synth: this folder is replaced as a whole.\n']]);
  for (const chart of [charts.local, ...charts.remotes]) {
    const cluster = chart.node.id;
    const files: string[] = [];
    const seen = new Map<string, Manifest>();
    for (const m of chartManifests(chart)) {
      const file = manifestFileName(m);
      const clash = seen.get(file);
      if (clash) throw new Error(`${cluster}: ${manifestKey(m)} and ${manifestKey(clash)} would share the file ${file}`);
      seen.set(file, m);
      files.push(file);
      tree.set(`${cluster}/${file}`, manifestYaml(m));
    }
    tree.set(`${cluster}/kustomization.yaml`, kustomization(files));
  }
  if (topology.secrets.mode === 'none') tree.set(`${topology.local.name}/PROFILES.md`, profileNotes(topology));
  return tree;
}

/**
 * Replaces `outDir` with `tree` so that a reader sees the old folder or the new one, never a mix: the tree is written
 * beside it and swapped in with two renames. A folder that exists, is not empty and was not written by us is refused.
 */
export function writeTreeAtomically(outDir: string, tree: FileTree): void {
  const target = resolve(outDir);
  if (existsSync(target) && readdirSync(target).length > 0 && !existsSync(join(target, OUTPUT_MARKER))) {
    throw new Error(`refusing to replace ${outDir}: it is not empty and was not written by argo-multicluster synth (no ${OUTPUT_MARKER})`);
  }
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.new-`));
  try {
    for (const [path, content] of tree) {
      mkdirSync(dirname(join(staging, path)), { recursive: true });
      writeFileSync(join(staging, path), content);
    }
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  const old = existsSync(target) ? `${staging}.old` : undefined;
  if (old) renameSync(target, old);
  try {
    renameSync(staging, target);
  } catch (e) {
    if (old) renameSync(old, target);
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  if (old) rmSync(old, { recursive: true, force: true });
}
