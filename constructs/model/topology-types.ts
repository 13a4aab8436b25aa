/**
 * The topology file as documented interfaces, for editors and for programs that build a topology in code. The zod
 * schema in `topology.ts` is what validates; a unit test checks at compile time that these interfaces and the
 * schema's input type accept the same fields, and the JSON Schema (`topology.schema.json`) takes its descriptions
 * from the comments here, so the documentation has one owner.
 */
import type { ControllerConfig } from './controller-config-schema';
import type { ImagePullPolicy } from './kubernetes';

/** A topology file: where the controller runs and which clusters its workflow pods run in. */
export interface TopologyFile {
  /** The cluster where the workflow controller runs. */
  readonly local: LocalClusterSpec;
  /** The clusters where workflow pods run; at least one. */
  readonly remotes: RemoteClusterSpec[];
  /** How the profile credentials appear in GitOps output. */
  readonly secrets?: SecretsSpec;
}

/** The local cluster: the workflow controller, its config and the profiles. */
export interface LocalClusterSpec {
  /**
   * The cluster's name, a DNS-1123 label unique across the topology. Written to the controller ConfigMap as
   * `cluster`: never change it once set (remote pods and task results are found by it).
   */
  readonly name: string;
  /** Kube context of the local cluster. Default: the name. */
  readonly context?: string;
  /** The workflow namespace, where the controller runs and the profiles live. Default: `argo`. */
  readonly namespace?: string;
  /** Write a Namespace object for `namespace` (never for system namespaces). Default: true. */
  readonly createNamespace?: boolean;
  /**
   * Install a ValidatingAdmissionPolicy that refuses profile Secrets (label `workflows.argoproj.io/cluster`) outside
   * `namespace`: a controller without `--namespaced` reads them from every namespace. Needs Kubernetes 1.30 or later;
   * turn it off when several local controllers share the cluster. Default: true, false with `controller.namespaced`
   * (which reads profiles in `namespace` only, and then writes no cluster-scoped object unless asked).
   */
  readonly profileAdmissionPolicy?: boolean;
  /** Argo's own CRDs, as the Argo Workflows Helm chart's `crds.*` values. */
  readonly crds?: CrdsSpec;
  /** The workflow controller Deployment. */
  readonly controller: ControllerSpec;
}

/** Argo's own CRDs in the local cluster (named as the Argo Workflows Helm chart's `crds.install` and `crds.keep`). */
export interface CrdsSpec {
  /**
   * Write Argo's CRDs of the controller's commit (argo-workflows e89b35277d, the minimal ones: Workflow,
   * WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow, WorkflowTaskSet, WorkflowEventBinding, and
   * WorkflowTaskResult unless a remote has the local cluster's kube context and so owns it) into the local cluster's
   * output: cluster-scoped objects, also with `namespaced`. Leave it off when another install (the Helm chart's
   * `crds.install`) owns them. Default: false.
   */
  readonly install?: boolean;
  /**
   * Keep the CRDs, and with them every Workflow, template and cron workflow, when they leave the output or the stack
   * is destroyed: Argo CD does not prune or delete them, Flux does not prune them, Pulumi retains them. Default: true.
   */
  readonly keep?: boolean;
}

