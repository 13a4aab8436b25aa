import { ProfileAdmissionPolicy, buildCharts, gitopsTree } from '../../../../constructs';
import { MANAGED_LABELS, localObjects, synthesized, topologyIssues } from '../../support/constructs';
import { constructIssues, example, objects, topology } from '../../support/helpers';

/** The policy and its binding for profiles in namespace `ns`, as written to the local cluster. */
function policyObjects(ns: string) {
  const name = `argo-multicluster.profiles.${ns}`;
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels: MANAGED_LABELS },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['secrets'] },
          ],
          objectSelector: { matchExpressions: [{ key: 'workflows.argoproj.io/cluster', operator: 'Exists' }] },
        },
        validations: [
          {
            expression: `object.metadata.namespace == '${ns}' || !has(object.metadata.labels) || !('workflows.argoproj.io/cluster' in object.metadata.labels)`,
            message: `Secrets labelled workflows.argoproj.io/cluster are Argo Workflows multi-cluster profiles; in this cluster they may only be created in namespace ${ns} (policy ${name})`,
            reason: 'Forbidden',
          },
          {
            expression: `!has(object.metadata.labels) || !('workflows.argoproj.io/cluster' in object.metadata.labels) || object.metadata.labels['workflows.argoproj.io/cluster'] != ''`,
            message: `The workflows.argoproj.io/cluster label of a profile names its remote cluster and must not be empty: the controller takes "" for its local cluster and crashes when such a Secret is deleted (controller_profiles.go removeProfile) (policy ${name})`,
            reason: 'Invalid',
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels: MANAGED_LABELS },
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  ];
}

const admission = (list: { apiVersion: string }[]) =>
  list.filter((m) => m.apiVersion.startsWith('admissionregistration'));

describe('the profile admission policy', () => {
  test('is in the local cluster by default and refuses labelled Secrets outside the profile namespace, and an empty label anywhere', () => {
    const t = topology((r) => (r.local.namespace = 'wf'));
    expect(admission(localObjects(t))).toEqual(policyObjects('wf'));
    for (const [cluster, list] of objects(t)) {
      if (cluster !== 'cluster-0') expect(admission(list)).toEqual([]);
    }
  });

  test('local.profileAdmissionPolicy: false leaves it out', () => {
    expect(admission(localObjects(topology((r) => ((r.local as any).profileAdmissionPolicy = false))))).toEqual([]);
  });

  test('GitOps files of the cluster-scoped policy and binding are named <kind>_<name>.yaml', () => {
    const t = example();
    const files = [...gitopsTree(t, buildCharts(t)).keys()].filter((f) => f.includes('admissionpolic'));
    expect(files).toEqual([
      'cluster-0/validatingadmissionpolicy_argo-multicluster.profiles.argo.yaml',
      'cluster-0/validatingadmissionpolicybinding_argo-multicluster.profiles.argo.yaml',
    ]);
  });

  test('a non-boolean profileAdmissionPolicy is refused naming the field', () => {
    expect(topologyIssues((r) => (r.local.profileAdmissionPolicy = 'yes'))).toEqual([
      { path: 'local.profileAdmissionPolicy', value: 'yes', message: 'has the wrong type: expected boolean' },
    ]);
  });
});

describe('ProfileAdmissionPolicy used on its own', () => {
  test.each([
    [{ namespace: 'a'.repeat(64) }, 'namespace', 'a'.repeat(64), 'must be at most 63 characters (it is a label value)'],
    [{ namespace: 'argo', enabled: false }, 'enabled', false, 'is not a prop of this construct'],
  ])('refuses %j', (props, path, value, message) => {
    expect(constructIssues(ProfileAdmissionPolicy, props)).toEqual([[path, value, message]]);
  });

  test('with valid props writes the policy and its binding, without the chart labels', () => {
    expect(synthesized((c) => new ProfileAdmissionPolicy(c, 'vap', { namespace: 'wf' }))).toEqual(
      policyObjects('wf').map(({ metadata: { labels: _, ...metadata }, ...o }) => ({ ...o, metadata })),
    );
  });
});
