import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { objectsWithProfiles } from '../unit/support/helpers';
import { adminClient, readObject } from './harness/kubeClient';
import { waitFor } from './harness/process';
import { kubectl } from './harness/toolchain';
import { World, cli, startWorld } from './harness/world';

jest.setTimeout(600_000);

let world: World;

beforeAll(async () => {
  world = await startWorld('gitops');
});

afterAll(async () => {
  await world?.planes.stopAll();
});

const apply = (context: string, folder: string) =>
  kubectl(world.planes.kubeconfigPath, context, [
    'apply',
    '--server-side',
    '--field-manager',
    'gitops-test',
    '-k',
    folder,
  ]);

/** Every object labelled as ours on a server, as `kind namespace/name`. */
function ours(context: string, kinds: string[]): string[] {
  const list = JSON.parse(
    kubectl(world.planes.kubeconfigPath, context, [
      'get',
      kinds.join(','),
      '-A',
      '-l',
      'app.kubernetes.io/managed-by=argo-multicluster',
      '-o',
      'json',
    ]),
  );
  return list.items.map((o: any) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
}

test('the GitOps output, applied server-side to a fresh pair of servers, is accepted and gives the objects up gives', async () => {
  const out = join(world.dir, 'gitops');
  // The remote side first: its token Secret is what the plain-mode profile is read from.
  expect((await cli(['synth', '-f', world.topologyFile, '-o', out])).code).toBe(0);
  apply('cluster-1', join(out, 'cluster-1'));
  const token = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'argo.cluster-0.service-account-token', namespace: 'default' },
  };
  await waitFor(
    'the token controller to fill the token',
    async () => !!(await readObject(adminClient(world.planes, 'cluster-1'), token))?.data?.token,
  );

  const plainFile = join(world.dir, 'plain.yaml');
  writeFileSync(
    plainFile,
    stringify({ ...parse(readFileSync(world.topologyFile, 'utf8')), secrets: { mode: 'plain' } }),
  );
  const synth = await cli(['synth', '-f', plainFile, '-o', out, '--kubeconfig', world.planes.kubeconfigPath]);
  expect(synth.stderr).toMatch(/warning: secrets.mode "plain"/);
  expect(synth.code).toBe(0);
  apply('cluster-0', join(out, 'cluster-0'));
  apply('cluster-1', join(out, 'cluster-1'));

  const expected = objectsWithProfiles(world.topology);
  for (const [cluster, objects] of expected) {
    const kinds = [...new Set(objects.map((m) => m.kind.toLowerCase()))];
    expect(ours(cluster, kinds)).toEqual(
      objects.map((m) => `${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}`).sort(),
    );
  }
  const verify = await cli(['verify', '-f', plainFile, '--kubeconfig', world.planes.kubeconfigPath]);
  expect(verify.stdout).toContain('all needs met');
  expect(verify.code).toBe(0);
});
