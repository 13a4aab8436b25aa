import { ENGINE_BUDGET_MS } from '../../support/budgets';
import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileKubeconfig } from '../../../../constructs';
import { topology, topologyFile } from '../../support/helpers';
import { type Registered, b64, clusterOf, mockEngine } from '../../support/pulumi-mocks';
import { asFleet, configure, engineIdle, rejection, secretWire, value } from '../../support/stacks';

const engine = mockEngine({
  stack: 'fleet',
  token: (name) => ({ token: `token-of-${clusterOf(name)}`, ca: `CA-of-${clusterOf(name)}` }),
});
const { registered, stacks } = engine;

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import { argoMultiClusterProgram } from '../../../../stacks/program/program';
import { remoteStackName } from '../../../../stacks/program/stack-names';

const dir = mkdtempSync(join(tmpdir(), 'amc-program-'));
const exampleFile = topologyFile(dir, 'example', () => undefined);
const fleetFile = topologyFile(dir, 'fleet', asFleet);
const REMOTES = ['cluster-1', 'cluster-2', 'cluster-3'];
const qualified = (stack: string) => `organization/argo-multicluster/${stack}`;

type Outputs = Record<string, { value: unknown; secret: boolean }>;

/**
 * Runs the program with `config` (keys without the namespace; the topology the fleet unless given) and returns the
 * resources it registered and its outputs, each with its secrecy. Registration goes on after the outputs resolve, so
 * it waits until nothing new comes for a while.
 */
async function run(
  config: Record<string, string>,
  secretKeys: string[] = [],
): Promise<{ resources: Registered[]; outputs: Outputs }> {
  registered.length = 0;
  configure({ topology: fleetFile, ...config }, secretKeys);
  const outputs = await argoMultiClusterProgram();
  const resolved: Outputs = {};
  for (const [k, v] of Object.entries(outputs))
    resolved[k] = { value: await value(v), secret: await pulumi.isSecret(v) };
  await engineIdle();
  return { resources: [...registered], outputs: resolved };
}

/** Publishes a part's outputs as its stack would, for StackReferences to read (the stack fully qualified). */
function publish(stack: string, outputs: Outputs) {
  stacks.set(stack, {
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.value])),
    secretOutputNames: Object.entries(outputs).flatMap(([k, o]) => (o.secret ? [k] : [])),
  });
}

const providers = (resources: Registered[]) => resources.filter((r) => r.type === 'pulumi:providers:kubernetes');
const clustersOf = (resources: Registered[]) =>
  new Set(resources.filter((r) => r.type.startsWith('kubernetes:')).map((r) => clusterOf(r.name)));

beforeEach(() => {
  stacks.clear();
  engine.defaultStack = { outputs: {}, secretOutputNames: [] };
});

