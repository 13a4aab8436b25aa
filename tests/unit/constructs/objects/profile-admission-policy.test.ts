import { buildCharts, gitopsTree } from '../../../../constructs';
import { example, find, objects, topology } from '../../support/helpers';

describe('the profile admission policy', () => {
  test('is in the local cluster by default and refuses labelled Secrets outside the profile namespace', () => {
    const t = topology((r) => (r.local.namespace = 'wf'));
    const local = objects(t).get('cluster-0')!;
    const policy = find(local, 'ValidatingAdmissionPolicy', 'argo-multicluster.profiles.wf');
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec.matchConstraints).toEqual({
      resourceRules: [
        { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['secrets'] },
      ],
      objectSelector: { matchExpressions: [{ key: 'workflows.argoproj.io/cluster', operator: 'Exists' }] },
    });
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.validations).toHaveLength(1);
    expect(policy.spec.validations[0].expression).toBe(
      "object.metadata.namespace == 'wf' || !has(object.metadata.labels) || !('workflows.argoproj.io/cluster' in object.metadata.labels)",
    );
    const binding = find(local, 'ValidatingAdmissionPolicyBinding', 'argo-multicluster.profiles.wf');
    expect(binding.spec).toEqual({ policyName: 'argo-multicluster.profiles.wf', validationActions: ['Deny'] });
    for (const [cluster, list] of objects(t)) {
      if (cluster !== 'cluster-0')
        expect(list.filter((m) => m.apiVersion.startsWith('admissionregistration'))).toEqual([]);
    }
  });

  test('local.profileAdmissionPolicy: false leaves it out', () => {
    const t = topology((r) => ((r.local as any).profileAdmissionPolicy = false));
    expect(
      objects(t)
        .get('cluster-0')!
        .filter((m) => m.apiVersion.startsWith('admissionregistration')),
    ).toEqual([]);
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
    expect(() => topology((r) => ((r.local as any).profileAdmissionPolicy = 'yes'))).toThrow(
      /local\.profileAdmissionPolicy: "yes" has the wrong type: expected boolean/,
    );
  });
});
