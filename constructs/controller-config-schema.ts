import { z } from 'zod';

/**
 * The keys of `workflow-controller-configmap` the controller understands. It parses the ConfigMap strictly and exits
 * on an unknown key, so a misspelt key here must fail `validate`, not the controller at start-up. Keys the facts name
 * are typed; the rest are passed through as written.
 */

/** A Kubernetes resource quantity such as `100m`, `128Mi` or `1.5`. */
const quantity = z.union([
  z.string().regex(/^[+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|[numkMGTPE]|[KMGTPE]i)?$/, 'must be a Kubernetes quantity such as 100m, 128Mi or 2'),
  z.number().nonnegative(),
]);

/** Requests and limits of a container, as Kubernetes writes them. */
export const resourcesSchema = z.strictObject({
  requests: z.record(z.string(), quantity).optional(),
  limits: z.record(z.string(), quantity).optional(),
});

/** Container settings the controller copies into the executor or main container of every workflow pod. */
const containerSchema = z.looseObject({
  image: z.string().optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  resources: resourcesSchema.optional(),
  securityContext: z.record(z.string(), z.unknown()).optional(),
});

const freeForm = z.record(z.string(), z.unknown());
const count = z.number().int().nonnegative();
/** A Go duration as `metav1.Duration` parses it, e.g. `30s`, `5m`, `1h30m`. */
const duration = z.string().regex(/^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/, 'must be a Go duration such as 30s, 5m or 1h30m');

/** Pod GC strategies that delete pods: remote pods have no owner reference, so nothing else ever deletes them. */
export const DELETING_POD_GC_STRATEGIES = ['OnPodCompletion', 'OnPodSuccess', 'OnWorkflowCompletion', 'OnWorkflowSuccess'] as const;

const typedKeys = {
  executor: containerSchema,
  mainContainer: containerSchema,
  artifactRepository: freeForm,
  namespace: z.string(),
  instanceID: z.string(),
  parallelism: count,
  namespaceParallelism: count,
  workflowDefaults: z.looseObject({
    metadata: freeForm.optional(),
    spec: z
      .looseObject({
        podGC: z.looseObject({ strategy: z.enum(DELETING_POD_GC_STRATEGIES).optional() }).optional(),
      })
      .optional(),
  }),
  podGCGracePeriodSeconds: count,
  podGCDeleteDelayDuration: duration,
  retentionPolicy: z.strictObject({ completed: count.optional(), failed: count.optional(), errored: count.optional() }),
  metricsConfig: freeForm,
  nodeEvents: freeForm,
  links: z.array(freeForm),
};

const passThroughKeys = [
  'columns',
  'images',
  'initialDelay',
  'kubeConfig',
  'navColor',
  'persistence',
  'podSpecLogStrategy',
  'resourceRateLimit',
  'sso',
  'telemetryConfig',
  'workflowEvents',
  'workflowRestrictions',
] as const;

/** Every key the controller accepts besides `cluster`, which this package sets from `local.name`. */
export const CONTROLLER_CONFIG_KEYS: readonly string[] = [...Object.keys(typedKeys), ...passThroughKeys].sort();

/** The `local.controller.config` map. */
export const controllerConfigSchema = z.strictObject({
  ...typedKeys,
  ...(Object.fromEntries(passThroughKeys.map((k) => [k, z.unknown()])) as Record<(typeof passThroughKeys)[number], z.ZodUnknown>),
}).partial();

/** The controller configuration keys, as given in the topology. */
export type ControllerConfig = z.infer<typeof controllerConfigSchema>;

/** Explains why an unknown config key is refused, with the nearest known key when one is close. */
export function explainUnknownConfigKey(key: string): string {
  if (key === 'cluster') return 'is set from local.name; remove it from local.controller.config';
  if (key === 'config') return 'is the single-key form, which cannot be mixed with the per-key `cluster` entry; give each key on its own';
  const near = CONTROLLER_CONFIG_KEYS.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  const hint = near ? `did you mean "${near}"? ` : '';
  return `is not a controller config key (the controller exits on unknown keys); ${hint}known keys: ${CONTROLLER_CONFIG_KEYS.join(', ')}`;
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
