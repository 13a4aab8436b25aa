import { example, find, objects, topology } from '../../support/helpers';

const remoteOf = (t: ReturnType<typeof example>, name = 'cluster-1') => objects(t).get(name)!;

describe('WorkflowTaskResult CRD', () => {
  const crd = find(remoteOf(example()), 'CustomResourceDefinition', 'workflowtaskresults.argoproj.io');

  test('names, scope and the one served and stored version', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.spec.group).toBe('argoproj.io');
    expect(crd.spec.names).toEqual({
      kind: 'WorkflowTaskResult',
      listKind: 'WorkflowTaskResultList',
      plural: 'workflowtaskresults',
      singular: 'workflowtaskresult',
    });
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.versions.map((v: any) => [v.name, v.served, v.storage])).toEqual([['v1alpha1', true, true]]);
  });

  test('schema requires metadata and preserves every executor output', () => {
    const schema = crd.spec.versions[0].schema.openAPIV3Schema;
    expect(schema.required).toEqual(['metadata']);
    for (const f of ['message', 'phase', 'progress']) expect(schema.properties[f]).toEqual({ type: 'string' });
    const outputs = schema.properties.outputs;
    expect(outputs['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(outputs.properties.parameters.items['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(outputs.properties.artifacts.type).toBe('array');
    expect(outputs.properties.result).toEqual({ type: 'string' });
    expect(outputs.properties.exitCode).toEqual({ type: 'string' });
  });
});

describe('executor RBAC', () => {
  test('Role executor (create, patch task results) bound to system:serviceaccount:default:default', () => {
    const remote = remoteOf(example());
    expect(find(remote, 'Role', 'executor', 'default').rules).toEqual([
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
    ]);
    const binding = find(remote, 'RoleBinding', 'default-executor', 'default');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'executor' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }]);
    expect(remote.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toEqual(['argo.cluster-0']);
  });

  test('artifactSecrets: the executor may get exactly those Secrets, in every remote namespace, and nothing else', () => {
    const remote = remoteOf(
      topology((r) =>
        Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], artifactSecrets: ['s3-creds', 'gcs-key'] }),
      ),
    );
    for (const ns of ['team-a', 'team-b']) {
      expect(find(remote, 'Role', 'executor', ns).rules).toEqual([
        { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: ['s3-creds', 'gcs-key'], verbs: ['get'] },
      ]);
    }
    // The Secrets hold credentials: they are copied by the stack or created by the user, never written as YAML.
    expect(remote.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).toEqual([
      'argo.cluster-0.service-account-token',
    ]);
  });

  test('a named executor ServiceAccount is created and bound in every namespace', () => {
    const remote = remoteOf(
      topology((r) =>
        Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], executorServiceAccount: 'workflow' }),
      ),
    );
    for (const ns of ['team-a', 'team-b']) {
      find(remote, 'ServiceAccount', 'workflow', ns);
      find(remote, 'Namespace', ns);
      expect(find(remote, 'RoleBinding', 'workflow-executor', ns).subjects).toEqual([
        { kind: 'ServiceAccount', name: 'workflow', namespace: ns },
      ]);
    }
  });
});

describe("the local controller's identity", () => {
  test('one namespace: ServiceAccount, Role with exactly the facts rules, RoleBinding, token Secret', () => {
    const remote = remoteOf(example());
    find(remote, 'ServiceAccount', 'argo.cluster-0', 'default');
    // pods/exec only create: exec is a POST (workflow/common/util.go ExecPodContainer, signal.go).
    expect(find(remote, 'Role', 'argo.cluster-0', 'default').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['list', 'watch', 'deletecollection'] },
    ]);
    const binding = find(remote, 'RoleBinding', 'argo.cluster-0', 'default');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'argo.cluster-0' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'argo.cluster-0', namespace: 'default' }]);
    const token = find(remote, 'Secret', 'argo.cluster-0.service-account-token', 'default');
    expect(token.type).toBe('kubernetes.io/service-account-token');
    expect(token.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'argo.cluster-0' });
    expect(token.data).toBeUndefined();
    expect(remote.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    expect(remote.filter((o) => o.kind === 'Namespace')).toEqual([]);
  });

  test('several namespaces: pod writes per namespace; list, watch and the task-result deletecollection cluster-wide', () => {
    const remote = remoteOf(topology((r) => (r.remotes[0].namespaces = ['ns-a', 'ns-b'])));
    for (const ns of ['ns-a', 'ns-b']) {
      expect(find(remote, 'Role', 'argo.cluster-0', ns).rules).toEqual([
        { apiGroups: [''], resources: ['pods'], verbs: ['create', 'patch', 'delete'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
      ]);
      expect(find(remote, 'RoleBinding', 'argo.cluster-0', ns).subjects).toEqual([
        { kind: 'ServiceAccount', name: 'argo.cluster-0', namespace: 'ns-a' },
      ]);
    }
    // The profile serves namespace "", so operator.go deleteTaskResults calls WorkflowTaskResults("").DeleteCollection:
    // the cluster scope, which a per-namespace grant does not cover.
    expect(find(remote, 'ClusterRole', 'argo.cluster-0').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['list', 'watch', 'deletecollection'] },
    ]);
    expect(find(remote, 'ClusterRoleBinding', 'argo.cluster-0').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'argo.cluster-0', namespace: 'ns-a' },
    ]);
    find(remote, 'Secret', 'argo.cluster-0.service-account-token', 'ns-a');
  });

  test('access: cluster uses one ClusterRole and no Roles for the identity', () => {
    const remote = remoteOf(topology((r) => (r.remotes[0].access = 'cluster')));
    expect(remote.filter((o) => o.kind === 'Role').map((o) => o.metadata.name)).toEqual(['executor']);
    expect(find(remote, 'ClusterRole', 'argo.cluster-0').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['list', 'watch', 'deletecollection'] },
    ]);
    expect(find(remote, 'ClusterRoleBinding', 'argo.cluster-0').roleRef.kind).toBe('ClusterRole');
  });

  test('createNamespaces: false writes no Namespace', () => {
    const remote = remoteOf(
      topology((r) => Object.assign(r.remotes[0], { namespaces: ['team-a'], createNamespaces: false })),
    );
    expect(remote.filter((o) => o.kind === 'Namespace')).toEqual([]);
  });
});
