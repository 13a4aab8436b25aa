import { createHash } from 'node:crypto';
import { byCodePoint } from './order';
import { objectYaml } from './yaml-writer';
import type { Chart } from 'cdk8s';

/** A Kubernetes object as plain JSON. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** Apply order: what others need first (CRDs, namespaces, identities), what uses them after. */
const KIND_ORDER = [
  'CustomResourceDefinition',
  'Namespace',
  'PriorityClass',
  'ServiceAccount',
  'Secret',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'ConfigMap',
  'ExternalSecret',
  'PodDisruptionBudget',
  'Deployment',
  'Service',
  'ServiceMonitor',
];

function rank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

/** The identity of an object: kind, namespace and name (a cluster is one chart). */
export function manifestKey(m: Manifest): string {
  return `${m.apiVersion}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
}

/** A chart's objects in apply order, ties broken by namespace and name so the order never depends on construction. */
export function chartManifests(chart: Chart): Manifest[] {
  const objects = chart.toJson() as Manifest[];
  return objects.sort(
    (a, b) =>
      rank(a.kind) - rank(b.kind) ||
      byCodePoint(a.kind, b.kind) ||
      byCodePoint(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
      byCodePoint(a.metadata.name, b.metadata.name),
  );
}

/** Each chart's objects in apply order, by cluster name (a chart is named after its cluster). */
export function clusterManifests(charts: {
  readonly local: Chart;
  readonly remotes: readonly Chart[];
}): Map<string, Manifest[]> {
  return new Map([charts.local, ...charts.remotes].map((chart) => [chart.node.id, chartManifests(chart)]));
}

/**
 * The file name of an object in a cluster folder. The namespace is part of it, because cdk8s's own file-per-resource
 * naming lets two same-named objects in two namespaces overwrite each other.
 */
export function manifestFileName(m: Manifest): string {
  const parts = [m.kind.toLowerCase(), m.metadata.namespace, m.metadata.name].filter(Boolean);
  const name = parts.join('_');
  // File systems take 255 bytes; names may be 253 characters: keep the start readable and the end unique.
  if (name.length <= MAX_FILE_STEM) return `${name}.yaml`;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${name.slice(0, MAX_FILE_STEM - 17)}-${hash}.yaml`;
}

const MAX_FILE_STEM = 200;

/**
 * YAML of one object: apiVersion, kind and metadata first, as people read them, every other key sorted by code
 * point (not locale), so the bytes are the same on every machine whatever the environment.
 */
export function manifestYaml(m: Manifest): string {
  return objectYaml(m);
}
