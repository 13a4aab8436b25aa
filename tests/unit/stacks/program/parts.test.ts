import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { TopologyError } from '../../../../constructs';
import { exampleInput } from '../../support/helpers';
import { type Registered, b64, clusterOf, mockEngine } from '../../support/pulumi-mocks';

const engine = mockEngine({
  stack: 'fleet',
  token: (name) => ({ token: `token-of-${clusterOf(name)}`, ca: `CA-of-${clusterOf(name)}` }),
});
const { registered, stacks } = engine;

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import { ArgoMultiCluster } from '../../../../stacks/component/component';
import { argoMultiClusterProgram } from '../../../../stacks/program/program';
import { remoteStackName } from '../../../../stacks/program/stack-names';

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

const dir = mkdtempSync(join(tmpdir(), 'amc-parts-'));
const file = join(dir, 'topology.yaml');
const raw: any = exampleInput();
raw.local.controller.namespaced = true;
raw.remotes[0].namespaces = ['team-a', 'team-b'];
raw.remotes.push({
  name: 'cluster-2',
  server: 'https://10.0.0.2:6443',
  access: 'cluster',
  executorServiceAccount: 'wf',
  insecureSkipTLSVerify: true,
});
raw.remotes.push({ name: 'cluster-3', server: 'https://10.0.0.3:6443', namespaces: ['jobs'] });
writeFileSync(file, stringify(raw));
const REMOTES = ['cluster-1', 'cluster-2', 'cluster-3'];
const qualified = (stack: string) => `organization/argo-multicluster/${stack}`;

/**
 * Runs the program with `config` and returns the resources it registered and its outputs (secret ones with their
 * secrecy). Registration goes on after the outputs resolve, so it waits until nothing new comes for a while.
 */
async function run(
  config: Record<string, string>,
): Promise<{ resources: Registered[]; outputs: Record<string, { value: unknown; secret: boolean }> }> {
  registered.length = 0;
  pulumi.runtime.setAllConfig({ 'argo-multicluster:topology': file, ...config });
  const outputs = await argoMultiClusterProgram();
  const resolved: Record<string, { value: unknown; secret: boolean }> = {};
  for (const [k, v] of Object.entries(outputs))
    resolved[k] = { value: await value(v), secret: await pulumi.isSecret(v) };
  for (let seen = -1; seen !== registered.length;) {
    seen = registered.length;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { resources: [...registered], outputs: resolved };
}

/** Publishes a remote part's outputs as its stack would, for the local part's StackReferences to read. */
function publish(stack: string, outputs: Record<string, { value: unknown; secret: boolean }>) {
  stacks.set(qualified(stack), {
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.value])),
    secretOutputNames: Object.entries(outputs).flatMap(([k, o]) => (o.secret ? [k] : [])),
  });
}

/** A resource as the engine would know it: type, name, provider, inputs (secret values in their wire form). */
const key = (r: Registered) => JSON.stringify([r.type, r.name, r.provider, r.inputs]);

async function remoteParts() {
  const parts = new Map<string, Awaited<ReturnType<typeof run>>>();
  for (const remote of REMOTES) {
    const part = await run({ 'argo-multicluster:part': `remote:${remote}` });
    parts.set(remote, part);
    publish(remoteStackName('fleet', remote), part.outputs);
  }
  return parts;
}

beforeEach(() => stacks.clear());

