import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ControllerIdentity,
  ControllerRbac,
  ProfileAdmissionPolicy,
  WorkflowControllerConfigMap,
} from '../../../../constructs';
import { constructIssues } from '../../support/helpers';

type Ctor = new (scope: Construct, id: string, props: any) => Construct;

const chart = () => new Chart(new App(), 'c');

// Constructs used on their own take their props from the user's code, not from a validated topology: the same field
// rules and messages apply, so a bad value fails at construction, naming the prop, not later at the API server.
describe('constructs used on their own validate their props', () => {
  test.each<[string, Ctor, unknown, string, unknown, RegExp]>([
    [
      'WorkflowControllerConfigMap',
      WorkflowControllerConfigMap,
      { namespace: 'argo', clusterName: 'Cluster_0' },
      'clusterName',
      'Cluster_0',
      /DNS-1123 label/,
    ],
    [
      'WorkflowControllerConfigMap',
      WorkflowControllerConfigMap,
      { namespace: 'argo', clusterName: 'yes' },
      'clusterName',
      'yes',
      /boolean or a number/,
    ],
    [
      'WorkflowControllerConfigMap',
      WorkflowControllerConfigMap,
      { namespace: 'argo', clusterName: 'c0', config: { columns: [] } },
      'config.columns',
      [],
      /.+/,
    ],
    ['ControllerRbac', ControllerRbac, { namespace: 'Argo' }, 'namespace', 'Argo', /DNS-1123 label/],
    [
      'ControllerRbac',
      ControllerRbac,
      { namespace: 'argo', namespaced: 'yes' },
      'namespaced',
      'yes',
      /wrong type: expected boolean/,
    ],
    [
      'ControllerIdentity',
      ControllerIdentity,
      { localCluster: 'c0', namespaces: [] },
      'namespaces',
      [],
      /at least one namespace/,
    ],
    [
      'ControllerIdentity',
      ControllerIdentity,
      { localCluster: 'c0', namespaces: ['default'], access: 'global' },
      'access',
      'global',
      /namespaced|cluster/,
    ],
    [
      'ControllerIdentity',
      ControllerIdentity,
      { localCluster: 'c0', namespaces: ['default'], tokenGeneration: -1 },
      'tokenGeneration',
      -1,
      /.+/,
    ],
    [
      'ProfileAdmissionPolicy',
      ProfileAdmissionPolicy,
      { namespace: 'a'.repeat(64) },
      'namespace',
      'a'.repeat(64),
      /at most 63/,
    ],
  ])('%s refuses %j', (_name, construct, props, path, value, message) => {
    expect(constructIssues(construct, props)).toContainEqual([path, value, expect.stringMatching(message)]);
  });

  test.each<[string, Ctor, unknown]>([
    ['WorkflowControllerConfigMap', WorkflowControllerConfigMap, { namespace: 'argo', clusterName: 'c0', colour: 'x' }],
    ['ControllerRbac', ControllerRbac, { namespace: 'argo', namespaceed: true }],
    ['ControllerIdentity', ControllerIdentity, { localCluster: 'c0', namespaces: ['default'], acess: 'cluster' }],
    ['ProfileAdmissionPolicy', ProfileAdmissionPolicy, { namespace: 'argo', enabled: false }],
  ])('%s refuses a prop it does not have', (_name, construct, props) => {
    const extra = Object.keys(props as object).pop()!;
    expect(constructIssues(construct, props)).toEqual([
      [extra, (props as Record<string, unknown>)[extra], 'is not a prop of this construct'],
    ]);
  });

  test('valid props give the same objects as before: defaults applied, nothing added', () => {
    const c = chart();
    new ControllerIdentity(c, 'id', { localCluster: 'c0', namespaces: ['default'] });
    new ControllerRbac(c, 'rbac', { namespace: 'argo' });
    new WorkflowControllerConfigMap(c, 'cm', { namespace: 'argo', clusterName: 'c0' });
    new ProfileAdmissionPolicy(c, 'vap', { namespace: 'argo' });
    const objects = c.toJson() as { kind: string; metadata: { name: string } }[];
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/argo.c0',
      'Secret/argo.c0.service-account-token',
      'Role/argo.c0',
      'RoleBinding/argo.c0',
      'ServiceAccount/argo',
      'Role/argo-role',
      'RoleBinding/argo-binding',
      'ClusterRole/argo-cluster-role',
      'ClusterRoleBinding/argo-binding',
      'ConfigMap/workflow-controller-configmap',
      'ValidatingAdmissionPolicy/argo-multicluster.profiles.argo',
      'ValidatingAdmissionPolicyBinding/argo-multicluster.profiles.argo',
    ]);
  });
});
