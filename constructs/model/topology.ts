import { z } from 'zod';
import { controllerConfigSchema, resourcesSchema } from './controller-config-schema';
import { isReleasedUpstreamController, parseImage } from './images';
import { serverUrlProblems } from './server-url';
import { controllerPodSettingsShape, imagePullSecretsSchema, podSettingsIssues } from './pod-settings';
import { controllerObjectsIssues, controllerObjectsShape } from './controller-objects';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, annotationsSchema, imagePullPolicySchema } from './kubernetes';
import { goDurationSchema } from './go-duration';
import { DEFAULT_LOCAL_NAMESPACE } from './names';
import { quotedForSomeReader } from '../render/yaml-writer';

/**
 * The topology file: the user's whole input, for `synth` and for `pulumi up` alike. Field-level rules live in the
 * schema so that every problem in a file is reported in one run; rules that relate fields are in `validate.ts`.
 */

// A cluster name becomes a label value (at most 63 characters) and part of object names.
const dnsLabel = z
  .string()
  .max(63, 'must be at most 63 characters (it is a label value)')
  .regex(
    DNS1123_LABEL,
    'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric',
  );
// The controller reads `cluster: <name>` as YAML 1.1, where `yes`, `on` or `123` are not strings.
const clusterName = dnsLabel.refine((name) => !quotedForSomeReader(name), {
  message:
    'is read by YAML as a boolean or a number, and the controller parses `cluster: <name>` as YAML; choose a name with a letter that is not yes/no/on/off/y/n/true/false',
});
const namespaceName = dnsLabel;
// `<name>-executor` names the executor RoleBinding, which must stay within 253 characters.
const serviceAccountName = z
  .string()
  .max(244, 'must be at most 244 characters (the executor RoleBinding adds "-executor")')
  .regex(DNS1123_SUBDOMAIN, 'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and "."');

const image = z.string().superRefine((ref, ctx) => {
  const parsed = parseImage(ref);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
});

const controllerImage = image.superRefine((ref, ctx) => {
  const parsed = parseImage(ref);
  if (!('error' in parsed) && isReleasedUpstreamController(parsed)) {
    ctx.addIssue({
      code: 'custom',
      message:
        'is a released upstream controller, which exits on the `cluster` ConfigMap key (multi-cluster never shipped in a release); ' +
        'use your own multi-cluster build (another repository, or pin it by @sha256: digest)',
    });
  }
});

const httpsUrl = z.string().superRefine((value, ctx) => {
  for (const message of serverUrlProblems(value)) ctx.addIssue({ code: 'custom', message });
});

/** A list of names of one kind of namespaced object, each at most once, as the API server takes them. */
function objectNames(kind: 'Secret' | 'ConfigMap') {
  return z
    .array(
      z
        .string()
        .max(253, `must be at most 253 characters (a ${kind} name)`)
        .regex(DNS1123_SUBDOMAIN, `must be a ${kind} name (DNS-1123 subdomain)`),
    )
    .refine((names) => new Set(names).size === names.length, `must not list a ${kind} twice`)
    .default([]);
}

const storeRef = z.strictObject({
  /** Name of the external-secrets.io store. */
  name: z.string().max(253, 'must be at most 253 characters').regex(DNS1123_SUBDOMAIN, 'must be a DNS-1123 subdomain'),
  /** Kind of the store. */
  kind: z.enum(['ClusterSecretStore', 'SecretStore']).default('ClusterSecretStore'),
  /**
   * Store key that holds the remote ServiceAccount token (`token`, and `ca.crt` unless TLS verification is skipped),
   * e.g. the token Secret itself through the ESO kubernetes provider. `{remote}` is replaced by the remote's name.
   */
  key: z.string().min(1).optional(),
  /** How often ESO refreshes the profile. */
  refreshInterval: goDurationSchema.default('1h'),
});

const controllerSchema = z
  .strictObject({
    image: controllerImage,
    executorImage: image,
    imagePullPolicy: imagePullPolicySchema.optional(),
    replicas: z.number().int().min(1).max(10).default(1),
    resources: resourcesSchema.optional(),
    namespaced: z.boolean().default(false),
    config: controllerConfigSchema.default({}),
    ...controllerPodSettingsShape,
    ...controllerObjectsShape,
  })
  .superRefine((c, ctx) => {
    for (const [path, message] of [...podSettingsIssues(c), ...controllerObjectsIssues(c)])
      ctx.addIssue({ code: 'custom', path, message });
  });

