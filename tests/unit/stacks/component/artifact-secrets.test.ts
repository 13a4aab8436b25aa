import { ENGINE_BUDGET_MS } from '../../support/budgets';
import * as pulumi from '@pulumi/pulumi';
import { COMMON_LABELS } from '../../../../constructs';
import { topology } from '../../support/helpers';
import { b64, mockEngine } from '../../support/pulumi-mocks';
import { engineIdle, providerName, secretWire } from '../../support/stacks';

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

/** The copies are registered once the reads resolve. */
const copied = engineIdle;

const copies = () =>
  registered.filter((r) => !r.id && r.type === 'kubernetes:core/v1:Secret' && r.name.endsWith('/artifact'));

test(
  'each artifact Secret is read once from local.namespace and written into every remote namespace on the remote provider',
  async () => {
    registered.length = 0;
    const t = topology((r) =>
      Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], artifactSecrets: ['s3-creds'] }),
    );
    new ArgoMultiCluster('amc', { topology: t });
    await copied();
    const reads = registered.filter((r) => r.id);
    expect(reads.map((r) => [r.name, r.id, providerName(r)])).toEqual([
      ['amc-cluster-0-artifact-source/argo/s3-creds', 'argo/s3-creds', 'amc-cluster-0-provider'],
    ]);
    expect(copies().map((c) => [c.name, providerName(c)])).toEqual([
      ['amc/cluster-1/Secret/team-a/s3-creds/artifact', 'amc-cluster-1-provider'],
      ['amc/cluster-1/Secret/team-b/s3-creds/artifact', 'amc-cluster-1-provider'],
    ]);
    // The copy's data reaches the engine marked secret, so it is encrypted in state.
    expect(copies().map((c) => c.inputs)).toEqual(
      ['team-a', 'team-b'].map((namespace) => ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's3-creds', namespace, labels: COMMON_LABELS },
        type: 'Opaque',
        data: secretWire({ accessKey: b64('key-of-argo/s3-creds') }),
      })),
    );
  },
  ENGINE_BUDGET_MS,
);

test(
  'no artifactSecrets, no read of the local cluster',
  async () => {
    registered.length = 0;
    new ArgoMultiCluster('amc2', { topology: topology(() => undefined) });
    await copied();
    expect(registered.filter((r) => r.id)).toEqual([]);
  },
  ENGINE_BUDGET_MS,
);

test('a stack per cluster holds one side only: it copies nothing and warns on its cluster, naming what to create', async () => {
  const t = topology((r) => (r.remotes[0].artifactSecrets = ['s3-credentials']));
  const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(async () => undefined);
  try {
    for (const [part, holder] of [
      [{ kind: 'remote', remote: 'cluster-1' }, 'cluster-1'],
      [{ kind: 'local', credentials: {} }, 'cluster-0'],
    ] as const) {
      registered.length = 0;
      warn.mockClear();
      const mc = new ArgoMultiCluster('parts', { topology: t, part });
      await copied();
      expect(registered.filter((r) => r.id || r.name.endsWith('/artifact'))).toEqual([]);
      expect(warn.mock.calls).toEqual([
        [
          'remote cluster-1: artifactSecrets (s3-credentials) are not copied by a stack per cluster; create them in default yourself, or apply this remote with part "all"',
          mc.clusters.get(holder),
        ],
      ]);
    }
    registered.length = 0;
    warn.mockClear();
    new ArgoMultiCluster('parts', { topology: t });
    await copied();
    expect(copies().map((r) => r.name)).toEqual(['parts/cluster-1/Secret/default/s3-credentials/artifact']);
    expect(warn).not.toHaveBeenCalled();
  } finally {
    warn.mockRestore();
  }
  // Three components, each settled by copied()'s fixed second of waiting: past jest's 5 s default on a busy machine.
}, 60_000);
