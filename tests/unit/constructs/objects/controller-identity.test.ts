import { ControllerIdentity, buildCharts, gitopsTree } from '../../../../constructs';
import { MANAGED_LABELS, objectNames, remoteObjects, synthesized, topologyIssues } from '../../support/constructs';
import { constructIssues, example, find, objects, topology } from '../../support/helpers';

const POD_RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
  // Only create: exec is a POST (workflow/common/util.go ExecPodContainer, signal.go).
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
  { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['list', 'watch', 'deletecollection'] },
];

describe("the local controller's identity", () => {
  test('one namespace: ServiceAccount, Role with exactly the facts rules, RoleBinding, token Secret', () => {
    const remote = remoteObjects(example());
    expect(find(remote, 'ServiceAccount', 'argo.cluster-0', 'default')).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'argo.cluster-0', namespace: 'default', labels: MANAGED_LABELS },
    });
    expect(find(remote, 'Role', 'argo.cluster-0', 'default').rules).toEqual(POD_RULES);
    const binding = find(remote, 'RoleBinding', 'argo.cluster-0', 'default');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'argo.cluster-0' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'argo.cluster-0', namespace: 'default' }]);
    // No data: Kubernetes' token controller fills it in.
    expect(find(remote, 'Secret', 'argo.cluster-0.service-account-token', 'default')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: 'argo.cluster-0.service-account-token',
        namespace: 'default',
        labels: MANAGED_LABELS,
        annotations: { 'kubernetes.io/service-account.name': 'argo.cluster-0' },
      },
    });
    expect(remote.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
  });

  test('several namespaces: pod writes per namespace; list, watch and the task-result deletecollection cluster-wide', () => {
    const remote = remoteObjects(topology((r) => (r.remotes[0].namespaces = ['ns-a', 'ns-b'])));
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
    expect(objectNames(remote.filter((o) => o.metadata.name.startsWith('argo.cluster-0')))).toEqual([
      'ServiceAccount ns-a/argo.cluster-0',
      'Secret ns-a/argo.cluster-0.service-account-token',
      'ClusterRole /argo.cluster-0',
      'ClusterRoleBinding /argo.cluster-0',
      'Role ns-a/argo.cluster-0',
      'Role ns-b/argo.cluster-0',
      'RoleBinding ns-a/argo.cluster-0',
      'RoleBinding ns-b/argo.cluster-0',
    ]);
  });

  test('profilePerNamespace: the whole Role in each namespace, and nothing cluster-wide', () => {
    const remote = remoteObjects(
      topology((r) => Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], profilePerNamespace: true })),
    );
    for (const ns of ['team-a', 'team-b']) {
      expect(find(remote, 'Role', 'argo.cluster-0', ns).rules).toEqual(POD_RULES);
      expect(find(remote, 'RoleBinding', 'argo.cluster-0', ns).subjects).toEqual([
        { kind: 'ServiceAccount', name: 'argo.cluster-0', namespace: 'team-a' },
      ]);
    }
    expect(remote.filter((o) => o.kind.startsWith('Cluster') && o.kind !== 'ClusterRoleBinding')).toEqual([]);
    expect(remote.filter((o) => o.kind.startsWith('ClusterRole'))).toEqual([]);
  });

  test('access: cluster uses one ClusterRole and no Roles for the identity', () => {
    const remote = remoteObjects(topology((r) => (r.remotes[0].access = 'cluster')));
    expect(remote.filter((o) => o.kind === 'Role').map((o) => o.metadata.name)).toEqual(['executor']);
    expect(find(remote, 'ClusterRole', 'argo.cluster-0').rules).toEqual(POD_RULES);
    expect(find(remote, 'ClusterRoleBinding', 'argo.cluster-0').roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'argo.cluster-0',
    });
  });
});

describe('token Secret generations', () => {
  test('tokenGeneration names the token Secret of the remote, the ExternalSecret key and the profile notes alike', () => {
    const t = topology((r) => ((r.remotes[0] as any).tokenGeneration = 2));
    const remote = remoteObjects(t);
    expect(find(remote, 'Secret', 'argo.cluster-0.service-account-token.2', 'default')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: 'argo.cluster-0.service-account-token.2',
        namespace: 'default',
        labels: MANAGED_LABELS,
        annotations: { 'kubernetes.io/service-account.name': 'argo.cluster-0' },
      },
    });
    expect(remote.filter((m) => m.kind === 'Secret').map((m) => m.metadata.name)).toEqual([
      'argo.cluster-0.service-account-token.2',
    ]);
    // Every token Secret PROFILES.md names is of that generation.
    expect(
      gitopsTree(t, buildCharts(t))
        .get('cluster-0/PROFILES.md')!
        .match(/argo\.cluster-0\.service-account-token[^`\s]*/g),
    ).toEqual(['argo.cluster-0.service-account-token.2']);
    const external = topology((r) => {
      (r.remotes[0] as any).tokenGeneration = 2;
      r.secrets = { store: { name: 'store' } };
    });
    const es = find(objects(external).get('cluster-0')!, 'ExternalSecret', 'argo.cluster-1', 'argo');
    expect(es.spec.data.map((d: any) => d.remoteRef.key)).toEqual([
      'argo.cluster-0.service-account-token.2',
      'argo.cluster-0.service-account-token.2',
    ]);
  });

  test.each<[unknown, string]>([
    [-1, 'is out of range; valid: an integer from 0 to 999999'],
    [1.5, 'is not an integer; valid: an integer from 0 to 999999'],
    ['1', 'has the wrong type: expected number'],
    [1_000_000, 'is out of range; valid: an integer from 0 to 999999'],
  ])('tokenGeneration must be a whole number from 0 to 999999: %j is refused', (bad, message) => {
    expect(topologyIssues((r) => (r.remotes[0].tokenGeneration = bad))).toEqual([
      { path: 'remotes[0].tokenGeneration', value: bad, message },
    ]);
  });
});

describe('ControllerIdentity used on its own', () => {
  test.each([
    [{ localCluster: 'c0', namespaces: [] }, 'namespaces', [], 'must list at least one namespace'],
    [
      { localCluster: 'c0', namespaces: ['default'], access: 'global' },
      'access',
      'global',
      'Invalid option: expected one of "namespaced"|"cluster"',
    ],
    [
      { localCluster: 'c0', namespaces: ['default'], tokenGeneration: -1 },
      'tokenGeneration',
      -1,
      'is out of range; valid: an integer from 0 to 999999',
    ],
    [
      { localCluster: 'c0', namespaces: ['default'], access: 'cluster', profilePerNamespace: true },
      'profilePerNamespace',
      true,
      'cannot be combined with access: cluster, whose profile serves any namespace through a ClusterRole',
    ],
    [
      { localCluster: 'c0', namespaces: ['default'], acess: 'cluster' },
      'acess',
      'cluster',
      'is not a prop of this construct',
    ],
  ])('refuses %j', (props, path, value, message) => {
    expect(constructIssues(ControllerIdentity, props)).toEqual([[path, value, message]]);
  });

  test('with valid props writes the identity, defaults applied', () => {
    const written = synthesized(
      (c) => new ControllerIdentity(c, 'id', { localCluster: 'c0', namespaces: ['default'] }),
    );
    expect(objectNames(written)).toEqual([
      'ServiceAccount default/argo.c0',
      'Secret default/argo.c0.service-account-token',
      'Role default/argo.c0',
      'RoleBinding default/argo.c0',
    ]);
    expect(written[2].rules).toEqual(POD_RULES);
  });
});