/** The workflow controller: images, replicas, config and pod settings (named as the Argo Workflows Helm chart's). */
export interface ControllerSpec {
  /**
   * The controller image: your own multi-cluster build, by tag or `@sha256:` digest. Released
   * `quay.io/argoproj/workflow-controller` tags are refused: they exit on the `cluster` key.
   */
  readonly image: string;
  /** The executor image, passed as `--executor-image`. */
  readonly executorImage: string;
  /** Pull policy of the controller container. Default: the cluster's. */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** Replicas, 1 to 10 (more than one relies on leader election). Default: 1. */
  readonly replicas?: number;
  /** Requests and limits of the controller container. Default: none, as upstream. */
  readonly resources?: ResourceRequirementsSpec;
  /** Run with `--namespaced`: manage only the workflow namespace, with Roles instead of a ClusterRole. Default: false. */
  readonly namespaced?: boolean;
  /**
   * Other `workflow-controller-configmap` keys, one data key each: the controller's, and `sso`, `links` and `navColor`,
   * which argo-server reads from the same ConfigMap. An unknown key is refused (this controller would ignore it).
   */
  readonly config?: ControllerConfig;
  /** Secrets (type `kubernetes.io/dockerconfigjson`, in the workflow namespace) to pull the controller image with. */
  readonly imagePullSecrets?: LocalObjectReferenceSpec[];
  /** Node labels the controller pod must run on, added to `kubernetes.io/os: linux`. */
  readonly nodeSelector?: Record<string, string>;
  /** Taints the controller pod tolerates. */
  readonly tolerations?: TolerationSpec[];
  /** Node and pod (anti-)affinity of the controller pod, as in a pod spec. */
  readonly affinity?: AffinitySpec;
  /** Annotations of the controller pod (not `argo-multicluster.io/config-checksum`, which this package sets). */
  readonly podAnnotations?: Record<string, string>;
  /** Labels of the controller pod (not `app`, the Deployment's selector). */
  readonly podLabels?: Record<string, string>;
  /**
   * More `workflow-controller` flags, each as `--name` or `--name=value`, e.g. `--qps=50`. Flags this package sets
   * (`--configmap`, `--executor-image`, `--namespaced`, `--loglevel`, `--log-format`, `--namespace`) and unknown
   * flags are refused (the controller exits on them), as are flags that replace its identity or API server (`--token`,
   * `--server`, `--kubeconfig`, `--as`, ...), `--managed-namespace` (the profiles and Roles are written for
   * `local.namespace`) and a `--container-runtime-executor` other than `emissary`.
   */
  readonly extraArgs?: string[];
  /**
   * More environment variables of the controller container. `ARGO_<FLAG>` sets a flag the controller is not given, so
   * those of the flags refused in `extraArgs` are refused here too.
   */
  readonly extraEnv?: EnvVarSpec[];
  /** The controller's log level and format (`--loglevel`, `--log-format`). Default: info, text. */
  readonly logging?: LoggingSpec;
  /**
   * The pod's `securityContext`; each field given replaces that default alone. Default: `runAsNonRoot: true` and
   * `seccompProfile: {type: RuntimeDefault}`, which with the container defaults pass Pod Security `restricted`.
   */
  readonly podSecurityContext?: PodSecurityContextSpec;
  /**
   * The controller container's `securityContext`; each field given replaces that default alone. Default:
   * `readOnlyRootFilesystem: true`, `runAsNonRoot: true`, `allowPrivilegeEscalation: false`, `capabilities: {drop: [ALL]}`.
   */
  readonly securityContext?: ContainerSecurityContextSpec;
  /** Volumes of the controller pod, e.g. a ConfigMap with a private CA bundle; exactly one source each. */
  readonly volumes?: VolumeSpec[];
  /** Where the controller container mounts `volumes` (never over the ServiceAccount token's folder). */
  readonly volumeMounts?: VolumeMountSpec[];
  /** The controller's ServiceAccount `argo`. */
  readonly serviceAccount?: {
    /** Its annotations, e.g. EKS IRSA's `eks.amazonaws.com/role-arn` or GKE's `iam.gke.io/gcp-service-account`. */
    readonly annotations?: Record<string, string>;
  };
  /** The PodDisruptionBudget. Default: written, with `maxUnavailable: 1`, when `replicas` is above 1. */
  readonly pdb?: PodDisruptionBudgetSpec;
  /** The metrics Service `workflow-controller`, in front of the port `config.metricsConfig` sets (default 9090). */
  readonly metricsConfig?: MetricsServiceSpec;
  /** A prometheus-operator ServiceMonitor for the metrics Service; needs `metricsConfig.enabled`. */
  readonly serviceMonitor?: ServiceMonitorSpec;
  /** The pods' PriorityClass. Default: none (or `workflow-controller` with `priorityClass.create`). */
  readonly priorityClassName?: string;
  /** Write the PriorityClass (a cluster-scoped object) the pods name. Default: none written. */
  readonly priorityClass?: {
    /** Write it. Default: false. */
    readonly create?: boolean;
    /** Its value, at most 1000000000. Default: 1000000. */
    readonly value?: number;
  };
  /**
   * How the controller pods spread over zones or nodes, as in a pod spec; a constraint without `labelSelector` counts
   * the controller's pods (`app: workflow-controller`).
   */
  readonly topologySpreadConstraints?: TopologySpreadConstraintSpec[];
  /** Old ReplicaSets kept for a rollback. Default: the API server's (10). */
  readonly revisionHistoryLimit?: number;
}

