import { ExecutorRbac, TopologyError } from '../../../../constructs';
import { MANAGED_LABELS, objectNames, remoteObjects, synthesized } from '../../support/constructs';
import { constructIssues, example, find, topology, validateAgainstKubernetesSchema } from '../../support/helpers';

const EXECUTOR_ROLE_REF = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'executor' };
const TASK_RESULT_WRITES = [
  { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
];

describe('executor RBAC', () => {
  test('Role executor (create, patch task results) bound to system:serviceaccount:default:default', () => {
    const remote = remoteObjects(example());
    expect(find(remote, 'Role', 'executor', 'default').rules).toEqual(TASK_RESULT_WRITES);
    const binding = find(remote, 'RoleBinding', 'default-executor', 'default');
    expect(binding.roleRef).toEqual(EXECUTOR_ROLE_REF);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }]);
    // "default" exists in every namespace: it is bound, never written.
    expect(remote.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toEqual(['argo.cluster-0']);
  });

  test('artifactSecrets grant nothing: the controller mounts them into the pod, the executor reads files', () => {
    const remote = remoteObjects(
      topology((r) =>
        Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], artifactSecrets: ['s3-creds', 'gcs-key'] }),
      ),
    );
    for (const ns of ['team-a', 'team-b']) {
      expect(find(remote, 'Role', 'executor', ns).rules).toEqual(TASK_RESULT_WRITES);
    }
    // The Secrets hold credentials: they are copied by the stack or created by the user, never written as YAML.
    expect(remote.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).toEqual([
      'argo.cluster-0.service-account-token',
    ]);
  });

  test('artifactConfigMaps: the executor may get exactly those ConfigMaps, in every remote namespace, and nothing else', () => {
    const remote = remoteObjects(
      topology((r) =>
        Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], artifactConfigMaps: ['krb5-conf'] }),
      ),
    );
    for (const ns of ['team-a', 'team-b']) {
      expect(find(remote, 'Role', 'executor', ns).rules).toEqual([
        ...TASK_RESULT_WRITES,
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['krb5-conf'], verbs: ['get'] },
      ]);
    }
    // They are the user's, created in each namespace: never written here.
    expect(remote.filter((o) => o.kind === 'ConfigMap')).toEqual([]);
  });

  test('a named executor ServiceAccount is created and bound in every namespace', () => {
    const remote = remoteObjects(
      topology((r) =>
        Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], executorServiceAccount: 'workflow' }),
      ),
    );
    for (const ns of ['team-a', 'team-b']) {
      expect(find(remote, 'ServiceAccount', 'workflow', ns)).toEqual({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'workflow', namespace: ns, labels: MANAGED_LABELS },
      });
      expect(find(remote, 'RoleBinding', 'workflow-executor', ns)).toEqual({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'workflow-executor', namespace: ns, labels: MANAGED_LABELS },
        roleRef: EXECUTOR_ROLE_REF,
        subjects: [{ kind: 'ServiceAccount', name: 'workflow', namespace: ns }],
      });
    }
  });

  test('image pull secrets (remotes[].executorImagePullSecrets) go on the executor ServiceAccount in every namespace', () => {
    const remote = remoteObjects(
      topology((raw) =>
        Object.assign(raw.remotes[0], {
          namespaces: ['a', 'b'],
          executorServiceAccount: 'wf',
          executorImagePullSecrets: [{ name: 'regcred' }],
        }),
      ),
    );
    for (const ns of ['a', 'b']) {
      const sa = find(remote, 'ServiceAccount', 'wf', ns);
      expect(sa).toEqual({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'wf', namespace: ns, labels: MANAGED_LABELS },
        imagePullSecrets: [{ name: 'regcred' }],
      });
      expect(() => validateAgainstKubernetesSchema(sa)).not.toThrow();
    }
  });
});

describe('ExecutorRbac used on its own', () => {
  test('refuses pull secrets on the default ServiceAccount and a bad namespace', () => {
    const props = { namespace: 'x_y', imagePullSecrets: [{ name: 'r' }] };
    expect(() => synthesized((c) => new ExecutorRbac(c, 'e', props))).toThrow(TopologyError);
    expect(() => synthesized((c) => new ExecutorRbac(c, 'e', props))).toThrow(
      new Error(
        [
          'ExecutorRbac props is invalid:',
          '  - namespace: "x_y" must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric',
          '  - imagePullSecrets: [{"name":"r"}] needs a serviceAccount other than "default", which this construct never takes over',
        ].join('\n'),
      ),
    );
  });

  test('refuses a prop it does not have', () => {
    expect(constructIssues(ExecutorRbac, { namespace: 'a', serviceAcount: 'wf' })).toEqual([
      ['serviceAcount', 'wf', 'is not a prop of this construct'],
    ]);
  });

  test('with valid props writes the Role and its binding, and the ServiceAccount unless it is "default"', () => {
    const written = (props: object) =>
      objectNames(synthesized((c) => new ExecutorRbac(c, 'e', { namespace: 'a', ...props })));
    expect(written({})).toEqual(['Role a/executor', 'RoleBinding a/default-executor']);
    expect(written({ serviceAccount: 'wf' })).toEqual([
      'ServiceAccount a/wf',
      'Role a/executor',
      'RoleBinding a/wf-executor',
    ]);
  });
});
