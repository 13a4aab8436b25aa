import * as k8sClient from 'kubernetes-client-node-cjs';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { LocalWorkspace, PulumiCommand, Stack } from '@pulumi/pulumi/automation';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { Manifest, TopologyInput, buildCharts, clusterManifests, validateTopology } from '../../constructs';
import { exampleTopologyPath } from '../../constructs/model/example';
import { ArgoMultiCluster, ComponentTopology } from '../../stacks/component/component';
import { ControlPlanes, startControlPlanes } from './harness/controlPlane';
import { adminClient, readObject } from './harness/kubeClient';
import { preparePulumiEnv } from './harness/pulumiEnv';
import { toolchainBinDir } from './harness/toolchain';

// Two local controllers (in cluster-0 and cluster-2) that run workflow pods in one shared remote, cluster-1, as two
// ArgoMultiCluster components in one user program that brings its own provider for the remote.
jest.setTimeout(900_000);

let planes: ControlPlanes;
let stack: Stack;
/** A second stack of the same project, for the upgrade from unprefixed object names. */
let upgrade: Stack;
const version = { old: true };
/** What the next run of the program builds. */
const plan = { west: true };

function topologyOf(
  local: string,
  server: pulumi.Input<string>,
  remote: Record<string, unknown> = {},
): ComponentTopology {
  const raw = parse(readFileSync(exampleTopologyPath(), 'utf8'));
  return {
    ...raw,
    local: { ...raw.local, name: local, context: local },
    remotes: [{ ...raw.remotes[0], server, ...remote }],
  };
}

async function program() {
  const kubeconfig = planes.kubeconfigPath;
  const remote = new k8s.Provider('shared-remote', {
    kubeconfig,
    context: 'cluster-1',
    clusterIdentifier: 'cluster-1',
  });
  // The server as another resource's output: what the remote provider's cluster answers, here its known URL.
  const server = pulumi.output(remote.urn).apply(() => planes.clusters['cluster-1'].server);
  const connections = (local: string) => ({
    [local]: { kubeconfig, context: local },
    'cluster-1': { provider: remote },
  });
  const east = new ArgoMultiCluster('east', {
    topology: topologyOf('cluster-0', server),
    connections: connections('cluster-0'),
    skipAwait: true,
  });
  const outputs: Record<string, unknown> = { east: east.profiles };
  if (plan.west) {
    const west = new ArgoMultiCluster(
      'west',
      {
        topology: topologyOf('cluster-2', server, { manageSharedObjects: false }),
        connections: connections('cluster-2'),
        skipAwait: true,
      },
      { dependsOn: [east] },
    );
    outputs.west = west.profiles;
  }
  return outputs;
}

function objectsOf(t: ComponentTopology) {
  return clusterManifests(buildCharts({ ...validateTopology(t as TopologyInput), secrets: { mode: 'none' } }));
}

/** Whether an object is in one cluster. */
async function exists(context: string, m: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>): Promise<boolean> {
  return (await readObject(adminClient(planes, context), m)) !== undefined;
}

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'workflowtaskresults.argoproj.io' },
};
const identity = (local: string) => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: `argo.${local}`, namespace: 'default' },
});

/** Whether the profile in `local` lets its controller list pods in the shared remote, asked with its own kubeconfig. */
async function profileWorks(local: string): Promise<boolean> {
  const secret = await readObject(adminClient(planes, local), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'argo.cluster-1', namespace: 'argo' },
  });
  const kc = new k8sClient.KubeConfig();
  kc.loadFromString(Buffer.from(secret.data.kubeconfig, 'base64').toString());
  const review = await kc.makeApiClient(k8sClient.AuthorizationV1Api).createSelfSubjectAccessReview({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } },
  });
  return review.body.status!.allowed;
}

beforeAll(async () => {
  const binDir = toolchainBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'amc-shared-'));
  planes = await startControlPlanes({
    names: ['cluster-0', 'cluster-1', 'cluster-2'],
    binDir,
    workDir: join(dir, 'clusters'),
  });
  const env: Record<string, string> = {
    ...(await preparePulumiEnv({ binDir, homeDir: join(dir, 'pulumi-home') })),
    PULUMI_CONFIG_PASSPHRASE: 'argo-multicluster-integration',
  };
  const stackOf = async (stackName: string, run: () => Promise<Record<string, unknown>>) =>
    LocalWorkspace.createOrSelectStack(
      { stackName, projectName: 'shared-remote', program: run },
      {
        workDir: mkdtempSync(join(dir, 'ws-')),
        pulumiCommand: await PulumiCommand.get({ root: dirname(binDir), skipVersionCheck: false }),
        envVars: env,
        projectSettings: { name: 'shared-remote', runtime: 'nodejs', backend: { url: env.PULUMI_BACKEND_URL } },
      },
    );
  stack = await stackOf('shared', program);
  upgrade = await stackOf('upgrade', upgradeProgram);
});

