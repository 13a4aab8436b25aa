#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { exampleTopologyPath } from '../model/example';
import { durationMs } from '../model/go-duration';
import { manifestYaml, type Manifest } from '../render/manifests';
import { allProfiles, profileKubeconfig, profileSecretManifest } from '../objects/profile';
import { forgetCredentials, redactText } from '../model/redact';
import { DEFAULT_LOCAL_NAMESPACE } from '../model/names';
import { namespaceNameProblem } from '../model/kubernetes';
import { TopologyError, loadTopologyFile } from '../model/validate';
import { readRemoteCredentials } from './credentials';
import { COMMAND_DEADLINE_MS, startCommandDeadline } from './kube-client';
import { InitInputError, initPulumi } from './init-pulumi';
import { configKey } from '../../stacks/program/stack-names';
import { UsageError, flagValueProblem, joinedShortValue, nearest, packageVersion, unknownFlag } from './flags';
import { RotateInputError, rotateToken } from './rotate';
import { formatReports, verifyProfiles } from './verify';
import { synth, topologyWarnings } from './synth';

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
  synth: `Usage: argo-multicluster synth (-f TOPOLOGY | --example) [-o DIR] [--check] [--kubeconfig PATH]
                             [--argocd applications|applicationset] [--argocd-sync automated[,prune][,selfHeal]]
                             [--flux] [--flux-secret NAME] --repo URL [--repo-path PATH] [--revision REV]
                             [--overlay CLUSTER=PATH[,CLUSTER=PATH...]] [--argocd-namespace NS]

Writes DIR/<cluster>/ per cluster: one YAML file per object and a kustomization.yaml.
DIR is replaced as a whole, atomically; on any failure it is left as it was.

  -f, --file TOPOLOGY   topology file
  --example             the built-in example topology instead of -f
  -o, --out DIR         output folder (default: $CDK8S_OUTDIR, else dist)
  --check               write nothing: print a unified diff of what a run would change and exit 1, or exit 0
                        when DIR is up to date (for CI)
  --kubeconfig PATH     with secrets.mode "plain" only: where to read the remote tokens from

Also write the objects that deploy each cluster folder from git (with --repo):
  --argocd KIND         DIR/argocd/: one Application per cluster (applications) or one ApplicationSet
  --argocd-sync POLICY  automated sync: automated, automated,prune, automated,selfHeal or automated,prune,selfHeal
                        (default: manual sync)
  --flux                DIR/flux/<cluster>/sync.yaml: a GitRepository and a Kustomization for that cluster's Flux
  --flux-secret NAME    the Secret in flux-system with the credentials of a private repository (spec.secretRef)
  --repo URL            the git repository holding DIR
  --repo-path PATH      DIR's folder in the repository (default: DIR, when it is relative)
  --revision REV        branch, tag or commit (default: HEAD for Argo CD, main for Flux)
  --overlay C=PATH,...  deploy these repository folders instead of DIR/<cluster> (overlays holding sealed
                        or sops-encrypted profiles, which synth never writes nor deletes); each must exist
  --argocd-namespace NS where Argo CD runs (default: argocd)`,
  validate: `Usage: argo-multicluster validate (-f TOPOLOGY | --example)

Validates the topology and prints "valid" or every problem found; warns on stderr about settings that weaken
security (insecureSkipTLSVerify).

  -f, --file TOPOLOGY   topology file
  --example             the built-in example topology instead of -f`,
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
  rotate: `Usage: argo-multicluster rotate -f TOPOLOGY --remote NAME [--kubeconfig PATH] [--no-wait] [--timeout DURATION]

Raise the remote's tokenGeneration in the topology first. Then rotate creates that generation's token Secret in the
remote, waits for its token, rewrites the profile Secret in the local cluster, rolls the controller and waits for the
rollout, and only then deletes the token Secrets of other generations (the API server refuses their tokens from then
on). Run it before your GitOps tool syncs the new synth output; a rerun finishes an interrupted rotation. Each step
is printed on stderr as it starts or ends.

  -f, --file TOPOLOGY   topology file (default: the built-in example)
  --remote NAME         the remote cluster, as named in the topology
  --kubeconfig PATH     kubeconfig with the contexts of the local cluster and the remote (default: $KUBECONFIG,
                        else ~/.kube/config)
  --no-wait             do not wait for the controller's rollout (clusters that cannot run it)
  --timeout DURATION    how long to wait for the rollout: seconds (300) or 90s, 5m, 1h30m; 1s to 24h (default: 5m)`,
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
  example: { type: 'boolean' },
  check: { type: 'boolean' },
  'argocd-sync': { type: 'string' },
  'flux-secret': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags each command takes: any other is refused, not ignored. */
const COMMAND_OPTIONS: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  synth: [
    'file',
    'example',
    'out',
    'check',
    'kubeconfig',
    'argocd',
    'argocd-sync',
    'flux',
    'flux-secret',
    'repo',
    'repo-path',
    'revision',
    'overlay',
    'argocd-namespace',
    'help',
  ],
  validate: ['file', 'example', 'help'],
  profile: ['file', 'remote', 'context', 'kubeconfig', 'help'],
  verify: ['file', 'context', 'kubeconfig', 'namespace', 'help'],
  rotate: ['file', 'remote', 'kubeconfig', 'no-wait', 'timeout', 'help'],
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

