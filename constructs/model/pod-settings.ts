import { z } from 'zod';
import { CHECKSUM_ANNOTATION } from './names';
import {
  DNS1123_SUBDOMAIN,
  MAX_ANNOTATION_BYTES,
  annotationBytes,
  labelValueSchema,
  labelsSchema,
  qualifiedKeyMap,
  qualifiedNameSchema,
  quantitySchema,
} from './kubernetes';
import { executorProblem } from './controller-config-schema';
import { nearest } from './nearest';
import { containerSecurityContextSchema, podSecurityContextSchema } from './pod-security';
import { unknownVolumeMounts, volumeMountsSchema, volumesSchema } from './pod-volumes';

/**
 * Pod settings of the controller Deployment and the executor ServiceAccounts, named as the Argo Workflows Helm chart
 * names them (argoproj/argo-helm:charts/argo-workflows `controller.*`), so that its users find them where they expect.
 * Each is checked here as the API server would check it, so a bad value fails `validate`, not `kubectl apply`.
 */

/** {@link MAX_ANNOTATION_BYTES} less the checksum annotation the Deployment adds (its key and a SHA-256 in hex). */
const MAX_POD_ANNOTATION_BYTES = MAX_ANNOTATION_BYTES - (CHECKSUM_ANNOTATION.length + 64);

/** A Secret reference as `imagePullSecrets` lists them. */
const secretReference = z.strictObject({
  name: z.string().max(253).regex(DNS1123_SUBDOMAIN, 'must be a Secret name: a DNS-1123 subdomain'),
});

/** `imagePullSecrets`: Secrets of type `kubernetes.io/dockerconfigjson` in the pod's namespace, each listed once. */
export const imagePullSecretsSchema = z.array(secretReference).superRefine((refs, ctx) => {
  refs.forEach((ref, i) => {
    if (refs.findIndex((r) => r.name === ref.name) !== i)
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is listed twice' });
  });
});

const toleration = z
  .strictObject({
    key: qualifiedNameSchema.optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: labelValueSchema.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .superRefine((t, ctx) => {
    if (t.operator === 'Exists' && t.value)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be empty with operator "Exists"' });
    if (!t.key && t.operator !== 'Exists')
      ctx.addIssue({
        code: 'custom',
        path: ['operator'],
        message: 'must be "Exists" when key is empty (a toleration of every taint)',
      });
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      ctx.addIssue({ code: 'custom', path: ['tolerationSeconds'], message: 'is only allowed with effect "NoExecute"' });
    }
  });

// Below the second level an affinity is the API server's business; the first two levels catch misplaced keys.
const freeForm = z.record(z.string(), z.unknown());
const affinityTerms = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(freeForm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(freeForm).optional(),
});
const affinity = z.strictObject({
  nodeAffinity: z
    .strictObject({
      requiredDuringSchedulingIgnoredDuringExecution: z
        .strictObject({ nodeSelectorTerms: z.array(freeForm).min(1) })
        .optional(),
      preferredDuringSchedulingIgnoredDuringExecution: z.array(freeForm).optional(),
    })
    .optional(),
  podAffinity: affinityTerms.optional(),
  podAntiAffinity: affinityTerms.optional(),
});

/**
 * The flags of `workflow-controller` at the pinned commit that a topology may pass in `extraArgs` (or set through
 * their `ARGO_<FLAG>` environment variable): its own tuning flags (cmd/workflow-controller/main.go) and the kubectl
 * flag that only bounds request time. The controller exits on any flag it does not know.
 */
const SETTABLE_FLAGS = [
  'burst',
  'container-runtime-executor',
  'executor-image-pull-policy',
  'executor-plugins',
  'gloglevel',
  'pod-cleanup-workers',
  'qps',
  'workflow-ttl-workers',
  'workflow-workers',
  'request-timeout',
] as const;

/**
 * The kubectl flags github.com/argoproj/pkg/kube/cli adds through client-go's clientcmd that choose the API server, the
 * credentials or the user the controller acts as. The controller must talk to its own cluster as its own
 * ServiceAccount (the in-cluster config); a flag here would hand its writes to another identity or another server.
 */