/**
 * The remote CRD as a stack made before object names carried the component's name had it (`<cluster>/<Kind>/...`
 * under the same component, child component and provider), then the component as it is now.
 */
async function upgradeProgram(): Promise<Record<string, unknown>> {
  const kubeconfig = planes.kubeconfigPath;
  if (!version.old) {
    new ArgoMultiCluster('amc', {
      topology: topologyOf('cluster-0', planes.clusters['cluster-1'].server),
      connections: { 'cluster-0': { kubeconfig }, 'cluster-1': { kubeconfig } },
      skipAwait: true,
    });
    return {};
  }
  const root = new pulumi.ComponentResource('argo-multicluster:index:ArgoMultiCluster', 'amc', {}, {});
  const cluster = new pulumi.ComponentResource(
    'argo-multicluster:index:ClusterObjects',
    'amc-cluster-1',
    {},
    { parent: root },
  );
  const provider = new k8s.Provider(
    'amc-cluster-1-provider',
    { context: 'cluster-1', kubeconfig, clusterIdentifier: 'cluster-1' },
    { parent: cluster },
  );
  const crd = objectsOf(topologyOf('cluster-0', planes.clusters['cluster-1'].server))
    .get('cluster-1')!
    .find((m) => m.kind === 'CustomResourceDefinition')!;
  new k8s.apiextensions.v1.CustomResourceDefinition(
    'cluster-1/CustomResourceDefinition/workflowtaskresults.argoproj.io',
    crd as any,
    { parent: cluster, provider },
  );
  return {};
}

afterAll(async () => {
  await planes?.stopAll();
});

describe('two components sharing one remote cluster, on real servers', () => {
  test('up applies both: one CRD in the remote, an identity and a working profile per local controller', async () => {
    const result = await stack.up();
    expect(result.summary.result).toBe('succeeded');
    expect(await exists('cluster-1', CRD)).toBe(true);
    expect(await exists('cluster-1', identity('cluster-0'))).toBe(true);
    expect(await exists('cluster-1', identity('cluster-2'))).toBe(true);
    expect(await profileWorks('cluster-0')).toBe(true);
    expect(await profileWorks('cluster-2')).toBe(true);
    expect(result.outputs.west.value).toEqual({ 'cluster-1': { name: 'argo.cluster-1', namespace: 'argo' } });
  });

  test('a second preview changes nothing', async () => {
    const preview = await stack.preview();
    expect(Object.keys(preview.changeSummary).filter((op) => op !== 'same')).toEqual([]);
  });

  test('removing the non-owner leaves the shared objects and the other controller working', async () => {
    plan.west = false;
    const result = await stack.up();
    expect(result.summary.result).toBe('succeeded');
    expect(await exists('cluster-1', identity('cluster-2'))).toBe(false);
    expect(
      await exists('cluster-2', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'argo.cluster-1', namespace: 'argo' },
      }),
    ).toBe(false);
    expect(await exists('cluster-1', CRD)).toBe(true);
    expect(
      await exists('cluster-1', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'executor', namespace: 'default' },
      }),
    ).toBe(true);
    expect(await profileWorks('cluster-0')).toBe(true);
  });

  test('destroy removes the rest', async () => {
    const result = await stack.destroy();
    expect(result.summary.result).toBe('succeeded');
    expect(await exists('cluster-1', CRD)).toBe(false);
    expect(await exists('cluster-1', identity('cluster-0'))).toBe(false);
  });

  test('upgrading a stack made with the unprefixed object names replaces and deletes nothing (the old names are aliases)', async () => {
    expect((await upgrade.up()).summary.result).toBe('succeeded');
    version.old = false;
    const preview = await upgrade.preview();
    expect(preview.changeSummary.same).toBeGreaterThanOrEqual(4); // the two components, the provider and the CRD
    expect(Object.keys(preview.changeSummary).filter((op) => !['same', 'create'].includes(op))).toEqual([]);
    expect((await upgrade.up()).summary.result).toBe('succeeded');
    expect((await upgrade.destroy()).summary.result).toBe('succeeded');
    expect(await exists('cluster-1', CRD)).toBe(false);
  });
});
