import { ENGINE_BUDGET_MS } from '../../support/budgets';
import * as pulumi from '@pulumi/pulumi';
import {
  CHECKSUM_ANNOTATION,
  Topology,
  TopologyInput,
  profileKubeconfig,
  profileMetadata,
  profileTargets,
} from '../../../../constructs';
import { exampleInput, objects, objectsWithProfiles, topology } from '../../support/helpers';
import { type Registered, b64, clusterOf, mockEngine } from '../../support/pulumi-mocks';
import { asFleet, engineIdle, providerName, refusal, secretWire, settled } from '../../support/stacks';
import { TOPOLOGY_VARIANTS } from '../../support/constructs';

const { registered } = mockEngine({
  token: (name) => ({ token: `token-of-${clusterOf(name)}`, ca: `CA-of-${clusterOf(name)}` }),
});

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import * as k8s from '@pulumi/kubernetes';
import { ArgoMultiCluster } from '../../../../stacks/component/component';
import { logicalName } from '../../../../stacks/component/kinds';

async function applied(
  t: TopologyInput | Topology,
  extra: Partial<ConstructorParameters<typeof ArgoMultiCluster>[1]> = {},
) {
  registered.length = 0;
  const mc = new ArgoMultiCluster('amc', { topology: t, ...extra });
  await settled(mc);
  return { mc, k8s: registered.filter((r) => r.type.startsWith('kubernetes:')) };
}

function identity(r: Registered) {
  return `${clusterOf(r.name)} ${r.inputs.apiVersion} ${r.inputs.kind} ${r.inputs.metadata.namespace ?? ''} ${r.inputs.metadata.name}`;
}

/** What the GitOps synth writes, with profiles (plain mode), as the same identity strings. */
function gitops(t: Topology) {
  return [...objectsWithProfiles(t)]
    .flatMap(([cluster, list]) =>
      list.map((m) => `${cluster} ${m.apiVersion} ${m.kind} ${m.metadata.namespace ?? ''} ${m.metadata.name}`),
    )
    .sort();
}

const providers = () => registered.filter((r) => r.type === 'pulumi:providers:kubernetes');

const fleet = topology(asFleet);

