import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CHECKSUM_ANNOTATION, TopologyError, TopologyInput, Topology } from '../../../../constructs';
import { exampleInput, objects, objectsWithProfiles, topology } from '../../support/helpers';
import { type Registered, b64, clusterOf, mockEngine } from '../../support/pulumi-mocks';

const engine = mockEngine({
  token: (name) => ({ token: `token-of-${clusterOf(name)}`, ca: `CA-of-${clusterOf(name)}` }),
});
const { registered } = engine;

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import { applyDependencies } from '../../../../stacks/component/cluster';
import { ArgoMultiCluster } from '../../../../stacks/component/component';
import { argoMultiClusterProgram } from '../../../../stacks/program/program';

/** Waits for a registration the program makes after its outputs resolved; fails the test if it never comes. */
async function registration(predicate: (r: Registered) => boolean): Promise<Registered> {
  for (let i = 0; i < 500; i++) {
    const found = registered.find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the expected resource was never registered');
}

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

async function applied(
  t: TopologyInput | Topology,
  extra: Partial<ConstructorParameters<typeof ArgoMultiCluster>[1]> = {},
) {
  registered.length = 0;
  const mc = new ArgoMultiCluster('amc', { topology: t, ...extra });
  const resources = [...mc.clusters.values()].flatMap((c) => [...c.resources.values()]);
  await Promise.all(resources.map((r) => value(r.urn)));
  return { mc, k8s: registered.filter((r) => r.type.startsWith('kubernetes:')) };
}

function identity(r: Registered) {
  const [, cluster] = r.name.split('/');
  return `${cluster} ${r.inputs.apiVersion} ${r.inputs.kind} ${r.inputs.metadata.namespace ?? ''} ${r.inputs.metadata.name}`;
}

/** What the GitOps synth writes, with profiles (plain mode), as the same identity strings. */
function gitops(t: Topology) {
  return [...objectsWithProfiles(t)]
    .flatMap(([cluster, list]) =>
      list.map((m) => `${cluster} ${m.apiVersion} ${m.kind} ${m.metadata.namespace ?? ''} ${m.metadata.name}`),
    )
    .sort();
}

const fleet = topology((r) => {
  r.local.controller.namespaced = true;
  r.remotes[0].namespaces = ['team-a', 'team-b'];
  r.remotes.push({
    name: 'cluster-2',
    server: 'https://10.0.0.2:6443',
    access: 'cluster',
    executorServiceAccount: 'wf',
    insecureSkipTLSVerify: true,
  });
  r.remotes.push({ name: 'cluster-3', server: 'https://10.0.0.3:6443', namespaces: ['jobs'] });
});

describe('ArgoMultiCluster component', () => {
  test.each([
    ['the example', topology(() => undefined)],
    ['a fleet of three remotes', fleet],
  ])('%s: applies exactly the objects the GitOps synth writes', async (_name, t) => {
    const { k8s } = await applied(t);
    expect(k8s.map(identity).sort()).toEqual(gitops(t));
  });

  test('every object goes to its own cluster provider, never the default one', async () => {
    const { k8s } = await applied(fleet);
    const providers = registered.filter((r) => r.type === 'pulumi:providers:kubernetes');
    expect(providers.map((p) => [p.name, p.inputs.context, p.inputs.clusterIdentifier]).sort()).toEqual([
      ['amc-cluster-0-provider', 'cluster-0', 'cluster-0'],
      ['amc-cluster-1-provider', 'cluster-1', 'cluster-1'],
      ['amc-cluster-2-provider', 'cluster-2', 'cluster-2'],
      ['amc-cluster-3-provider', 'cluster-3', 'cluster-3'],
    ]);
    for (const r of k8s) {
      const cluster = r.name.split('/')[1];
      expect(r.provider).toMatch(new RegExp(`::amc-${cluster}-provider::`));
    }
  });

  test('the profile Secret holds a secret kubeconfig with the server, CA and token read back from the remote', async () => {
    const { mc, k8s } = await applied(topology(() => undefined));
    const profile = k8s.find((r) => r.name === 'amc/cluster-0/Secret/argo/argo.cluster-1')!;
    expect(profile.inputs.metadata).toEqual({
      name: 'argo.cluster-1',
      namespace: 'argo',
      labels: {
        'app.kubernetes.io/managed-by': 'argo-multicluster',
        'app.kubernetes.io/part-of': 'argo-workflows',
        'workflows.argoproj.io/cluster': 'cluster-1',
      },
      annotations: { 'workflows.argoproj.io/workflow-namespace': 'argo', 'workflows.argoproj.io/namespace': 'default' },
    });
    expect(profile.inputs.type).toBe('Opaque');
    const resource = mc.clusters.get('cluster-0')!.resources.get('cluster-0/Secret/argo/argo.cluster-1') as any;
    expect(await pulumi.isSecret(resource.stringData)).toBe(true);
    const kubeconfig = parse((await value(resource.stringData as pulumi.Output<Record<string, string>>)).kubeconfig);
    expect(kubeconfig.clusters[0].cluster).toEqual({
      server: 'https://cluster-1.example.com:6443',
      'certificate-authority-data': b64('CA-of-cluster-1'),
    });
    expect(kubeconfig.users[0]).toEqual({ name: 'argo.cluster-0', user: { token: 'token-of-cluster-1' } });
    expect(kubeconfig['current-context']).toBe('cluster-1');
  });

  test('the checksum covers the live profiles, exactly as plain-mode synth computes it from the same credentials', async () => {
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
  });

  test('skipAwait annotates only the Deployment', async () => {
    const { k8s } = await applied(
      topology(() => undefined),
      { skipAwait: true },
    );
    const annotated = k8s.filter((r) => r.inputs.metadata.annotations?.['pulumi.com/skipAwait'] === 'true');
    expect(annotated.map((r) => r.inputs.kind)).toEqual(['Deployment']);
  });

  test('remote objects are registered CRD first, the ServiceAccount before its token Secret', async () => {
    const { mc } = await applied(fleet);
    const names = [...mc.clusters.get('cluster-1')!.resources.keys()];
    expect(names.indexOf('cluster-1/CustomResourceDefinition/workflowtaskresults.argoproj.io')).toBe(0);
    expect(names.indexOf('cluster-1/ServiceAccount/team-a/argo.cluster-0')).toBeLessThan(
      names.indexOf('cluster-1/Secret/team-a/argo.cluster-0.service-account-token'),
    );
  });

  test('apply order: foundations first, a token Secret after its ServiceAccount, the Deployment after everything else', () => {
    const remote = objects(fleet).get('cluster-1')!;
    const deps = applyDependencies(remote);
    const at = (kind: string, name: string) => remote.findIndex((m) => m.kind === kind && m.metadata.name === name);
    const token = at('Secret', 'argo.cluster-0.service-account-token');
    expect(deps[token]).toEqual(
      expect.arrayContaining([
        at('ServiceAccount', 'argo.cluster-0'),
        at('CustomResourceDefinition', 'workflowtaskresults.argoproj.io'),
        at('Namespace', 'team-a'),
      ]),
    );
    expect(deps[at('CustomResourceDefinition', 'workflowtaskresults.argoproj.io')]).toEqual([]);
    const local = objectsWithProfiles(fleet).get('cluster-0')!;
    const deployment = local.findIndex((m) => m.kind === 'Deployment');
    expect(applyDependencies(local)[deployment].map((i) => `${local[i].kind}/${local[i].metadata.name}`)).toEqual(
      expect.arrayContaining([
        'Secret/argo.cluster-1',
        'Secret/argo.cluster-3',
        'ConfigMap/workflow-controller-configmap',
        'Role/argo-role',
      ]),
    );
    expect(applyDependencies(local)[deployment]).toHaveLength(local.length - 1);
  });

  test('connections for a cluster the topology does not have are refused', () => {
    expect(
      () => new ArgoMultiCluster('bad', { topology: exampleInput(), connections: { 'cluster-9': { context: 'x' } } }),
    ).toThrow(/connections.cluster-9: "cluster-9" is not a cluster of the topology; valid: cluster-0, cluster-1/);
  });

  test('an explicit undefined context keeps the topology context', async () => {
    await applied(
      topology(() => undefined),
      { connections: { 'cluster-1': { context: undefined } } },
    );
    expect(registered.find((r) => r.name === 'amc-cluster-1-provider')!.inputs.context).toBe('cluster-1');
  });

  test('invalid args are refused with the named field before anything is created', () => {
    registered.length = 0;
    const raw: any = exampleInput();
    raw.remotes[0].server = 'http://nope';
    expect(() => new ArgoMultiCluster('bad', { topology: raw })).toThrow(
      /remotes\[0\]\.server: "http:\/\/nope" must use https/,
    );
  });
});

describe('the stack program', () => {
  const dir = mkdtempSync(join(tmpdir(), 'amc-stack-'));
  const file = join(dir, 'topology.yaml');
  writeFileSync(file, stringify(exampleInput()));

  function configure(extra: Record<string, string> = {}, secretKeys: string[] = []) {
    pulumi.runtime.setAllConfig({ 'argo-multicluster:topology': file, ...extra }, secretKeys);
  }

  async function run() {
    registered.length = 0;
    const outputs = await argoMultiClusterProgram();
    const resolved = Object.fromEntries(
      await Promise.all(Object.entries(outputs).map(async ([k, v]) => [k, await value(v)])),
    );
    return resolved;
  }

  beforeEach(() => {
    engine.defaultStack = { outputs: {}, secretOutputNames: [] };
  });

  test('outputs the local cluster, the controller image and each profile', async () => {
    configure();
    expect(await run()).toEqual({
      localCluster: 'cluster-0',
      controllerImage: 'ghcr.io/example/argo-workflow-controller:v3.4-multicluster',
      profiles: { 'cluster-1': { name: 'argo.cluster-1', namespace: 'argo' } },
    });
  });

  test('image overrides from config reach the Deployment', async () => {
    configure({
      'argo-multicluster:controllerImage': 'ghcr.io/me/wc:v9',
      'argo-multicluster:executorImage': 'ghcr.io/me/exec:v9',
    });
    const outputs = await run();
    expect(outputs.controllerImage).toBe('ghcr.io/me/wc:v9');
    const deployment = await registration(
      (r) => r.inputs?.kind === 'Deployment' && r.inputs.spec.template.spec.containers[0].image === 'ghcr.io/me/wc:v9',
    );
    expect(deployment.inputs.spec.template.spec.containers[0].args).toContain('ghcr.io/me/exec:v9');
  });

  test('context and kubeconfig overrides reach the providers; the kubeconfig stays secret', async () => {
    configure(
      {
        'argo-multicluster:contexts': JSON.stringify({ 'cluster-1': 'kind-remote' }),
        'argo-multicluster:kubeconfigs': JSON.stringify({ 'cluster-1': '/etc/kube/remote.yaml' }),
      },
      ['argo-multicluster:kubeconfigs'],
    );
    await run();
    const provider = await registration(
      (r) => r.name === 'argo-multicluster-cluster-1-provider' && r.inputs.context === 'kind-remote',
    );
    // Pulumi's wire form of a secret value: its signature key and the plain value inside.
    expect(provider.inputs.kubeconfig).toEqual({
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: '/etc/kube/remote.yaml',
    });
    const local = await registration((r) => r.name === 'argo-multicluster-cluster-0-provider');
    expect(local.inputs.context).toBe('cluster-0');
    expect(local.inputs.kubeconfig).toBeUndefined();
  });

  test('a released controller image in config gets the CLI error, naming the config key', async () => {
    configure({ 'argo-multicluster:controllerImage': 'quay.io/argoproj/workflow-controller:v3.5.0' });
    await expect(run()).rejects.toThrow(
      /argo-multicluster:controllerImage \(local\.controller\.image\): "quay.io\/argoproj\/workflow-controller:v3.5.0" is a released upstream controller/,
    );
  });

  test('a context for a cluster the topology does not have is refused', async () => {
    configure({ 'argo-multicluster:contexts': JSON.stringify({ 'cluster-9': 'x' }) });
    await expect(run()).rejects.toThrow(TopologyError);
    await expect(run()).rejects.toThrow(
      /argo-multicluster:contexts\.cluster-9: "cluster-9" is not a cluster of the topology; valid: cluster-0, cluster-1/,
    );
  });

  test('kubeconfigs for an unknown cluster are refused without showing the secret', async () => {
    configure({ 'argo-multicluster:kubeconfigs': JSON.stringify({ 'cluster-7': 'apiVersion: v1' }) }, [
      'argo-multicluster:kubeconfigs',
    ]);
    await expect(run()).rejects.toThrow(
      /argo-multicluster:kubeconfigs\.cluster-7: "cluster-7" is not a cluster of the topology/,
    );
    configure({ 'argo-multicluster:kubeconfigs': 'not json' }, ['argo-multicluster:kubeconfigs']);
    await expect(run()).rejects.toThrow(
      /argo-multicluster:kubeconfigs: "\(secret\)" must be an object of cluster name to kubeconfig/,
    );
  });

  test('the cluster-name guard refuses a rename unless explicitly allowed', async () => {
    engine.defaultStack = { outputs: { localCluster: 'cluster-old' }, secretOutputNames: [] };
    configure();
    await expect(run()).rejects.toThrow(/local.name: "cluster-0" differs from "cluster-old".*allowClusterRename/s);
    configure({ 'argo-multicluster:allowClusterRename': 'true' });
    await expect(run()).resolves.toMatchObject({ localCluster: 'cluster-0' });
    engine.defaultStack = { outputs: { localCluster: 'cluster-0' }, secretOutputNames: [] };
    configure();
    await expect(run()).resolves.toMatchObject({ localCluster: 'cluster-0' });
  });
});
