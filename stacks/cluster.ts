import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { Manifest } from '../constructs';
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
}

/** Props of {@link ClusterObjects}. */
export interface ClusterObjectsArgs {
  /** The cluster's name: the provider's `clusterIdentifier`, so a kubeconfig edit never replaces its objects. */
  readonly cluster: string;
  readonly connection: ClusterConnection;
  /** The objects, in apply order, as the constructs synthesized them (values may hold Pulumi outputs). */
  readonly manifests: readonly Manifest[];
}

/** Kinds that other objects of the same cluster need to exist first. */
const FOUNDATION = new Set(['CustomResourceDefinition', 'Namespace']);

/**
 * One cluster's objects on its own provider. A child component per cluster, because a component's `providers` map is
 * keyed by package and so cannot hand two kubernetes providers to its children.
 */
export class ClusterObjects extends pulumi.ComponentResource {
  /** The cluster's provider. */
  readonly provider: k8s.Provider;
  /** The registered resources, by `kind/namespace/name`. */
  readonly resources = new Map<string, pulumi.CustomResource>();

  constructor(name: string, args: ClusterObjectsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('argo-multicluster:index:ClusterObjects', name, {}, opts);
    this.provider = new k8s.Provider(
      `${name}-provider`,
      { context: args.connection.context, kubeconfig: args.connection.kubeconfig, clusterIdentifier: args.cluster },
      { parent: this },
    );
    const foundation: pulumi.Resource[] = [];
    const serviceAccounts = new Map<string, pulumi.Resource>();
    for (const m of args.manifests) {
      const key = logicalName(args.cluster, m);
      // A token Secret whose ServiceAccount does not exist yet is deleted by the token controller.
      const account = (m.metadata.annotations as Record<string, string> | undefined)?.['kubernetes.io/service-account.name'];
      const owner = account ? serviceAccounts.get(`${m.metadata.namespace}/${account}`) : undefined;
      const resource = registerManifest(key, m, {
        parent: this,
        provider: this.provider,
        dependsOn: FOUNDATION.has(m.kind) ? [] : [...foundation, ...(owner ? [owner] : [])],
      });
      if (FOUNDATION.has(m.kind)) foundation.push(resource);
      if (m.kind === 'ServiceAccount') serviceAccounts.set(`${m.metadata.namespace}/${m.metadata.name}`, resource);
      this.resources.set(key, resource);
    }
    this.registerOutputs({});
  }
}
