#!/usr/bin/env node
import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCharts } from '../objects/charts';
import { exampleTopologyPath } from '../model/example';
import { gitopsTree, isGitopsPath, writeTreeAtomically } from '../render/gitops';
import { gitopsAppFiles, type GitopsAppsOptions } from '../render/gitops-apps';
import { manifestYaml, type Manifest } from '../render/manifests';
import { allProfiles, profileKubeconfig, profileSecretManifest, type RemoteCredentials } from '../objects/profile';
import { forgetCredentials, redactText } from '../model/redact';
import { DEFAULT_LOCAL_NAMESPACE } from '../model/names';
import { DNS1123_LABEL } from '../model/kubernetes';
import { TopologyError, loadTopologyFile } from '../model/validate';
import { readRemoteCredentials } from './credentials';
import { startCommandDeadline } from './kube-client';
import { InitInputError, initPulumi } from './init-pulumi';
import { configKey } from '../../stacks/program/stack-names';
import { flagValueProblem, joinedShortValue, nearest, packageVersion, unknownFlag } from './flags';
import { RotateInputError, rotateToken } from './rotate';
import { formatReports, verifyProfiles } from './verify';

/** Bad flags: exit 2, like a bad topology. */
class UsageError extends Error {}

const HELP: Record<string, string> = {
  '': `argo-multicluster: Argo Workflows multi-cluster manifests from one topology file

Usage: argo-multicluster <command> [options]

Commands:
  synth      write the GitOps folders, one per cluster
  validate   check a topology file and report every problem
  profile    print the profile Secret of one remote cluster, read from the live remote
  verify     ask each remote, with its profile's own credentials, whether Argo's needs are met
  rotate     move one remote's profile to a new token, then delete the old token
  fleet      pulumi up | preview | destroy as a stack per cluster, remote stacks in parallel (needs Pulumi)
  init-pulumi  write a Pulumi TypeScript project that runs this package's program (for \`pulumi up\`)

Run "argo-multicluster <command> --help" for a command's options, "argo-multicluster --version" for the version.
Exit codes: 0 success, 2 invalid input (the message names each field), 1 any other failure.`,
  synth: `Usage: argo-multicluster synth [-f TOPOLOGY] [-o DIR] [--kubeconfig PATH]
                             [--argocd applications|applicationset] [--flux] --repo URL [--repo-path PATH]
                             [--revision REV] [--overlay CLUSTER=PATH[,CLUSTER=PATH...]] [--argocd-namespace NS]

Writes DIR/<cluster>/ per cluster: one YAML file per object and a kustomization.yaml.
DIR is replaced as a whole, atomically; on any failure it is left as it was.

  -f, --file TOPOLOGY   topology file (default: the built-in example)
  -o, --out DIR         output folder (default: $CDK8S_OUTDIR, else dist)
  --kubeconfig PATH     with secrets.mode "plain" only: where to read the remote tokens from

Also write the objects that deploy each cluster folder from git (with --repo):
  --argocd KIND         DIR/argocd/: one Application per cluster (applications) or one ApplicationSet
  --flux                DIR/flux/<cluster>/sync.yaml: a GitRepository and a Kustomization for that cluster's Flux
  --repo URL            the git repository holding DIR
  --repo-path PATH      DIR's folder in the repository (default: DIR, when it is relative)
  --revision REV        branch, tag or commit (default: HEAD for Argo CD, main for Flux)
  --overlay C=PATH,...  deploy these repository folders instead of DIR/<cluster> (overlays holding sealed
                        or sops-encrypted profiles, which synth never writes nor deletes)
  --argocd-namespace NS where Argo CD runs (default: argocd)`,
  validate: `Usage: argo-multicluster validate [-f TOPOLOGY]

Validates the topology and prints "valid" or every problem found.

  -f, --file TOPOLOGY   topology file (default: the built-in example)`,
  profile: `Usage: argo-multicluster profile -f TOPOLOGY --remote NAME [--context CTX] [--kubeconfig PATH]

Reads the controller identity's token Secret from the remote cluster and prints the profile Secret
(YAML, with data.kubeconfig) for the local cluster on stdout: pipe it into kubeseal or sops.

  -f, --file TOPOLOGY   topology file (default: the built-in example)
  --remote NAME         the remote cluster, as named in the topology (all its profiles), or the cluster name of
                        one profile of a remote with profilePerNamespace (<remote>-<namespace>)
  --context CTX         kube context of the remote (default: the remote's context in the topology)
  --kubeconfig PATH     kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)`,
  verify: `Usage: argo-multicluster verify (--context CTX | -f TOPOLOGY) [--kubeconfig PATH] [--namespace NS]

Reads the profile Secrets from the local cluster, connects to each remote with the profile's own kubeconfig and asks
the remote server (a SelfSubjectAccessReview per verb, resource and namespace) whether every access Argo needs is
granted. Prints a table per remote. Also lists every Secret labelled workflows.argoproj.io/cluster in the local cluster
and flags those outside NS and cluster names claimed twice. Exits 1 when a need is unmet, a remote is unreachable or
a Secret is flagged. Profiles are used with their inline data only: file references and exec plugins are refused.

  --context CTX         kube context of the local cluster (default: local.context of the topology)
  --kubeconfig PATH     kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
  --namespace NS        where the profiles are (default: local.namespace of the topology, else argo)
  -f, --file TOPOLOGY   topology file: names the remote namespaces of profiles that serve any namespace
                        (without it, their writes are reported as not checked)`,
  'init-pulumi': `Usage: argo-multicluster init-pulumi [-o DIR]

Writes a Pulumi TypeScript project into DIR that runs this package's program with \`pulumi up\`, the same program
as the package repository's own Pulumi.yaml: Pulumi.yaml, index.ts, tsconfig.json (unless DIR has one) and
Pulumi.example.yaml, which documents every config key. A file that exists is never replaced: then nothing is written.
Prints the packages DIR/package.json still lacks, and the commands that start a stack.

  -o, --out DIR         the project folder, where argo-multicluster is installed (default: the current folder)`,
  rotate: `Usage: argo-multicluster rotate -f TOPOLOGY --remote NAME [--kubeconfig PATH] [--no-wait]

Raise the remote's tokenGeneration in the topology first. Then rotate creates that generation's token Secret in the
remote, waits for its token, rewrites the profile Secret in the local cluster, rolls the controller and waits for the
rollout, and only then deletes the token Secrets of other generations (the API server refuses their tokens from then
on). Run it before your GitOps tool syncs the new synth output; a rerun finishes an interrupted rotation.

  -f, --file TOPOLOGY   topology file (default: the built-in example)
  --remote NAME         the remote cluster, as named in the topology
  --kubeconfig PATH     kubeconfig with the contexts of the local cluster and the remote (default: $KUBECONFIG,
                        else ~/.kube/config)
  --no-wait             do not wait for the controller's rollout (clusters that cannot run it)`,
};