describe('the stack program', () => {
  const EXAMPLE_OUTPUTS: Outputs = {
    localCluster: { value: 'cluster-0', secret: false },
    controllerImage: { value: 'ghcr.io/example/argo-workflow-controller:v3.4-multicluster', secret: false },
    profiles: { value: { 'cluster-1': { name: 'argo.cluster-1', namespace: 'argo' } }, secret: false },
  };

  test(
    'outputs the local cluster, the controller image and each profile',
    async () => {
      expect((await run({ topology: exampleFile })).outputs).toEqual(EXAMPLE_OUTPUTS);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'image overrides from config reach the Deployment',
    async () => {
      const { resources, outputs } = await run({
        topology: exampleFile,
        controllerImage: 'ghcr.io/me/wc:v9',
        executorImage: 'ghcr.io/me/exec:v9',
      });
      expect(outputs.controllerImage).toEqual({ value: 'ghcr.io/me/wc:v9', secret: false });
      const [container] = resources.find((r) => r.inputs?.kind === 'Deployment')!.inputs.spec.template.spec.containers;
      expect([container.image, container.args]).toEqual([
        'ghcr.io/me/wc:v9',
        ['--configmap', 'workflow-controller-configmap', '--executor-image', 'ghcr.io/me/exec:v9'],
      ]);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'context and kubeconfig overrides reach the providers; the kubeconfig stays secret',
    async () => {
      const { resources } = await run(
        {
          topology: exampleFile,
          contexts: JSON.stringify({ 'cluster-1': 'kind-remote' }),
          kubeconfigs: JSON.stringify({ 'cluster-1': '/etc/kube/remote.yaml' }),
        },
        ['kubeconfigs'],
      );
      expect(
        providers(resources)
          .map((p) => [p.name, p.inputs])
          .sort(),
      ).toEqual([
        ['argo-multicluster-cluster-0-provider', { context: 'cluster-0', clusterIdentifier: 'cluster-0' }],
        [
          'argo-multicluster-cluster-1-provider',
          { context: 'kind-remote', kubeconfig: secretWire('/etc/kube/remote.yaml'), clusterIdentifier: 'cluster-1' },
        ],
      ]);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'the cluster-name guard refuses a rename unless explicitly allowed',
    async () => {
      engine.defaultStack = { outputs: { localCluster: 'cluster-old' }, secretOutputNames: [] };
      expect(await rejection(run({ topology: exampleFile }))).toEqual({
        error: 'Error',
        message:
          'local.name: "cluster-0" differs from "cluster-old", the local cluster name this stack already applied. It must never ' +
          'change once set (remote pods and task results are found by it, so a rename orphans them). Restore it, or set ' +
          '`pulumi config set argo-multicluster:allowClusterRename true` if you really mean to rename the cluster.',
      });
      expect((await run({ topology: exampleFile, allowClusterRename: 'true' })).outputs).toEqual(EXAMPLE_OUTPUTS);
      engine.defaultStack = { outputs: { localCluster: 'cluster-0' }, secretOutputNames: [] };
      expect((await run({ topology: exampleFile })).outputs).toEqual(EXAMPLE_OUTPUTS);
    },
    ENGINE_BUDGET_MS,
  );
});

describe('the program in parts', () => {
  /** Runs each remote part and publishes its outputs under the conventional stack name. */
  async function remoteParts() {
    const parts = new Map<string, Awaited<ReturnType<typeof run>>>();
    for (const remote of REMOTES) {
      const part = await run({ part: `remote:${remote}` });
      parts.set(remote, part);
      publish(qualified(remoteStackName('fleet', remote)), part.outputs);
    }
    return parts;
  }

  /** A resource as the engine would know it: type, name, provider, inputs (secret values in their wire form). */
  const key = (r: Registered) => JSON.stringify([r.type, r.name, r.provider, r.inputs]);

  test(
    'the remote parts and the local part together register exactly the resources of part "all", inputs included',
    async () => {
      const all = await run({});
      const parts = await remoteParts();
      const local = await run({ part: 'local' });
      const together = [...[...parts.values()].flatMap((p) => p.resources), ...local.resources];
      // Each part's stack holds the component itself (the parent of its objects): the same resource in every part.
      const custom = (list: Registered[]) =>
        list
          .filter((r) => !r.type.startsWith('argo-multicluster:'))
          .map(key)
          .sort();
      const components = (list: Registered[]) =>
        [...new Set(list.filter((r) => r.type.startsWith('argo-multicluster:')).map(key))].sort();
      expect(custom(together)).toEqual(custom(all.resources));
      expect(components(together)).toEqual(components(all.resources));
      // Not vacuous: every cluster's objects, the providers and the profiles are there.
      expect(clustersOf(all.resources)).toEqual(new Set(['cluster-0', ...REMOTES]));
      expect(
        providers(all.resources)
          .map((r) => r.name)
          .sort(),
      ).toEqual(['cluster-0', ...REMOTES].map((c) => `argo-multicluster-${c}-provider`));
      expect(
        local.resources
          .filter((r) => r.name.startsWith('argo-multicluster/cluster-0/Secret/argo/argo.cluster-'))
          .map((r) => r.name)
          .sort(),
      ).toEqual(REMOTES.map((r) => `argo-multicluster/cluster-0/Secret/argo/argo.${r}`));
      expect(local.outputs.profiles).toEqual(all.outputs.profiles);
      expect(local.outputs.missingProfiles).toEqual({ value: [], secret: false });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a remote part applies only its cluster and exports its token and CA as secrets',
    async () => {
      const { resources, outputs } = await run({ part: 'remote:cluster-3' });
      expect(clustersOf(resources)).toEqual(new Set(['cluster-3']));
      expect(providers(resources).map((r) => r.name)).toEqual(['argo-multicluster-cluster-3-provider']);
      expect(outputs).toEqual({
        localCluster: { value: 'cluster-0', secret: false },
        cluster: { value: 'cluster-3', secret: false },
        token: { value: 'token-of-cluster-3', secret: true },
        caData: { value: b64('CA-of-cluster-3'), secret: true },
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'the local part writes the profiles it has and names the remotes whose stack has no token yet',
    async () => {
      await remoteParts();
      stacks.delete(qualified(remoteStackName('fleet', 'cluster-2')));
      const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(async () => undefined);
      try {
        const { resources, outputs } = await run({ part: 'local' });
        expect(warn.mock.calls).toEqual([
          [
            'no profile for remote cluster-2: the stack of remote cluster-2 (named by convention <local stack>-<remote>), "organization/argo-multicluster/fleet-cluster-2", has no token output yet (its first up has not succeeded)',
          ],
        ]);
        expect(clustersOf(resources)).toEqual(new Set(['cluster-0']));
        const profiles = resources.filter((r) => r.inputs?.metadata?.labels?.['workflows.argoproj.io/cluster']);
        expect(profiles.map((r) => r.inputs.metadata.name).sort()).toEqual(['argo.cluster-1', 'argo.cluster-3']);
        expect(outputs.missingProfiles).toEqual({ value: ['cluster-2'], secret: false });
        expect(outputs.profiles).toEqual({
          value: {
            'cluster-1': { name: 'argo.cluster-1', namespace: 'argo' },
            'cluster-3': { name: 'argo.cluster-3', namespace: 'argo' },
          },
          secret: false,
        });
        const fleet = topology(asFleet);
        const profile = profiles.find((r) => r.inputs.metadata.name === 'argo.cluster-3')!;
        expect(profile.inputs.stringData).toEqual(
          secretWire({
            kubeconfig: profileKubeconfig(fleet, fleet.remotes[2], {
              token: 'token-of-cluster-3',
              caData: b64('CA-of-cluster-3'),
            }),
          }),
        );
      } finally {
        warn.mockRestore();
      }
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'argo-multicluster:remoteStacks names a stack other than the convention, in this project or another',
    async () => {
      const parts = await remoteParts();
      for (const remote of REMOTES) stacks.delete(qualified(remoteStackName('fleet', remote)));
      publish(qualified('elsewhere'), parts.get('cluster-1')!.outputs);
      publish('organization/other-project/near', parts.get('cluster-2')!.outputs);
      publish('other-org/other-project/far', parts.get('cluster-3')!.outputs);
      const { outputs } = await run({
        part: 'local',
        remoteStacks: JSON.stringify({
          'cluster-1': 'elsewhere',
          'cluster-2': 'other-project/near',
          'cluster-3': 'other-org/other-project/far',
        }),
      });
      expect(outputs.missingProfiles).toEqual({ value: [], secret: false });
    },
    ENGINE_BUDGET_MS,
  );

  test.each([
    ['argo-multicluster:remoteStacks.cluster-1', { remoteStacks: JSON.stringify({ 'cluster-1': 'fleet' }) }],
    [
      'argo-multicluster:remoteStacks.cluster-1',
      { remoteStacks: JSON.stringify({ 'cluster-1': 'organization/argo-multicluster/fleet' }) },
    ],
  ])(
    '%s naming this stack itself is refused (%j)',
    async (key, config) => {
      await remoteParts();
      expect(await rejection(run({ part: 'local', ...config }))).toEqual({
        error: 'Error',
        message: `${key}: "organization/argo-multicluster/fleet" is this stack itself; name the stack that applies part remote:cluster-1`,
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a remote stack that applied another remote is refused, naming the setting and both clusters',
    async () => {
      const parts = await remoteParts();
      publish(qualified('wrong'), parts.get('cluster-2')!.outputs);
      expect(await rejection(run({ part: 'local', remoteStacks: JSON.stringify({ 'cluster-1': 'wrong' }) }))).toEqual({
        error: 'Error',
        message:
          'argo-multicluster:remoteStacks.cluster-1: "organization/argo-multicluster/wrong" applied remote "cluster-2" for local cluster "cluster-0", not remote "cluster-1" for local cluster "cluster-0"; point it at the stack of this remote',
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    "a stack is never switched to another part behind the user's back: its last outputs say what it applied",
    async () => {
      const parts = await remoteParts();
      const all = await run({});
      // This very stack ("fleet") last applied the whole fleet; as the local part it would delete every remote object.
      publish(qualified('fleet'), all.outputs);
      expect(await rejection(run({ part: 'local' }))).toEqual({
        error: 'Error',
        message:
          'argo-multicluster:part: "local" differs from "all", the part this stack last applied; the switch would delete ' +
          'the objects of "all" that "local" does not hold. Destroy this stack first, or set ' +
          '`pulumi config set argo-multicluster:allowPartChange true` once those objects belong to other stacks (pulumi state move).',
      });
      publish(qualified('fleet'), parts.get('cluster-1')!.outputs);
      expect(await rejection(run({ part: 'remote:cluster-2' }))).toEqual({
        error: 'Error',
        message:
          'argo-multicluster:part: "remote:cluster-2" differs from "remote:cluster-1", the part this stack last applied; the switch would delete ' +
          'the objects of "remote:cluster-1" that "remote:cluster-2" does not hold. Destroy this stack first, or set ' +
          '`pulumi config set argo-multicluster:allowPartChange true` once those objects belong to other stacks (pulumi state move).',
      });
      expect((await run({ part: 'remote:cluster-1' })).outputs.cluster).toEqual({ value: 'cluster-1', secret: false });
      expect((await run({ part: 'remote:cluster-2', allowPartChange: 'true' })).outputs.cluster).toEqual({
        value: 'cluster-2',
        secret: false,
      });
    },
    ENGINE_BUDGET_MS,
  );
});
