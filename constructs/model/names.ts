/**
 * The names, labels and annotations that Argo's multi-cluster controller reads. They are fixed by the controller's
 * code, so they live in one place and every construct, the CLI and the Pulumi stack take them from here.
 */

/** Label on a profile Secret; its value is the remote cluster's name. The controller selects profiles by it. */
export const CLUSTER_LABEL = 'workflows.argoproj.io/cluster';
/** Annotation on a profile Secret: the local workflow namespace allowed to use it (`""` = any). */
export const WORKFLOW_NAMESPACE_ANNOTATION = 'workflows.argoproj.io/workflow-namespace';
/** Annotation on a profile Secret: the remote namespace it serves (`""` = any). */
export const NAMESPACE_ANNOTATION = 'workflows.argoproj.io/namespace';
/** The data key of a profile Secret that holds the kubeconfig. */
export const KUBECONFIG_KEY = 'kubeconfig';
/** Pod-template annotation whose value changes whenever the controller config or a profile changes. */
export const CHECKSUM_ANNOTATION = 'argo-multicluster.io/config-checksum';

/** The API group of Argo's resources. */
export const ARGO_GROUP = 'argoproj.io';
/** The resource the executor writes each step's outputs to, in the remote cluster, and the controller reads. */
export const TASK_RESULTS = 'workflowtaskresults';

/** Labels on every object, so GitOps tools and operators can tell what this package manages. */
export const COMMON_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/managed-by': 'argo-multicluster',
  'app.kubernetes.io/part-of': 'argo-workflows',
};

/** Name of the controller's ConfigMap, passed to the controller with `--configmap`. */
export const CONTROLLER_CONFIGMAP = 'workflow-controller-configmap';
/** Name of the controller Deployment, its container, PriorityClass and pod label value. */
export const CONTROLLER_NAME = 'workflow-controller';
/** The local namespace of the controller, its workflows and the profiles when the topology names none, as upstream. */
export const DEFAULT_LOCAL_NAMESPACE = 'argo';
/** The controller's ServiceAccount in the local cluster. */
export const CONTROLLER_SERVICE_ACCOUNT = 'argo';
/** Name of the Role that lets workflow pods write their task results. */
export const EXECUTOR_ROLE = 'executor';

/** Name of the profile Secret for a remote cluster (a convention: the controller only reads the label). */
export function profileSecretName(remoteCluster: string): string {
  return `argo.${remoteCluster}`;
}

/**
 * Cluster name of the profile that serves one namespace of a remote with `profilePerNamespace`: the controller keys
 * profiles by cluster name alone (profile_key.go), so each namespace's profile needs a name of its own.
 */
export function namespaceProfileCluster(remoteCluster: string, namespace: string): string {
  return `${remoteCluster}-${namespace}`;
}

/** Name of the local controller's identity (ServiceAccount, Role, RoleBinding) inside a remote cluster. */
export function controllerIdentityName(localCluster: string): string {
  return `argo.${localCluster}`;
}

/**
 * Name of the long-lived token Secret of the controller's identity in a remote cluster. Generation 0 keeps the name
 * it always had; each later one gets its own, so that a new token can exist beside the old one during rotation.
 */
export function tokenSecretName(localCluster: string, generation = 0): string {
  const base = `${controllerIdentityName(localCluster)}.service-account-token`;
  return generation === 0 ? base : `${base}.${generation}`;
}

/** Whether `name` is a token Secret name of `localCluster`'s identity, of any generation. */
export function isTokenSecretName(localCluster: string, name: string): boolean {
  const base = tokenSecretName(localCluster);
  return name === base || (name.startsWith(`${base}.`) && /^[1-9]\d*$/.test(name.slice(base.length + 1)));
}

/** Whether `name` is a token Secret name of any local cluster's identity (a cluster name has no dot). */
export function isAnyTokenSecretName(name: string): boolean {
  const prefix = controllerIdentityName('');
  const local = name.slice(prefix.length).split('.')[0];
  return name.startsWith(prefix) && local !== '' && isTokenSecretName(local, name);
}

/** Whether `name` is the controller identity's name of any local cluster (`argo.<cluster>`, a cluster name has no dot). */
export function isAnyControllerIdentityName(name: string): boolean {
  const prefix = controllerIdentityName('');
  const local = name.slice(prefix.length);
  return name.startsWith(prefix) && local !== '' && !local.includes('.');
}

/** Name of the admission policy (and its binding) that keeps profile Secrets in the local namespace. */
export function profileAdmissionPolicyName(namespace: string): string {
  return `argo-multicluster.profiles.${namespace}`;
}

/** Name of the RoleBinding that grants the executor Role to the workflow pods' ServiceAccount. */
export function executorRoleBindingName(serviceAccount: string): string {
  return `${serviceAccount}-executor`;
}
