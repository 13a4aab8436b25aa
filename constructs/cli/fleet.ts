import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Topology } from '../model/topology';
import { exampleTopologyPath } from '../model/example';
import { TopologyError, loadTopologyFile } from '../model/validate';
import { redactText } from '../model/redact';
import { configKey, partOfOutputs, remoteStackName } from '../../stacks/program/stack-names';
import { nearest, unknownFlag } from './flags';

/** Bad flags of `fleet`: exit 2. */
export class FleetUsageError extends Error {}

export const FLEET_HELP = `Usage: argo-multicluster fleet up|preview|destroy --stack NAME [-f TOPOLOGY] [--parallel N]
                                [--kubeconfig PATH] [--skip-await] [--work-dir DIR] [--pulumi-root DIR]

Runs the Pulumi program as a stack per cluster, with the Automation API and your own Pulumi CLI:
a stack NAME-<remote> per remote cluster (argo-multicluster:part remote:<remote>), N at a time, then the
stack NAME for the local cluster (part local), whose profiles are built from the remote stacks' outputs.
A remote that fails is reported and the others go on; the local stack writes the profiles it has.
"up" also destroys and removes the stack of a remote no longer in the topology, once the local stack
no longer uses it. "destroy" destroys the local stack, then the remote ones (stacks and config are kept).
"preview" creates the stacks it previews, empty, as pulumi stack init would.

  --stack NAME          the local cluster's stack ([org/]name); remote stacks are NAME-<remote>
  -f, --file TOPOLOGY   topology file (default: the built-in example)
  --parallel N          remote stacks run at once, 1 to 1024 (default 4): bounds memory, a Kubernetes
                        provider process (about 160 MB) and an engine per running stack
  --kubeconfig PATH     kubeconfig for every cluster, set as each stack's argo-multicluster:kubeconfigs
                        (default: what a stack's config says, else $KUBECONFIG, else ~/.kube/config)
  --skip-await          set argo-multicluster:skipAwait on the local stack (clusters that cannot run pods)
  --work-dir DIR        folder of Pulumi.yaml and the stacks' Pulumi.<stack>.yaml (default: the current one;
                        without a Pulumi.yaml one is written, project argo-multicluster)
  --pulumi-root DIR     the Pulumi install to use (DIR/bin/pulumi; default: pulumi on PATH); never downloaded

The backend is the one you are logged in to (pulumi login, or PULUMI_BACKEND_URL).
Exit codes: 0 every stack succeeded, 1 a stack failed (the summary names it), 2 invalid input.`;

