import * as pulumi from '@pulumi/pulumi';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, exampleInput } from '../../support/helpers';
import { b64, mockEngine } from '../../support/pulumi-mocks';

const { registered } = mockEngine({
  token: (_name, inputs) => ({ token: `token-for-${inputs.metadata.name}`, ca: 'root-CA' }),
});

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import * as k8s from '@pulumi/kubernetes';
import { ArgoMultiCluster, ArgoMultiClusterArgs } from '../../../../stacks/component/component';

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

async function settled(...components: ArgoMultiCluster[]) {
  const resources = components.flatMap((c) => [...c.clusters.values()].flatMap((cl) => [...cl.resources.values()]));
  await Promise.all(resources.map((r) => value(r.urn)));
}

async function profileKubeconfig(mc: ArgoMultiCluster, remote: string) {
  const local = mc.topology.local;
  const secret = mc.clusters
    .get(local.name)!
    .resources.get(`${local.name}/Secret/${local.namespace}/argo.${remote}`) as any;
  return parse((await value(secret.stringData as pulumi.Output<Record<string, string>>)).kubeconfig);
}

/** A topology whose local cluster is `local` and whose one remote is the shared `cluster-1`. */
function topologyOf(local: string, remote: Record<string, unknown> = {}): any {
  const raw: any = exampleInput();
  raw.local.name = local;
  raw.local.context = local;
  Object.assign(raw.remotes[0], remote);
  return raw;
}

describe('two components (two local controllers) sharing one remote cluster', () => {
  let east: ArgoMultiCluster;
  let west: ArgoMultiCluster;
  beforeAll(async () => {
    registered.length = 0;
    east = new ArgoMultiCluster('east', { topology: topologyOf('cluster-0') });
    west = new ArgoMultiCluster(
      'west',
      { topology: topologyOf('cluster-2', { manageSharedObjects: false }) },
      { dependsOn: [east] },
    );
    await settled(east, west);
  });

  const remoteObjects = (component: string) =>
    registered.filter(
      (r) =>
        r.type.startsWith('kubernetes:') &&
        !r.type.endsWith('Provider') &&
        r.name.startsWith(`${component}/cluster-1/`),
    );

  test('every child name carries its component name', () => {
    const children = registered.filter(
      (r) => r.type.startsWith('kubernetes:') || r.type.startsWith('argo-multicluster:'),
    );
    for (const r of children) expect(r.name).toMatch(/^(east|west)([-/]|$)/);
    expect(new Set(children.map((r) => `${r.type}::${r.name}`)).size).toBe(children.length);
  });

  test('only the owner writes the shared objects (CRD, namespaces, executor RBAC); each writes its own identity', () => {
    const kinds = (component: string) =>
      remoteObjects(component)
        .map((r) => `${r.inputs.kind}/${r.inputs.metadata.name}`)
        .sort();
    expect(kinds('east')).toEqual([
      'CustomResourceDefinition/workflowtaskresults.argoproj.io',
      'Role/argo.cluster-0',
      'Role/executor',
      'RoleBinding/argo.cluster-0',
      'RoleBinding/default-executor',
      'Secret/argo.cluster-0.service-account-token',
      'ServiceAccount/argo.cluster-0',
    ]);
    expect(kinds('west')).toEqual([
      'Role/argo.cluster-2',
      'RoleBinding/argo.cluster-2',
      'Secret/argo.cluster-2.service-account-token',
      'ServiceAccount/argo.cluster-2',
    ]);
  });

  test('no Kubernetes object is written twice to the shared cluster', () => {
    const objects = [...remoteObjects('east'), ...remoteObjects('west')].map(
      (r) => `${r.inputs.kind}/${r.inputs.metadata.namespace ?? ''}/${r.inputs.metadata.name}`,
    );
    expect(new Set(objects).size).toBe(objects.length);
  });

  test('each local profile carries its own identity token', async () => {
    expect((await profileKubeconfig(east, 'cluster-1')).users[0]).toEqual({
      name: 'argo.cluster-0',
      user: { token: 'token-for-argo.cluster-0.service-account-token' },
    });
    expect((await profileKubeconfig(west, 'cluster-1')).users[0]).toEqual({
      name: 'argo.cluster-2',
      user: { token: 'token-for-argo.cluster-2.service-account-token' },
    });
  });
});

