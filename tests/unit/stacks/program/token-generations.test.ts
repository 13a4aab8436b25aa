import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { TopologyError } from '../../../../constructs';
import { exampleInput, objectsWithProfiles } from '../../support/helpers';
import { mockEngine } from '../../support/pulumi-mocks';

const { registered } = mockEngine({
  token: (_name, inputs) => ({ token: `token-of-${inputs.metadata.name}`, ca: 'CA' }),
});

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import { ArgoMultiCluster } from '../../../../stacks/component/component';
import { readStackSettings } from '../../../../stacks/program/config';

jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'amc-stack-gen-'));
const file = join(dir, 'topology.yaml');
writeFileSync(file, stringify(exampleInput()));

function settings(config: Record<string, string>) {
  pulumi.runtime.setAllConfig({ 'argo-multicluster:topology': file, ...config }, []);
  return readStackSettings();
}

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe('argo-multicluster:tokenGenerations: rotation as one config change', () => {
  test('names the token Secret of that generation, builds the profile from its token, and matches the GitOps objects', async () => {
    const { topology: t } = settings({ 'argo-multicluster:tokenGenerations': JSON.stringify({ 'cluster-1': 2 }) });
    expect(t.remotes[0].tokenGeneration).toBe(2);
    registered.length = 0;
    const mc = new ArgoMultiCluster('amc', { topology: t });
    const resources = [...mc.clusters.values()].flatMap((c) => [...c.resources.values()]);
    await Promise.all(resources.map((r) => value(r.urn)));
    const profile = mc.clusters.get('cluster-0')!.resources.get('cluster-0/Secret/argo/argo.cluster-1') as any;
    const kubeconfig = parse((await value(profile.stringData as pulumi.Output<Record<string, string>>)).kubeconfig);
    expect(kubeconfig.users[0].user.token).toBe('token-of-argo.cluster-0.service-account-token.2');
    const tokens = registered
      .filter((r) => r.inputs?.type === 'kubernetes.io/service-account-token')
      .map((r) => r.name);
    expect(tokens).toEqual(['amc/cluster-1/Secret/default/argo.cluster-0.service-account-token.2']);
    const gitops = [...objectsWithProfiles(t)].flatMap(([cluster, list]) =>
      list.map((m) => ['amc', cluster, m.kind, m.metadata.namespace, m.metadata.name].filter(Boolean).join('/')),
    );
    const applied = registered
      .filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('pulumi:'))
      .map((r) => r.name);
    expect(applied.sort()).toEqual(gitops.sort());
  });

  test('a generation given as text, as `pulumi config set --path` may store it, is taken as the number', () => {
    expect(
      settings({ 'argo-multicluster:tokenGenerations': JSON.stringify({ 'cluster-1': '3' }) }).topology.remotes[0]
        .tokenGeneration,
    ).toBe(3);
    expect(() => settings({ 'argo-multicluster:tokenGenerations': JSON.stringify({ 'cluster-1': '3x' }) })).toThrow(
      /argo-multicluster:tokenGenerations\.cluster-1 \(remotes\[0\]\.tokenGeneration\): "3x" has the wrong type: expected number/,
    );
  });

  test('without the key, generation 0 and the token Secret name of old', () => {
    expect(settings({}).topology.remotes[0].tokenGeneration).toBe(0);
  });

  test('a cluster that is not a remote, or a bad generation, is refused naming the config key', () => {
    const refused = (v: string) => () => settings({ 'argo-multicluster:tokenGenerations': v });
    expect(refused(JSON.stringify({ 'cluster-0': 1 }))).toThrow(TopologyError);
    expect(refused(JSON.stringify({ 'cluster-0': 1 }))).toThrow(
      /argo-multicluster:tokenGenerations\.cluster-0: "cluster-0" is not a remote of the topology; valid: cluster-1/,
    );
    expect(refused(JSON.stringify({ 'cluster-1': -1 }))).toThrow(
      /argo-multicluster:tokenGenerations\.cluster-1 \(remotes\[0\]\.tokenGeneration\): -1 /,
    );
    expect(refused('[1]')).toThrow(/argo-multicluster:tokenGenerations: \[1\] must be an object/);
  });
});
