import { ARGO_CRDS, ArgoCrds, type Manifest, keptOnDelete } from '../../../../constructs';
import {
  MANAGED_LABELS,
  localObjects,
  objectNames,
  remoteObjects,
  synthesized,
  topologyIssues,
} from '../../support/constructs';
import { example, objects, topology, validateAgainstKubernetesSchema } from '../../support/helpers';

const KEEP = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};
const crds = (list: readonly Manifest[]): any[] => list.filter((o) => o.kind === 'CustomResourceDefinition');
const ARGO_NAMES = [
  'clusterworkflowtemplates.argoproj.io',
  'cronworkflows.argoproj.io',
  'workfloweventbindings.argoproj.io',
  'workflows.argoproj.io',
  'workflowtaskresults.argoproj.io',
  'workflowtasksets.argoproj.io',
  'workflowtemplates.argoproj.io',
];
const installing = topology((t) => (t.local.crds = { install: true }));

describe('local.crds', () => {
  test('is checked by field path: booleans, the two known fields (Helm has more, this package writes minimal CRDs only)', () => {
    expect(topologyIssues((t) => (t.local.crds = { install: 'yes', full: true }))).toEqual([
      { path: 'local.crds.install', value: 'yes', message: 'has the wrong type: expected boolean' },
      { path: 'local.crds.full', value: true, message: 'is not a known field; valid fields here: install, keep' },
    ]);
    expect(topologyIssues((t) => (t.local.crds = true))).toEqual([
      { path: 'local.crds', value: true, message: 'has the wrong type: expected object' },
    ]);
  });

  test('by default the local cluster gets no CRD, as Argo CD or Helm installs them', () => {
    expect(crds(localObjects(example()))).toEqual([]);
  });

  test("install: Argo's seven CRDs first in the local output, kept, each the commit's with the chart labels", () => {
    const local = localObjects(installing);
    expect(objectNames(local.slice(0, 7))).toEqual(ARGO_NAMES.map((n) => `CustomResourceDefinition /${n}`));
    expect(crds(local)).toHaveLength(7);
    for (const crd of ARGO_CRDS) {
      const written = local.find((o) => o.metadata.name === crd.metadata.name)!;
      expect(written).toEqual({ ...crd, metadata: { ...crd.metadata, labels: MANAGED_LABELS, annotations: KEEP } });
    }
    for (const crd of crds(local)) {
      validateAgainstKubernetesSchema(crd);
      expect(keptOnDelete(crd)).toBe(true);
    }
    // The task-result CRD is the remotes' one, so a cluster never holds two definitions of it.
    const { annotations, ...taskResults } = local.find((o) => o.metadata.name === ARGO_NAMES[4])!.metadata;
    expect(annotations).toEqual(KEEP);
    const remote = remoteObjects(installing).find((o) => o.metadata.name === ARGO_NAMES[4])!;
    expect({ ...remote, metadata: taskResults }).toEqual(remote);
    expect(local.find((o) => o.metadata.name === ARGO_NAMES[4])!.spec).toEqual(remote.spec);
  });

  test('keep: false writes them without the annotations, and nothing is kept', () => {
    const local = localObjects(topology((t) => (t.local.crds = { install: true, keep: false })));
    expect(crds(local).map((c) => c.metadata.name)).toEqual(ARGO_NAMES);
    for (const crd of crds(local)) {
      expect(crd.metadata.annotations).toBeUndefined();
      expect(keptOnDelete(crd)).toBe(false);
    }
  });

  test('keptOnDelete needs both annotations with their values', () => {
    const crd = (annotations: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'x', annotations },
    });
    expect(keptOnDelete(crd(KEEP))).toBe(true);
    expect(keptOnDelete(crd({ 'argocd.argoproj.io/sync-options': KEEP['argocd.argoproj.io/sync-options'] }))).toBe(
      false,
    );
    expect(keptOnDelete(crd({ ...KEEP, 'kustomize.toolkit.fluxcd.io/prune': 'enabled' }))).toBe(false);
  });

  test('a namespaced controller still gets them: installing CRDs is the explicit ask for cluster-scoped objects', () => {
    const t = topology((r) => {
      r.local.controller.namespaced = true;
      r.local.crds = { install: true };
    });
    expect(crds(localObjects(t)).map((c) => c.metadata.name)).toEqual(ARGO_NAMES);
  });

  test.each([
    ['manages the shared objects', true],
    ['leaves them to another topology', false],
  ])(
    "a remote with the local cluster's kube context (%s): the task-result CRD is not in the local output",
    (_, manageSharedObjects) => {
      const t = topology((r) => {
        r.local.crds = { install: true };
        r.remotes[0].context = 'cluster-0';
        r.remotes[0].manageSharedObjects = manageSharedObjects;
      });
      const all = objects(t);
      expect(crds(all.get('cluster-0')!).map((c) => c.metadata.name)).toEqual(
        ARGO_NAMES.filter((n) => n !== 'workflowtaskresults.argoproj.io'),
      );
      expect(crds(all.get('cluster-1')!).map((c) => c.metadata.name)).toEqual(
        manageSharedObjects ? ['workflowtaskresults.argoproj.io'] : [],
      );
    },
  );

  test('used on its own: the CRDs without chart labels', () => {
    const written = synthesized((c) => new ArgoCrds(c, 'crds', { taskResults: false, keep: false }));
    expect(written).toEqual(ARGO_CRDS);
  });
});
