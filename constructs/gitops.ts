import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { ClusterCharts } from './charts';
import { Manifest, clusterManifests, manifestFileName, manifestKey, manifestYaml } from './manifests';
import { controllerIdentityName, profileSecretName, tokenSecretName } from './names';
import { profileRemoteNamespace } from './profile';
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
    if (r.artifactSecrets.length) {
      lines.push(
        `  Artifact credentials are not written here either: create ${r.artifactSecrets.map((n) => `\`${n}\``).join(', ')} in ${r.namespaces.map((n) => `\`${n}\``).join(', ')} of \`${r.context}\``,
        '  (the executor may `get` exactly these names there).',
        '',
      );
    }
    if (profileRemoteNamespace(r) === '') {
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
  const tree: FileTree = new Map([[OUTPUT_MARKER, 'Written by argo-multicluster synth: this folder is replaced as a whole.\n']]);
  for (const [cluster, manifests] of clusterManifests(charts)) {
    const files: string[] = [];
    const seen = new Map<string, Manifest>();
    for (const m of manifests) {
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

/** The files under `dir`, by path relative to it; empty when it does not exist. */
function readTree(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    found.set(relative(dir, path), path);
  }
  return found;
}

/**
 * Finishes or undoes what a run killed mid-swap left beside `target`: a staging folder is dropped; an old tree whose
 * replacement never arrived is put back, so the output is never found missing twice.
 */
function recoverInterruptedSwap(target: string): void {
  const parent = dirname(target);
  if (!existsSync(parent)) return;
  const prefix = `.${basename(target)}.new-`;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const path = join(parent, entry);
    if (entry.endsWith('.old') && !existsSync(target)) renameSync(path, target);
    else rmSync(path, { recursive: true, force: true });
  }
}

/** Whether the file at `path` holds exactly `content`. */
function holds(path: string, content: string): boolean {
  const bytes = Buffer.from(content);
  return statSync(path).size === bytes.length && readFileSync(path).equals(bytes);
}

/**
 * Replaces `outDir` with `tree` so that a reader sees the old folder or the new one, never a mix: the tree is written
 * beside it and swapped in with two renames. A folder that exists, is not empty and was not written by us is refused.
 * Synthesis runs on every commit and most commits change few files, so a file the old tree already holds is
 * hard-linked instead of written again (creating files is what a fleet's synthesis spends most on), and a tree that
 * is already there is left alone.
 * @returns whether anything changed
 */
export function writeTreeAtomically(outDir: string, tree: FileTree): boolean {
  const target = resolve(outDir);
  recoverInterruptedSwap(target);
  if (existsSync(target) && !statSync(target).isDirectory()) throw new Error(`${outDir} is not a folder`);
  if (existsSync(target) && readdirSync(target).length > 0 && !existsSync(join(target, OUTPUT_MARKER))) {
    throw new Error(`refusing to replace ${outDir}: it is not empty and was not written by argo-multicluster synth (no ${OUTPUT_MARKER})`);
  }
  const old = readTree(target);
  const unchanged = new Set([...tree].filter(([path, content]) => old.has(path) && holds(old.get(path)!, content)).map(([path]) => path));
  if (unchanged.size === tree.size && old.size === tree.size) return false;

  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.new-`));
  try {
    for (const dir of new Set([...tree.keys()].map((p) => dirname(join(staging, p))))) mkdirSync(dir, { recursive: true });
    for (const [path, content] of tree) {
      if (unchanged.has(path)) linkSync(old.get(path)!, join(staging, path));
      else writeFileSync(join(staging, path), content);
    }
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  const previous = existsSync(target) ? `${staging}.old` : undefined;
  if (previous) renameSync(target, previous);
  try {
    renameSync(staging, target);
  } catch (e) {
    if (previous) renameSync(previous, target);
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  if (previous) rmSync(previous, { recursive: true, force: true });
  return true;
}