const OPTIONS = {
  file: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  remote: { type: 'string' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  namespace: { type: 'string' },
  argocd: { type: 'string' },
  flux: { type: 'boolean' },
  repo: { type: 'string' },
  'repo-path': { type: 'string' },
  revision: { type: 'string' },
  overlay: { type: 'string' },
  'argocd-namespace': { type: 'string' },
  'no-wait': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags each command takes: any other is refused, not ignored. */
const COMMAND_OPTIONS: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  synth: [
    'file',
    'out',
    'kubeconfig',
    'argocd',
    'flux',
    'repo',
    'repo-path',
    'revision',
    'overlay',
    'argocd-namespace',
    'help',
  ],
  validate: ['file', 'help'],
  profile: ['file', 'remote', 'context', 'kubeconfig', 'help'],
  verify: ['file', 'context', 'kubeconfig', 'namespace', 'help'],
  rotate: ['file', 'remote', 'kubeconfig', 'no-wait', 'help'],
  'init-pulumi': ['out', 'help'],
};

function parse(
  command: string,
  args: string[],
): { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean } {
  const options = Object.fromEntries(COMMAND_OPTIONS[command].map((name) => [name, OPTIONS[name]]));
  const takenBy = (flag: string) =>
    Object.keys(COMMAND_OPTIONS).filter((c) => COMMAND_OPTIONS[c].some((o) => o === flag));
  const joined = joinedShortValue(command, args, options);
  if (joined) throw new UsageError(joined);
  const unknown = unknownFlag(command, args, options, OPTIONS, takenBy);
  if (unknown) throw new UsageError(`${unknown}\n\n${HELP[command]}`);
  let values: ReturnType<typeof parse>;
  try {
    values = parseArgs({ args, strict: true, options }).values as ReturnType<typeof parse>;
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}\n\n${HELP[command]}`);
  }
  const problem = flagValueProblem(command, args, options);
  if (problem) throw new UsageError(problem);
  return values;
}

async function plainCredentials(topology: ReturnType<typeof loadTopologyFile>, kubeconfig?: string) {
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

/** The Argo CD / Flux options of `synth`, or undefined when none is asked for. */
function gitopsAppOptions(opts: ReturnType<typeof parse>, outDir: string): GitopsAppsOptions | undefined {
  const given = [
    opts.argocd,
    opts.flux,
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
    argocdNamespace: opts['argocd-namespace'],
    flux: opts.flux,
  };
}

/** Where the CLI writes: process.stdout and stderr, or a test's capture. */
export interface Output {
  write(text: string): unknown;
}

/** Runs one CLI invocation and returns its exit code; output goes to the given streams. */
export async function run(argv: string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const [command = '', ...rest] = argv;
  // Credentials remembered for redaction belong to one command's kubeconfig (tests run many commands in one process).
  forgetCredentials();
  try {
    if (command === '' || command === '--help' || command === '-h' || command === 'help') {
      out.write(`${HELP['']}\n`);
      return command === '' ? 2 : 0;
    }
    if (command === '--version' || command === '-V' || command === 'version') {
      out.write(`${packageVersion()}\n`);
      return 0;
    }
    // Loaded only when asked for: it needs the optional Pulumi peer dependencies, which synth users may not have. It
    // hides credentials in what it writes itself.
    if (command === 'fleet') return await (await import('./fleet')).fleet(rest, out, err);
    if (!(command in COMMAND_OPTIONS)) {
      const commands = [...Object.keys(COMMAND_OPTIONS), 'fleet'];
      const near = nearest(command, commands);
      const hint = near ? `did you mean "${near}"? ` : '';
      throw new UsageError(
        `unknown command "${command}"; ${hint}valid commands: ${commands.join(', ')}\n\n${HELP['']}`,
      );
    }
    const opts = parse(command, rest);
    if (opts.help) {
      out.write(`${HELP[command]}\n`);
      return 0;
    }
    // Whatever the clusters do, a command that asks them ends: each request has its own deadline, all of them one.
    startCommandDeadline();
    if (command === 'verify') {
      // verify reads the live clusters; a topology only adds what they cannot tell, so there is no default one.
      const topology = opts.file === undefined ? undefined : loadTopologyFile(opts.file);
      const context = opts.context ?? topology?.local.context;
      if (!context) throw new UsageError('verify: give --context (the local cluster) or -f TOPOLOGY');
      if (opts.namespace !== undefined && !(opts.namespace.length <= 63 && DNS1123_LABEL.test(opts.namespace)))
        // It goes into request paths: a "/" or "?" there would ask for something else.
        throw new UsageError(
          `verify: --namespace ${JSON.stringify(opts.namespace)} is not a namespace name; valid: a DNS-1123 label (lower-case letters, digits and "-", starting and ending alphanumeric, at most 63 characters)`,
        );
      const namespace = opts.namespace ?? topology?.local.namespace ?? DEFAULT_LOCAL_NAMESPACE;
      const { text, ok } = formatReports(
        await verifyProfiles({ context, kubeconfig: opts.kubeconfig, namespace, topology }),
        namespace,
      );
      // The report quotes what remote servers answered; a server may echo the request's credentials.
      out.write(redactText(text));
      return ok ? 0 : 1;
    }
    if (command === 'init-pulumi') {
      const dir = opts.out ?? '.';
      const { written, missing } = initPulumi(dir);
      out.write(`wrote ${written.join(', ')} in ${dir}\n`);
      const install = [
        missing.dependencies.length ? `npm install ${missing.dependencies.join(' ')}` : '',
        missing.devDependencies.length ? `npm install --save-dev ${missing.devDependencies.join(' ')}` : '',
      ].filter(Boolean);
      out.write(
        `${install.length ? `package.json lacks what \`pulumi up\` needs:\n${install.map((l) => `  ${l}\n`).join('')}` : ''}then:\n  pulumi stack init dev\n  pulumi config set ${configKey('topology')} my-topology.yaml   # unset: the built-in example\n  pulumi up\n`,
      );
      return 0;
    }
    const file = opts.file ?? exampleTopologyPath();
    const topology = loadTopologyFile(file);

    if (command === 'validate') {
      out.write(
        `${file}: valid (local ${topology.local.name}, ${topology.remotes.length} remote cluster(s), secrets.mode ${topology.secrets.mode})\n`,
      );
      return 0;
    }
    if (command === 'synth') {
      if (opts.kubeconfig !== undefined && topology.secrets.mode !== 'plain')
        throw new UsageError(
          `synth: --kubeconfig is read only with secrets.mode "plain" (for the remote tokens), and ${file} has secrets.mode "${topology.secrets.mode}"; leave --kubeconfig out`,
        );
      let credentials: Map<string, RemoteCredentials> | undefined;
      if (topology.secrets.mode === 'plain') {
        err.write(
          'warning: secrets.mode "plain" writes the remote bearer tokens into the output in clear; never commit it unencrypted\n',
        );
        credentials = await plainCredentials(topology, opts.kubeconfig);
      }
      const outDir = opts.out ?? outDirFromEnvironment() ?? 'dist';
      const apps = gitopsAppOptions(opts, outDir);
      const tree = gitopsTree(topology, buildCharts(topology, { credentials }));
      if (apps) for (const [path, content] of gitopsAppFiles(topology, apps)) tree.set(path, content);
      const changed = writeTreeAtomically(outDir, tree, {
        onWarning: (m) => err.write(`warning: ${redactText(m)}\n`),
        onWait: (m) => err.write(`${m}\n`),
        isOwnPath: isGitopsPath,
      });
      out.write(
        `${changed ? 'wrote' : 'unchanged:'} ${tree.size} files for ${topology.remotes.length + 1} clusters in ${outDir}\n`,
      );
      return 0;
    }
    // profile and rotate; profile also takes the cluster name of one profile of a remote with profilePerNamespace.
    const profiles = allProfiles(topology);
    const valid = [
      ...topology.remotes.map((r) => r.name),
      ...(command === 'profile'
        ? profiles.filter((p) => p.remote.profilePerNamespace).map((p) => p.target.cluster)
        : []),
    ].join(', ');
    if (!opts.remote) throw new UsageError(`${command}: --remote is required; valid values: ${valid}`);
    const chosen = profiles.filter(
      (p) => p.remote.name === opts.remote || (command === 'profile' && p.target.cluster === opts.remote),
    );
    const remote = chosen[0]?.remote;
    if (!remote)
      throw new UsageError(`${command}: --remote "${opts.remote}" is not in the topology; valid values: ${valid}`);
    if (command === 'rotate') {
      await rotateToken(topology, remote, {
        kubeconfig: opts.kubeconfig,
        noWait: opts['no-wait'],
        log: (line) => out.write(`${redactText(line)}\n`),
      });
      return 0;
    }
    const credentials = await readRemoteCredentials(topology, remote, {
      kubeconfig: opts.kubeconfig,
      context: opts.context,
    });
    const kubeconfig = profileKubeconfig(topology, remote, credentials);
    // Several profiles (a remote with profilePerNamespace) are one YAML stream.
    out.write(
      chosen
        .map((p) => manifestYaml(profileSecretManifest(p.metadata, kubeconfig) as unknown as Manifest))
        .join('---\n'),
    );
    return 0;
  } catch (e) {
    // Whatever a message quotes (a kubeconfig, a flag, a value), no credential reaches the terminal or a CI log.
    if (
      e instanceof TopologyError ||
      e instanceof UsageError ||
      e instanceof RotateInputError ||
      e instanceof InitInputError
    ) {
      err.write(`error: ${redactText(e.message)}\n`);
      return 2;
    }
    err.write(`error: ${redactText((e as Error).message)}\n`);
    return 1;
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