const OPTIONS = {
  file: { type: 'string', short: 'f' },
  stack: { type: 'string' },
  parallel: { type: 'string' },
  kubeconfig: { type: 'string' },
  'skip-await': { type: 'boolean' },
  'work-dir': { type: 'string' },
  'pulumi-root': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const FLEET_ACTIONS = ['up', 'preview', 'destroy'] as const;
export type FleetAction = (typeof FLEET_ACTIONS)[number];

/** `fleet`'s validated flags. */
export interface FleetOptions {
  readonly action: FleetAction;
  readonly topologyFile: string;
  readonly topology: Topology;
  /** The local stack; remote stacks are `<stack>-<remote>`. */
  readonly stack: string;
  readonly parallel: number;
  readonly kubeconfig?: string;
  readonly skipAwait: boolean;
  readonly workDir: string;
  readonly pulumiRoot?: string;
}

/** Pulumi's rule for a stack name, with an optional organization. */
const STACK_NAME = /^([A-Za-z0-9_.-]+\/)?[A-Za-z0-9_.-]+$/;
/** Pulumi refuses longer stack names. */
const STACK_NAME_MAX = 100;

/** Parses and validates `fleet`'s arguments; `undefined` for --help. */
export function parseFleetArgs(args: string[]): FleetOptions | undefined {
  const [action, ...rest] = args;
  if (action === '--help' || action === '-h') return undefined;
  if (!FLEET_ACTIONS.includes(action as FleetAction)) {
    const near = action === undefined ? undefined : nearest(action, FLEET_ACTIONS);
    const hint = near ? ` (did you mean "${near}"?)` : '';
    throw new FleetUsageError(
      `fleet: ${action === undefined ? 'an action is required' : `unknown action "${action}"${hint}`}; valid: ${FLEET_ACTIONS.join(', ')}\n\n${FLEET_HELP}`,
    );
  }
  const unknown = unknownFlag(`fleet ${action}`, rest, OPTIONS, OPTIONS, () => []);
  if (unknown) throw new FleetUsageError(`${unknown}\n\n${FLEET_HELP}`);
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };
  try {
    values = parseArgs({ args: rest, strict: true, options: OPTIONS }).values as typeof values;
  } catch (e) {
    throw new FleetUsageError(`fleet ${action}: ${(e as Error).message}\n\n${FLEET_HELP}`);
  }
  if (values.help) return undefined;
  const parallel = values.parallel ?? '4';
  if (!/^[0-9]+$/.test(parallel) || Number(parallel) < 1 || Number(parallel) > 1024) {
    throw new FleetUsageError(`fleet ${action}: --parallel: "${parallel}" must be an integer from 1 to 1024`);
  }
  if (values.stack === undefined)
    throw new FleetUsageError(
      `fleet ${action}: --stack is required: the local cluster's stack, e.g. --stack prod (remote stacks are prod-<remote>)`,
    );
  if (!STACK_NAME.test(values.stack)) {
    throw new FleetUsageError(
      `fleet ${action}: --stack: "${values.stack}" must be a stack name, [org/]name of letters, digits, "-", "_" and "."`,
    );
  }
  for (const flag of ['kubeconfig', 'work-dir', 'pulumi-root'] as const) {
    if (values[flag] === '') throw new FleetUsageError(`fleet ${action}: --${flag}: "" must be a path`);
  }
  const topologyFile = resolve(values.file ?? exampleTopologyPath());
  const topology = loadTopologyFile(topologyFile);
  const tooLong = [values.stack, ...topology.remotes.map((r) => remoteStackName(values.stack!, r.name))].find(
    (s) => s.replace(/^.*\//, '').length > STACK_NAME_MAX,
  );
  if (tooLong)
    throw new FleetUsageError(
      `fleet ${action}: --stack: "${values.stack}" makes the stack name "${tooLong}", longer than Pulumi's ${STACK_NAME_MAX} characters; choose a shorter one`,
    );
  return {
    action: action as FleetAction,
    topologyFile,
    topology,
    stack: values.stack,
    parallel: Number(parallel),
    kubeconfig: values.kubeconfig === undefined ? undefined : resolve(values.kubeconfig),
    skipAwait: values['skip-await'] ?? false,
    workDir: values['work-dir'] === undefined ? process.cwd() : resolve(values['work-dir']),
    pulumiRoot: values['pulumi-root'] === undefined ? undefined : resolve(values['pulumi-root']),
  };
}

/** One config value of a stack. */
export interface ConfigValue {
  readonly value: string;
  readonly secret?: boolean;
}

/** What one stack operation did. */
export interface StackRunResult {
  /** Resources per operation (`create`, `same`, ...). */
  readonly changes: Readonly<Record<string, number>>;
  /** The stack outputs (up only). */
  readonly outputs?: Readonly<Record<string, unknown>>;
}

/** The stacks, as {@link runFleet} drives them; the Automation API in `fleet-pulumi.ts`, a fake in unit tests. */
export interface FleetBackend {
  /** Creates the stack if missing, sets the given config (leaving other keys alone). */
  prepare(stack: string, config: Readonly<Record<string, ConfigValue>>): Promise<void>;
  /** Runs `up`, `preview` or `destroy` on a prepared (or, for destroy, existing) stack; rejects when it fails. */
  run(stack: string, action: FleetAction, progress: (line: string) => void): Promise<StackRunResult>;
  /** The project's stack names, without organization or project. */
  list(): Promise<string[]>;
  /** A stack's `argo-multicluster:part`, undefined when it has none (or its config is not in this work dir). */
  part(stack: string): Promise<string | undefined>;
  /** The last outputs of an existing stack (secret ones hidden); empty when it has none. */
  outputs(stack: string): Promise<Readonly<Record<string, unknown>>>;
  /** Removes an (empty) stack and its config. */
  remove(stack: string): Promise<void>;
}

/** How one stack ended. */
export interface StackOutcome {
  readonly cluster: string;
  readonly stack: string;
  readonly role: 'remote' | 'local' | 'removed remote';
  readonly ok: boolean;
  readonly detail: string;
}

/** Runs `tasks` with at most `limit` at once, in order of the list. */
async function bounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A count per operation, the changes first: `2 create, 13 same`. Reads (of the remote stacks' outputs) change nothing. */
function describe(changes: Readonly<Record<string, number>>): string {
  const ops = Object.entries(changes).filter(([op, n]) => n > 0 && op !== 'read');
  ops.sort(([a], [b]) => Number(a === 'same') - Number(b === 'same') || a.localeCompare(b));
  return ops.length ? ops.map(([op, n]) => `${n} ${op}`).join(', ') : 'no resources';
}

/**
 * Drives a fleet: the remote stacks (bounded by `parallel`), then the local stack, then, on `up`, the stacks of
 * remotes no longer in the topology. Every stack's outcome is returned; a failure never stops the others.
 */
export async function runFleet(
  opts: FleetOptions,
  backend: FleetBackend,
  log: (line: string) => void,
): Promise<StackOutcome[]> {
  const { topology, action } = opts;
  const local = topology.local.name;
  const outcomes: StackOutcome[] = [];
  const config = (cluster: string, part: string): Record<string, ConfigValue> => ({
    [configKey('topology')]: { value: opts.topologyFile },
    [configKey('part')]: { value: part },
    ...(opts.kubeconfig !== undefined
      ? { [configKey(`kubeconfigs.${cluster}`)]: { value: opts.kubeconfig, secret: true } }
      : {}),
    ...(opts.skipAwait && part === 'local' ? { [configKey('skipAwait')]: { value: 'true' } } : {}),
  });
  // `part` is set for up and preview; destroy takes what the stack holds, whatever its config says.
  const one = async (
    cluster: string,
    stack: string,
    role: StackOutcome['role'],
    act: FleetAction,
    part?: string,
  ): Promise<StackRunResult | undefined> => {
    const progress = (line: string) => log(`[${cluster}] ${line}`);
    progress(`${act} ${stack}: started`);
    const started = Date.now();
    try {
      if (part !== undefined) await backend.prepare(stack, config(cluster, part));
      const result = await backend.run(stack, act, progress);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const missing = (result.outputs?.missingProfiles as string[] | undefined) ?? [];
      const detail = `${describe(result.changes)} in ${seconds} s${missing.length ? `; no profile for ${missing.join(', ')} (no token in their stacks yet)` : ''}`;
      progress(`${act} ${stack}: succeeded, ${detail}`);
      outcomes.push({ cluster, stack, role, ok: true, detail });
      return result;
    } catch (e) {
      // Pulumi's message ends with the cause, indented under its diagnostics.
      const reason = (e as Error).message.trim().split('\n').pop()!.trim();
      progress(`${act} ${stack}: FAILED: ${reason}`);
      outcomes.push({ cluster, stack, role, ok: false, detail: reason });
      return undefined;
    }
  };

  const remotes = topology.remotes.map((r) => ({ cluster: r.name, stack: remoteStackName(opts.stack, r.name) }));
  const current = new Set([opts.stack, ...remotes.map((r) => r.stack)]);
  const existing = new Set(await backend.list());
  const org = opts.stack.includes('/') ? `${opts.stack.split('/')[0]}/` : '';
  const bare = (stack: string) => stack.slice(org.length);
  // The local stack must not have applied the whole fleet: as the local part it would delete every remote object, and
  // the remote stacks would first fail on objects it owns. The program refuses such a switch as well, in every part
  // (its last outputs say what it applied); asking here first keeps the remote stacks from running at all.
  if (existing.has(bare(opts.stack))) {
    const configured = await backend.part(opts.stack);
    const applied = partOfOutputs(await backend.outputs(opts.stack));
    const other = [configured, applied].find((p) => p !== undefined && p !== 'local');
    if (other)
      throw new FleetUsageError(
        `fleet ${action}: stack "${opts.stack}" applies part "${other}", not "local"; choose another --stack, or destroy that stack first`,
      );
  }

  // A stack of this fleet whose remote left the topology: named by the convention and applying that very remote.
  const prefix = `${bare(opts.stack)}-`;
  const stale: { cluster: string; stack: string }[] = [];
  for (const name of existing) {
    const stack = `${org}${name}`;
    if (!name.startsWith(prefix) || current.has(stack)) continue;
    const cluster = name.slice(prefix.length);
    const outputs = await backend.outputs(stack);
    const applied = partOfOutputs(outputs);
    const ours =
      applied === undefined
        ? (await backend.part(stack)) === `remote:${cluster}`
        : applied === `remote:${cluster}` && outputs.localCluster === local;
    if (ours) stale.push({ cluster, stack });
  }

  log(`fleet ${action}: local ${local} (stack ${opts.stack}), ${remotes.length} remote(s), ${opts.parallel} at a time`);
  if (action === 'destroy') {
    await one(local, opts.stack, 'local', 'destroy');
    await bounded(
      [...remotes, ...stale],
      opts.parallel,
      async (r) => void (await one(r.cluster, r.stack, 'remote', 'destroy')),
    );
    return outcomes;
  }
  await bounded(
    remotes,
    opts.parallel,
    async (r) => void (await one(r.cluster, r.stack, 'remote', action, `remote:${r.cluster}`)),
  );
  const localResult = await one(local, opts.stack, 'local', action, 'local');
  for (const r of stale) {
    if (action === 'preview') {
      log(`[${r.cluster}] ${r.stack}: not in the topology any more; up will destroy and remove this stack`);
      continue;
    }
    // Only once the local stack has dropped the profile: until then the controller may still use the remote.
    if (!localResult) {
      outcomes.push({
        ...r,
        role: 'removed remote',
        ok: false,
        detail: 'not destroyed: the local stack failed, so its profile may still be in use',
      });
      continue;
    }
    const destroyed = await one(r.cluster, r.stack, 'removed remote', 'destroy');
    if (destroyed) await backend.remove(r.stack);
  }
  return outcomes;
}

/** The summary table and the exit code: 1 when any stack failed. */
export function summarize(action: FleetAction, outcomes: readonly StackOutcome[]): { text: string; code: number } {
  const width = (f: (o: StackOutcome) => string) => Math.max(...outcomes.map((o) => f(o).length));
  const [c, s, r] = [width((o) => o.cluster), width((o) => o.stack), width((o) => o.role)];
  const lines = outcomes.map(
    (o) =>
      `  ${o.cluster.padEnd(c)}  ${o.stack.padEnd(s)}  ${o.role.padEnd(r)}  ${o.ok ? 'ok    ' : 'FAILED'}  ${o.detail}`,
  );
  const failed = outcomes.filter((o) => !o.ok);
  const verdict = failed.length
    ? `fleet ${action}: ${failed.length} of ${outcomes.length} stack(s) failed: ${failed.map((o) => `${o.cluster} (${o.stack})`).join(', ')}`
    : `fleet ${action}: all ${outcomes.length} stack(s) succeeded`;
  return { text: `summary:\n${lines.join('\n')}\n${verdict}\n`, code: failed.length ? 1 : 0 };
}

/**
 * Loads the Automation API side, which needs the optional peer dependencies; a clear error when they are missing.
 * @param resolve how a module is found (Node's own; a test hides one)
 */
export function loadPulumiBackend(resolve: (id: string) => string = require.resolve): typeof import('./fleet-pulumi') {
  for (const dep of ['@pulumi/pulumi/automation', '@pulumi/kubernetes']) {
    try {
      resolve(dep);
    } catch {
      throw new Error(
        `fleet needs the optional peer dependencies @pulumi/pulumi and @pulumi/kubernetes, and ${dep} is not installed: ` +
          'npm install @pulumi/pulumi@^3.142.0 @pulumi/kubernetes@^4.24.0 (synth, validate, profile and verify do not need them)',
      );
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./fleet-pulumi');
}

/**
 * `argo-multicluster fleet ...`: returns the exit code. Everything it writes passes {@link redactText}: it relays what
 * Pulumi and the clusters say, which may quote a credential, and its own refusals quote flag values.
 * @param backendFor the stacks (the Automation API unless a test gives its own)
 */
export async function fleet(
  args: string[],
  stdout: { write(s: string): unknown },
  stderr: { write(s: string): unknown },
  backendFor: (opts: FleetOptions) => Promise<FleetBackend> = (opts) => loadPulumiBackend().automationBackend(opts),
): Promise<number> {
  const out = { write: (s: string) => stdout.write(redactText(s)) };
  const err = { write: (s: string) => stderr.write(redactText(s)) };
  try {
    const opts = parseFleetArgs(args);
    if (!opts) {
      out.write(`${FLEET_HELP}\n`);
      return 0;
    }
    const backend = await backendFor(opts);
    const outcomes = await runFleet(opts, backend, (line) => out.write(`${line}\n`));
    const { text, code } = summarize(opts.action, outcomes);
    out.write(text);
    return code;
  } catch (e) {
    if (e instanceof FleetUsageError || e instanceof TopologyError) {
      err.write(`error: ${e.message}\n`);
      return 2;
    }
    err.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
}
