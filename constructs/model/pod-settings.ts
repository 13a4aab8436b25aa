import { z } from 'zod';
import { CHECKSUM_ANNOTATION } from './names';
import { DNS1123_SUBDOMAIN, QUALIFIED_NAME } from './kubernetes';
import { executorProblem } from './controller-config-schema';

/**
 * Pod settings of the controller Deployment and the executor ServiceAccounts, named as the Argo Workflows Helm chart
 * names them (argoproj/argo-helm:charts/argo-workflows `controller.*`), so that its users find them where they expect.
 * Each is checked here as the API server would check it, so a bad value fails `validate`, not `kubectl apply`.
 */

/** Why `key` is not a Kubernetes qualified name (`[prefix/]name`, as label and annotation keys are), or undefined. */
function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return 'has a prefix that is not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", at most 253 characters)';
  }
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return 'is not a qualified name: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric, with an optional "<dns-subdomain>/" prefix';
  }
  return undefined;
}

const qualifiedKey = z.string().superRefine((key, ctx) => {
  const problem = qualifiedNameProblem(key);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const labelValue = z
  .string()
  .max(63, 'must be at most 63 characters (it is a label value)')
  .regex(
    /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/,
    'must be a label value: empty, or letters, digits, "-", "_" and ".", starting and ending alphanumeric',
  );

/** A map whose keys are qualified names (labels, annotations); checked here so the message says what is wrong. */
function qualifiedMap<V extends z.ZodType>(value: V) {
  return z.record(z.string(), value).superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      const problem = qualifiedNameProblem(key);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: `key ${problem}` });
    }
  });
}

/** A map of label keys to label values, as `nodeSelector` and `podLabels` take. */
const labels = qualifiedMap(labelValue);

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
    key: qualifiedKey.optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: labelValue.optional(),
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

/** Env var names the controller Deployment sets itself. */
export const MANAGED_ENV = ['LEADER_ELECTION_IDENTITY'] as const;

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
        fieldRef: freeForm.optional(),
        resourceFieldRef: freeForm.optional(),
        configMapKeyRef: freeForm.optional(),
        secretKeyRef: freeForm.optional(),
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
    if ((MANAGED_ENV as readonly string[]).includes(e.name))
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'is set by the Deployment itself (leader election needs the pod name)',
      });
    const flag = flagOfEnv(e.name);
    // A value from a reference cannot be checked here, so it is refused wherever a checked value would be.
    const problem = flag && flagProblem(flag, e.valueFrom ? undefined : e.value);
    if (flag && problem) {
      const at = e.valueFrom ? 'valueFrom' : 'value';
      ctx.addIssue({
        code: 'custom',
        path: [flag === 'container-runtime-executor' ? at : 'name'],
        message: `sets the controller's --${flag} (it reads ${e.name} for a flag it is not given), which ${problem}`,
      });
    }
  });

const extraEnv = z.array(envVar).superRefine((vars, ctx) => {
  vars.forEach((v, i) => {
    if (vars.findIndex((o) => o.name === v.name) !== i)
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is listed twice' });
  });
});

/**
 * The flags of `workflow-controller` at the pinned commit (cmd/workflow-controller/main.go, and the kubectl flags that
 * github.com/argoproj/pkg/kube/cli adds through client-go's clientcmd), which exits on any other.
 */
const CONTROLLER_FLAGS = [
  'burst',
  'container-runtime-executor',
  'executor-image-pull-policy',
  'executor-plugins',
  'gloglevel',
  'managed-namespace',
  'pod-cleanup-workers',
  'qps',
  'workflow-ttl-workers',
  'workflow-workers',
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
  'request-timeout',
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

/**
 * Why the controller may not be given flag `name` (with `value`, `undefined` when none is given), or undefined. Besides
 * the flags this package sets: `--managed-namespace` (with `--namespaced` it moves where the controller watches
 * workflows and profiles, cmd/workflow-controller/main.go, while Roles, profiles and the admission policy are written
 * for local.namespace), and a container runtime executor other than emissary (see executorProblem).
 */
function flagProblem(name: string, value: string | undefined): string | undefined {
  if (name in MANAGED_FLAGS) return `is set by this package: ${MANAGED_FLAGS[name]}`;
  if (name === 'managed-namespace') {
    return (
      'is not supported: with --namespaced it moves where the controller watches workflows and profiles (cmd/workflow-controller/main.go; ' +
      'without it the flag is ignored), while the Roles, the profiles and the admission policy are written for local.namespace; set local.namespace instead'
    );
  }
  if (name === 'container-runtime-executor') return executorProblem(value);
  return undefined;
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
  const name = match[1];
  if (!(name in MANAGED_FLAGS) && !(CONTROLLER_FLAGS as readonly string[]).includes(name)) {
    ctx.addIssue({
      code: 'custom',
      message: `is not a flag of workflow-controller, which exits on unknown flags; its flags: ${CONTROLLER_FLAGS.join(', ')}`,
    });
    return;
  }
  const problem = flagProblem(name, match[2]);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * The flag an environment variable sets: the controller reads `ARGO_<FLAG>` (upper case, "-" as "_") for every flag
 * it is not given (cmd/workflow-controller/main.go, viper.AutomaticEnv with prefix ARGO).
 */
function flagOfEnv(name: string): string | undefined {
  const flag = /^ARGO_([A-Z0-9_]+)$/.exec(name)?.[1].toLowerCase().replaceAll('_', '-');
  return flag !== undefined && (flag in MANAGED_FLAGS || (CONTROLLER_FLAGS as readonly string[]).includes(flag))
    ? flag
    : undefined;
}

/** `logging`: the controller's `--loglevel` and `--log-format` (cmd/workflow-controller/main.go). */
const logging = z.strictObject({
  level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  format: z.enum(['text', 'json']).optional(),
});

/** The controller pod settings of `local.controller`, as the Helm chart's `controller.*` values name them. */
export const controllerPodSettingsShape = {
  imagePullSecrets: imagePullSecretsSchema.optional(),
  nodeSelector: labels.optional(),
  tolerations: z.array(toleration).optional(),
  affinity: affinity.optional(),
  podAnnotations: qualifiedMap(z.string())
    .refine((a) => !(CHECKSUM_ANNOTATION in a), {
      message: `must not set ${CHECKSUM_ANNOTATION}, which rolls the controller when its inputs change`,
    })
    .optional(),
  podLabels: labels
    .refine((l) => !('app' in l), { message: 'must not set "app": it is the Deployment\'s selector label' })
    .optional(),
  extraArgs: z.array(extraArg).optional(),
  extraEnv: extraEnv.optional(),
  logging: logging.optional(),
};

/** The pod settings as a schema of their own, for the construct that applies them. */
export const controllerPodSettingsSchema = z.strictObject(controllerPodSettingsShape);

/** Controller pod settings: image pull secrets, scheduling, pod metadata, extra flags and environment, logging. */
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
