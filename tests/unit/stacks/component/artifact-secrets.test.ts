import * as pulumi from '@pulumi/pulumi';
import { topology } from '../../support/helpers';
import { b64, mockEngine } from '../../support/pulumi-mocks';

const { registered } = mockEngine({
  token: () => ({ token: 't', ca: 'c' }),
  // A read of the user's artifact Secret in the local cluster.
  read: (args) =>
    args.type === 'kubernetes:core/v1:Secret'
      ? { type: 'Opaque', data: { accessKey: b64(`key-of-${args.id}`) } }
      : undefined,
});

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import { ArgoMultiCluster } from '../../../../stacks/component/component';

async function settled(): Promise<void> {
  // The copies are registered once the reads resolve.
  for (let i = 0; i < 100; i++) await new Promise((r) => setTimeout(r, 10));
}

test('each artifact Secret is read once from local.namespace and written into every remote namespace on the remote provider', async () => {
  const t = topology((r) =>
    Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], artifactSecrets: ['s3-creds'] }),
  );
  new ArgoMultiCluster('amc', { topology: t });
  await settled();
  const reads = registered.filter((r) => r.id);
  expect(reads.map((r) => r.id)).toEqual(['argo/s3-creds']);
  expect(reads[0].provider).toMatch(/amc-cluster-0-provider/);
  const copies = registered.filter(
    (r) => !r.id && r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata?.name === 's3-creds',
  );
  expect(copies.map((c) => c.inputs.metadata.namespace).sort()).toEqual(['team-a', 'team-b']);
  for (const c of copies) {
    expect(c.provider).toMatch(/amc-cluster-1-provider/);
    // The copy's data reaches the engine marked secret, so it is encrypted in state.
    expect(c.inputs.data).toEqual({
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: { accessKey: b64('key-of-argo/s3-creds') },
    });
    expect(c.inputs.type).toBe('Opaque');
  }
});

test('no artifactSecrets, no read of the local cluster', async () => {
  registered.length = 0;
  new ArgoMultiCluster('amc2', { topology: topology(() => undefined) });
  await settled();
  expect(registered.filter((r) => r.id)).toEqual([]);
});
