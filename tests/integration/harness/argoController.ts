/**
 * The real multi-cluster Argo workflow-controller (built by `tools/build.sh` from argo-workflows e89b35277d), run the
 * way the synthesized Deployment says, against the harness's control planes; and a stand-in for what the tests have
 * no kubelet for: running the pods it creates in a remote cluster.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Manifest } from '../../../constructs';
import { CONTROLLER_NAME } from '../../../constructs';
import { NAMESPACE_SETUP_FAILURE, isolatedLoopback } from './network';
import { ManagedProcess, waitFor } from './process';
import { kubectl } from './toolchain';

/** The folder of Argo's own CRDs that `tools/build.sh` keeps beside `bin/`; missing is a setup error, never a skip. */
export function argoCrdFiles(binDir: string): string[] {
  const dir = join(binDir, '..', 'argo-crds');
  if (!existsSync(join(dir, 'COMMIT'))) throw new Error(`Argo's CRDs are missing in ${dir}; run tools/build.sh`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/** Applies Argo's minimal CRDs (Workflow, WorkflowTemplate, ...) to a cluster and waits until they are served. */
export function applyArgoCrds(kubeconfig: string, context: string, binDir: string): void {
  for (const file of argoCrdFiles(binDir)) kubectl(kubeconfig, context, ['apply', '--server-side', '-f', file]);
  kubectl(kubeconfig, context, [
    'wait',
    '--for',
    'condition=Established',
    '--timeout',
    '60s',
    'crd/workflows.argoproj.io',
    'crd/workflowtaskresults.argoproj.io',
  ]);
}

/** What a test needs to start the controller. */
export interface ControllerOptions {
  /** Folder of the built tools (`workflow-controller` is there). */
  readonly binDir: string;
  /** Folder for the controller's kubeconfig, log and sockets. */
  readonly dir: string;
  /** Admin kubeconfig of the harness and the local cluster's context in it. */
  readonly adminKubeconfig: string;
  readonly localContext: string;
  /** The local API server as the controller's pod would reach it, and its CA (base64). */
  readonly localServer: string;
  readonly localCaData: string;
  /** Every object synthesized for the local cluster: the controller Deployment is read from them. */
  readonly localObjects: readonly Manifest[];
  /** Every API server the controller must reach (local and remotes), as `https://127.0.0.1:<port>`. */
  readonly servers: readonly string[];
}

/** A running controller. */
export interface ControllerHandle {
  /** The exact command line it was started with (binary and args), for the test to check. */
  readonly argv: readonly string[];
  /** Its environment variables taken from the Deployment. */
  readonly deploymentEnv: Readonly<Record<string, string>>;
  /** Everything it logged so far. */
  log(): string;
  /** Waits until its log matches, and returns the match. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

// How long the controller may take to exit after SIGTERM before it gets SIGKILL.
const STOP_GRACE_MS = 10_000;

/** The controller container of the synthesized Deployment. */
function controllerContainer(objects: readonly Manifest[]): {
  namespace: string;
  serviceAccount: string;
  container: any;
} {
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === CONTROLLER_NAME) as any;
  if (!deployment) throw new Error(`no Deployment ${CONTROLLER_NAME} among the synthesized objects`);
  const container = deployment.spec.template.spec.containers.find((c: any) => c.name === CONTROLLER_NAME);
  return {
    namespace: deployment.metadata.namespace,
    serviceAccount: deployment.spec.template.spec.serviceAccountName,
    container,
  };
}

/** The Deployment's env as a pod would see it; a source the harness cannot reproduce fails the test. */
function deploymentEnv(container: any, podName: string, namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = podName;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else
      throw new Error(`the harness cannot reproduce env ${e.name} of the controller Deployment: ${JSON.stringify(e)}`);
  }
  return env;
}

/**
 * Starts the controller as the synthesized Deployment says: its command and args, its env, with a token of its
 * ServiceAccount and the Deployment's namespace as its own (outside a pod the controller takes it from the kubeconfig
 * context), in a network namespace of its own that reaches only the given API servers.
 */
export async function startController(opts: ControllerOptions): Promise<ControllerHandle> {
  const { namespace, serviceAccount, container } = controllerContainer(opts.localObjects);
  const [command, ...commandArgs] = container.command as string[];
  const binary = join(opts.binDir, basename(command));
  if (!existsSync(binary)) throw new Error(`${binary} is missing; run tools/build.sh`);
  const token = kubectl(opts.adminKubeconfig, opts.localContext, [
    'create',
    'token',
    serviceAccount,
    '-n',
    namespace,
    '--duration',
    '2h',
  ]).trim();
  const kubeconfigPath = join(opts.dir, 'controller.kubeconfig');
  writeFileSync(
    kubeconfigPath,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'local', cluster: { server: opts.localServer, 'certificate-authority-data': opts.localCaData } },
      ],
      users: [{ name: serviceAccount, user: { token } }],
      contexts: [{ name: 'local', context: { cluster: 'local', user: serviceAccount, namespace } }],
      'current-context': 'local',
    }),
    { mode: 0o600 },
  );
  const argv = [binary, ...commandArgs, ...(container.args ?? []), '--kubeconfig', kubeconfigPath];
  const env = deploymentEnv(container, `${CONTROLLER_NAME}-0`, namespace);

  // In a network namespace of its own, the controller's servers (:6060 healthz and :9090 metrics, on every interface,
  // cmd/workflow-controller/main.go) are bound where nothing else sees them, and it reaches only the API servers.
  const network = await isolatedLoopback(
    opts.dir,
    opts.servers.map((s) => Number(new URL(s).port)),
    argv,
  );
  const logFile = join(opts.dir, 'controller.log');
  // waitForLog searches the whole log, which must hold this run's lines only.
  writeFileSync(logFile, '');
  const proc = new ManagedProcess({
    argv: network.argv,
    logFile,
    env: { PATH: process.env.PATH ?? '', HOME: opts.dir, ...env },
    // The controller runs as a grandchild of the wrapper, and must go with it.
    group: true,
  });

  const log = () => readFileSync(logFile, 'utf8');
  const handle: ControllerHandle = {
    argv,
    deploymentEnv: env,
    log,
    waitForLog: (pattern, timeoutMs = 60_000) =>
      waitFor(`the controller to log ${pattern}`, () => log().match(pattern), {
        timeoutMs,
        intervalMs: 250,
        process: proc,
      }),
    async stop() {
      await proc.stop(STOP_GRACE_MS);
      await network.close();
    },
  };
  try {
    await handle.waitForLog(
      new RegExp(
        `${NAMESPACE_SETUP_FAILURE.source}|level=info msg="Profile added"|level=info msg="Creating local profile"`,
      ),
      30_000,
    );
    if (NAMESPACE_SETUP_FAILURE.test(log()))
      throw new Error(`the controller's network namespace could not be set up:\n${log()}`);
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return handle;
}