/**
 * The topology a command reads: `-f`, or the built-in example when asked for by `--example`. synth and validate have
 * no default: a GitOps folder replaced by the example, or a check that always passes, would go unnoticed.
 */
function topologyFile(command: string, opts: ReturnType<typeof parse>): string {
  if (opts.example && opts.file !== undefined)
    throw new UsageError(`${command}: give -f TOPOLOGY or --example, not both`);
  if (opts.example) return exampleTopologyPath();
  if (opts.file !== undefined) return opts.file;
  if (command === 'synth' || command === 'validate')
    throw new UsageError(
      `${command}: give -f TOPOLOGY (your topology file), or --example for the built-in example; there is no default`,
    );
  return exampleTopologyPath();
}

/** rotate's rollout wait when not given. */
const ROTATE_TIMEOUT_MS = 5 * 60_000;
/** The most `--timeout` takes: a rollout that has not finished in a day will not. */
const MAX_ROTATE_TIMEOUT_MS = 24 * 3600_000;
/** What rotate's requests other than the rollout wait may take in all. */
const ROTATE_OTHER_STEPS_MS = 10 * 60_000;

/** `rotate --timeout`: how long to wait for the controller's rollout, in ms. */
function rotateTimeout(value: string | undefined): number {
  if (value === undefined) return ROTATE_TIMEOUT_MS;
  const ms = durationMs(value);
  if (ms === undefined || ms < 1000 || ms > MAX_ROTATE_TIMEOUT_MS)
    throw new UsageError(
      `rotate: --timeout ${JSON.stringify(value)} is not valid; valid: a duration from 1s to 24h, as seconds (300) or Go's form (90s, 5m, 1h30m)`,
    );
  return ms;
}

const COMMANDS = ['synth', 'validate', 'profile', 'verify', 'rotate', 'init-pulumi', 'fleet'];

/** An unknown command explained, with the nearest command or top-level flag when one is close (`--verison`). */
function unknownCommand(command: string): string {
  const near = nearest(command, [...COMMANDS, 'help', '--help', '--version']);
  const hint = near ? `did you mean "${near}"? ` : '';
  return `unknown command "${command}"; ${hint}valid commands: ${COMMANDS.join(', ')}`;
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
    if (command === 'help' && rest.length) {
      // `help synth` as `synth --help`; `help fleet` is fleet's own.
      if (rest[0] === 'fleet') return await run(['fleet', '--help'], out, err);
      if (rest.length === 1 && rest[0] in HELP && rest[0] !== '') {
        out.write(`${HELP[rest[0]]}\n`);
        return 0;
      }
      throw new UsageError(`${unknownCommand(rest.join(' '))}\n\n${HELP['']}`);
    }
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
    if (!(command in COMMAND_OPTIONS)) throw new UsageError(`${unknownCommand(command)}\n\n${HELP['']}`);
    const opts = parse(command, rest);
    if (opts.help) {
      out.write(`${HELP[command]}\n`);
      return 0;
    }
    const rolloutTimeoutMs = command === 'rotate' ? rotateTimeout(opts.timeout) : undefined;
    // Whatever the clusters do, a command that asks them ends: each request has its own deadline, all of them one,
    // long enough for the rollout rotate is told to wait for.
    startCommandDeadline(Math.max(COMMAND_DEADLINE_MS, (rolloutTimeoutMs ?? 0) + ROTATE_OTHER_STEPS_MS));
    if (command === 'verify') {
      // verify reads the live clusters; a topology only adds what they cannot tell, so there is no default one.
      const topology = opts.file === undefined ? undefined : loadTopologyFile(opts.file);
      const context = opts.context ?? topology?.local.context;
      if (!context) throw new UsageError('verify: give --context (the local cluster) or -f TOPOLOGY');
      const badNamespace = opts.namespace === undefined ? undefined : namespaceNameProblem(opts.namespace);
      // It goes into request paths: a "/" or "?" there would ask for something else.
      if (badNamespace) throw new UsageError(`verify: --namespace ${JSON.stringify(opts.namespace)} ${badNamespace}`);
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
    const file = topologyFile(command, opts);
    const topology = loadTopologyFile(file);

    if (command === 'validate') {
      for (const warning of topologyWarnings(topology)) err.write(`warning: ${redactText(warning)}\n`);
      out.write(
        `${file}: valid (local ${topology.local.name}, ${topology.remotes.length} remote cluster(s), secrets.mode ${topology.secrets.mode})\n`,
      );
      return 0;
    }
    if (command === 'synth') return await synth(file, topology, opts, out, err);
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
        rolloutTimeoutMs,
        // Progress, as each step starts and ends: stdout stays free for what a command prints as its result.
        log: (line) => err.write(`${redactText(line)}\n`),
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
