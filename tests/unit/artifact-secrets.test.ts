import * as pulumi from '@pulumi/pulumi';
import { topology } from './helpers';

interface Registered {
  type: string;
  name: string;
  id?: string;
  inputs: any;
  provider?: string;
}

const registered: Registered[] = [];
const b64 = (s: string) => Buffer.from(s).toString('base64');

pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, id: args.id, inputs: args.inputs, provider: args.provider });
      // A read of the user's artifact Secret in the local cluster.
      if (args.id && args.type === 'kubernetes:core/v1:Secret') return { id: args.id, state: { type: 'Opaque', data: { accessKey: b64(`key-of-${args.id}`) } } };
      const state = { ...args.inputs };
      if (args.type === 'kubernetes:core/v1:Secret' && args.inputs.type === 'kubernetes.io/service-account-token') state.data = { token: b64('t'), 'ca.crt': b64('c') };
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
  },
  'argo-multicluster',
  'unit',
  false,
  'organization',
);

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import { ArgoMultiCluster } from '../../stacks/component';

async function settled(): Promise<void> {
  // The copies are registered once the reads resolve.
  for (let i = 0; i < 100; i++) await new Promise((r) => setTimeout(r, 10));
}

test('each artifact Secret is read once from local.namespace and written into every remote namespace on the remote provider', async () => {
  const t = topology((r) => Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], artifactSecrets: ['s3-creds'] }));
  new ArgoMultiCluster('amc', { topology: t });
  await settled();
  const reads = registered.filter((r) => r.id);
  expect(reads.map((r) => r.id)).toEqual(['argo/s3-creds']);
  expect(reads[0].provider).toMatch(/amc-cluster-0-provider/);
  const copies = registered.filter((r) => !r.id && r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata?.name === 's3-creds');
  expect(copies.map((c) => c.inputs.metadata.namespace).sort()).toEqual(['team-a', 'team-b']);
  for (const c of copies) {
    expect(c.provider).toMatch(/amc-cluster-1-provider/);
    // The copy's data reaches the engine marked secret, so it is encrypted in state.
    expect(c.inputs.data).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: { accessKey: b64('key-of-argo/s3-creds') } });
    expect(c.inputs.type).toBe('Opaque');
  }
});

test('no artifactSecrets, no read of the local cluster', async () => {
  registered.length = 0;
  new ArgoMultiCluster('amc2', { topology: topology(() => undefined) });
  await settled();
  expect(registered.filter((r) => r.id)).toEqual([]);
});