/** A seccomp or AppArmor profile. */
export interface SecurityProfileSpec {
  /** `RuntimeDefault`, `Localhost` or `Unconfined`. */
  readonly type: 'RuntimeDefault' | 'Localhost' | 'Unconfined';
  /** The profile on the node, with type `Localhost` only. */
  readonly localhostProfile?: string;
}

/** SELinux labels. */
export interface SeLinuxOptionsSpec {
  /** SELinux user. */
  readonly user?: string;
  /** SELinux role. */
  readonly role?: string;
  /** SELinux type. */
  readonly type?: string;
  /** SELinux level. */
  readonly level?: string;
}

/** A pod's security context, as in a pod spec. */
export interface PodSecurityContextSpec {
  /** Refuse to start a container running as root. */
  readonly runAsNonRoot?: boolean;
  /** The user id the containers run as. */
  readonly runAsUser?: number;
  /** The primary group id. */
  readonly runAsGroup?: number;
  /** The group that owns the volumes. */
  readonly fsGroup?: number;
  /** `OnRootMismatch` or `Always`. */
  readonly fsGroupChangePolicy?: 'OnRootMismatch' | 'Always';
  /** More group ids. */
  readonly supplementalGroups?: number[];
  /** `Merge` or `Strict`. */
  readonly supplementalGroupsPolicy?: 'Merge' | 'Strict';
  /** The seccomp profile. */
  readonly seccompProfile?: SecurityProfileSpec;
  /** The AppArmor profile. */
  readonly appArmorProfile?: SecurityProfileSpec;
  /** SELinux labels. */
  readonly seLinuxOptions?: SeLinuxOptionsSpec;
  /** `MountOption` or `Recursive`. */
  readonly seLinuxChangePolicy?: 'MountOption' | 'Recursive';
  /** Namespaced sysctls. */
  readonly sysctls?: { readonly name: string; readonly value: string }[];
}

/** A container's security context, as in a pod spec. */
export interface ContainerSecurityContextSpec {
  /** Whether a process may gain more privileges than its parent. */
  readonly allowPrivilegeEscalation?: boolean;
  /** Run privileged. */
  readonly privileged?: boolean;
  /** Mount the root file system read-only. */
  readonly readOnlyRootFilesystem?: boolean;
  /** Refuse to start as root. */
  readonly runAsNonRoot?: boolean;
  /** The user id. */
  readonly runAsUser?: number;
  /** The primary group id. */
  readonly runAsGroup?: number;
  /** Capabilities to add and drop, e.g. `{drop: [ALL]}`. */
  readonly capabilities?: { readonly add?: string[]; readonly drop?: string[] };
  /** `Default` or `Unmasked`. */
  readonly procMount?: 'Default' | 'Unmasked';
  /** The seccomp profile. */
  readonly seccompProfile?: SecurityProfileSpec;
  /** The AppArmor profile. */
  readonly appArmorProfile?: SecurityProfileSpec;
  /** SELinux labels. */
  readonly seLinuxOptions?: SeLinuxOptionsSpec;
}

/** A volume of the controller pod: a DNS-1123 label as name and exactly one source, as in a pod spec. */
export interface VolumeSpec {
  /** The volume's name, which `volumeMounts` refer to. */
  readonly name: string;
  /** A ConfigMap's keys as files. */
  readonly configMap?: Record<string, unknown>;
  /** A Secret's keys as files. */
  readonly secret?: Record<string, unknown>;
  /** An empty folder for the pod's life. */
  readonly emptyDir?: Record<string, unknown>;
  /** Several sources in one folder. */
  readonly projected?: Record<string, unknown>;
  /** A PersistentVolumeClaim. */
  readonly persistentVolumeClaim?: Record<string, unknown>;
  /** A CSI driver's volume. */
  readonly csi?: Record<string, unknown>;
  /** A claim made for the pod alone. */
  readonly ephemeral?: Record<string, unknown>;
  /** An OCI image's files. */
  readonly image?: Record<string, unknown>;
  /** The pod's own fields as files. */
  readonly downwardAPI?: Record<string, unknown>;
  /** An NFS export. */
  readonly nfs?: Record<string, unknown>;
  /** A folder of the node (refused by Pod Security `baseline` and `restricted`). */
  readonly hostPath?: Record<string, unknown>;
}

