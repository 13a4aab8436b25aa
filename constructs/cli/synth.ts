import { statSync } from 'node:fs';
import { isAbsolute, join, posix, resolve, sep } from 'node:path';
import { buildCharts } from '../objects/charts';
import type { RemoteCredentials } from '../objects/profile';
import type { Topology } from '../model/topology';
import { redactText } from '../model/redact';
import { gitopsTree, isGitopsPath, isSecretPath, treeDifferences, writeTreeAtomically } from '../render/gitops';
import { gitopsAppFiles, type ArgocdAutomatedSync, type GitopsAppsOptions } from '../render/gitops-apps';
import { unifiedDiff } from '../render/unified-diff';
import { readRemoteCredentials } from './credentials';
import { UsageError } from './flags';

/** The flags of `synth` (besides `-f`), as parsed. */
export interface SynthFlags {
  readonly out?: string;
  readonly kubeconfig?: string;
  readonly check?: boolean;
  readonly argocd?: string;
  readonly 'argocd-sync'?: string;
  readonly 'argocd-namespace'?: string;
  readonly flux?: boolean;
  readonly 'flux-secret'?: string;
  readonly repo?: string;
  readonly 'repo-path'?: string;
  readonly revision?: string;
  readonly overlay?: string;
}

/** Where a command writes. */
interface Output {
  write(text: string): unknown;
}

async function plainCredentials(topology: Topology, kubeconfig?: string) {
  const credentials = new Map<string, RemoteCredentials>();
  for (const remote of topology.remotes)
    credentials.set(remote.name, await readRemoteCredentials(topology, remote, { kubeconfig }));
  return credentials;
}

/**
 * `$CDK8S_OUTDIR`, when set. Set but empty it would name the current folder, which synth replaces as a whole, and with
 * white space at an end a look-alike folder: both are refused.
 */
function outDirFromEnvironment(): string | undefined {
  const dir = process.env.CDK8S_OUTDIR;
  if (dir === undefined) return undefined;
  if (dir === '' || dir.trim() !== dir)
    throw new UsageError(
      `synth: $CDK8S_OUTDIR is ${JSON.stringify(dir)}, ${dir === '' ? 'empty' : 'with white space at its start or end'}; unset it, correct it or give -o DIR`,
    );
  return dir;
}

const ARGOCD_SYNC_FORMS = ['automated', 'automated,prune', 'automated,selfHeal', 'automated,prune,selfHeal'];

/** `--argocd-sync automated[,prune][,selfHeal]` as Argo CD's `syncPolicy.automated` switches. */
function argocdSync(value: string): ArgocdAutomatedSync {
  const [first, ...rest] = value.split(',');
  const known = rest.every((p) => p === 'prune' || p === 'selfHeal') && new Set(rest).size === rest.length;
  if (first !== 'automated' || !known)
    throw new UsageError(
      `synth: --argocd-sync ${JSON.stringify(value)} is not valid; valid: ${ARGOCD_SYNC_FORMS.join(' | ')} (prune deletes what left git, selfHeal reverts changes made in the cluster)`,
    );
  return { prune: rest.includes('prune'), selfHeal: rest.includes('selfHeal') };
}

