import * as pulumi from '@pulumi/pulumi';
import {
  CHECKSUM_ANNOTATION,
  Manifest,
  ProfileMetadata,
  Topology,
  TopologyError,
  TopologyInput,
  buildCharts,
  chartManifests,
  controllerChecksum,
  profileKubeconfig,
  profileMetadata,
  profileSecretManifest,
  validateTopology,
} from '../constructs';
import { ClusterConnection, ClusterObjects } from './cluster';
import { copyArtifactSecrets } from './artifact-secrets';
import { logicalName } from './kinds';

/** Arguments of {@link ArgoMultiCluster}. */
export interface ArgoMultiClusterArgs {
  /** The topology, as in a topology file (or already validated); validated with the same rules and messages as the CLI. */
  readonly topology: TopologyInput | Topology;
  /**
   * How to reach each cluster, by cluster name.
   * @default the cluster's `context` from the topology, in the provider's default kubeconfig
   */
  readonly connections?: Readonly<Record<string, Partial<ClusterConnection>>>;
  /**
   * Annotate the controller Deployment `pulumi.com/skipAwait: "true"`, so `up` does not wait for it to become ready
   * (for clusters that cannot run it, such as control planes without nodes).
   * @default false
   */
  readonly skipAwait?: boolean;
}

/** Where a profile Secret was written. */
export interface ProfileLocation {
  readonly name: string;
  readonly namespace: string;
}

function decode(b64: string | undefined): string {
  return Buffer.from(b64 ?? '', 'base64').toString('utf8');
}

/**
 * An Argo Workflows multi-cluster setup: the objects the constructs synthesize, applied to each cluster on its own
 * provider, plus what only Pulumi can know: each remote's token, read back to build the profile Secrets.
 */
export class ArgoMultiCluster extends pulumi.ComponentResource {
  /** The validated topology. */
  readonly topology: Topology;
  /** The local cluster's name (the controller's immutable `cluster`). */
  readonly localCluster: pulumi.Output<string>;
  /** The runtime controller image. */
  readonly controllerImage: pulumi.Output<string>;
  /** The profile Secret of each remote cluster. */
  readonly profiles: pulumi.Output<Record<string, ProfileLocation>>;
  /** Each cluster's objects and provider, by cluster name. */
  readonly clusters: ReadonlyMap<string, ClusterObjects>;

  constructor(name: string, args: ArgoMultiClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('argo-multicluster:index:ArgoMultiCluster', name, {}, opts);
    const topology = validateTopology(args.topology as TopologyInput, `${name}: topology`);
    const clusterNames = [topology.local.name, ...topology.remotes.map((r) => r.name)];
    const strangers = Object.keys(args.connections ?? {}).filter((c) => !clusterNames.includes(c));
    if (strangers.length) {
      throw new TopologyError(
        strangers.map((c) => ({ path: `connections.${c}`, value: c, message: `is not a cluster of the topology; valid: ${clusterNames.join(', ')}` })),
        `${name}: connections`,
      );
    }
    this.topology = topology;
    const metadata = topology.remotes.map((remote) => profileMetadata(topology, remote));
    const stackTraceLimit = Error.stackTraceLimit;
    // The SDK records and formats a stack trace for every promise it makes, for its leak report; that was a third of
    // the construction time of a fleet. Our own errors are thrown above; PULUMI_DEBUG_PROMISE_LEAKS keeps the traces.
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) Error.stackTraceLimit = 0;
    try {
      this.clusters = this.build(name, topology, metadata, args);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.localCluster = pulumi.output(topology.local.name);
    this.controllerImage = pulumi.output(topology.local.controller.image);
    this.profiles = pulumi.output(Object.fromEntries(topology.remotes.map((r, i) => [r.name, { name: metadata[i].name, namespace: metadata[i].namespace }])));
    this.registerOutputs({ localCluster: this.localCluster, controllerImage: this.controllerImage, profiles: this.profiles });
  }

  /** Registers every cluster's objects and the profiles; returns the clusters by name. */
  private build(name: string, topology: Topology, metadata: readonly ProfileMetadata[], args: ArgoMultiClusterArgs): Map<string, ClusterObjects> {
    // Profiles are built here from the live tokens, so the charts carry none.
    const charts = buildCharts({ ...topology, secrets: { mode: 'none' } });
    // Only the fields given override the topology: an explicit `context: undefined` must not drop the cluster's context.
    const connection = (cluster: string, context: string): ClusterConnection => {
      const given = args.connections?.[cluster] ?? {};
      return { context: given.context ?? context, ...(given.kubeconfig !== undefined ? { kubeconfig: given.kubeconfig } : {}) };
    };
    const clusters = new Map<string, ClusterObjects>();

    const kubeconfigs = topology.remotes.map((remote, i) => {
      const chart = charts.remotes[i];
      const objects = new ClusterObjects(`${name}-${remote.name}`, { cluster: remote.name, connection: connection(remote.name, remote.context), manifests: chartManifests(chart) }, { parent: this });
      clusters.set(remote.name, objects);
      const token = objects.resources.get(logicalName(remote.name, { apiVersion: 'v1', kind: 'Secret', metadata: { name: chart.identity.tokenSecretName, namespace: remote.namespaces[0] } }));
      const data = (token as unknown as { data: pulumi.Output<Record<string, string>> }).data;
      return pulumi.secret(data.apply((d) => profileKubeconfig(topology, remote, { token: decode(d?.token), caData: d?.['ca.crt'] })));
    });

    const profiles = metadata.map((m, i): Manifest => ({ ...(profileSecretManifest(m) as unknown as Manifest), stringData: { kubeconfig: kubeconfigs[i] } }));
    // A SHA-256 over high-entropy tokens reveals nothing, and left secret it would hide the whole Deployment spec in
    // state and previews.
    const checksum = pulumi.unsecret(
      pulumi.all(kubeconfigs).apply((kcs) => controllerChecksum(charts.local.rolloutInputs, metadata.map((m, i) => profileSecretManifest(m, kcs[i])))),
    );
    const local = chartManifests(charts.local).map((m) => (m.kind === 'Deployment' ? withRollout(m, checksum, args.skipAwait ?? false) : m));
    const deploymentAt = local.findIndex((m) => m.kind === 'Deployment');
    local.splice(deploymentAt, 0, ...profiles);
    clusters.set(topology.local.name, new ClusterObjects(`${name}-${topology.local.name}`, { cluster: topology.local.name, connection: connection(topology.local.name, topology.local.context), manifests: local }, { parent: this }));
    copyArtifactSecrets(name, topology, clusters);
    return clusters;
  }
}

/** The Deployment with the checksum over the live profiles, and the stack's skip-wait choice. */
function withRollout(deployment: Manifest, checksum: pulumi.Output<string>, skipAwait: boolean): Manifest {
  const d = deployment as any;
  const annotations = { ...(d.metadata.annotations ?? {}), ...(skipAwait ? { 'pulumi.com/skipAwait': 'true' } : {}) };
  const template = d.spec.template;
  return {
    ...d,
    metadata: { ...d.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: { ...d.spec, template: { ...template, metadata: { ...template.metadata, annotations: { ...template.metadata.annotations, [CHECKSUM_ANNOTATION]: checksum } } } },
  };
}