const IDENTITY_FLAGS = [
  'as',
  'as-group',
  'as-uid',
  'certificate-authority',
  'client-certificate',
  'client-key',
  'cluster',
  'context',
  'insecure-skip-tls-verify',
  'kubeconfig',
  'password',
  'server',
  'tls-server-name',
  'token',
  'user',
  'username',
] as const;

/** Flags the Deployment sets from topology fields, and the field to use instead. */
const MANAGED_FLAGS: Readonly<Record<string, string>> = {
  configmap: 'it is always workflow-controller-configmap, written by this package',
  'executor-image': 'set local.controller.executorImage',
  namespaced: 'set local.controller.namespaced',
  loglevel: 'set local.controller.logging.level',
  'log-format': 'set local.controller.logging.format',
  namespace: 'the controller runs in local.namespace',
};

const IDENTITY_REASON =
  "would replace the controller's identity or API server: it talks to its own cluster as its ServiceAccount (the in-cluster config), and reaches remotes only through their profiles";
const SETTABLE_LIST = `the flags you may set: ${SETTABLE_FLAGS.join(', ')}`;

/**
 * Why the controller may not be given `--<name>` (with `value`, undefined when none is given or it is not known here),
 * or undefined when it may: the one rule for a flag, whether given in `extraArgs` or through its environment variable.
 * Besides the flags this package sets and those that replace the identity or API server: `--managed-namespace` (with
 * `--namespaced` it moves where the controller watches workflows and profiles, cmd/workflow-controller/main.go, while
 * Roles, profiles and the admission policy are written for local.namespace), and a container runtime executor other
 * than emissary (see executorProblem).
 */
function controllerFlagProblem(name: string, value: string | undefined): string | undefined {
  if (Object.hasOwn(MANAGED_FLAGS, name)) return `is set by this package: ${MANAGED_FLAGS[name]}`;
  if ((IDENTITY_FLAGS as readonly string[]).includes(name)) return `${IDENTITY_REASON}; ${SETTABLE_LIST}`;
  if (name === 'managed-namespace') {
    return (
      'is not supported: with --namespaced it moves where the controller watches workflows and profiles (cmd/workflow-controller/main.go; ' +
      'without it the flag is ignored), while the Roles, the profiles and the admission policy are written for local.namespace; set local.namespace instead'
    );
  }
  if (!(SETTABLE_FLAGS as readonly string[]).includes(name)) {
    const near = nearest(name, SETTABLE_FLAGS);
    return `is not a flag of workflow-controller, which exits on unknown flags; ${near ? `did you mean --${near}? ` : ''}${SETTABLE_LIST}`;
  }
  if (name === 'container-runtime-executor') return executorProblem(value);
  return undefined;
}

/**
 * The controller binds every flag to `ARGO_<FLAG>` (viper with prefix ARGO, "-" read as "_", in
 * cmd/workflow-controller/main.go) and takes the variable when the flag is not given; so each variable falls under
 * its flag's rule. (At the pinned commit viper sees only the controller's own flags, not the kubectl ones cobra merges
 * later; the kubectl ones are refused all the same, so that a later binding cannot turn them on.)
 */
const FLAG_OF_ENV: ReadonlyMap<string, string> = new Map(
  [...SETTABLE_FLAGS, ...IDENTITY_FLAGS, ...Object.keys(MANAGED_FLAGS), 'managed-namespace'].map((flag) => [
    `ARGO_${flag.toUpperCase().replace(/-/g, '_')}`,
    flag,
  ]),
);

/**
 * Environment variables client-go reads in the controller that do what a refused flag does: the kubeconfig to load
 * (clientcmd's loading rules), the API server of the in-cluster config (rest.InClusterConfig), the namespace the
 * controller runs and elects its leader in (clientcmd reads POD_NAMESPACE before the ServiceAccount's namespace).
 */