describe('the program in parts', () => {
  test('the remote parts and the local part together register exactly the resources of part "all", inputs included', async () => {
    const all = await run({});
    const parts = await remoteParts();
    const local = await run({ 'argo-multicluster:part': 'local' });
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
    expect(all.resources.filter((r) => r.type === 'pulumi:providers:kubernetes')).toHaveLength(4);
    expect(
      local.resources
        .filter((r) => r.name.startsWith('argo-multicluster/cluster-0/Secret/argo/argo.cluster-'))
        .map((r) => r.name)
        .sort(),
    ).toEqual(REMOTES.map((r) => `argo-multicluster/cluster-0/Secret/argo/argo.${r}`));
    expect(local.outputs.profiles.value).toEqual(all.outputs.profiles.value);
    expect(local.outputs.missingProfiles.value).toEqual([]);
  });

  test('a remote part applies only its cluster and exports its token and CA as secrets', async () => {
    const { resources, outputs } = await run({ 'argo-multicluster:part': 'remote:cluster-3' });
    expect(new Set(resources.filter((r) => r.type.startsWith('kubernetes:')).map((r) => r.name.split('/')[1]))).toEqual(
      new Set(['cluster-3']),
    );
    expect(resources.filter((r) => r.type === 'pulumi:providers:kubernetes').map((r) => r.name)).toEqual([
      'argo-multicluster-cluster-3-provider',
    ]);
    expect(outputs).toEqual({
      localCluster: { value: 'cluster-0', secret: false },
      cluster: { value: 'cluster-3', secret: false },
      token: { value: 'token-of-cluster-3', secret: true },
      caData: { value: b64('CA-of-cluster-3'), secret: true },
    });
  });

  test('the local part writes the profiles it has and names the remotes whose stack has no token yet', async () => {
    await remoteParts();
    stacks.delete(qualified(remoteStackName('fleet', 'cluster-2')));
    const { resources, outputs } = await run({ 'argo-multicluster:part': 'local' });
    expect(new Set(resources.filter((r) => r.type.startsWith('kubernetes:')).map((r) => r.name.split('/')[1]))).toEqual(
      new Set(['cluster-0']),
    );
    const profiles = resources
      .filter((r) => r.inputs?.metadata?.labels?.['workflows.argoproj.io/cluster'])
      .map((r) => r.inputs.metadata.name);
    expect(profiles.sort()).toEqual(['argo.cluster-1', 'argo.cluster-3']);
    expect(outputs.missingProfiles.value).toEqual(['cluster-2']);
    expect(Object.keys(outputs.profiles.value as object).sort()).toEqual(['cluster-1', 'cluster-3']);
    const profile = resources.find((r) => r.inputs?.metadata?.name === 'argo.cluster-3')!;
    expect(profile.inputs.stringData[pulumi.runtime.specialSigKey]).toBe(pulumi.runtime.specialSecretSig);
    const kubeconfig = parse(profile.inputs.stringData.value.kubeconfig);
    expect(kubeconfig.users[0].user.token).toBe('token-of-cluster-3');
    expect(kubeconfig.clusters[0].cluster['certificate-authority-data']).toBe(b64('CA-of-cluster-3'));
  });

  test('argo-multicluster:remoteStacks names a stack other than the convention', async () => {
    const parts = await remoteParts();
    stacks.delete(qualified(remoteStackName('fleet', 'cluster-1')));
    publish('elsewhere', parts.get('cluster-1')!.outputs);
    stacks.set('other-org/other-project/far', stacks.get(qualified(remoteStackName('fleet', 'cluster-3')))!);
    const { outputs } = await run({
      'argo-multicluster:part': 'local',
      'argo-multicluster:remoteStacks': JSON.stringify({
        'cluster-1': 'elsewhere',
        'cluster-3': 'other-org/other-project/far',
      }),
    });
    expect(outputs.missingProfiles.value).toEqual([]);
  });

  test('a remote stack that applied another remote is refused, naming the setting and both clusters', async () => {
    const parts = await remoteParts();
    publish('wrong', parts.get('cluster-2')!.outputs);
    await expect(
      run({
        'argo-multicluster:part': 'local',
        'argo-multicluster:remoteStacks': JSON.stringify({ 'cluster-1': 'wrong' }),
      }),
    ).rejects.toThrow(
      /argo-multicluster:remoteStacks\.cluster-1: "organization\/argo-multicluster\/wrong" applied remote "cluster-2" for local cluster "cluster-0", not remote "cluster-1"/,
    );
  });

  test.each([['remote:cluster-9'], ['remote:'], ['locals'], ['ALL']])(
    'part %p is refused, naming the key, the value and the valid parts',
    async (part) => {
      const attempt = run({ 'argo-multicluster:part': part });
      await expect(attempt).rejects.toThrow(TopologyError);
      await expect(run({ 'argo-multicluster:part': part })).rejects.toThrow(
        `argo-multicluster:part: "${part}" is not a part of this topology; valid: all, local, remote:cluster-1, remote:cluster-2, remote:cluster-3`,
      );
    },
  );

  test('remoteStacks for an unknown remote or with a malformed name are refused', async () => {
    await expect(
      run({
        'argo-multicluster:part': 'local',
        'argo-multicluster:remoteStacks': JSON.stringify({ 'cluster-0': 'x', 'cluster-2': 'a/b/c/d' }),
      }),
    ).rejects.toThrow(
      /argo-multicluster:remoteStacks\.cluster-0: "cluster-0" is not a remote of the topology; valid: cluster-1, cluster-2, cluster-3\s+- argo-multicluster:remoteStacks\.cluster-2: "a\/b\/c\/d" must be a stack name/,
    );
  });

  test('artifact Secrets, which need both clusters, are not copied by a stack per cluster: each part warns instead', async () => {
    const withArtifacts = join(dir, 'artifacts.yaml');
    const t: any = exampleInput();
    t.remotes[0].artifactSecrets = ['s3-credentials'];
    writeFileSync(withArtifacts, stringify(t));
    const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(async () => undefined);
    try {
      for (const part of ['remote:cluster-1', 'local']) {
        warn.mockClear();
        const { resources } = await run({
          'argo-multicluster:topology': withArtifacts,
          'argo-multicluster:part': part,
        });
        expect(resources.filter((r) => r.name.endsWith('/artifact') || r.name.includes('artifact-source'))).toEqual([]);
        expect(warn.mock.calls.map((c) => c[0]).filter((m) => m.includes('artifactSecrets'))).toEqual([
          expect.stringMatching(
            /^remote cluster-1: artifactSecrets \(s3-credentials\) are not copied by a stack per cluster; create them in default yourself/,
          ),
        ]);
      }
      warn.mockClear();
      const all = await run({ 'argo-multicluster:topology': withArtifacts });
      expect(all.resources.filter((r) => r.name.endsWith('/artifact')).map((r) => r.name)).toEqual([
        'argo-multicluster/cluster-1/Secret/default/s3-credentials/artifact',
      ]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  test('the component refuses a part that names a remote the topology does not have', () => {
    expect(() => new ArgoMultiCluster('x', { topology: raw, part: { kind: 'remote', remote: 'cluster-9' } })).toThrow(
      /part\.remote: "cluster-9" is not a remote of the topology; valid: cluster-1, cluster-2, cluster-3/,
    );
    expect(
      () =>
        new ArgoMultiCluster('y', {
          topology: raw,
          part: { kind: 'local', credentials: { 'cluster-0': { token: 't' } } },
        }),
    ).toThrow(/part\.credentials\.cluster-0: "cluster-0" is not a remote of the topology/);
  });

  test("a stack is never switched to another part behind the user's back: its last outputs say what it applied", async () => {
    const parts = await remoteParts();
    const all = await run({});
    // This very stack ("fleet") last applied the whole fleet; as the local part it would delete every remote object.
    publish('fleet', all.outputs);
    await expect(run({ 'argo-multicluster:part': 'local' })).rejects.toThrow(
      /argo-multicluster:part: "local" differs from "all", the part this stack last applied; .*argo-multicluster:allowPartChange true/s,
    );
    publish('fleet', parts.get('cluster-1')!.outputs);
    await expect(run({ 'argo-multicluster:part': 'remote:cluster-2' })).rejects.toThrow(
      /"remote:cluster-2" differs from "remote:cluster-1"/,
    );
    await expect(run({ 'argo-multicluster:part': 'remote:cluster-1' })).resolves.toBeDefined();
    await expect(
      run({ 'argo-multicluster:part': 'remote:cluster-2', 'argo-multicluster:allowPartChange': 'true' }),
    ).resolves.toBeDefined();
  });
});