const localSchema = z.strictObject({
  name: clusterName,
  context: z.string().min(1).optional(),
  namespace: namespaceName.default(DEFAULT_LOCAL_NAMESPACE),
  createNamespace: z.boolean().default(true),
  /**
   * Install an admission policy in the local cluster that refuses profile Secrets (label
   * `workflows.argoproj.io/cluster`) outside `namespace`: a controller without `--namespaced` reads them from every
   * namespace, so anyone who may create a Secret anywhere could otherwise register or pre-empt a remote. A namespaced
   * controller reads them in `namespace` alone, so it gets the policy (a cluster-scoped object) only when asked.
   */
  profileAdmissionPolicy: z.boolean().optional(),
  crds: z.strictObject({ install: z.boolean().default(false), keep: z.boolean().default(true) }).prefault({}),
  controller: controllerSchema,
});

const remoteSchema = z.strictObject({
  name: clusterName,
  context: z.string().min(1).optional(),
  server: httpsUrl,
  namespaces: z.array(namespaceName).min(1, 'must list at least one namespace').default(['default']),
  workflowNamespace: z
    .union([z.literal(''), namespaceName], {
      error: 'must be "" (any local namespace) or a namespace name: a DNS-1123 label',
    })
    .optional(),
  executorServiceAccount: serviceAccountName.default('default'),
  executorImagePullSecrets: imagePullSecretsSchema.optional(),
  executorServiceAccountAnnotations: annotationsSchema.optional(),
  access: z.enum(['namespaced', 'cluster']).default('namespaced'),
  insecureSkipTLSVerify: z.boolean().default(false),
  createNamespaces: z.boolean().default(true),
  /**
   * Generation of the controller identity's token Secret: raising it names a new token Secret, so that `rotate` (or
   * `pulumi up`) can switch the profile to a new token before the old one is deleted.
   */
  tokenGeneration: z.number().int().min(0).max(999_999).default(0),
  secretStore: storeRef.optional(),
  // Artifact repository Secrets each remote namespace needs: the controller mounts them into the workflow pod
  // (workflowpod.go) and the executor reads the files (executor.go GetSecret), so they are copied there, not granted.
  artifactSecrets: objectNames('Secret'),
  // ConfigMaps the executor gets by name in its own namespace: HDFS artifacts' krbConfigConfigMap
  // (workflow/artifacts/hdfs/hdfs.go CreateDriver -> executor.go GetConfigMapKey, a Get in the pod's namespace).
  artifactConfigMaps: objectNames('ConfigMap'),
  manageSharedObjects: z.boolean().default(true),
  /**
   * A profile per remote namespace, with the cluster name `<remote>-<namespace>`, instead of one profile serving any
   * namespace: each cleans up its task results with a namespaced DeleteCollection, and the identity needs no
   * cluster-wide grant. Workflow authors then name `<remote>-<namespace>` as a template's cluster.
   */
  profilePerNamespace: z.boolean().default(false),
});

const secretsSchema = z.strictObject({
  mode: z.enum(['none', 'external', 'plain']).optional(),
  store: storeRef.optional(),
});

/** The schema of a topology file. */
export const topologySchema = z.strictObject({
  local: localSchema,
  remotes: z.array(remoteSchema).min(1, 'must list at least one remote cluster'),
  secrets: secretsSchema.default({}),
});

/** A topology as written in the file (optional fields may be absent). */
export type TopologyInput = z.input<typeof topologySchema>;

/** An external-secrets.io store reference with its defaults applied. */
export type StoreRef = z.output<typeof storeRef>;

/** How profile credentials appear in GitOps output. */
export type SecretsMode = 'none' | 'external' | 'plain';

/** The local cluster, with every default applied. */
export interface LocalCluster extends Omit<z.output<typeof localSchema>, 'context' | 'profileAdmissionPolicy'> {
  /** Kube context of the local cluster (defaults to its name). */
  readonly context: string;
  /** Whether the profile admission policy is written (defaults to true unless the controller is namespaced). */
  readonly profileAdmissionPolicy: boolean;
}

/** A remote cluster, with every default applied. */
export interface RemoteCluster extends Omit<z.output<typeof remoteSchema>, 'context' | 'workflowNamespace'> {
  /** Kube context of the remote cluster (defaults to its name). */
  readonly context: string;
  /** Local workflow namespace allowed to use this remote (defaults to `local.namespace`; `""` means any). */
  readonly workflowNamespace: string;
}

/** A validated topology, with every default applied: what the constructs and the stack consume. */
export interface Topology {
  /** The cluster where the workflow controller runs. */
  readonly local: LocalCluster;
  /** The clusters where workflow pods run. */
  readonly remotes: readonly RemoteCluster[];
  /** How profile credentials appear in GitOps output. */
  readonly secrets: { readonly mode: SecretsMode; readonly store?: StoreRef };
}
