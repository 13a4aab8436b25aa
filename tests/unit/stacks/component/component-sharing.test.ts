import { ENGINE_BUDGET_MS } from '../../support/budgets';
import { parse } from 'yaml';
import { exampleInput } from '../../support/helpers';
import { mockEngine } from '../../support/pulumi-mocks';
import { profileKubeconfigOf, settled } from '../../support/stacks';

const { registered } = mockEngine({
  token: (_name, inputs) => ({ token: `token-for-${inputs.metadata.name}`, ca: 'root-CA' }),
});

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import { ArgoMultiCluster } from '../../../../stacks/component/component';

/** The values that occur more than once in `list`. */
const repeated = (list: string[]) => list.filter((v, i) => list.indexOf(v) !== i);

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

  test(
    'every child name carries its component name, so no two are the same',
    () => {
      const children = registered.filter(
        (r) => r.type.startsWith('kubernetes:') || r.type.startsWith('argo-multicluster:'),
      );
      expect(children.filter((r) => !/^(east|west)([-/]|$)/.test(r.name))).toEqual([]);
      expect(repeated(children.map((r) => `${r.type}::${r.name}`))).toEqual([]);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'only the owner writes the shared objects (CRD, namespaces, executor RBAC); each writes its own identity',
    () => {
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
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'no Kubernetes object is written twice to the shared cluster',
    () => {
      const objects = [...remoteObjects('east'), ...remoteObjects('west')].map(
        (r) => `${r.inputs.kind}/${r.inputs.metadata.namespace ?? ''}/${r.inputs.metadata.name}`,
      );
      expect(repeated(objects)).toEqual([]);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'each local profile carries its own identity token',
    async () => {
      expect(parse(await profileKubeconfigOf(east, 'cluster-1')).users).toEqual([
        {
          name: 'argo.cluster-0',
          user: { token: 'token-for-argo.cluster-0.service-account-token' },
        },
      ]);
      expect(parse(await profileKubeconfigOf(west, 'cluster-1')).users).toEqual([
        {
          name: 'argo.cluster-2',
          user: { token: 'token-for-argo.cluster-2.service-account-token' },
        },
      ]);
    },
    ENGINE_BUDGET_MS,
  );
});
