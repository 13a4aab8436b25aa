import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { ArgoCrds } from './argo-crds';
import { ControllerDeployment } from './controller-deployment';
import { ControllerIdentity } from './controller-identity';
import { ControllerMetrics } from './controller-metrics';
import { ControllerRbac } from './controller-rbac';
import { WorkflowControllerConfigMap } from './controller-configmap';
import { ExecutorRbac } from './executor-rbac';
import { pickPodSettings } from '../model/pod-settings';
import { COMMON_LABELS } from '../model/names';
import { ProfileAdmissionPolicy } from './profile-admission-policy';
import {
  Profile,
  ProfileProps,
  RemoteCredentials,
  allProfiles,
  profileSecretManifest,
  profileTargets,
} from './profile';
import { WorkflowTaskResultCrd } from './task-result-crd';
import type { RemoteCluster, Topology } from '../model/topology';

/** Namespaces every cluster has and that must never be created or deleted by us. */
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

function namespaces(scope: Construct, names: readonly string[]): void {
  for (const name of names) {
    if (!SYSTEM_NAMESPACES.has(name)) new k8s.KubeNamespace(scope, `Namespace-${name}`, { metadata: { name } });
  }
}

/** Options of {@link buildCharts}. */
export interface BuildOptions {
  /**
   * Credentials per remote cluster name, required with `secrets.mode: plain` (the profile Secrets then hold them).
   * @default none
   */
  readonly credentials?: ReadonlyMap<string, RemoteCredentials>;
  /**
   * The profile objects the controller's checksum covers, when they are not the ones these charts write: the stack
   * passes the profiles it builds from the live tokens.
   * @default the profiles written; without any, each profile Secret's metadata (what the controller obeys: names,
   * labels, annotations)
   */
  readonly checksumProfiles?: readonly unknown[];
  /**
   * Put every chart into this app (e.g. to `app.synth()` them together).
   * @default each chart in an app of its own: cdk8s prepares and validates a chart's whole app each time the chart
   * is turned into JSON, so one shared app makes a fleet's synthesis quadratic in its number of clusters
   */
  readonly app?: App;
}

/** Props of {@link LocalClusterChart}. */
export interface LocalClusterChartProps {
  /** The validated topology. */
  readonly topology: Topology;
  /** The profiles (Secret or ExternalSecret) to write, one per remote, or none. */
  readonly profiles: readonly ProfileProps[];
  /**
   * The profile objects the controller's checksum covers.
   * @default the profile objects written
   */
  readonly checksumProfiles?: readonly unknown[];
}

/** Everything in the local cluster: controller config, Deployment, RBAC, the profiles and, on request, Argo's CRDs. */
export class LocalClusterChart extends Chart {
  constructor(scope: Construct, id: string, props: LocalClusterChartProps) {
    super(scope, id, { labels: { ...COMMON_LABELS } });
    const { local } = props.topology;
    const { controller } = local;
    if (local.createNamespace) namespaces(this, [local.namespace]);
    if (local.crds.install)
      new ArgoCrds(this, 'ArgoCrds', {
        // A remote with the local cluster's context is this cluster, and the remotes' side owns the task-result CRD.
        taskResults: !props.topology.remotes.some((r) => r.context === local.context),
        keep: local.crds.keep,
      });
    const config = new WorkflowControllerConfigMap(this, 'Config', {
      namespace: local.namespace,
      clusterName: local.name,
      config: controller.config,
    });
    new ControllerRbac(this, 'Rbac', {
      namespace: local.namespace,
      namespaced: controller.namespaced,
      // validate accepts config.namespace only as local.namespace (controller-config-schema.ts controllerConfigIssues).
      managesOwnNamespaceOnly: controller.config.namespace !== undefined,
      serviceAccountAnnotations: controller.serviceAccount?.annotations,
    });
    const profiles = props.profiles.map((p, i) => new Profile(this, `Profile-${i}`, p).manifest);
    new ControllerDeployment(this, 'Controller', {
      namespace: local.namespace,
      image: controller.image,
      executorImage: controller.executorImage,
      imagePullPolicy: controller.imagePullPolicy,
      replicas: controller.replicas,
      resources: controller.resources,
      namespaced: controller.namespaced,
      instance: local.name,
      priorityClassName: controller.priorityClassName,
      priorityClass: controller.priorityClass,
      pdb: controller.pdb,
      topologySpreadConstraints: controller.topologySpreadConstraints,
      revisionHistoryLimit: controller.revisionHistoryLimit,
      ...pickPodSettings(controller),
      config: config.data,
      profiles: props.checksumProfiles ?? profiles,
    });
    new ControllerMetrics(this, 'Metrics', {
      namespace: local.namespace,
      config: config.data,
      image: controller.image,
      instance: local.name,
      metricsConfig: controller.metricsConfig,
      serviceMonitor: controller.serviceMonitor,
    });
    if (local.profileAdmissionPolicy)
      new ProfileAdmissionPolicy(this, 'ProfileAdmissionPolicy', { namespace: local.namespace });
  }
}

