import { z } from 'zod';
import { DNS1123_SUBDOMAIN } from './kubernetes';
import { parseImage } from './images';
import { CONTROLLER_NAME } from './names';
import { LABEL_VALUE, annotationsSchema, labelsSchema } from './kubernetes';

/**
 * The objects operators expect beside the controller Deployment, and the Deployment fields that go with them, named
 * as the Argo Workflows Helm chart names them under `controller.*`: `serviceAccount.annotations`, `pdb`,
 * `metricsConfig` (the metrics Service), `serviceMonitor`, `priorityClassName`, `topologySpreadConstraints`,
 * `revisionHistoryLimit`; and `priorityClass`, ours, for a PriorityClass written only on request.
 */

/** What the metrics Service and ServiceMonitor are named and what the pod's metrics port is named, as upstream. */
export const METRICS_PORT_NAME = 'metrics';
/** The Service port of the metrics Service unless the topology names one, as the Helm chart's default. */
export const DEFAULT_METRICS_SERVICE_PORT = 8080;
/** The controller's metrics port and path when its ConfigMap names none (workflow/metrics/metrics.go). */
export const DEFAULT_METRICS = { port: 9090, path: '/metrics' } as const;
/** The value of a PriorityClass written on request unless the topology names one, as upstream's install. */
export const DEFAULT_PRIORITY = 1000000;

/** An int or a percentage, as a PodDisruptionBudget's `minAvailable` and `maxUnavailable` take them. */
const intOrPercent = z.union([
  z.number().int().min(0),
  z.string().regex(/^(100|[1-9]?[0-9])%$/, 'must be a percentage from 0% to 100%'),
]);

const pdb = z.strictObject({
  enabled: z.boolean().optional(),
  minAvailable: intOrPercent.optional(),
  maxUnavailable: intOrPercent.optional(),
});

/** A port name as a Service and a container take it (IANA_SVC_NAME). */
const portName = z
  .string()
  .max(15, 'must be at most 15 characters (a port name)')
  .regex(
    /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]?$/,
    'must be a port name: lower-case letters, digits and single "-", with a letter',
  )
  .refine((n) => !n.endsWith('-'), 'must not end with "-"');

/** A Prometheus duration, as the ServiceMonitor CRD's pattern takes it. */
const prometheusDuration = z
  .string()
  .regex(
    /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/,
    'must be a Prometheus duration such as 30s, 1m or 1h30m',
  )
  .refine((d) => d !== '', 'must not be empty');

const metricsConfig = z.strictObject({
  enabled: z.boolean().optional(),
  servicePort: z.number().int().min(1).max(65535).optional(),
  servicePortName: portName.optional(),
  interval: prometheusDuration.optional(),
});

const serviceMonitor = z.strictObject({
  enabled: z.boolean().optional(),
  additionalLabels: labelsSchema.optional(),
});

const priorityClass = z.strictObject({
  create: z.boolean().optional(),
  // User-defined classes may not go above one billion; higher values are the system's.
  value: z.number().int().min(-2147483648).max(1_000_000_000).optional(),
});

const topologySpreadConstraint = z.strictObject({
  maxSkew: z.number().int().min(1),
  topologyKey: z.string().min(1),
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
  labelSelector: z.record(z.string(), z.unknown()).optional(),
  minDomains: z.number().int().min(1).optional(),
  nodeAffinityPolicy: z.enum(['Honor', 'Ignore']).optional(),
  nodeTaintsPolicy: z.enum(['Honor', 'Ignore']).optional(),
  matchLabelKeys: z.array(z.string()).optional(),
});

/** These fields of `local.controller`, shaped for a zod object. */
export const controllerObjectsShape = {
  serviceAccount: z.strictObject({ annotations: annotationsSchema.optional() }).optional(),
  pdb: pdb.optional(),
  metricsConfig: metricsConfig.optional(),
  serviceMonitor: serviceMonitor.optional(),
  priorityClassName: z
    .string()
    .max(253, 'must be at most 253 characters (a PriorityClass name)')
    .regex(DNS1123_SUBDOMAIN, 'must be a PriorityClass name: a DNS-1123 subdomain')
    .optional(),
  priorityClass: priorityClass.optional(),
  topologySpreadConstraints: z.array(topologySpreadConstraint).optional(),
  revisionHistoryLimit: z.number().int().min(0).optional(),
};

