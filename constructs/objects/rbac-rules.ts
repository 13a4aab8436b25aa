import { k8s } from 'cdk8s-plus-33';
import { ARGO_GROUP, TASK_RESULTS } from '../model/names';

/** Shorthand for one RBAC rule; `group` '' is the core API group. */
export function rule(group: string, resources: string[], verbs: string[]): k8s.PolicyRule {
  return { apiGroups: [group], resources, verbs };
}

/** What the controller needs wherever workflows run, as upstream's cluster install grants it. */
export function controllerWorkflowRules(clusterScoped: boolean): k8s.PolicyRule[] {
  const templates = ['workflowtemplates', 'workflowtemplates/finalizers'];
  if (clusterScoped) templates.push('clusterworkflowtemplates', 'clusterworkflowtemplates/finalizers');
  return [
    rule('', ['pods'], ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete']),
    // Exec is a POST on the subresource (workflow/common/util.go ExecPodContainer): create is all it takes.
    rule('', ['pods/exec'], ['create']),
    rule('', ['configmaps'], ['get', 'watch', 'list']),
    rule('', ['persistentvolumeclaims', 'persistentvolumeclaims/finalizers'], ['create', 'update', 'delete', 'get']),
    rule(
      ARGO_GROUP,
      [
        'workflows',
        'workflows/finalizers',
        'workflowtasksets',
        'workflowtasksets/finalizers',
        'workflowartifactgctasks',
      ],
      ['get', 'list', 'watch', 'update', 'patch', 'delete', 'create'],
    ),
    rule(ARGO_GROUP, templates, ['get', 'list', 'watch']),
    rule(ARGO_GROUP, [TASK_RESULTS], ['list', 'watch', 'deletecollection']),
    rule('', ['serviceaccounts'], ['get', 'list']),
    rule(
      ARGO_GROUP,
      ['cronworkflows', 'cronworkflows/finalizers'],
      ['get', 'list', 'watch', 'update', 'patch', 'delete'],
    ),
    rule('', ['events'], ['create', 'patch']),
    rule('policy', ['poddisruptionbudgets'], ['create', 'get', 'delete']),
  ];
}

/**
 * Secrets, granted where the controller's managed namespace is (controller.go GetManagedNamespace): it lists and
 * watches the profiles there (controller_profiles.go newProfileInformer; released roles only get), and gets an agent's
 * token Secret in the workflow's namespace (agent.go). A cluster-wide controller without config.namespace manages all
 * namespaces; with it, or --namespaced, only that one.
 */
export const SECRET_RULES: k8s.PolicyRule[] = [rule('', ['secrets'], ['get', 'list', 'watch'])];

/** Leader election, always in the controller's own namespace. */
export const LEASE_RULES: k8s.PolicyRule[] = [rule('coordination.k8s.io', ['leases'], ['create', 'get', 'update'])];

/**
 * The executor (emissary) writes its outputs as task results (workflow/executor/taskresult.go), nothing more. It reads
 * no Secret through the API: the controller mounts the artifact repository's Secrets into the pod (workflowpod.go) and
 * the executor reads them as files (executor.go GetSecret; GetSecrets, the API read, has no caller in the executor).
 */
export const EXECUTOR_RULES: k8s.PolicyRule[] = [rule(ARGO_GROUP, [TASK_RESULTS], ['create', 'patch'])];

/**
 * The executor's rules, plus `get` on exactly the ConfigMaps it reads in its own namespace: an HDFS artifact's
 * `krbConfigConfigMap` (workflow/artifacts/hdfs/hdfs.go CreateDriver -> executor.go GetConfigMapKey, one Get by name,
 * so no list or watch).
 */
export function executorRules(artifactConfigMaps: readonly string[] = []): k8s.PolicyRule[] {
  if (!artifactConfigMaps.length) return EXECUTOR_RULES;
  return [
    ...EXECUTOR_RULES,
    { apiGroups: [''], resources: ['configmaps'], resourceNames: [...artifactConfigMaps], verbs: ['get'] },
  ];
}

/**
 * What the local controller does in a remote namespace through a profile, and nothing more (dev-mc e89b35277d):
 * its pod and task-result informers list and watch; it creates pods (workflowpod.go), patches them (the completed
 * label) and deletes them (podGC) in controller.go processNextPodCleanupItem and exec_control.go, execs into them to signal
 * (workflow/common/util.go, a POST, hence only create) and deletes the workflow's task results with one
 * DeleteCollection in the profile's namespace (operator.go deleteTaskResults).
 */
export const REMOTE_RULES: k8s.PolicyRule[] = [
  rule('', ['pods'], ['list', 'watch', 'create', 'patch', 'delete']),
  rule('', ['pods/exec'], ['create']),
  rule(ARGO_GROUP, [TASK_RESULTS], ['list', 'watch', 'deletecollection']),
];

/** With several remote namespaces the profile serves any namespace, so the pod writes are per namespace... */
export const REMOTE_WRITE_RULES: k8s.PolicyRule[] = [
  rule('', ['pods'], ['create', 'patch', 'delete']),
  rule('', ['pods/exec'], ['create']),
];

/**
 * ...and whatever the controller does in the profile's namespace `""` is cluster-wide: the informers list and watch,
 * and deleteTaskResults (operator.go) calls DeleteCollection on `WorkflowTaskResults("")`, the cluster scope. The API
 * server serves no such call for a namespaced resource (404, which the controller ignores), but it authorizes first:
 * without the grant the 403 ends the controller's cleanup loop over every profile.
 */
export const REMOTE_WATCH_RULES: k8s.PolicyRule[] = [
  rule('', ['pods'], ['list', 'watch']),
  rule(ARGO_GROUP, [TASK_RESULTS], ['list', 'watch', 'deletecollection']),
];
