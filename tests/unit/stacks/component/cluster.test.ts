import { ENGINE_BUDGET_MS } from '../../support/budgets';
import type { Manifest } from '../../../../constructs';
import { objects, objectsWithProfiles, topology } from '../../support/helpers';
import { mockEngine } from '../../support/pulumi-mocks';
import { asFleet, providerName, value } from '../../support/stacks';

const { registered } = mockEngine({ token: () => ({ token: 't', ca: 'c' }) });

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as kinds from '../../../../stacks/component/kinds';
import { ClusterObjects, applyDependencies } from '../../../../stacks/component/cluster';

const object = (kind: string, name: string, namespace?: string, annotations?: Record<string, string>): Manifest => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), ...(annotations ? { annotations } : {}) },
});
const tokenFor = (account: string, namespace: string) =>
  object('Secret', `${account}-token`, namespace, { 'kubernetes.io/service-account.name': account });

describe('applyDependencies', () => {
  test.each<[string, Manifest[], number[]]>([
    [
      "an object of another kind with the account's name comes first",
      [object('Role', 'sa', 'ns'), object('ServiceAccount', 'sa', 'ns'), tokenFor('sa', 'ns')],
      [1],
    ],
    [
      'another account comes first in the namespace',
      [object('ServiceAccount', 'other', 'ns'), object('ServiceAccount', 'sa', 'ns'), tokenFor('sa', 'ns')],
      [1],
    ],
    ['the account is the first object', [object('ServiceAccount', 'sa', 'ns'), tokenFor('sa', 'ns')], [0]],
    [
      'a Secret of no account waits for no account',
      [object('ServiceAccount', 'sa', 'ns'), object('Secret', 'sa', 'ns')],
      [],
    ],
  ])('a token Secret waits for its own ServiceAccount only: %s', (_what, manifests, waits) => {
    expect(applyDependencies(manifests).at(-1)).toEqual(waits);
  });

  test(
    'CRDs and namespaces first, a token Secret after its own ServiceAccount, every Deployment after all but Deployments',
    () => {
      const manifests = [
        object('Namespace', 'ns'),
        object('CustomResourceDefinition', 'crds.example.com'),
        object('ServiceAccount', 'sa', 'ns'),
        tokenFor('sa', 'ns'),
        // The same account name in another namespace is another account.
        tokenFor('sa', 'other'),
        object('ConfigMap', 'config', 'ns'),
        object('Deployment', 'first', 'ns'),
        object('Deployment', 'second', 'ns'),
      ];
      expect(applyDependencies(manifests)).toEqual([
        [],
        [],
        [0, 1],
        [0, 1, 2],
        [0, 1],
        [0, 1],
        [0, 1, 2, 3, 4, 5],
        [0, 1, 2, 3, 4, 5],
      ]);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    "a fleet's remote: the token Secret waits for the CRD, the namespaces and its ServiceAccount",
    () => {
      const remote = objects(topology(asFleet)).get('cluster-1')!;
      const deps = applyDependencies(remote);
      const at = (kind: string, name: string) => remote.findIndex((m) => m.kind === kind && m.metadata.name === name);
      expect(deps[at('Secret', 'argo.cluster-0.service-account-token')]).toEqual([
        at('CustomResourceDefinition', 'workflowtaskresults.argoproj.io'),
        at('Namespace', 'team-a'),
        at('Namespace', 'team-b'),
        at('ServiceAccount', 'argo.cluster-0'),
      ]);
      expect(deps[at('CustomResourceDefinition', 'workflowtaskresults.argoproj.io')]).toEqual([]);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    "a fleet's local cluster: the controller Deployment waits for every other object, profiles included",
    () => {
      const local = objectsWithProfiles(topology(asFleet)).get('cluster-0')!;
      const deployment = local.findIndex((m) => m.kind === 'Deployment');
      const deps = applyDependencies(local)[deployment];
      expect(deps.map((i) => `${local[i].kind}/${local[i].metadata.name}`)).toEqual([
        'Namespace/argo',
        'ServiceAccount/argo',
        'Secret/argo.cluster-1',
        'Secret/argo.cluster-2',
        'Secret/argo.cluster-3',
        'Role/argo-role',
        'RoleBinding/argo-binding',
        'ConfigMap/workflow-controller-configmap',
      ]);
      expect(deps).toHaveLength(local.length - 1);
    },
    ENGINE_BUDGET_MS,
  );

  test('the objects that select the controller pods wait for their namespace, not the Deployment, nor it for them', () => {
    const local = objects(
      topology((r) => {
        r.local.controller.replicas = 2;
        r.local.controller.metricsConfig = { enabled: true };
        r.local.controller.serviceMonitor = { enabled: true };
      }),
    ).get('cluster-0')!;
    const at = (kind: string) => local.findIndex((m) => m.kind === kind);
    const deps = applyDependencies(local);
    for (const kind of ['Service', 'ServiceMonitor', 'PodDisruptionBudget']) {
      expect(deps[at(kind)]).toEqual([at('Namespace')]);
      expect(deps[at('Deployment')]).not.toContain(at(kind));
    }
  });
});

describe('ClusterObjects', () => {
  const manifests = [object('Namespace', 'ns'), object('ServiceAccount', 'sa', 'ns'), tokenFor('sa', 'ns')];

  beforeEach(() => {
    registered.length = 0;
  });

  async function registeredObjects(objects: ClusterObjects) {
    await Promise.all([...objects.resources.values()].map((r) => value(r.urn)));
    return registered.filter((r) => r.type.startsWith('kubernetes:'));
  }

  test(
    "makes the cluster's provider from the connection, its clusterIdentifier the cluster's name, and uses it for every object",
    async () => {
      const objects = new ClusterObjects('amc-cluster-1', {
        component: 'amc',
        cluster: 'cluster-1',
        connection: { context: 'kind-remote', kubeconfig: '/etc/kube/remote.yaml' },
        manifests,
      });
      const applied = await registeredObjects(objects);
      expect(registered.filter((r) => r.type === 'pulumi:providers:kubernetes')).toEqual([
        {
          type: 'pulumi:providers:kubernetes',
          name: 'amc-cluster-1-provider',
          // A provider is registered without one of its own and is not read from the cluster.
          id: '',
          provider: '',
          inputs: { context: 'kind-remote', kubeconfig: '/etc/kube/remote.yaml', clusterIdentifier: 'cluster-1' },
        },
      ]);
      expect(await value(objects.provider.urn)).toBe(
        'urn:pulumi:unit::argo-multicluster::argo-multicluster:index:ClusterObjects$pulumi:providers:kubernetes::amc-cluster-1-provider',
      );
      expect(applied.map((r) => [r.name, providerName(r)])).toEqual([
        ['amc/cluster-1/Namespace/ns', 'amc-cluster-1-provider'],
        ['amc/cluster-1/ServiceAccount/ns/sa', 'amc-cluster-1-provider'],
        ['amc/cluster-1/Secret/ns/sa-token', 'amc-cluster-1-provider'],
      ]);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a given provider is used for every object, and none is made',
    async () => {
      const mine = new k8s.Provider('my-remote', { context: 'admin@remote', clusterIdentifier: 'remote-1' });
      const objects = new ClusterObjects('prov-cluster-1', {
        component: 'prov',
        cluster: 'cluster-1',
        connection: { context: 'cluster-1', provider: mine },
        manifests,
      });
      const applied = await registeredObjects(objects);
      expect(objects.provider).toBe(mine);
      expect(registered.filter((r) => r.type === 'pulumi:providers:kubernetes').map((r) => r.name)).toEqual([
        'my-remote',
      ]);
      expect(applied.map(providerName)).toEqual(['my-remote', 'my-remote', 'my-remote']);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    "registers each object as <component>/<key>, aliased to its key (the name before components had one), waiting for applyDependencies' objects",
    () => {
      const register = jest.spyOn(kinds, 'registerManifest');
      try {
        const objects = new ClusterObjects('amc-cluster-1', {
          component: 'amc',
          cluster: 'cluster-1',
          connection: { context: 'cluster-1' },
          manifests,
        });
        const keys = ['cluster-1/Namespace/ns', 'cluster-1/ServiceAccount/ns/sa', 'cluster-1/Secret/ns/sa-token'];
        expect([...objects.resources.keys()]).toEqual(keys);
        const [ns, sa, token] = keys.map((k) => objects.resources.get(k));
        const opts = (key: string, dependsOn: unknown[]) => ({
          parent: objects,
          provider: objects.provider,
          dependsOn,
          aliases: [{ name: key }],
        });
        expect(register.mock.calls).toEqual([
          [`amc/${keys[0]}`, manifests[0], opts(keys[0], [])],
          [`amc/${keys[1]}`, manifests[1], opts(keys[1], [ns])],
          [`amc/${keys[2]}`, manifests[2], opts(keys[2], [ns, sa])],
        ]);
        expect(register.mock.results.map((r) => r.value)).toEqual([ns, sa, token]);
      } finally {
        register.mockRestore();
      }
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'registers the Deployment after the objects that follow it in apply order, so that it really waits for them',
    () => {
      const register = jest.spyOn(kinds, 'registerManifest');
      try {
        const local = [
          object('Namespace', 'argo'),
          object('Deployment', 'workflow-controller', 'argo'),
          { ...object('ValidatingAdmissionPolicy', 'profiles'), apiVersion: 'admissionregistration.k8s.io/v1' },
        ];
        const objects = new ClusterObjects('amc-cluster-0', {
          component: 'amc',
          cluster: 'cluster-0',
          connection: { context: 'cluster-0' },
          manifests: local,
        });
        const namespace = objects.resources.get('cluster-0/Namespace/argo');
        const policy = objects.resources.get('cluster-0/ValidatingAdmissionPolicy/profiles');
        expect(register.mock.calls.map(([name, , opts]) => [name, opts.dependsOn])).toEqual([
          ['amc/cluster-0/Namespace/argo', []],
          ['amc/cluster-0/ValidatingAdmissionPolicy/profiles', [namespace]],
          ['amc/cluster-0/Deployment/argo/workflow-controller', [namespace, policy]],
        ]);
        expect(policy).toBeInstanceOf(k8s.admissionregistration.v1.ValidatingAdmissionPolicy);
      } finally {
        register.mockRestore();
      }
    },
    ENGINE_BUDGET_MS,
  );

  test.each([true, false])(
    "local.crds.install (keep: %s): Argo's CRDs are registered first, wait for nothing, every object but the Namespaces waits for them; kept ones are retained on delete",
    (keep) => {
      const register = jest.spyOn(kinds, 'registerManifest');
      try {
        const local = objectsWithProfiles(topology((t) => (t.local.crds = { install: true, keep }))).get('cluster-0')!;
        new ClusterObjects('crds-cluster-0', {
          component: 'crds',
          cluster: 'cluster-0',
          connection: { context: 'cluster-0' },
          manifests: local,
        });
        const calls = register.mock.calls.map(([name, m, opts]) => ({ name, m, opts }));
        const isCrd = (c: (typeof calls)[number]) => c.m.kind === 'CustomResourceDefinition';
        expect(calls.slice(0, 7).every(isCrd)).toBe(true);
        expect(calls.filter(isCrd)).toHaveLength(7);
        const crdResources = register.mock.results.slice(0, 7).map((r) => r.value);
        for (const c of calls.slice(0, 7)) {
          expect(c.opts.dependsOn).toEqual([]);
          expect(c.opts.retainOnDelete).toBe(keep ? true : undefined);
          expect(c.m.metadata.name).toMatch(/\.argoproj\.io$/);
        }
        // Namespaces need no CRD; compared by identity, as a failure would print whole resources.
        const waiting = calls.slice(7).filter((c) => c.m.kind !== 'Namespace');
        expect(waiting).toHaveLength(
          local.filter((m) => m.kind !== 'Namespace' && m.kind !== 'CustomResourceDefinition').length,
        );
        for (const c of waiting)
          expect([c.name, crdResources.every((r) => (c.opts.dependsOn as unknown[]).includes(r))]).toEqual([
            c.name,
            true,
          ]);
        for (const c of calls.slice(7)) expect([c.name, c.opts.retainOnDelete]).toEqual([c.name, undefined]);
        expect(crdResources[0]).toBeInstanceOf(k8s.apiextensions.v1.CustomResourceDefinition);
      } finally {
        register.mockRestore();
      }
    },
    ENGINE_BUDGET_MS,
  );

  // Without it the engine keeps the component, and so the whole stack's progress, open until the program ends.
  test(
    'registers its outputs once, when its objects are registered',
    () => {
      const registerOutputs = jest.spyOn(pulumi.ComponentResource.prototype as any, 'registerOutputs');
      try {
        const objects = new ClusterObjects('outputs-cluster-1', {
          component: 'outputs',
          cluster: 'cluster-1',
          connection: { context: 'cluster-1' },
          manifests,
        });
        expect(registerOutputs.mock.contexts).toEqual([objects]);
        expect(registerOutputs.mock.calls).toEqual([[{}]]);
      } finally {
        registerOutputs.mockRestore();
      }
    },
    ENGINE_BUDGET_MS,
  );
});