describe('ArgoMultiCluster component', () => {
  test.each([
    ['the example', topology(() => undefined)],
    ['a fleet of three remotes', fleet],
  ])(
    '%s: applies exactly the objects the GitOps synth writes',
    async (_name, t) => {
      const { k8s } = await applied(t);
      expect(k8s.map(identity).sort()).toEqual(gitops(t));
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'production settings: the cloud identities, metrics objects and budget reach the stack as synthesized',
    async () => {
      const t = TOPOLOGY_VARIANTS.find(([n]) => n === 'production controller settings')![1];
      const { k8s } = await applied(t, { skipAwait: true });
      expect(k8s.map(identity).sort()).toEqual(gitops(t));
      const at = (kind: string, name: string, namespace: string) =>
        k8s.find(
          (r) => r.inputs.kind === kind && r.inputs.metadata.name === name && r.inputs.metadata.namespace === namespace,
        )!;
      expect(at('ServiceAccount', 'argo', 'argo').inputs.metadata.annotations).toEqual({
        'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/argo',
      });
      expect(at('ServiceAccount', 'workflow', 'default').inputs.metadata.annotations).toEqual({
        'iam.gke.io/gcp-service-account': 'argo-artifacts@project.iam.gserviceaccount.com',
      });
      expect(at('PodDisruptionBudget', 'workflow-controller', 'argo').type).toBe(
        'kubernetes:policy/v1:PodDisruptionBudget',
      );
      expect(at('ServiceMonitor', 'workflow-controller', 'argo').type).toBe(
        'kubernetes:monitoring.coreos.com/v1:ServiceMonitor',
      );
      // Pulumi would wait for the Service's pods as it would for the Deployment's.
      expect(at('Service', 'workflow-controller', 'argo').inputs.metadata.annotations).toEqual({
        'pulumi.com/skipAwait': 'true',
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'every object goes to its own cluster provider, never the default one',
    async () => {
      const { k8s } = await applied(fleet);
      expect(
        providers()
          .map((p) => [p.name, p.inputs])
          .sort(),
      ).toEqual([
        ['amc-cluster-0-provider', { context: 'cluster-0', clusterIdentifier: 'cluster-0' }],
        ['amc-cluster-1-provider', { context: 'cluster-1', clusterIdentifier: 'cluster-1' }],
        ['amc-cluster-2-provider', { context: 'cluster-2', clusterIdentifier: 'cluster-2' }],
        ['amc-cluster-3-provider', { context: 'cluster-3', clusterIdentifier: 'cluster-3' }],
      ]);
      expect(k8s.map(providerName)).toEqual(k8s.map((r) => `amc-${clusterOf(r.name)}-provider`));
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'the profile Secret holds a secret kubeconfig with the server, CA and token read back from the remote',
    async () => {
      const t = topology(() => undefined);
      const { mc, k8s } = await applied(t);
      const profile = k8s.find((r) => r.name === 'amc/cluster-0/Secret/argo/argo.cluster-1')!;
      expect(profile.inputs).toEqual({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: profileMetadata(t, t.remotes[0], profileTargets(t.remotes[0])[0]),
        type: 'Opaque',
        stringData: secretWire({
          kubeconfig: profileKubeconfig(t, t.remotes[0], {
            token: 'token-of-cluster-1',
            caData: b64('CA-of-cluster-1'),
          }),
        }),
      });
      const resource = mc.clusters.get('cluster-0')!.resources.get('cluster-0/Secret/argo/argo.cluster-1') as any;
      expect(await pulumi.isSecret(resource.stringData)).toBe(true);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'profilePerNamespace: a profile Secret per namespace, each with the remote kubeconfig, named in the profiles output',
    async () => {
      const t = topology((r) =>
        Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], profilePerNamespace: true }),
      );
      const { mc, k8s } = await applied(t);
      const kubeconfig = profileKubeconfig(t, t.remotes[0], {
        token: 'token-of-cluster-1',
        caData: b64('CA-of-cluster-1'),
      });
      for (const target of profileTargets(t.remotes[0])) {
        const profile = k8s.find((r) => r.name === `amc/cluster-0/Secret/argo/argo.${target.cluster}`)!;
        expect(profile.inputs.metadata).toEqual(profileMetadata(t, t.remotes[0], target));
        expect(profile.inputs.stringData).toEqual(secretWire({ kubeconfig }));
      }
      expect(await new Promise((resolve) => mc.profiles.apply(resolve))).toEqual({
        'cluster-1-team-a': { name: 'argo.cluster-1-team-a', namespace: 'argo' },
        'cluster-1-team-b': { name: 'argo.cluster-1-team-b', namespace: 'argo' },
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'the checksum covers the live profiles, exactly as plain-mode synth computes it from the same credentials',
    async () => {
      const t = topology(() => undefined);
      const { k8s } = await applied(t);
      const deployment = k8s.find((r) => r.inputs.kind === 'Deployment')!;
      const plain = objects(
        { ...t, secrets: { mode: 'plain' } },
        { credentials: new Map([['cluster-1', { token: 'token-of-cluster-1', caData: b64('CA-of-cluster-1') }]]) },
      );
      const synthesized = plain.get('cluster-0')!.find((m) => m.kind === 'Deployment') as any;
      expect(deployment.inputs.spec.template.metadata.annotations[CHECKSUM_ANNOTATION]).toBe(
        synthesized.spec.template.metadata.annotations[CHECKSUM_ANNOTATION],
      );
      expect(deployment.inputs.metadata.annotations).toBeUndefined();
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'skipAwait annotates only the Deployment',
    async () => {
      const { k8s } = await applied(
        topology(() => undefined),
        { skipAwait: true },
      );
      const annotated = k8s.filter((r) => r.inputs.metadata.annotations?.['pulumi.com/skipAwait'] === 'true');
      expect(annotated.map((r) => r.inputs.kind)).toEqual(['Deployment']);
      expect(annotated[0].inputs.metadata.annotations).toEqual({ 'pulumi.com/skipAwait': 'true' });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    "a remote's objects are registered in the constructs' apply order: CRD first, the ServiceAccount before its token Secret",
    async () => {
      const { mc } = await applied(fleet);
      const names = [...mc.clusters.get('cluster-1')!.resources.keys()];
      expect(names).toEqual(
        objects(fleet)
          .get('cluster-1')!
          .map((m) => logicalName('cluster-1', m)),
      );
      expect(names.indexOf('cluster-1/CustomResourceDefinition/workflowtaskresults.argoproj.io')).toBe(0);
      expect(names.indexOf('cluster-1/ServiceAccount/team-a/argo.cluster-0')).toBeLessThan(
        names.indexOf('cluster-1/Secret/team-a/argo.cluster-0.service-account-token'),
      );
    },
    ENGINE_BUDGET_MS,
  );
});

describe('connections', () => {
  test(
    "only the fields given override the topology's: an explicit undefined context keeps the topology context",
    async () => {
      await applied(
        topology(() => undefined),
        { connections: { 'cluster-1': { context: undefined, kubeconfig: '/etc/kube/remote.yaml' } } },
      );
      expect(registered.find((r) => r.name === 'amc-cluster-1-provider')!.inputs).toEqual({
        context: 'cluster-1',
        kubeconfig: '/etc/kube/remote.yaml',
        clusterIdentifier: 'cluster-1',
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    "a given provider is that cluster's, and none is made for it",
    async () => {
      registered.length = 0;
      const mine = new k8s.Provider('my-remote', { context: 'admin@remote', clusterIdentifier: 'remote-1' });
      const mc = new ArgoMultiCluster('prov', {
        topology: exampleInput(),
        connections: { 'cluster-1': { provider: mine } },
      });
      await settled(mc);
      expect(mc.clusters.get('cluster-1')!.provider).toBe(mine);
      expect(
        providers()
          .map((r) => r.name)
          .sort(),
      ).toEqual(['my-remote', 'prov-cluster-0-provider']);
    },
    ENGINE_BUDGET_MS,
  );
});

describe('arguments refused before anything is created', () => {
  test(
    'connections for a cluster the topology does not have',
    () => {
      expect(
        refusal(
          () =>
            new ArgoMultiCluster('bad', { topology: exampleInput(), connections: { 'cluster-9': { context: 'x' } } }),
        ),
      ).toEqual({
        error: 'TopologyError',
        message:
          'bad: connections is invalid:\n  - connections.cluster-9: "cluster-9" is not a cluster of the topology; valid: cluster-0, cluster-1',
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a provider with a context or kubeconfig for the same cluster',
    () => {
      const mine = new k8s.Provider('conflict', { context: 'x' });
      const connections = { 'cluster-1': { provider: mine, context: 'other' } };
      expect(refusal(() => new ArgoMultiCluster('conflict-amc', { topology: exampleInput(), connections }))).toEqual({
        error: 'TopologyError',
        message:
          'conflict-amc: connections is invalid:\n  - connections.cluster-1.provider: "(provider)" cannot be given with context or kubeconfig: the provider already says how to reach the cluster',
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a part that names a remote the topology does not have, or is of no kind',
    () => {
      expect(
        refusal(() => new ArgoMultiCluster('x', { topology: fleet, part: { kind: 'remote', remote: 'cluster-9' } })),
      ).toEqual({
        error: 'TopologyError',
        message:
          'x: part is invalid:\n  - part.remote: "cluster-9" is not a remote of the topology; valid: cluster-1, cluster-2, cluster-3',
      });
      const credentials = { 'cluster-0': { token: 't' } };
      expect(
        refusal(() => new ArgoMultiCluster('y', { topology: fleet, part: { kind: 'local', credentials } })),
      ).toEqual({
        error: 'TopologyError',
        message:
          'y: part is invalid:\n  - part.credentials.cluster-0: "cluster-0" is not a remote of the topology; valid: cluster-1, cluster-2, cluster-3',
      });
      expect(refusal(() => new ArgoMultiCluster('z', { topology: fleet, part: { kind: 'some' } as any }))).toEqual({
        error: 'TopologyError',
        message: 'z: part is invalid:\n  - part.kind: "some" must be one of: all, remote, local',
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'an invalid topology, with the named field',
    async () => {
      registered.length = 0;
      const raw: any = exampleInput();
      raw.remotes[0].server = 'http://nope';
      expect(refusal(() => new ArgoMultiCluster('invalid', { topology: raw }))).toEqual({
        error: 'TopologyError',
        message:
          'invalid: topology is invalid:\n  - remotes[0].server: "http://nope" must use https:// (the token is a bearer credential)',
      });
      // The component itself is registered before it reads its arguments; nothing else is.
      await engineIdle();
      expect(registered.filter((r) => r.name.startsWith('invalid') && r.name !== 'invalid')).toEqual([]);
    },
    ENGINE_BUDGET_MS,
  );
});
