import * as pulumi from '@pulumi/pulumi';
import {
  LocalClusterChart,
  Manifest,
  ProfileMetadata,
  RemoteCluster,
  RemoteClusterSpec,
  Topology,
  TopologyError,
  TopologyFile,
  TopologyInput,
  TopologyIssue,
  buildCharts,
  buildLocalChart,
  chartManifests,
  allProfiles,
  profileKubeconfig,
  profileSecretManifest,
  topologySchema,
  unknownClusterIssues,
  validateTopology,
} from '../../constructs';
import { ClusterConnection, ClusterObjects } from './cluster';
import { copyArtifactSecrets } from './artifact-secrets';
import { logicalName } from './kinds';

/** A remote cluster as the component takes it: as in a topology file, with values other resources may give. */
export interface ComponentRemoteCluster extends Omit<RemoteClusterSpec, 'server'> {
  /** The API server URL as the controller *pod* reaches it, `https://<host>[:port]`; may be another resource's output. */
  readonly server: pulumi.Input<string>;
  /**
   * The remote API server's CA bundle, base64 (as a kubeconfig's `certificate-authority-data`), for the profile.
   * @default `ca.crt` of the controller identity's token Secret: the remote cluster's root CA
   */
  readonly caData?: pulumi.Input<string>;
}

/** A topology as the component takes it: a topology file's fields, where a remote's server and CA may be outputs. */
export interface ComponentTopology extends Omit<TopologyFile, 'remotes'> {
  /** The clusters where workflow pods run; at least one. */
  readonly remotes: ComponentRemoteCluster[];
}

/** Arguments of {@link ArgoMultiCluster}. */
export interface ArgoMultiClusterArgs {
  /** The topology, as in a topology file (or already validated); validated with the same rules and messages as the CLI. */
  readonly topology: ComponentTopology | TopologyInput | Topology;
  /**
   * How to reach each cluster, by cluster name.
   * @default the cluster's `context` from the topology, in the provider's default kubeconfig
   */
  readonly connections?: Readonly<Record<string, Partial<ClusterConnection>>>;
  /**
   * Annotate the controller Deployment (and its metrics Service, whose readiness is its pods') `pulumi.com/skipAwait:
   * "true"`, so `up` does not wait for them to become ready (for clusters that cannot run the controller, such as
   * control planes without nodes).
   * @default false
   */
  readonly skipAwait?: boolean;
  /**
   * Which clusters this instance applies, to split one fleet over several stacks (see {@link ArgoMultiClusterPart}).
   * @default `{ kind: 'all' }`: every cluster
   */
  readonly part?: ArgoMultiClusterPart;
}

/** A remote's credentials for its profile, as another stack (a remote part) exported them. */
export interface RemoteCredentialsInput {
  /** The bearer token of the controller identity, decoded. */
  readonly token: pulumi.Input<string>;
  /** The remote's CA bundle, base64; undefined with `insecureSkipTLSVerify`. */
  readonly caData?: pulumi.Input<string | undefined>;
}

/**
 * The clusters one instance applies. `all`: every cluster, the profiles from the tokens it reads back. `remote`: that
 * remote's objects only; {@link ArgoMultiCluster.credentials} holds what its profile needs. `local`: the local
 * cluster only, a profile for each remote in `credentials` (a remote without any gets no profile, so a fleet whose
 * remote failed still gets the profiles of the others).
 */
export type ArgoMultiClusterPart =
  | { readonly kind: 'all' }
  | { readonly kind: 'remote'; readonly remote: string }
  | { readonly kind: 'local'; readonly credentials: Readonly<Record<string, RemoteCredentialsInput>> };

