import { z } from 'zod';
import { goDurationSchema } from './go-duration';
import {
  annotationsSchema,
  imagePullPolicySchema,
  labelsSchema,
  quantitySchema,
  resourceNameProblem,
} from './kubernetes';

/**
 * The keys of `workflow-controller-configmap` the targeted controller reads: the fields of `Config` in
 * `config/config.go` at argo-workflows e89b35277d, plus `sso`, which argo-server reads from this same ConfigMap
 * (`server/apiserver/config.go` embeds that `Config` and adds `SSO`). That build parses the ConfigMap leniently and
 * silently ignores an unknown key (strict parsing, which exits, came with v3.4.0), so a misspelt key must fail
 * `validate` here or it is lost without a word. Keys the facts name are typed; the rest are passed through as written.
 */

/** Requests or limits: resource names as the API server takes them on a container, to quantities. */
const resourceQuantities = z.record(z.string(), quantitySchema).superRefine((map, ctx) => {
  for (const name of Object.keys(map)) {
    const problem = resourceNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: `key ${problem}` });
  }
});

/** Requests and limits of a container, as Kubernetes writes them. */
export const resourcesSchema = z.strictObject({
  requests: resourceQuantities.optional(),
  limits: resourceQuantities.optional(),
});

/** Container settings the controller copies into the executor or main container of every workflow pod. */
const containerSchema = z.looseObject({
  image: z.string().optional(),
  imagePullPolicy: imagePullPolicySchema.optional(),
  resources: resourcesSchema.optional(),
  securityContext: z.record(z.string(), z.unknown()).optional(),
});

const freeForm = z.record(z.string(), z.unknown());
const count = z.number().int().nonnegative();

/** Pod GC strategies that delete pods: remote pods have no owner reference, so nothing else ever deletes them. */
export const DELETING_POD_GC_STRATEGIES = [
  'OnPodCompletion',
  'OnPodSuccess',
  'OnWorkflowCompletion',
  'OnWorkflowSuccess',
] as const;

