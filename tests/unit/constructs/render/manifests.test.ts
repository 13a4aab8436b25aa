import { ApiObject, App, Chart } from 'cdk8s';
import {
  Manifest,
  chartManifests,
  clusterManifests,
  manifestFileName,
  manifestKey,
  manifestYaml,
} from '../../../../constructs/render/manifests';

const object = (kind: string, name: string, namespace?: string, apiVersion = 'v1'): Manifest => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
});

/** A chart holding `objects`, added in the order given. */
function chartOf(id: string, objects: readonly Manifest[]): Chart {
  const chart = new Chart(new App(), id);
  objects.forEach((m, i) => new ApiObject(chart, `o${i}`, m));
  return chart;
}

describe('manifestKey', () => {
  test('apiVersion, kind, namespace and name; empty namespace for a cluster-scoped object', () => {
    expect(manifestKey(object('Secret', 's', 'argo'))).toBe('v1/Secret/argo/s');
    expect(manifestKey(object('ClusterRole', 'r', undefined, 'rbac.authorization.k8s.io/v1'))).toBe(
      'rbac.authorization.k8s.io/v1/ClusterRole//r',
    );
  });
});

describe('chartManifests', () => {
  test('apply order: what others need first, unknown kinds last; ties by kind, namespace and name, by code point', () => {
    const scrambled = [
      object('Widget', 'w'),
      object('Deployment', 'd', 'argo', 'apps/v1'),
      object('ConfigMap', 'b', 'argo'),
      object('ConfigMap', 'a', 'team'),
      object('ConfigMap', 'B', 'argo'),
      object('ExternalSecret', 'e', 'argo', 'external-secrets.io/v1'),
      object('RoleBinding', 'rb', 'argo', 'rbac.authorization.k8s.io/v1'),
      object('Role', 'r', 'argo', 'rbac.authorization.k8s.io/v1'),
      object('ClusterRoleBinding', 'crb', undefined, 'rbac.authorization.k8s.io/v1'),
      object('ClusterRole', 'cr', undefined, 'rbac.authorization.k8s.io/v1'),
      object('Secret', 's', 'argo'),
      object('ServiceAccount', 'sa', 'argo'),
      object('PriorityClass', 'p', undefined, 'scheduling.k8s.io/v1'),
      object('Gadget', 'g', 'argo'),
      object('Namespace', 'argo'),
      object('CustomResourceDefinition', 'c', undefined, 'apiextensions.k8s.io/v1'),
    ];
    expect(chartManifests(chartOf('c', scrambled)).map(manifestKey)).toEqual([
      'apiextensions.k8s.io/v1/CustomResourceDefinition//c',
      'v1/Namespace//argo',
      'scheduling.k8s.io/v1/PriorityClass//p',
      'v1/ServiceAccount/argo/sa',
      'v1/Secret/argo/s',
      'rbac.authorization.k8s.io/v1/ClusterRole//cr',
      'rbac.authorization.k8s.io/v1/ClusterRoleBinding//crb',
      'rbac.authorization.k8s.io/v1/Role/argo/r',
      'rbac.authorization.k8s.io/v1/RoleBinding/argo/rb',
      'v1/ConfigMap/argo/B',
      'v1/ConfigMap/argo/b',
      'v1/ConfigMap/team/a',
      'external-secrets.io/v1/ExternalSecret/argo/e',
      'apps/v1/Deployment/argo/d',
      'v1/Gadget/argo/g',
      'v1/Widget//w',
    ]);
  });

  test('the order does not depend on the order of construction', () => {
    const objects = [object('ConfigMap', 'b', 'x'), object('Secret', 'a', 'x'), object('ConfigMap', 'a', 'x')];
    expect(chartManifests(chartOf('c', [...objects].reverse()))).toEqual(chartManifests(chartOf('c', objects)));
  });
});

describe('clusterManifests', () => {
  test("each chart's objects in apply order, by chart name, the local cluster first", () => {
    const local = chartOf('cluster-0', [object('Secret', 's', 'argo'), object('Namespace', 'argo')]);
    const remotes = [chartOf('cluster-2', [object('ConfigMap', 'c', 'x')]), chartOf('cluster-1', [])];
    const map = clusterManifests({ local, remotes });
    expect([...map.keys()]).toEqual(['cluster-0', 'cluster-2', 'cluster-1']);
    expect(map.get('cluster-0')).toEqual([object('Namespace', 'argo'), object('Secret', 's', 'argo')]);
    expect(map.get('cluster-2')).toEqual([object('ConfigMap', 'c', 'x')]);
    expect(map.get('cluster-1')).toEqual([]);
  });
});

describe('manifestFileName', () => {
  test('kind in lower case, namespace (when there is one) and name', () => {
    expect(manifestFileName(object('ConfigMap', 'cm', 'argo'))).toBe('configmap_argo_cm.yaml');
    expect(manifestFileName(object('ClusterRole', 'argo.cluster-0'))).toBe('clusterrole_argo.cluster-0.yaml');
  });

  test('same-named objects in two namespaces get two files', () => {
    expect(manifestFileName(object('Role', 'argo', 'a'))).not.toBe(manifestFileName(object('Role', 'argo', 'b')));
  });

  test('a name too long for a file system keeps its start readable and its end unique', () => {
    // kind "Secret" + "_" + name: a stem of exactly 200 characters is kept whole, one more is shortened.
    const name = (n: number, last = 'x') => 'n'.repeat(n - 1) + last;
    expect(manifestFileName(object('Secret', name(193)))).toBe(`secret_${name(193)}.yaml`);
    const long = manifestFileName(object('Secret', name(253)));
    expect(long).toMatch(new RegExp(`^secret_${'n'.repeat(176)}-[0-9a-f]{16}\\.yaml$`));
    expect(manifestFileName(object('Secret', name(194)))).toMatch(/^secret_n{176}-[0-9a-f]{16}\.yaml$/);
    // 200 characters and ".yaml": far below the 255 bytes of a file name.
    expect(long.length).toBe(205);
    expect(manifestFileName(object('Secret', name(253)))).toBe(long);
    expect(manifestFileName(object('Secret', name(253, 'y')))).not.toBe(long);
  });
});

describe('manifestYaml', () => {
  test('objects keep apiVersion, kind, metadata first and sort the rest by code point', () => {
    const yaml = manifestYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: { b: '1', B: '2', a: '3' },
    });
    expect(yaml).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  B: "2"\n  a: "3"\n  b: "1"\n');
  });
});