/** A remote's credentials read back from its token Secret: secret outputs. */
export interface RemoteCredentialsOutput {
  readonly token: pulumi.Output<string>;
  readonly caData: pulumi.Output<string | undefined>;
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
  /**
   * The validated topology. A remote `server` given as an output reads here as
   * `https://server-given-as-an-output.invalid`; the profiles carry the real one.
   */
  readonly topology: Topology;
  /** The local cluster's name (the controller's immutable `cluster`). */
  readonly localCluster: pulumi.Output<string>;
  /** The runtime controller image. */
  readonly controllerImage: pulumi.Output<string>;
  /** The profile Secret of each remote cluster. */
  readonly profiles: pulumi.Output<Record<string, ProfileLocation>>;
  /** Each cluster's objects and provider, by cluster name: only the clusters of the {@link ArgoMultiClusterArgs.part}. */
  readonly clusters: ReadonlyMap<string, ClusterObjects>;
  /** The credentials read back from each remote this instance applied, by remote name (secret outputs). */
  readonly credentials: ReadonlyMap<string, RemoteCredentialsOutput>;
  /** Remote servers and CAs given as inputs, by remote name. */
  private readonly endpoints: ReadonlyMap<string, RemoteEndpoint>;

  constructor(name: string, args: ArgoMultiClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('argo-multicluster:index:ArgoMultiCluster', name, {}, opts);
    const { topology, endpoints } = splitInputs(args.topology, `${name}: topology`);
    const clusterNames = [topology.local.name, ...topology.remotes.map((r) => r.name)];
    const issues: TopologyIssue[] = [];
    for (const [c, given] of Object.entries(args.connections ?? {})) {
      const unknown = unknownClusterIssues(`connections.${c}`, c, clusterNames, 'cluster');
      issues.push(...unknown);
      if (!unknown.length && given.provider && (given.context !== undefined || given.kubeconfig !== undefined)) {
        issues.push({
          path: `connections.${c}.provider`,
          value: '(provider)',
          message: 'cannot be given with context or kubeconfig: the provider already says how to reach the cluster',
        });
      }
    }
    if (issues.length) throw new TopologyError(issues, `${name}: connections`);
    const part = args.part ?? { kind: 'all' };
    checkPart(part, topology, name);
    this.endpoints = endpoints;
    this.topology = topology;
    const profiles = allProfiles(topology);
    const credentials = new Map<string, RemoteCredentialsOutput>();
    this.credentials = credentials;
    const stackTraceLimit = Error.stackTraceLimit;
    // The SDK records and formats a stack trace for every promise it makes, for its leak report; that was a third of
    // the construction time of a fleet. Our own errors are thrown above; PULUMI_DEBUG_PROMISE_LEAKS keeps the traces.
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) Error.stackTraceLimit = 0;
    try {
      this.clusters = this.build(name, topology, profiles, args, part, credentials);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.localCluster = pulumi.output(topology.local.name);
    this.controllerImage = pulumi.output(topology.local.controller.image);
    const written = profiles.filter(
      (p) => part.kind === 'all' || (part.kind === 'local' && part.credentials[p.remote.name]),
    );
    this.profiles = pulumi.output(
      Object.fromEntries(
        written.map((p) => [p.target.cluster, { name: p.metadata.name, namespace: p.metadata.namespace }]),
      ),
    );
    this.registerOutputs({
      localCluster: this.localCluster,
      controllerImage: this.controllerImage,
      profiles: this.profiles,
    });
  }