/** Where the controller container mounts a volume. */
export interface VolumeMountSpec {
  /** The volume's name in `volumes`. */
  readonly name: string;
  /** An absolute path, not the ServiceAccount token's folder nor one above or inside it. */
  readonly mountPath: string;
  /** Mount read-only. */
  readonly readOnly?: boolean;
  /** A path inside the volume to mount instead of its root. */
  readonly subPath?: string;
  /** `subPath` with `$(VAR)` expanded from the environment. */
  readonly subPathExpr?: string;
  /** `None`, `HostToContainer` or `Bidirectional`. */
  readonly mountPropagation?: 'None' | 'HostToContainer' | 'Bidirectional';
  /** `Disabled`, `IfPossible` or `Enabled`. */
  readonly recursiveReadOnly?: 'Disabled' | 'IfPossible' | 'Enabled';
}

/** The controller's PodDisruptionBudget: at most one of `minAvailable` and `maxUnavailable`. */
export interface PodDisruptionBudgetSpec {
  /** Write it. Default: when `replicas` is above 1. */
  readonly enabled?: boolean;
  /** Pods that must stay, a number below `replicas` or a percentage. */
  readonly minAvailable?: number | string;
  /** Pods that may go at once, a number or a percentage. Default: 1. */
  readonly maxUnavailable?: number | string;
}

/** The metrics Service (the controller serves at the port and path of `config.metricsConfig`). */
export interface MetricsServiceSpec {
  /** Write the Service. Default: false. */
  readonly enabled?: boolean;
  /** The Service's port. Default: 8080. */
  readonly servicePort?: number;
  /** The Service port's name, which the ServiceMonitor scrapes. Default: `metrics`. */
  readonly servicePortName?: string;
  /** How often the ServiceMonitor scrapes, a Prometheus duration. Default: Prometheus's. */
  readonly interval?: string;
}

/** A prometheus-operator ServiceMonitor (`monitoring.coreos.com/v1`). */
export interface ServiceMonitorSpec {
  /** Write it (needs the CRD in the cluster). Default: false. */
  readonly enabled?: boolean;
  /** More labels, e.g. the ones your Prometheus's `serviceMonitorSelector` selects. */
  readonly additionalLabels?: Record<string, string>;
}

/** A topology spread constraint, as in a pod spec. */
export interface TopologySpreadConstraintSpec {
  /** How unevenly the pods may spread, at least 1. */
  readonly maxSkew: number;
  /** The node label whose values are the domains, e.g. `topology.kubernetes.io/zone`. */
  readonly topologyKey: string;
  /** `DoNotSchedule` or `ScheduleAnyway`. */
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  /** The pods counted. Default: the controller's own. */
  readonly labelSelector?: Record<string, unknown>;
  /** The least number of domains. */
  readonly minDomains?: number;
  /** `Honor` or `Ignore`. */
  readonly nodeAffinityPolicy?: 'Honor' | 'Ignore';
  /** `Honor` or `Ignore`. */
  readonly nodeTaintsPolicy?: 'Honor' | 'Ignore';
  /** Pod label keys whose values further select the pods counted. */
  readonly matchLabelKeys?: string[];
}

/**
 * Container requests and limits, e.g. `{ requests: { cpu: 100m, memory: 128Mi } }`. Resource names: `cpu`, `memory`,
 * `ephemeral-storage`, `hugepages-<size>` or an extended resource `<domain>/<name>`; huge pages and extended resources
 * cannot be overcommitted, so a request of one needs a limit of the same quantity.
 */
export interface ResourceRequirementsSpec {
  /** Requested quantities by resource name. */
  readonly requests?: Record<string, string | number>;
  /** Limits by resource name. */
  readonly limits?: Record<string, string | number>;
}

