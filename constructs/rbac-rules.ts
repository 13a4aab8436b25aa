import { k8s } from 'cdk8s-plus-33';

/** Shorthand for one RBAC rule; `group` '' is the core API group. */
export function rule(group: string, resources: string[], verbs: string[]): k8s.PolicyRule {
  return { apiGroups: [group], resources, verbs };
}

/** What the controller needs wherever workflows run, as upstream's cluster install grants it. */
export function controllerWorkflowRules(clusterScoped: boolean): k8s.PolicyRule[] {
  const templates = ['workflowtemplates', 'workflowtemplates/finalizers'];
  if (clusterScoped) templates.push('clusterworkflowtemplates', 'clusterworkflowtemplates/finalizers');
  return [
    rule('', ['pods', 'pods/exec'], ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete']),
    rule('', ['configmaps'], ['get', 'watch', 'list']),
    rule('', ['persistentvolumeclaims', 'persistentvolumeclaims/finalizers'], ['create', 'update', 'delete', 'get']),
    rule(
      'argoproj.io',
      ['workflows', 'workflows/finalizers', 'workflowtasksets', 'workflowtasksets/finalizers', 'workflowartifactgctasks'],
      ['get', 'list', 'watch', 'update', 'patch', 'delete', 'create'],
    ),
    rule('argoproj.io', templates, ['get', 'list', 'watch']),
    rule('argoproj.io', ['workflowtaskresults'], ['list', 'watch', 'deletecollection']),
    rule('', ['serviceaccounts'], ['get', 'list']),
    rule('argoproj.io', ['cronworkflows', 'cronworkflows/finalizers'], ['get', 'list', 'watch', 'update', 'patch', 'delete']),
    rule('', ['events'], ['create', 'patch']),
    rule('policy', ['poddisruptionbudgets'], ['create', 'get', 'delete']),
    // Profiles: the controller lists and watches Secrets labelled workflows.argoproj.io/cluster (released roles only get).
    rule('', ['secrets'], ['get', 'list', 'watch']),
  ];
}

/** Leader election, always in the controller's own namespace. */
export const LEASE_RULES: k8s.PolicyRule[] = [rule('coordination.k8s.io', ['leases'], ['create', 'get', 'update'])];

/** The executor writes its outputs as task results, nothing more. */
export const EXECUTOR_RULES: k8s.PolicyRule[] = [rule('argoproj.io', ['workflowtaskresults'], ['create', 'patch'])];

/** What the local controller does in a remote namespace: run pods there and collect their task results. */
export const REMOTE_RULES: k8s.PolicyRule[] = [
  rule('', ['pods', 'pods/exec'], ['list', 'watch', 'create', 'patch', 'delete']),
  rule('argoproj.io', ['workflowtaskresults'], ['list', 'watch', 'deletecollection']),
];

/** With several remote namespaces the profile serves them all, so the writes are per namespace... */
export const REMOTE_WRITE_RULES: k8s.PolicyRule[] = [
  rule('', ['pods', 'pods/exec'], ['create', 'patch', 'delete']),
  rule('argoproj.io', ['workflowtaskresults'], ['deletecollection']),
];

/** ...and the informers list and watch cluster-wide. */
export const REMOTE_WATCH_RULES: k8s.PolicyRule[] = [
  rule('', ['pods'], ['list', 'watch']),
  rule('argoproj.io', ['workflowtaskresults'], ['list', 'watch']),
];