/** The Argo CD / Flux options of `synth`, or undefined when none is asked for. */
function gitopsAppOptions(opts: SynthFlags, outDir: string): GitopsAppsOptions | undefined {
  const given = [
    opts.argocd,
    opts['argocd-sync'],
    opts.flux,
    opts['flux-secret'],
    opts.repo,
    opts['repo-path'],
    opts.revision,
    opts.overlay,
    opts['argocd-namespace'],
  ].some((v) => v !== undefined);
  if (!given) return undefined;
  if (opts.argocd !== undefined && opts.argocd !== 'applications' && opts.argocd !== 'applicationset') {
    throw new UsageError(`synth: --argocd "${opts.argocd}" is not valid; valid values: applications, applicationset`);
  }
  if (opts['argocd-sync'] !== undefined && opts.argocd === undefined)
    throw new UsageError('synth: --argocd-sync needs --argocd (it sets the sync policy of the Argo CD objects)');
  if (opts['flux-secret'] !== undefined && !opts.flux)
    throw new UsageError("synth: --flux-secret needs --flux (it names the Secret of Flux's GitRepository)");
  if (opts.argocd === undefined && !opts.flux)
    throw new UsageError(
      'synth: --repo, --repo-path, --revision, --overlay and --argocd-namespace need --argocd or --flux',
    );
  if (!opts.repo)
    throw new UsageError('synth: --argocd and --flux need --repo URL (the git repository holding the output)');
  const repoPath = opts['repo-path'] ?? (isAbsolute(outDir) ? undefined : outDir);
  if (repoPath === undefined)
    throw new UsageError(
      `synth: give --repo-path: the output folder ${outDir} is absolute, so its folder in the repository is unknown`,
    );
  const overlays: Record<string, string> = {};
  for (const entry of opts.overlay ? opts.overlay.split(',') : []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`synth: --overlay "${entry}" must be CLUSTER=PATH`);
    overlays[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return {
    repoURL: opts.repo,
    path: repoPath,
    revision: opts.revision,
    overlays,
    argocd: opts.argocd as GitopsAppsOptions['argocd'],
    argocdSync: opts['argocd-sync'] === undefined ? undefined : argocdSync(opts['argocd-sync']),
    argocdNamespace: opts['argocd-namespace'],
    flux: opts.flux,
    fluxSecretName: opts['flux-secret'],
  };
}

/**
 * The folder of the repository's checkout that the repository paths are relative to: `-o` less its `--repo-path`
 * (`-o gitops/dist`, repository path `gitops/dist`: the current folder); the current folder when `-o` does not end so.
 */
function checkoutRoot(outDir: string, repoPath: string): string {
  const out = resolve(outDir);
  const rel = posix.normalize(repoPath).replace(/\/+$/, '');
  if (rel === '.') return out;
  const tail = `${sep}${rel.split('/').join(sep)}`;
  return out.endsWith(tail) ? out.slice(0, -tail.length) || sep : process.cwd();
}

/** Refuses an overlay folder that is not in the checkout: Argo CD and Flux would fail on it only after the push. */
function checkOverlays(apps: GitopsAppsOptions, outDir: string): void {
  const root = checkoutRoot(outDir, apps.path);
  for (const [cluster, path] of Object.entries(apps.overlays ?? {})) {
    let isFolder = false;
    try {
      isFolder = statSync(join(root, path)).isDirectory();
    } catch {
      // absent or unreadable: refused below
    }
    if (!isFolder)
      throw new UsageError(
        `synth: --overlay ${cluster}=${path}: ${join(root, path)} is not a folder; create the overlay first (repository paths are read from ${root}, where -o is the repository path ${apps.path})`,
      );
  }
}

/** Warnings about a valid topology that is not what a production fleet wants: said on stderr, never refused. */
export function topologyWarnings(topology: Topology): string[] {
  return topology.remotes.flatMap((r, i) =>
    r.insecureSkipTLSVerify
      ? [
          `remotes[${i}].insecureSkipTLSVerify is true: the controller will not check the certificate of ${r.server}, so whoever sits between them gets the profile's bearer token; set it to false (the profile then trusts the CA of the remote's token Secret)`,
        ]
      : [],
  );
}

/** `synth`: writes the GitOps folder, or with `--check` compares it. @returns the exit code */
export async function synth(
  file: string,
  topology: Topology,
  opts: SynthFlags,
  out: Output,
  err: Output,
): Promise<number> {
  if (opts.kubeconfig !== undefined && topology.secrets.mode !== 'plain')
    throw new UsageError(
      `synth: --kubeconfig is read only with secrets.mode "plain" (for the remote tokens), and ${file} has secrets.mode "${topology.secrets.mode}"; leave --kubeconfig out`,
    );
  const outDir = opts.out ?? outDirFromEnvironment() ?? 'dist';
  const apps = gitopsAppOptions(opts, outDir);
  // Checked before any cluster is asked for a token.
  const appFiles = apps ? gitopsAppFiles(topology, apps) : new Map<string, string>();
  if (apps) checkOverlays(apps, outDir);
  for (const warning of topologyWarnings(topology)) err.write(`warning: ${redactText(warning)}\n`);
  let credentials: Map<string, RemoteCredentials> | undefined;
  if (topology.secrets.mode === 'plain') {
    err.write(
      'warning: secrets.mode "plain" writes the remote bearer tokens into the output in clear; never commit it unencrypted\n',
    );
    credentials = await plainCredentials(topology, opts.kubeconfig);
  }
  const tree = gitopsTree(topology, buildCharts(topology, { credentials }));
  for (const [path, content] of appFiles) tree.set(path, content);
  const summary = `${tree.size} files for ${topology.remotes.length + 1} clusters in ${outDir}`;
  if (opts.check) {
    const differences = treeDifferences(outDir, tree, { isOwnPath: isGitopsPath });
    if (differences.length === 0) {
      out.write(`unchanged: ${summary}\n`);
      return 0;
    }
    // A plain-mode profile holds a token: the diff is redacted like every other message.
    const name = (path: string) => posix.join(outDir, path);
    out.write(redactText(differences.map((d) => unifiedDiff(name(d.path), d.now, name(d.path), d.next)).join('')));
    err.write(
      `${outDir} differs from what ${file} gives in ${differences.length} file(s): ${differences.map((d) => d.path).join(', ')}; run synth without --check to write them\n`,
    );
    return 1;
  }
  const changed = writeTreeAtomically(outDir, tree, {
    onWarning: (m) => err.write(`warning: ${redactText(m)}\n`),
    onWait: (m) => err.write(`${m}\n`),
    isOwnPath: isGitopsPath,
    isPrivatePath: isSecretPath,
  });
  out.write(`${changed ? 'wrote' : 'unchanged:'} ${summary}\n`);
  return 0;
}