describe('server and CA as inputs', () => {
  test('a server and CA given as outputs of other resources land in the profile', async () => {
    const server = pulumi.output('https://lb.example.com:443');
    const caData = pulumi.secret(b64('proxy-CA'));
    const mc = new ArgoMultiCluster('io', {
      topology: { ...topologyOf('cluster-0'), remotes: [{ ...topologyOf('cluster-0').remotes[0], server, caData }] },
    });
    await settled(mc);
    expect((await profileKubeconfig(mc, 'cluster-1')).clusters[0].cluster).toEqual({
      server: 'https://lb.example.com:443',
      'certificate-authority-data': b64('proxy-CA'),
    });
  });

  test('a promise of a server works too; without caData the CA comes from the token Secret', async () => {
    const mc = new ArgoMultiCluster('promise', {
      topology: topologyOf('cluster-0', { server: Promise.resolve('https://10.1.0.10:6443') }),
    });
    await settled(mc);
    expect((await profileKubeconfig(mc, 'cluster-1')).clusters[0].cluster).toEqual({
      server: 'https://10.1.0.10:6443',
      'certificate-authority-data': b64('root-CA'),
    });
  });

  test('every other field is still validated at construction', () => {
    expect(
      () =>
        new ArgoMultiCluster('early', {
          topology: topologyOf('cluster-0', { server: pulumi.output('https://x'), namespaces: ['Bad'] }),
        }),
    ).toThrow(/remotes\[0\]\.namespaces\[0\]: "Bad"/);
  });
});

describe('a provider per cluster', () => {
  test('a given provider is used for that cluster and none is made for it', async () => {
    registered.length = 0;
    const mine = new k8s.Provider('my-remote', { context: 'admin@remote', clusterIdentifier: 'remote-1' });
    const mc = new ArgoMultiCluster('prov', {
      topology: topologyOf('cluster-0'),
      connections: { 'cluster-1': { provider: mine } },
    });
    await settled(mc);
    const providers = registered
      .filter((r) => r.type === 'pulumi:providers:kubernetes')
      .map((r) => r.name)
      .sort();
    expect(providers).toEqual(['my-remote', 'prov-cluster-0-provider']);
    const remote = registered.filter((r) => r.name.startsWith('prov/cluster-1/'));
    expect(remote.length).toBeGreaterThan(0);
    for (const r of remote) expect(r.provider).toMatch(/::my-remote::/);
    expect(mc.clusters.get('cluster-1')!.provider).toBe(mine);
  });

  test('a provider with a context or kubeconfig for the same cluster is refused', () => {
    const mine = new k8s.Provider('conflict', { context: 'x' });
    const args: ArgoMultiClusterArgs = {
      topology: topologyOf('cluster-0'),
      connections: { 'cluster-1': { provider: mine, context: 'other' } },
    };
    expect(() => new ArgoMultiCluster('conflict-amc', args)).toThrow(
      /connections\.cluster-1\.provider: "\(provider\)" cannot be given with context or kubeconfig/,
    );
  });
});

describe('a server output that turns out invalid', () => {
  // Run in a child process: the SDK reports a failed input as an unhandled rejection of the program (which a language
  // host turns into the program's error), and jest would count that against whichever test is running.
  test('fails the program with the path, the value and the rule, and logs it as an error (which fails the update)', () => {
    const script = `
      const pulumi = require('@pulumi/pulumi');
      pulumi.runtime.setMocks({
        newResource: (a) => ({ id: a.name + '-id', state: a.type === 'kubernetes:core/v1:Secret' && a.inputs.type === 'kubernetes.io/service-account-token' ? { ...a.inputs, data: { token: 'dA==', 'ca.crt': 'Y2E=' } } : a.inputs }),
        call: (a) => a.inputs,
      }, 'p', 's', false);
      const errors = [];
      process.on('unhandledRejection', (e) => errors.push(e.message));
      const { ArgoMultiCluster } = require(${JSON.stringify(join(ROOT, 'lib', 'stacks', 'component', 'component.js'))});
      const topology = ${JSON.stringify(topologyOf('cluster-0'))};
      topology.remotes[0].server = pulumi.output('http://plain:80');
      new ArgoMultiCluster('bad', { topology });
      setTimeout(() => console.log(JSON.stringify({ errors: [...new Set(errors)], logged: require('@pulumi/pulumi/log').hasErrors() })), 3000);
    `;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(result.logged).toBe(true);
    expect(result.errors.length).toBeGreaterThan(0);
    for (const message of result.errors) {
      expect(message).toMatch(
        /bad: topology is invalid:\n {2}- remotes\[0\]\.server: "http:\/\/plain:80" must use https:\/\/ \(the token is a bearer credential\)$/,
      );
    }
  });
});
