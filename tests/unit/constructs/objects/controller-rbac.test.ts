import { ControllerRbac } from '../../../../constructs';
import { controllerWorkflowRules } from '../../../../constructs/objects/rbac-rules';
import { MANAGED_LABELS, localObjects, objectNames, synthesized } from '../../support/constructs';
import { constructIssues, example, find, topology } from '../../support/helpers';

const SECRETS = { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] };
const LEASES = { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update'] };
const SUBJECTS = [{ kind: 'ServiceAccount', name: 'argo', namespace: 'argo' }];

describe('controller RBAC', () => {
  test('cluster-wide install: ClusterRole with the workflow rules and Secrets of any namespace; leases in its own', () => {
    const local = localObjects(example());
    expect(find(local, 'ServiceAccount', 'argo', 'argo')).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'argo', namespace: 'argo', labels: MANAGED_LABELS },
    });
    expect(find(local, 'ClusterRole', 'argo-cluster-role').rules).toEqual([...controllerWorkflowRules(true), SECRETS]);
    const binding = find(local, 'ClusterRoleBinding', 'argo-binding');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'argo-cluster-role',
    });
    expect(binding.subjects).toEqual(SUBJECTS);
    expect(find(local, 'Role', 'argo-role', 'argo').rules).toEqual([LEASES]);
    expect(find(local, 'RoleBinding', 'argo-binding', 'argo')).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'argo-binding', namespace: 'argo', labels: MANAGED_LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'argo-role' },
      subjects: SUBJECTS,
    });
  });

  test('namespaced install: no cluster-scoped RBAC, the workflow rules (secrets too) only in the workflow namespace', () => {
    const list = localObjects(topology((r) => (r.local.controller.namespaced = true)));
    expect(list.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    expect(find(list, 'Role', 'argo-role', 'argo').rules).toEqual([LEASES, ...controllerWorkflowRules(false), SECRETS]);
  });

  test('cluster-wide with config.namespace: Secrets only in that namespace (the managed one), the rest cluster-wide', () => {
    const list = localObjects(topology((r) => (r.local.controller.config.namespace = 'argo')));
    expect(find(list, 'ClusterRole', 'argo-cluster-role').rules).toEqual(controllerWorkflowRules(true));
    expect(find(list, 'Role', 'argo-role', 'argo').rules).toEqual([LEASES, SECRETS]);
    expect(find(list, 'ClusterRoleBinding', 'argo-binding').subjects).toEqual(SUBJECTS);
  });

  test('namespaced with config.namespace: the same Role as without', () => {
    const list = localObjects(
      topology((r) => {
        r.local.controller.namespaced = true;
        r.local.controller.config.namespace = 'argo';
      }),
    );
    expect(list.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    expect(find(list, 'Role', 'argo-role', 'argo').rules).toEqual([LEASES, ...controllerWorkflowRules(false), SECRETS]);
  });
});

describe('ControllerRbac used on its own', () => {
  test.each([
    [
      { namespace: 'Argo' },
      'namespace',
      'Argo',
      'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric',
    ],
    [{ namespace: 'argo', namespaced: 'yes' }, 'namespaced', 'yes', 'has the wrong type: expected boolean'],
    [
      { namespace: 'argo', managesOwnNamespaceOnly: 1 },
      'managesOwnNamespaceOnly',
      1,
      'has the wrong type: expected boolean',
    ],
    [{ namespace: 'argo', namespaceed: true }, 'namespaceed', true, 'is not a prop of this construct'],
  ])('refuses %j', (props, path, value, message) => {
    expect(constructIssues(ControllerRbac, props)).toEqual([[path, value, message]]);
  });

  test('with valid props writes the ServiceAccount, Role, ClusterRole and their bindings', () => {
    const written = synthesized((c) => new ControllerRbac(c, 'rbac', { namespace: 'argo' }));
    expect(objectNames(written)).toEqual([
      'ServiceAccount argo/argo',
      'Role argo/argo-role',
      'RoleBinding argo/argo-binding',
      'ClusterRole /argo-cluster-role',
      'ClusterRoleBinding /argo-binding',
    ]);
  });
});