/** Props of {@link RemoteClusterChart}. */
export interface RemoteClusterChartProps {
  /** The local cluster's name (the controller's identity is named after it). */
  readonly localCluster: string;
  /** The remote cluster. */
  readonly remote: RemoteCluster;
}

/** Everything in one remote cluster: the task-result CRD, executor RBAC and the controller's identity. */
export class RemoteClusterChart extends Chart {
  /** The controller's identity, whose token Secret the profile is built from. */
  readonly identity: ControllerIdentity;

  constructor(scope: Construct, id: string, props: RemoteClusterChartProps) {
    super(scope, id, { labels: { ...COMMON_LABELS } });
    const { remote } = props;
    // Objects every local controller using this remote needs identically have one owner, so that two setups sharing
    // the remote neither collide on them nor delete them from under each other.
    if (remote.manageSharedObjects) {
      if (remote.createNamespaces) namespaces(this, remote.namespaces);
      new WorkflowTaskResultCrd(this, 'TaskResultCrd');
      for (const ns of remote.namespaces) {
        new ExecutorRbac(this, `Executor-${ns}`, {
          namespace: ns,
          serviceAccount: remote.executorServiceAccount,
          imagePullSecrets: remote.executorImagePullSecrets,
          serviceAccountAnnotations: remote.executorServiceAccountAnnotations,
          artifactConfigMaps: remote.artifactConfigMaps,
        });
      }
    }
    this.identity = new ControllerIdentity(this, 'Identity', {
      localCluster: props.localCluster,
      namespaces: remote.namespaces,
      access: remote.access,
      profilePerNamespace: remote.profilePerNamespace,
      tokenGeneration: remote.tokenGeneration,
    });
  }
}

/** The charts of a topology: one per cluster. */
export interface ClusterCharts {
  readonly local: LocalClusterChart;
  readonly remotes: readonly RemoteClusterChart[];
}

/** The profiles of the topology's secrets mode: none, ExternalSecrets, or Secrets from credentials. */
function profileProps(topology: Topology, options: BuildOptions): ProfileProps[] {
  const { mode, store } = topology.secrets;
  if (mode === 'none') return [];
  const local = { name: topology.local.name, namespace: topology.local.namespace };
  return topology.remotes.flatMap((remote) => {
    const credentials = options.credentials?.get(remote.name);
    if (mode === 'plain' && !credentials)
      throw new Error(`secrets.mode "plain" needs the credentials of remote cluster "${remote.name}"`);
    const source = mode === 'external' ? { store: (remote.secretStore ?? store)! } : { credentials };
    // One identity, one token: every profile of a remote carries the same credentials.
    return profileTargets(remote).map((t): ProfileProps => ({
      local,
      remote,
      ...source,
      ...(remote.profilePerNamespace ? { servedNamespace: t.namespace } : {}),
    }));
  });
}

/**
 * The single entry point from a topology to Kubernetes objects: the cdk8s app, the GitOps synth and the Pulumi stack
 * all call it, so they cannot drift apart.
 */
export function buildCharts(topology: Topology, options: BuildOptions = {}): ClusterCharts {
  const local = buildLocalChart(topology, options);
  const remotes = topology.remotes.map(
    (remote) =>
      new RemoteClusterChart(options.app ?? new App(), remote.name, { localCluster: topology.local.name, remote }),
  );
  return { local, remotes };
}

/** The local cluster's chart of {@link buildCharts} alone. */
export function buildLocalChart(topology: Topology, options: BuildOptions = {}): LocalClusterChart {
  const profiles = profileProps(topology, options);
  const checksumProfiles =
    options.checksumProfiles ??
    (profiles.length ? undefined : allProfiles(topology).map((p) => profileSecretManifest(p.metadata)));
  return new LocalClusterChart(options.app ?? new App(), topology.local.name, { topology, profiles, checksumProfiles });
}