/** One remote pod as the stand-in found it, before it ran. */
export interface RemotePod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly serviceAccount: string;
  /** The pod's spec as the controller wrote it. */
  readonly spec: any;
}

/**
 * Stands in for the kubelet and the executor in a remote cluster: for each pod of `workflow` that appears in one of
 * `namespaces`, writes its task result as the executor would, with the pod's own ServiceAccount (impersonated), then
 * marks the pod `Succeeded` through the status subresource with a terminated state for each container.
 */
export async function runRemotePods(opts: {
  kubeconfig: string;
  context: string;
  workflow: string;
  namespaces: readonly string[];
  expected: number;
  timeoutMs?: number;
}): Promise<RemotePod[]> {
  const done = new Map<string, RemotePod>();
  const k = (args: string[], input?: string) => kubectl(opts.kubeconfig, opts.context, args, input);
  const runNewPods = (): boolean => {
    for (const ns of opts.namespaces) {
      const pods = JSON.parse(
        k(['get', 'pods', '-n', ns, '-l', `workflows.argoproj.io/workflow=${opts.workflow}`, '-o', 'json']),
      ).items;
      for (const pod of pods) {
        const key = `${ns}/${pod.metadata.name}`;
        if (done.has(key)) continue;
        const serviceAccount = pod.spec.serviceAccountName ?? 'default';
        const waitEnv = Object.fromEntries(
          (pod.spec.containers.find((c: any) => c.name === 'wait')?.env ?? []).map((e: any) => [e.name, e.value]),
        );
        const labels: Record<string, string> = { 'workflows.argoproj.io/workflow': opts.workflow };
        if (waitEnv.ARGO_WORKFLOW_CLUSTER) labels['workflows.argoproj.io/cluster'] = waitEnv.ARGO_WORKFLOW_CLUSTER;
        const result = {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'WorkflowTaskResult',
          metadata: { name: pod.metadata.annotations['workflows.argoproj.io/node-id'], namespace: ns, labels },
          phase: 'Succeeded',
          outputs: { exitCode: '0' },
        };
        k(['create', '-f', '-', '--as', `system:serviceaccount:${ns}:${serviceAccount}`], JSON.stringify(result));
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const status = {
          status: {
            phase: 'Succeeded',
            containerStatuses: pod.spec.containers.map((c: any) => ({
              name: c.name,
              image: c.image,
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
            })),
          },
        };
        k([
          'patch',
          'pod',
          pod.metadata.name,
          '-n',
          ns,
          '--subresource',
          'status',
          '--type',
          'merge',
          '-p',
          JSON.stringify(status),
        ]);
        done.set(key, {
          name: pod.metadata.name,
          namespace: ns,
          labels: pod.metadata.labels,
          serviceAccount,
          spec: pod.spec,
        });
      }
    }
    return done.size >= opts.expected;
  };
  await waitFor(
    () => `${opts.expected} pods of ${opts.workflow} to appear in ${opts.context} (${done.size} did)`,
    runNewPods,
    { timeoutMs: opts.timeoutMs ?? 90_000 },
  );
  return [...done.values()];
}

/**
 * The `forbidden` refusals in a controller log, as (verb, resource, group, namespace or '' for the cluster scope):
 * client-go's text, e.g. `cannot deletecollection resource "workflowtaskresults" in API group "argoproj.io" in the
 * namespace "default"`, with logrus's escaped quotes.
 */
