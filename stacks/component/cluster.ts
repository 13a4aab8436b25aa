import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { type Manifest, keptOnDelete } from '../../constructs';
import { logicalName, registerManifest } from './kinds';

/** How to reach one cluster. */
export interface ClusterConnection {
  /** Kube context. */
  readonly context: string;
  /**
   * Kubeconfig contents or path.
   * @default the provider's default ($KUBECONFIG, else ~/.kube/config)
   */
  readonly kubeconfig?: pulumi.Input<string>;
  /**
   * A provider you already have for this cluster, used instead of one made from `context` and `kubeconfig` (give
   * neither with it). Set its `clusterIdentifier`, or a kubeconfig edit replaces every object on it.
   * @default a provider made here, `clusterIdentifier` set to the cluster's name
   */
  readonly provider?: k8s.Provider;
}

/** Props of {@link ClusterObjects}. */
export interface ClusterObjectsArgs {
  /** The component's name, which every object's name starts with, so that two components never clash. */
  readonly component: string;
  /** The cluster's name: the provider's `clusterIdentifier`, so a kubeconfig edit never replaces its objects. */
  readonly cluster: string;
  readonly connection: ClusterConnection;
  /** The objects, in apply order, as the constructs synthesized them (values may hold Pulumi outputs). */
  readonly manifests: readonly Manifest[];
}

/** Kinds that other objects of the same cluster need to exist first. */
const FOUNDATION = new Set(['CustomResourceDefinition', 'Namespace']);
/**
 * Kinds that select the controller's pods rather than configure them: the Deployment does not wait for them (Pulumi
 * waits for a Service until its pods are ready, which would wait for the Deployment in turn).
 */
const OF_THE_PODS = new Set(['Service', 'ServiceMonitor', 'PodDisruptionBudget']);

/**
 * For each object (in apply order), the indices of the objects it must wait for: CRDs and namespaces before
 * everything; a token Secret after its ServiceAccount (the token controller deletes a token Secret whose account
 * does not exist); the controller Deployment after everything else, because it reads its ConfigMap, RBAC and
 * profiles only at start (not for the objects that select its pods).
 */
export function applyDependencies(manifests: readonly Manifest[]): number[][] {
  const foundation = manifests.flatMap((m, i) => (FOUNDATION.has(m.kind) ? [i] : []));
  return manifests.map((m) => {
    if (FOUNDATION.has(m.kind)) return [];
    if (m.kind === 'Deployment')
      // Not on itself, nor on another Deployment: each waits for the rest.
      return manifests.flatMap((o, j) => (o.kind !== 'Deployment' && !OF_THE_PODS.has(o.kind) ? [j] : []));
    const account = (m.metadata.annotations as Record<string, string> | undefined)?.[
      'kubernetes.io/service-account.name'
    ];
    // Without the annotation `account` is undefined, which no object's name equals.
    const owner = manifests.findIndex(
      (o) =>
        o.kind === 'ServiceAccount' && o.metadata.name === account && o.metadata.namespace === m.metadata.namespace,
    );
    return owner >= 0 ? [...foundation, owner] : foundation;
  });
}

/**
 * The indices in an order where each comes after those it waits for, otherwise in apply order. `dependsOn` takes
 * resources, not names, so an object that waits for one later in apply order (the Deployment, for everything) must be
 * registered after it.
 */
function dependenciesFirst(dependencies: readonly number[][]): number[] {
  const order: number[] = [];
  const placed = new Set<number>();
  const place = (i: number) => {
    if (placed.has(i)) return;
    placed.add(i);
    dependencies[i].forEach(place);
    order.push(i);
  };
  dependencies.forEach((_, i) => place(i));
  return order;
}

/**
 * One cluster's objects on its own provider. A child component per cluster, because a component's `providers` map is
 * keyed by package and so cannot hand two kubernetes providers to its children.
 */
export class ClusterObjects extends pulumi.ComponentResource {
  /** The cluster's provider. */
  readonly provider: k8s.Provider;
  /** The registered resources, by `<cluster>/<kind>/<namespace>/<name>`. */
  readonly resources = new Map<string, pulumi.CustomResource>();

  constructor(name: string, args: ClusterObjectsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('argo-multicluster:index:ClusterObjects', name, {}, opts);
    this.provider =
      args.connection.provider ??
      new k8s.Provider(
        `${name}-provider`,
        { context: args.connection.context, kubeconfig: args.connection.kubeconfig, clusterIdentifier: args.cluster },
        { parent: this },
      );
    const dependencies = applyDependencies(args.manifests);
    const registered = new Map<number, pulumi.CustomResource>();
    for (const i of dependenciesFirst(dependencies)) {
      const m = args.manifests[i];
      const key = logicalName(args.cluster, m);
      // The name without the component's, which stacks made before it was added carry: an alias, not a replacement.
      const resource = registerManifest(`${args.component}/${key}`, m, {
        parent: this,
        provider: this.provider,
        dependsOn: dependencies[i].map((j) => registered.get(j)!),
        aliases: [{ name: key }],
        // A kept CRD outlives the stack, as with Helm's crds.keep: deleting it would delete every object of its kind.
        ...(keptOnDelete(m) ? { retainOnDelete: true } : {}),
      });
      registered.set(i, resource);
      this.resources.set(key, resource);
    }
    this.registerOutputs({});
  }
}