const typedKeys = {
  executor: containerSchema,
  mainContainer: containerSchema,
  artifactRepository: freeForm,
  namespace: z.string(),
  instanceID: z.string(),
  parallelism: count,
  namespaceParallelism: count,
  workflowDefaults: z.looseObject({
    // Merged into every Workflow the controller then writes back, where the API server checks them as on any object.
    metadata: z.looseObject({ labels: labelsSchema.optional(), annotations: annotationsSchema.optional() }).optional(),
    spec: z
      .looseObject({
        podGC: z.looseObject({ strategy: z.enum(DELETING_POD_GC_STRATEGIES).optional() }).optional(),
      })
      .optional(),
  }),
  podGCGracePeriodSeconds: count,
  podGCDeleteDelayDuration: goDurationSchema,
  retentionPolicy: z.strictObject({ completed: count.optional(), failed: count.optional(), errored: count.optional() }),
  // The port and path are what the metrics Service and ServiceMonitor point at (controller.go getMetricsServerConfig).
  metricsConfig: z.looseObject({
    enabled: z.boolean().optional(),
    path: z.string().regex(/^\//, 'must start with "/"').optional(),
    port: z.number().int().min(1).max(65535).optional(),
    secure: z.boolean().optional(),
  }),
  nodeEvents: freeForm,
  links: z.array(freeForm),
  // argo-server's single sign-on (server/apiserver/config.go Config.SSO, an sso.Config object): the controller never
  // reads it, but argo-server reads this ConfigMap by default, so refusing it would block SSO for whoever owns it here.
  sso: freeForm,
};

const passThroughKeys = [
  'containerRuntimeExecutor',
  'containerRuntimeExecutors',
  'dockerSockPath',
  'images',
  'initialDelay',
  'kubeConfig',
  'kubeletInsecure',
  'kubeletPort',
  'navColor',
  'persistence',
  'podSpecLogStrategy',
  'resourceRateLimit',
  'telemetryConfig',
  'workflowRestrictions',
] as const;

/**
 * The only container runtime executor remote steps work with: the default (controller.go GetContainerRuntimeExecutor).
 * The others call more than the remote executor Role grants, with the workflow pods' ServiceAccount: pns and k8sapi
 * watch their pod and get `pods/log` (workflow/executor/k8sapi/client.go; pns delegates to it), kubelet talks to the
 * node's kubelet (`nodes/proxy`, cluster-wide) and docker needs the node's Docker socket. Granting that would let any
 * pod of a remote namespace watch its neighbours and read their logs, so those executors are refused instead.
 */
export const SUPPORTED_EXECUTOR = 'emissary';

/**
 * Why a container runtime executor setting is refused, or undefined for emissary.
 * @param name the executor named by the setting (`undefined` when the setting names none)
 */
export function executorProblem(name: unknown): string | undefined {
  if (name === SUPPORTED_EXECUTOR) return undefined;
  return (
    "is not supported with remotes: the pns and k8sapi executors watch pods and get pods/log with the workflow pods' ServiceAccount " +
    "(workflow/executor/k8sapi/client.go), kubelet gets nodes/proxy cluster-wide and docker needs the node's Docker socket, " +
    `none of which the remote executor Role grants; valid: ${SUPPORTED_EXECUTOR} (the default, also when unset)`
  );
}

/** Keys users copy from other Argo configs that neither this controller nor its argo-server reads. */
const FOREIGN_KEYS: Readonly<Record<string, string>> = {
  columns:
    'is not read by this controller (config/config.go at e89b35277d has no such field; later releases added it for the UI)',
  workflowEvents: 'is not read by this controller (config/config.go at e89b35277d has no such field)',
};

/**
 * Every key accepted in `local.controller.config` besides `cluster`, which this package sets from `local.name`. Three
 * of them only argo-server reads: `links` and `navColor` for the UI (server/apiserver/argoserver.go), `sso` in
 * NewArgoServer; the controller parses but never uses them.
 */
export const CONTROLLER_CONFIG_KEYS: readonly string[] = [...Object.keys(typedKeys), ...passThroughKeys].sort();

/** The `local.controller.config` map. */
export const controllerConfigSchema = z
  .strictObject({
    ...typedKeys,
    ...(Object.fromEntries(passThroughKeys.map((k) => [k, z.unknown()])) as Record<
      (typeof passThroughKeys)[number],
      z.ZodUnknown
    >),
  })
  .partial();

/** The controller configuration keys, as given in the topology. */
export type ControllerConfig = z.infer<typeof controllerConfigSchema>;

/** Explains why an unknown config key is refused, with the nearest known key when one is close. */
export function explainUnknownConfigKey(key: string): string {
  if (key === 'cluster') return 'is set from local.name; remove it from local.controller.config';
  if (key === 'config')
    return 'is the single-key form, which cannot be mixed with the per-key `cluster` entry; give each key on its own';
  if (Object.hasOwn(FOREIGN_KEYS, key)) return `${FOREIGN_KEYS[key]}; remove it`;
  const near = CONTROLLER_CONFIG_KEYS.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  const hint = near ? `did you mean "${near}"? ` : '';
  return `is not a controller config key (this controller would ignore it without a word, released ones exit on it); ${hint}known keys: ${CONTROLLER_CONFIG_KEYS.join(', ')}`;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** One refused setting: where, what, why (the shape of a topology issue, without importing the validator). */
export interface ConfigIssue {
  /** Field path, e.g. `local.controller.config.namespace`. */
  readonly path: string;
  /** The value found there. */
  readonly value: unknown;
  /** Why it is refused and what to do instead. */
  readonly message: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads raw input before (or after failing) validation
const isRecord = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Settings the schema accepts on their own but this controller build mishandles with remotes or with this
 * package's layout. Reads its input defensively: it also runs on a topology the schema refused.
 * @param local the `local` section as given
 * @param localNamespace the namespace the profiles are written to
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads raw input before (or after failing) validation
export function controllerConfigIssues(local: Record<string, any>, localNamespace: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const config = isRecord(local.controller?.config) ? local.controller.config : {};
  const at = (path: string) => `local.controller.config.${path}`;

  // A cluster-wide controller's managed namespace is config.namespace (controller.go GetManagedNamespace), and it
  // watches profiles only there (controller_profiles.go newProfileInformer); --namespaced overrides it with the
  // controller's own namespace (cmd/workflow-controller/main.go).
  const namespace = config.namespace;
  if (typeof namespace === 'string' && namespace !== localNamespace) {
    const why =
      local.controller?.namespaced === true
        ? 'has no effect with a namespaced controller (--namespaced manages only its own namespace)'
        : 'is where a cluster-wide controller watches workflows and profiles, and the profiles are written to local.namespace, so it would never see them';
    issues.push({
      path: at('namespace'),
      value: namespace,
      message: `${why}; set it to "${localNamespace}" or remove it`,
    });
  }

  // workflowpod.go setupServiceAccount -> getServiceAccountTokenName looks the profile up by the pod's cluster label,
  // which on a remote pod holds the local cluster's name: no profile matches and the remote pod is never created.
  const spec = isRecord(config.workflowDefaults?.spec) ? config.workflowDefaults.spec : {};
  const executorSa = isRecord(spec.executor) ? spec.executor.serviceAccountName : undefined;
  if (executorSa !== undefined) {
    issues.push({
      path: at('workflowDefaults.spec.executor.serviceAccountName'),
      value: executorSa,
      message:
        'breaks remote steps in this controller build (workflowpod.go looks the profile up under the local cluster name, so remote pod creation fails); ' +
        'remove it and grant the executor through remotes[].executorServiceAccount',
    });
  }
  // The same code refuses automountServiceAccountToken: false without an executor ServiceAccount, which is refused above.
  if (spec.automountServiceAccountToken === false) {
    issues.push({
      path: at('workflowDefaults.spec.automountServiceAccountToken'),
      value: false,
      message:
        'needs spec.executor.serviceAccountName (workflowpod.go setupServiceAccount), which breaks remote steps in this controller build; remove it',
    });
  }
  // The executor chosen per workflow (config.go GetContainerRuntimeExecutor): the selector list first, then the key.
  if (config.containerRuntimeExecutor !== undefined) {
    const problem = executorProblem(config.containerRuntimeExecutor);
    if (problem)
      issues.push({ path: at('containerRuntimeExecutor'), value: config.containerRuntimeExecutor, message: problem });
  }
  const selected = config.containerRuntimeExecutors;
  if (selected !== undefined && !Array.isArray(selected)) {
    issues.push({
      path: at('containerRuntimeExecutors'),
      value: selected,
      message: `must be a list of { name, selector } (config/container_runtime_executors.go), each name ${SUPPORTED_EXECUTOR}`,
    });
  }
  (Array.isArray(selected) ? selected : []).forEach((entry: unknown, i: number) => {
    const name = isRecord(entry) ? entry.name : undefined;
    const problem = executorProblem(name);
    if (problem) issues.push({ path: at(`containerRuntimeExecutors[${i}].name`), value: name, message: problem });
  });
  // `executor` is a core/v1 Container, which has no such field: the controller would drop it without a word.
  if (isRecord(config.executor) && config.executor.serviceAccountName !== undefined) {
    issues.push({
      path: at('executor.serviceAccountName'),
      value: config.executor.serviceAccountName,
      message:
        'is not a container field, so the controller ignores it; the executor ServiceAccount of remote pods is remotes[].executorServiceAccount',
    });
  }
  return issues;
}