const MANAGED_ENV_REASONS: Readonly<Record<string, string>> = {
  LEADER_ELECTION_IDENTITY: 'is set by the Deployment itself (leader election needs the pod name)',
  KUBECONFIG: `names a kubeconfig, which ${IDENTITY_REASON}`,
  KUBERNETES_SERVICE_HOST: `sets the API server of the in-cluster config, which ${IDENTITY_REASON}`,
  KUBERNETES_SERVICE_PORT: `sets the API server of the in-cluster config, which ${IDENTITY_REASON}`,
  POD_NAMESPACE:
    'sets the namespace the controller runs in (client-go reads it first): the controller runs in local.namespace',
};

/**
 * Why the controller must not get the environment variable `e`, and the field of it to name, or undefined when it
 * may. A value from a reference cannot be checked here, so it is refused wherever a checked value would be.
 */
function envProblem(e: {
  name: string;
  value?: string;
  valueFrom?: unknown;
}): { at: string; message: string } | undefined {
  if (Object.hasOwn(MANAGED_ENV_REASONS, e.name)) return { at: 'name', message: MANAGED_ENV_REASONS[e.name] };
  const flag = FLAG_OF_ENV.get(e.name);
  if (flag === undefined) return undefined;
  const problem = controllerFlagProblem(flag, e.valueFrom ? undefined : e.value);
  if (!problem) return undefined;
  return {
    // A flag refused for its value is named at the value; one refused whatever its value, at the name.
    at: flag === 'container-runtime-executor' ? (e.valueFrom ? 'valueFrom' : 'value') : 'name',
    message: `sets the controller's --${flag} (it reads ${e.name} for a flag it is not given), which ${problem}`,
  };
}

/** A key of a ConfigMap or Secret in the pod's namespace, as an environment variable takes it. */
const keyReference = z.strictObject({
  name: z.string().max(253).regex(DNS1123_SUBDOMAIN, 'must be an object name: a DNS-1123 subdomain'),
  key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a data key: letters, digits, "-", "_" and "."'),
  optional: z.boolean().optional(),
});

const envVar = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[-._a-zA-Z][-._a-zA-Z0-9]*$/,
        'must be an environment variable name: letters, digits, "_", "-" and ".", not starting with a digit',
      ),
    value: z.string().optional(),
    valueFrom: z
      .strictObject({
        fieldRef: z.strictObject({ fieldPath: z.string().min(1), apiVersion: z.string().min(1).optional() }).optional(),
        resourceFieldRef: z
          .strictObject({
            resource: z.string().min(1),
            containerName: z.string().optional(),
            divisor: quantitySchema.optional(),
          })
          .optional(),
        configMapKeyRef: keyReference.optional(),
        secretKeyRef: keyReference.optional(),
      })
      .refine(
        (v) => Object.keys(v).length === 1,
        'must have exactly one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef',
      )
      .optional(),
  })
  .superRefine((e, ctx) => {
    if (e.value !== undefined && e.valueFrom !== undefined)
      ctx.addIssue({ code: 'custom', path: ['valueFrom'], message: 'cannot be given with value' });
    const problem = envProblem(e);
    if (problem) ctx.addIssue({ code: 'custom', path: [problem.at], message: problem.message });
  });

const extraEnv = z.array(envVar).superRefine((vars, ctx) => {
  vars.forEach((v, i) => {
    if (vars.findIndex((o) => o.name === v.name) !== i)
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is listed twice' });
  });
});

/**
 * With more than one replica, `LEADER_ELECTION_DISABLE=true` (the only value the controller acts on) makes every
 * replica run the controller at once, each writing the same workflows. A value from a reference is not known here, so
 * it is refused too. Returns the index in `extraEnv` and the problem, or undefined.
 */
export function leaderElectionProblem(
  extraEnvVars: readonly { name: string; value?: string; valueFrom?: unknown }[] | undefined,
  replicas: number | undefined,
): { index: number; message: string } | undefined {
  if ((replicas ?? 1) <= 1) return undefined;
  const index = (extraEnvVars ?? []).findIndex(
    (v) => v.name === 'LEADER_ELECTION_DISABLE' && (v.value === 'true' || v.valueFrom !== undefined),
  );
  if (index < 0) return undefined;
  return {
    index,
    message: `turns leader election off, so each of the ${replicas} replicas would run the controller at once; valid with replicas: 1 only (or leave it unset)`,
  };
}