  /** Registers the part's clusters' objects and profiles; returns the clusters by name, fills `credentials`. */
  private build(
    name: string,
    topology: Topology,
    profilesOf: readonly { remote: RemoteCluster; metadata: ProfileMetadata }[],
    args: ArgoMultiClusterArgs,
    part: ArgoMultiClusterPart,
    credentials: Map<string, RemoteCredentialsOutput>,
  ): Map<string, ClusterObjects> {
    // Profiles are built here from the live tokens, so the charts carry none.
    const withoutProfiles: Topology = { ...topology, secrets: { mode: 'none' } };
    const charts = buildCharts(withoutProfiles);
    // Only the fields given override the topology: an explicit `context: undefined` must not drop the cluster's context.
    const connection = (cluster: string, context: string): ClusterConnection => {
      const given = args.connections?.[cluster] ?? {};
      return {
        context: given.context ?? context,
        ...(given.kubeconfig !== undefined ? { kubeconfig: given.kubeconfig } : {}),
        ...(given.provider !== undefined ? { provider: given.provider } : {}),
      };
    };
    const clusters = new Map<string, ClusterObjects>();

    for (const [i, remote] of topology.remotes.entries()) {
      if (part.kind === 'local' || (part.kind === 'remote' && part.remote !== remote.name)) continue;
      const objects = new ClusterObjects(
        `${name}-${remote.name}`,
        {
          component: name,
          cluster: remote.name,
          connection: connection(remote.name, remote.context),
          manifests: chartManifests(charts.remotes[i]),
        },
        { parent: this },
      );
      clusters.set(remote.name, objects);
      const token = objects.resources.get(
        logicalName(remote.name, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: charts.remotes[i].identity.tokenSecretName, namespace: remote.namespaces[0] },
        }),
      );
      const data = (token as unknown as { data: pulumi.Output<Record<string, string>> }).data;
      const caData = this.endpoints.get(remote.name)?.caData;
      credentials.set(remote.name, {
        token: pulumi.secret(data.apply((d) => decode(d?.token))),
        caData: pulumi.secret(pulumi.all([data, caData]).apply(([d, given]) => given ?? d?.['ca.crt'])),
      });
    }
    if (part.kind === 'remote') {
      copyArtifactSecrets(name, topology, clusters);
      return clusters;
    }

    const given = (remote: string): RemoteCredentialsInput | undefined =>
      part.kind === 'local' ? part.credentials[remote] : credentials.get(remote);
    const present = topology.remotes.flatMap((remote, i) =>
      given(remote.name) ? [{ remote, at: i, credentials: given(remote.name)! }] : [],
    );
    const kubeconfigs = present.map(({ remote, at, credentials: c }) =>
      pulumi.secret(
        pulumi.all([c.token, c.caData, this.endpoints.get(remote.name)?.server]).apply(([token, caData, server]) => {
          if (server !== undefined) checkServer(server, `remotes[${at}].server`, `${name}: topology`, this);
          return profileKubeconfig(topology, { ...remote, server: server ?? remote.server }, { token, caData });
        }),
      ),
    );

    // Each remote's profiles (one per namespace with profilePerNamespace), with that remote's kubeconfig.
    const remoteProfiles = (remote: RemoteCluster) => profilesOf.filter((p) => p.remote === remote);
    const profiles = present.flatMap(({ remote }, i) =>
      remoteProfiles(remote).map((p): Manifest => ({
        ...(profileSecretManifest(p.metadata) as unknown as Manifest),
        stringData: { kubeconfig: kubeconfigs[i] },
      })),
    );
    // The Deployment construct writes the checksum over the profiles it is given; given the live ones, its pod
    // template's annotations are what the controller must roll on. A SHA-256 over high-entropy tokens reveals
    // nothing, and left secret it would hide the whole Deployment spec in state and previews.
    const podAnnotations = pulumi.unsecret(
      pulumi.all(kubeconfigs).apply((kcs) => {
        const live = present.flatMap(({ remote }, i) =>
          remoteProfiles(remote).map((p) => profileSecretManifest(p.metadata, kcs[i])),
        );
        return podTemplate(buildLocalChart(withoutProfiles, { checksumProfiles: live })).metadata.annotations;
      }),
    );
    const local = chartManifests(charts.local).map((m) =>
      m.kind === 'Deployment'
        ? withRollout(m, podAnnotations, args.skipAwait ?? false)
        : m.kind === 'Service' && args.skipAwait
          ? withSkipAwait(m)
          : m,
    );
    const deploymentAt = local.findIndex((m) => m.kind === 'Deployment');
    local.splice(deploymentAt, 0, ...profiles);
    clusters.set(
      topology.local.name,
      new ClusterObjects(
        `${name}-${topology.local.name}`,
        {
          component: name,
          cluster: topology.local.name,
          connection: connection(topology.local.name, topology.local.context),
          manifests: local,
        },
        { parent: this },
      ),
    );
    copyArtifactSecrets(name, topology, clusters);
    return clusters;
  }
}

/** Refuses a part that names a remote the topology does not have. */
function checkPart(part: ArgoMultiClusterPart, topology: Topology, name: string): void {
  const remotes = topology.remotes.map((r) => r.name);
  const issues: TopologyIssue[] = [];
  if (part.kind === 'remote') issues.push(...unknownClusterIssues('part.remote', part.remote, remotes, 'remote'));
  if (part.kind === 'local') {
    for (const r of Object.keys(part.credentials)) {
      issues.push(...unknownClusterIssues(`part.credentials.${r}`, r, remotes, 'remote'));
    }
  }
  if (!['all', 'remote', 'local'].includes(part.kind))
    issues.push({ path: 'part.kind', value: String(part.kind), message: 'must be one of: all, remote, local' });
  if (issues.length) throw new TopologyError(issues, `${name}: part`);
}