export function forbiddenRefusals(log: string): { verb: string; resource: string; group: string; namespace: string }[] {
  const q = '\\\\?"';
  const re = new RegExp(
    `cannot (\\S+) resource ${q}([^"\\\\]+)${q} in API group ${q}([^"\\\\]*)${q} (?:in the namespace ${q}([^"\\\\]+)${q}|at the cluster scope)`,
    'g',
  );
  return [...log.matchAll(re)].map((m) => ({ verb: m[1], resource: m[2], group: m[3], namespace: m[4] ?? '' }));
}

/**
 * A Workflow in `namespace` of the local cluster whose steps each run in one remote cluster and namespace (in
 * parallel), each with the template `inputs` given (e.g. artifacts).
 */
export function remoteWorkflow(
  name: string,
  namespace: string,
  steps: readonly { cluster: string; namespace: string; inputs?: unknown }[],
): Manifest {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name, namespace },
    spec: {
      entrypoint: 'main',
      templates: [
        { name: 'main', steps: [steps.map((_, i) => ({ name: `step-${i}`, template: `remote-${i}` }))] },
        // A command is given so the emissary executor never asks a registry for the image's entrypoint.
        ...steps.map((s, i) => ({
          name: `remote-${i}`,
          cluster: s.cluster,
          namespace: s.namespace,
          ...(s.inputs === undefined ? {} : { inputs: s.inputs }),
          container: { image: 'busybox:1', command: ['true'] },
        })),
      ],
    },
  } as Manifest;
}

/** Where a workflow's objects are: names of the workflow's pods and task results, `namespace/name`. */
export function workflowObjects(
  kubeconfig: string,
  context: string,
  kind: 'pods' | 'workflowtaskresults.argoproj.io',
  workflow: string,
): string[] {
  const list = JSON.parse(
    kubectl(kubeconfig, context, ['get', kind, '-A', '-l', `workflows.argoproj.io/workflow=${workflow}`, '-o', 'json']),
  );
  return list.items.map((o: any) => `${o.metadata.namespace}/${o.metadata.name}`).sort();
}

/** The phase of a workflow in the local cluster. */
function workflowPhase(kubeconfig: string, context: string, namespace: string, name: string): string {
  return kubectl(kubeconfig, context, [
    'get',
    'workflow',
    name,
    '-n',
    namespace,
    '-o',
    'jsonpath={.status.phase}',
  ]).trim();
}

/** Waits (up to 90 s) until a workflow in the local cluster has succeeded. */
export async function workflowSucceeded(
  kubeconfig: string,
  context: string,
  namespace: string,
  name: string,
): Promise<void> {
  await waitFor(
    `workflow ${namespace}/${name} to succeed`,
    async () => workflowPhase(kubeconfig, context, namespace, name) === 'Succeeded',
    { timeoutMs: 90_000 },
  );
}

/** Waits (up to 90 s) until podGC has deleted every pod of a workflow in a cluster. */
export async function podsDeleted(kubeconfig: string, context: string, workflow: string): Promise<void> {
  await waitFor(
    `podGC to delete the pods of ${workflow} in ${context}`,
    async () => workflowObjects(kubeconfig, context, 'pods', workflow).length === 0,
    { timeoutMs: 90_000 },
  );
}

/** The MISSING rows of `verify` output, in the shape of {@link forbiddenRefusals}. */
export function verifyMissing(stdout: string): { verb: string; resource: string; group: string; namespace: string }[] {
  return [...stdout.matchAll(/^\s+MISSING\s+(\S+)\s+(\S+)\s+(.+)$/gm)].map((m) => {
    const [resource, ...group] = m[2].split('.');
    return {
      verb: m[1],
      resource,
      group: group.join('.'),
      namespace: m[3].trim() === '(all namespaces)' ? '' : m[3].trim(),
    };
  });
}

/**
 * Runs `body` while a Role or ClusterRole in a cluster lacks one verb on one resource, then puts its rules back as they
 * were: how a test takes a right away from the controller to see that the controller and `verify` name the same rule.
 * @param role what kubectl calls the role: `['clusterrole', NAME]` or `['role', NAME, '-n', NAMESPACE]`
 */
export async function withoutRight(
  kubeconfig: string,
  context: string,
  role: string[],
  right: { resource: string; verb: string },
  body: () => Promise<void>,
): Promise<void> {
  const read = () => JSON.parse(kubectl(kubeconfig, context, ['get', ...role, '-o', 'json']));
  const replace = (object: unknown) => kubectl(kubeconfig, context, ['replace', '-f', '-'], JSON.stringify(object));
  const original = read();
  replace({
    ...original,
    rules: original.rules.map((r: { resources: string[]; verbs: string[] }) =>
      r.resources.includes(right.resource) ? { ...r, verbs: r.verbs.filter((v) => v !== right.verb) } : r,
    ),
  });
  try {
    await body();
  } finally {
    // The role as it is now (its resourceVersion moved on), with the rules it had.
    replace({ ...read(), rules: original.rules });
  }
}
