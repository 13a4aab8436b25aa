import { App } from 'cdk8s';
import { buildCharts, manifestKey } from '../../../../constructs';
import {
  MANAGED_LABELS,
  TOPOLOGY_VARIANTS,
  VARIANT_CREDENTIALS,
  localObjects,
  objectNames,
  remoteObjects,
} from '../../support/constructs';
import { example, objects, topology, validateAgainstKubernetesSchema } from '../../support/helpers';

const namespaces = (list: { kind: string; metadata: { name: string } }[]) =>
  list.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);

describe('the local cluster chart', () => {
  const local = localObjects(example());

  test('the controller config, RBAC, Deployment and admission policy; no profile in secrets.mode none', () => {
    expect(objectNames(local)).toEqual([
      'Namespace /argo',
      'ServiceAccount argo/argo',
      'ClusterRole /argo-cluster-role',
      'ClusterRoleBinding /argo-binding',
      'Role argo/argo-role',
      'RoleBinding argo/argo-binding',
      'ConfigMap argo/workflow-controller-configmap',
      'Deployment argo/workflow-controller',
      'ValidatingAdmissionPolicy /argo-multicluster.profiles.argo',
      'ValidatingAdmissionPolicyBinding /argo-multicluster.profiles.argo',
    ]);
  });

  test('every local object carries the common labels; none of the cdk8s hash labels', () => {
    // The controller's own objects carry the standard app.kubernetes.io labels besides (controller-deployment.test.ts).
    expect(local.map((o) => o.metadata.labels)).toEqual(
      local.map((o) => (o.kind === 'Deployment' ? expect.objectContaining(MANAGED_LABELS) : MANAGED_LABELS)),
    );
    expect(JSON.stringify(local)).not.toContain('cdk8s.io/metadata.addr');
  });

  test('the local namespace is written unless createNamespace is false or it is a system namespace', () => {
    expect(namespaces(localObjects(topology((r) => (r.local.namespace = 'wf'))))).toEqual(['wf']);
    expect(
      namespaces(localObjects(topology((r) => Object.assign(r.local, { namespace: 'wf', createNamespace: false })))),
    ).toEqual([]);
    expect(namespaces(localObjects(topology((r) => (r.local.namespace = 'kube-system'))))).toEqual([]);
  });

  test('secrets.mode "plain" without the credentials of a remote fails naming it', () => {
    expect(() => objects(topology((r) => (r.secrets.mode = 'plain')))).toThrow(
      new Error('secrets.mode "plain" needs the credentials of remote cluster "cluster-1"'),
    );
  });
});

describe('a remote cluster chart', () => {
  test('the task-result CRD, executor RBAC and the controller identity, with the common labels', () => {
    const remote = remoteObjects(example());
    expect(objectNames(remote)).toEqual([
      'CustomResourceDefinition /workflowtaskresults.argoproj.io',
      'ServiceAccount default/argo.cluster-0',
      'Secret default/argo.cluster-0.service-account-token',
      'Role default/argo.cluster-0',
      'Role default/executor',
      'RoleBinding default/argo.cluster-0',
      'RoleBinding default/default-executor',
    ]);
    expect(remote.map((o) => o.metadata.labels)).toEqual(remote.map(() => MANAGED_LABELS));
  });

  test('a Namespace for each remote namespace but the system ones, unless createNamespaces is false', () => {
    // The example's only namespace is "default", which every cluster has.
    expect(namespaces(remoteObjects(example()))).toEqual([]);
    const several = (createNamespaces: boolean) =>
      topology((r) =>
        Object.assign(r.remotes[0], { namespaces: ['team-a', 'kube-public', 'team-b'], createNamespaces }),
      );
    expect(namespaces(remoteObjects(several(true)))).toEqual(['team-a', 'team-b']);
    expect(namespaces(remoteObjects(several(false)))).toEqual([]);
  });

  test('manageSharedObjects: false writes only the identity of this local controller', () => {
    const remote = remoteObjects(
      topology((r) => Object.assign(r.remotes[0], { namespaces: ['a', 'b'], manageSharedObjects: false })),
    );
    expect(objectNames(remote)).toEqual([
      'ServiceAccount a/argo.cluster-0',
      'Secret a/argo.cluster-0.service-account-token',
      'ClusterRole /argo.cluster-0',
      'ClusterRoleBinding /argo.cluster-0',
      'Role a/argo.cluster-0',
      'Role b/argo.cluster-0',
      'RoleBinding a/argo.cluster-0',
      'RoleBinding b/argo.cluster-0',
    ]);
  });
});

describe('buildCharts', () => {
  test('makes a chart per cluster, each in an app of its own unless one is given', () => {
    const own = buildCharts(example());
    expect([own.local.node.id, ...own.remotes.map((r) => r.node.id)]).toEqual(['cluster-0', 'cluster-1']);
    expect(own.local.node.scope).not.toBe(own.remotes[0].node.scope);
    const app = new App();
    const shared = buildCharts(example(), { app });
    expect([shared.local.node.scope, ...shared.remotes.map((r) => r.node.scope)]).toEqual([app, app]);
    expect(app.charts.map((c) => c.node.id)).toEqual(['cluster-0', 'cluster-1']);
  });
});

describe('a namespaced controller', () => {
  test('writes no cluster-scoped object unless asked: no PriorityClass, admission policy or ClusterRole', () => {
    const variant = TOPOLOGY_VARIANTS.find(([n]) => n === 'namespaced controller that a namespace admin can apply')!;
    const local = objects(variant[1]).get('cluster-0')!;
    expect(local.filter((m) => m.metadata.namespace === undefined).map((m) => m.kind)).toEqual([]);
    // Asked for, each is written.
    const asked = objects(
      topology((r) => {
        r.local.controller.namespaced = true;
        r.local.profileAdmissionPolicy = true;
        r.local.controller.priorityClass = { create: true };
      }),
    ).get('cluster-0')!;
    expect(asked.filter((m) => m.metadata.namespace === undefined).map((m) => m.kind)).toEqual([
      'Namespace',
      'PriorityClass',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ]);
  });
});

describe('every object of buildCharts, for each variant', () => {
  test.each(TOPOLOGY_VARIANTS)('%s: passes the Kubernetes schema of its kind', (_name, t) => {
    for (const list of objects(t, { credentials: VARIANT_CREDENTIALS }).values()) {
      for (const m of list) {
        // Not Kubernetes kinds: their shapes are asserted in profile.test.ts and controller-metrics.test.ts.
        if (m.kind === 'ExternalSecret' || m.kind === 'ServiceMonitor') continue;
        validateAgainstKubernetesSchema(m);
      }
    }
  });

  test.each(TOPOLOGY_VARIANTS)(
    '%s: every name is set (no cdk8s generated names) and unique per cluster',
    (_name, t) => {
      for (const list of objects(t, { credentials: VARIANT_CREDENTIALS }).values()) {
        const keys = list.map(manifestKey);
        expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
        for (const m of list) expect(m.metadata.name).not.toMatch(/-c8[0-9a-f]{6,}$/);
      }
    },
  );
});