/** A remote's server and CA as the user gave them, when they are (or may be) outputs of other resources. */
interface RemoteEndpoint {
  readonly server?: pulumi.Input<string>;
  readonly caData?: pulumi.Input<string>;
}

/** Stands in for a server that is not known yet, so that every other field is validated now. */
const PENDING_SERVER = 'https://server-given-as-an-output.invalid';

/**
 * Validates the topology and takes out what may be outputs: a remote `server` that is not a plain string is validated
 * once known (see {@link checkServer}); `caData` is not a topology field.
 */
function splitInputs(
  given: ComponentTopology | TopologyInput | Topology,
  source: string,
): { topology: Topology; endpoints: Map<string, RemoteEndpoint> } {
  const endpoints = new Map<string, RemoteEndpoint>();
  const raw = given as { remotes?: unknown };
  if (!Array.isArray(raw.remotes)) return { topology: validateTopology(given, source), endpoints };
  const remotes = raw.remotes.map((r: unknown) => {
    if (r === null || typeof r !== 'object') return r;
    const { caData, ...rest } = r as { caData?: pulumi.Input<string>; server?: unknown; name?: unknown };
    const deferred = rest.server !== undefined && typeof rest.server !== 'string';
    if (typeof rest.name === 'string' && (deferred || caData !== undefined)) {
      endpoints.set(rest.name, {
        ...(deferred ? { server: rest.server as pulumi.Input<string> } : {}),
        ...(caData !== undefined ? { caData } : {}),
      });
    }
    return deferred ? { ...rest, server: PENDING_SERVER } : rest;
  });
  return { topology: validateTopology({ ...given, remotes }, source), endpoints };
}

/**
 * Validates a server URL that was an output, with the topology's own rule, when its value is known. The error is also
 * logged on the component: an exception while a resource's inputs are serialized may reach the engine only as an
 * unhandled rejection, and a logged error fails the update whatever the host.
 */
function checkServer(server: string, path: string, source: string, component: pulumi.Resource): void {
  const result = topologySchema.shape.remotes.element.shape.server.safeParse(server);
  if (result.success) return;
  const error = new TopologyError(
    result.error.issues.map((i) => ({ path, value: server, message: i.message })),
    source,
  );
  pulumi.log.error(error.message, component);
  throw error;
}

/** The parts of a Deployment manifest the stack changes. */
interface DeploymentManifest extends Manifest {
  readonly spec: { readonly template: PodTemplate; readonly [key: string]: unknown };
}

interface PodTemplate {
  readonly metadata: { readonly annotations: Readonly<Record<string, string>>; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** The controller's pod template in a local chart. */
function podTemplate(chart: LocalClusterChart): PodTemplate {
  const deployment = chartManifests(chart).find((m) => m.kind === 'Deployment') as DeploymentManifest;
  return deployment.spec.template;
}

const SKIP_AWAIT = { 'pulumi.com/skipAwait': 'true' };

/** An object Pulumi should not wait on. */
function withSkipAwait(m: Manifest): Manifest {
  const annotations = { ...((m.metadata.annotations as Record<string, string> | undefined) ?? {}), ...SKIP_AWAIT };
  return { ...m, metadata: { ...m.metadata, annotations } };
}

/** The Deployment with the pod annotations of the live profiles, and the stack's skip-wait choice. */
function withRollout(
  deployment: Manifest,
  podAnnotations: pulumi.Output<Readonly<Record<string, string>>>,
  skipAwait: boolean,
): Manifest {
  const d = deployment as DeploymentManifest;
  const annotations = { ...(d.metadata.annotations ?? {}), ...(skipAwait ? SKIP_AWAIT : {}) };
  return {
    ...d,
    metadata: { ...d.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      ...d.spec,
      template: { ...d.spec.template, metadata: { ...d.spec.template.metadata, annotations: podAnnotations } },
    },
  };
}