/** A reference to an object in the same namespace, by name. */
export interface LocalObjectReferenceSpec {
  /** The object's name. */
  readonly name: string;
}

/** A toleration, as in a pod spec. */
export interface TolerationSpec {
  /** The taint key; empty with operator `Exists` tolerates every taint. */
  readonly key?: string;
  /** `Exists` or `Equal`. Default: `Equal`. */
  readonly operator?: 'Exists' | 'Equal';
  /** The taint value, with operator `Equal`. */
  readonly value?: string;
  /** The taint effect to tolerate; empty means all. */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  /** With effect `NoExecute`: how long the pod stays after the taint appears. */
  readonly tolerationSeconds?: number;
}

/** Scheduling terms as a pod spec's `affinity` has them; the terms themselves are checked by the API server. */
export interface AffinitySpec {
  /** Node affinity. */
  readonly nodeAffinity?: {
    /** Terms a node must match. */
    readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms: Record<string, unknown>[] };
    /** Weighted terms preferred. */
    readonly preferredDuringSchedulingIgnoredDuringExecution?: Record<string, unknown>[];
  };
  /** Pod affinity. */
  readonly podAffinity?: PodAffinityTermsSpec;
  /** Pod anti-affinity. */
  readonly podAntiAffinity?: PodAffinityTermsSpec;
}

/** Required and preferred pod (anti-)affinity terms. */
export interface PodAffinityTermsSpec {
  /** Terms that must hold. */
  readonly requiredDuringSchedulingIgnoredDuringExecution?: Record<string, unknown>[];
  /** Weighted terms preferred. */
  readonly preferredDuringSchedulingIgnoredDuringExecution?: Record<string, unknown>[];
}

/** An environment variable: a value, or one source in `valueFrom`. */
export interface EnvVarSpec {
  /**
   * The variable's name: not `LEADER_ELECTION_IDENTITY` (the Deployment sets it), nor one that replaces a refused flag
   * or the controller's identity (`ARGO_<FLAG>`, `KUBECONFIG`, `KUBERNETES_SERVICE_HOST`/`_PORT`, `POD_NAMESPACE`).
   */
  readonly name: string;
  /** Its value. */
  readonly value?: string;
  /** Where its value comes from: exactly one of `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef`. */
  readonly valueFrom?: {
    /** A field of the pod, e.g. `{fieldPath: metadata.name}`. */
    readonly fieldRef?: { readonly fieldPath: string; readonly apiVersion?: string };
    /** A request or limit of a container, e.g. `{resource: limits.memory, divisor: 1Mi}`. */
    readonly resourceFieldRef?: {
      readonly resource: string;
      readonly containerName?: string;
      readonly divisor?: string | number;
    };
    /** A key of a ConfigMap in the workflow namespace. */
    readonly configMapKeyRef?: KeyReferenceSpec;
    /** A key of a Secret in the workflow namespace. */
    readonly secretKeyRef?: KeyReferenceSpec;
  };
}

/** A key of a ConfigMap or Secret. */
export interface KeyReferenceSpec {
  /** The object's name. */
  readonly name: string;
  /** The data key. */
  readonly key: string;
  /** Start the pod even when the object or key is missing. */
  readonly optional?: boolean;
}

/** The controller's logging flags. */
export interface LoggingSpec {
  /** `--loglevel`: debug, info, warn or error. */
  readonly level?: 'debug' | 'info' | 'warn' | 'error';
  /** `--log-format`: text or json. */
  readonly format?: 'text' | 'json';
}