const extraArg = z.string().superRefine((arg, ctx) => {
  const match = /^--([a-z][-a-z]*)(?:=(.*))?$/.exec(arg);
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be one flag, as --name or --name=value (the controller takes no positional arguments; give a value with "=")',
    });
    return;
  }
  const problem = controllerFlagProblem(match[1], match[2]);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** `logging`: the controller's `--loglevel` and `--log-format` (cmd/workflow-controller/main.go). */
const logging = z.strictObject({
  level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  format: z.enum(['text', 'json']).optional(),
});

/** The controller pod settings of `local.controller`, as the Helm chart's `controller.*` values name them. */
export const controllerPodSettingsShape = {
  imagePullSecrets: imagePullSecretsSchema.optional(),
  nodeSelector: labelsSchema.optional(),
  tolerations: z.array(toleration).optional(),
  affinity: affinity.optional(),
  podAnnotations: qualifiedKeyMap(z.string())
    .refine((a) => !(CHECKSUM_ANNOTATION in a), {
      message: `must not set ${CHECKSUM_ANNOTATION}, which rolls the controller when its inputs change`,
    })
    .refine((a) => annotationBytes(a) <= MAX_POD_ANNOTATION_BYTES, {
      message: `must be at most ${MAX_POD_ANNOTATION_BYTES} bytes, keys and values together: the API server takes 262144 (256 KiB) in all, and the Deployment adds its ${CHECKSUM_ANNOTATION}`,
    })
    .optional(),
  podLabels: labelsSchema
    .refine((l) => !('app' in l), { message: 'must not set "app": it is the Deployment\'s selector label' })
    .optional(),
  extraArgs: z.array(extraArg).optional(),
  extraEnv: extraEnv.optional(),
  logging: logging.optional(),
  podSecurityContext: podSecurityContextSchema.optional(),
  securityContext: containerSecurityContextSchema.optional(),
  volumes: volumesSchema.optional(),
  volumeMounts: volumeMountsSchema.optional(),
};

/** The pod settings as a schema of their own, for the construct that applies them. */
export const controllerPodSettingsSchema = z.strictObject(controllerPodSettingsShape);

/**
 * The problems of pod settings that relate fields to each other or to `replicas`, as [field path, problem] pairs, for
 * the topology and for the Deployment construct used on its own.
 */
export function podSettingsIssues(
  settings: Pick<ControllerPodSettings, 'extraEnv' | 'volumes' | 'volumeMounts'> & { replicas?: number },
): [(string | number)[], string][] {
  const issues: [(string | number)[], string][] = [];
  const leader = leaderElectionProblem(settings.extraEnv, settings.replicas);
  if (leader) issues.push([['extraEnv', leader.index, 'name'], leader.message]);
  for (const [i, message] of unknownVolumeMounts(settings.volumes, settings.volumeMounts))
    issues.push([['volumeMounts', i, 'name'], message]);
  return issues;
}

/**
 * Controller pod settings: image pull secrets, scheduling, pod metadata, extra flags and environment, logging,
 * security contexts and volumes.
 */
export type ControllerPodSettings = z.output<typeof controllerPodSettingsSchema>;

/** The controller's arguments for `logging` and `extraArgs`, after the ones the Deployment always sets. */
export function podSettingsArgs(settings: ControllerPodSettings): string[] {
  const args: string[] = [];
  if (settings.logging?.level) args.push('--loglevel', settings.logging.level);
  if (settings.logging?.format) args.push('--log-format', settings.logging.format);
  return [...args, ...(settings.extraArgs ?? [])];
}

/** The pod settings among a controller's topology fields, to hand to the Deployment construct. */
export function pickPodSettings(controller: ControllerPodSettings): ControllerPodSettings {
  const keys = Object.keys(controllerPodSettingsShape) as (keyof ControllerPodSettings)[];
  return Object.fromEntries(keys.filter((k) => controller[k] !== undefined).map((k) => [k, controller[k]]));
}