/** The controller fields above, with the few the rules below read besides. */
export interface ControllerObjectsInput {
  readonly replicas?: number;
  readonly config?: { readonly metricsConfig?: { readonly enabled?: boolean } };
  readonly pdb?: z.output<typeof pdb>;
  readonly metricsConfig?: z.output<typeof metricsConfig>;
  readonly serviceMonitor?: z.output<typeof serviceMonitor>;
  readonly priorityClass?: z.output<typeof priorityClass>;
}

/** Whether the PodDisruptionBudget is written: as asked, else when more than one replica runs. */
export function pdbEnabled(c: Pick<ControllerObjectsInput, 'pdb' | 'replicas'>): boolean {
  return c.pdb?.enabled ?? (c.replicas ?? 1) > 1;
}

/**
 * The rules that relate these fields to each other and to `replicas` and `config`, as [field path, problem] pairs,
 * for the topology and for the constructs used on their own.
 */
export function controllerObjectsIssues(c: ControllerObjectsInput): [(string | number)[], string][] {
  const issues: [(string | number)[], string][] = [];
  const replicas = c.replicas ?? 1;
  if (c.pdb?.minAvailable !== undefined && c.pdb.maxUnavailable !== undefined)
    issues.push([['pdb', 'maxUnavailable'], 'cannot be given with minAvailable (a PodDisruptionBudget takes one)']);
  if (pdbEnabled(c) && typeof c.pdb?.minAvailable === 'number' && c.pdb.minAvailable >= replicas)
    issues.push([
      ['pdb', 'minAvailable'],
      `must be below replicas (${replicas}): otherwise no controller pod may ever be evicted, and node drains hang`,
    ]);
  if (c.metricsConfig?.enabled && c.config?.metricsConfig?.enabled === false)
    issues.push([
      ['metricsConfig', 'enabled'],
      'needs the controller to serve metrics, which config.metricsConfig.enabled: false turns off',
    ]);
  if (c.serviceMonitor?.enabled && !c.metricsConfig?.enabled)
    issues.push([['serviceMonitor', 'enabled'], 'needs metricsConfig.enabled: true (it scrapes the metrics Service)']);
  if (c.priorityClass?.value !== undefined && !c.priorityClass.create)
    issues.push([['priorityClass', 'value'], 'needs priorityClass.create: true (no PriorityClass is written without)']);
  return issues;
}

/** Where the controller serves metrics, from its ConfigMap's `metricsConfig` (controller.go getMetricsServerConfig). */
export function metricsEndpoint(config: {
  readonly metricsConfig?: { port?: number; path?: string; secure?: boolean };
}): {
  port: number;
  path: string;
  scheme: 'http' | 'https';
} {
  const m = config.metricsConfig;
  return {
    port: m?.port ?? DEFAULT_METRICS.port,
    path: m?.path ?? DEFAULT_METRICS.path,
    // The controller's metrics server uses TLS only when asked, with a self-signed certificate (metrics/server.go).
    scheme: m?.secure ? 'https' : 'http',
  };
}

/** The Deployment's selector label, as upstream's install; it never changes, as a selector cannot. */
export const CONTROLLER_SELECTOR: Readonly<Record<string, string>> = { app: CONTROLLER_NAME };

/**
 * The standard `app.kubernetes.io/*` labels of the controller's objects (the Deployment, its pods, the metrics
 * Service, the ServiceMonitor, the PodDisruptionBudget, the PriorityClass), besides the `managed-by` and `part-of`
 * every object carries. `instance` is the local cluster's name; `version` the controller image's tag, when it has
 * one that is a label value (a digest is none).
 */
export function controllerLabels(image: string, instance: string | undefined): Record<string, string> {
  const parsed = parseImage(image);
  const tag = 'error' in parsed ? undefined : parsed.tag;
  return {
    'app.kubernetes.io/name': CONTROLLER_NAME,
    'app.kubernetes.io/component': CONTROLLER_NAME,
    ...(instance ? { 'app.kubernetes.io/instance': instance } : {}),
    ...(tag && tag.length <= 63 && LABEL_VALUE.test(tag) ? { 'app.kubernetes.io/version': tag } : {}),
  };
}