/** A remote cluster: where workflow pods run, and how the controller reaches it. */
export interface RemoteClusterSpec {
  /** The cluster's name, a DNS-1123 label unique across the topology; the profile is `argo.<name>`. */
  readonly name: string;
  /** Kube context of the remote cluster. Default: the name. */
  readonly context?: string;
  /** The API server URL as the controller *pod* reaches it: `https://<host>[:port]`. */
  readonly server: string;
  /** Namespaces where workflow pods run. Default: `[default]`. */
  readonly namespaces?: string[];
  /** The local namespace allowed to use this remote; `""` means any. Default: `local.namespace`. */
  readonly workflowNamespace?: string;
  /**
   * The workflow pods' ServiceAccount, created unless it is `default`; never a controller identity (`argo.<cluster>`).
   * Default: `default`.
   */
  readonly executorServiceAccount?: string;
  /**
   * Secrets (type `kubernetes.io/dockerconfigjson`, in each remote namespace) put on the executor ServiceAccount to
   * pull the executor image with. Needs an `executorServiceAccount` other than `default`.
   */
  readonly executorImagePullSecrets?: LocalObjectReferenceSpec[];
  /**
   * Annotations of the executor ServiceAccount in each remote namespace, e.g. a cloud identity for artifacts (EKS
   * IRSA's `eks.amazonaws.com/role-arn`, GKE's `iam.gke.io/gcp-service-account`). Needs an `executorServiceAccount`
   * other than `default`, and `manageSharedObjects`.
   */
  readonly executorServiceAccountAnnotations?: Record<string, string>;
  /** `namespaced`: Roles per namespace; `cluster`: ClusterRoles, the profile serves any namespace. Default: `namespaced`. */
  readonly access?: 'namespaced' | 'cluster';
  /** Let the profile skip TLS verification of the remote server. Default: false. */
  readonly insecureSkipTLSVerify?: boolean;
  /** Write Namespace objects for the non-system `namespaces`. Default: true. */
  readonly createNamespaces?: boolean;
  /** The external-secrets.io store that holds this remote's token, for `secrets.mode: external`. */
  readonly secretStore?: SecretStoreRefSpec;
  /**
   * Generation of the controller identity's token Secret (`argo.<local>.service-account-token`, `.<n>` appended from
   * 1 on): raise it and run `rotate` (or `pulumi up`) to move the profile to a new token. 0 to 999999. Default: 0.
   */
  readonly tokenGeneration?: number;
  /**
   * Artifact repository Secrets that each remote namespace needs, for templates that read or write artifacts there: the
   * controller mounts them into the workflow pod, so no identity is granted access to them. Under `pulumi up` each is
   * copied from the local namespace; in GitOps output, create them yourself. Default: none.
   */
  readonly artifactSecrets?: string[];
  /**
   * ConfigMaps that the executor reads through the API in each remote namespace: the `krbConfigConfigMap` of HDFS
   * artifacts. The executor Role there gets `get` on exactly these names (no list or watch); create them yourself.
   * Default: none.
   */
  readonly artifactConfigMaps?: string[];
  /**
   * Write a profile per remote namespace, cluster name `<remote>-<namespace>` (workflow templates name that as their
   * `cluster`), instead of one profile that serves any namespace. The identity then gets Roles only, no ClusterRole,
   * and the controller deletes each namespace's task results (it cannot for an any-namespace profile). Not with
   * `access: cluster`. Default: false.
   */
  readonly profilePerNamespace?: boolean;
  /**
   * Write the objects every local controller using this remote needs identically: the WorkflowTaskResult CRD, the
   * namespaces and the executor RBAC. When several local controllers share a remote, set false in all their
   * topologies but one, whose `namespaces` cover the others'. Default: true.
   */
  readonly manageSharedObjects?: boolean;
}

/** How the profile credentials appear in GitOps output. */
export interface SecretsSpec {
  /**
   * `none`: no profile is written; `external`: an ExternalSecret per remote; `plain`: the profile Secrets in clear
   * (only when named). Default: `external` when a store is set for every remote, else `none`.
   */
  readonly mode?: 'none' | 'external' | 'plain';
  /** The store for every remote that has no `secretStore` of its own. */
  readonly store?: SecretStoreRefSpec;
}

/** An external-secrets.io store and the key in it that holds a remote's token (and CA). */
export interface SecretStoreRefSpec {
  /** The store's name. */
  readonly name: string;
  /** The store's kind. Default: `ClusterSecretStore`. */
  readonly kind?: 'ClusterSecretStore' | 'SecretStore';
  /**
   * The store key holding `token` (and `ca.crt`); `{remote}` is replaced by the remote's name.
   * Default: `argo.<local>.service-account-token`.
   */
  readonly key?: string;
  /** How often external-secrets.io refreshes the profile, as a Go duration. Default: `1h`. */
  readonly refreshInterval?: string;
}
