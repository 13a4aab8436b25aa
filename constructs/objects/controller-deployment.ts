import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { z } from 'zod';
import { CHECKSUM_ANNOTATION, CONTROLLER_CONFIGMAP, CONTROLLER_NAME, CONTROLLER_SERVICE_ACCOUNT } from '../model/names';
import {
  ControllerPodSettings,
  controllerPodSettingsShape,
  podSettingsArgs,
  podSettingsIssues,
} from '../model/pod-settings';
import { containerSecurityContext, podSecurityContext } from '../model/pod-security';
import {
  CONTROLLER_SELECTOR,
  DEFAULT_PRIORITY,
  METRICS_PORT_NAME,
  controllerLabels,
  controllerObjectsIssues,
  controllerObjectsShape,
  pdbEnabled,
} from '../model/controller-objects';
import { metricsEndpointOfData } from './controller-metrics';
import { controllerChecksum } from '../render/checksum';
import type { ImagePullPolicy } from '../model/kubernetes';
import { validateProps } from './props';
import { topologySchema } from '../model/topology';

/** Container resources as the topology gives them. */
export interface ResourceQuantities {
  /** Requests, e.g. `{ cpu: '100m', memory: '128Mi' }`. */
  readonly requests?: Readonly<Record<string, string | number>>;
  /** Limits, same form. */
  readonly limits?: Readonly<Record<string, string | number>>;
}

/** Props of {@link ControllerDeployment}. */
export interface ControllerDeploymentProps extends Readonly<ControllerPodSettings> {
  /** Local workflow namespace, where the controller runs. */
  readonly namespace: string;
  /** Runtime controller image: the user's multi-cluster build (tag or `@sha256:` digest). */
  readonly image: string;
  /** Executor image, passed with `--executor-image`. */
  readonly executorImage: string;
  /**
   * The data of the controller's ConfigMap. The controller reads it only at start, so the pod template carries a
   * checksum of it (with the images and `profiles`): a change rolls the controller.
   */
  readonly config: Readonly<Record<string, string>>;
  /**
   * The profile objects the controller reads at start, one per remote: the Secrets as written, or their metadata
   * alone when the kubeconfigs are not known here. The checksum covers them, so a rotated token rolls the controller.
   */
  readonly profiles: readonly unknown[];
  /**
   * Pull policy of the controller container.
   * @default the cluster's default for the image
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Replicas (more than one relies on leader election).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Requests and limits of the controller container.
   * @default none, as upstream
   */
  readonly resources?: ResourceQuantities;
  /**
   * Run with `--namespaced` (only `namespace` is managed).
   * @default false
   */
  readonly namespaced?: boolean;
  /**
   * The instance the controller's `app.kubernetes.io/instance` label names: the local cluster's name.
   * @default no such label
   */
  readonly instance?: string;
  /**
   * The pods' PriorityClass (`priorityClassName` of the Helm chart).
   * @default none, or `workflow-controller` when `priorityClass.create` is set
   */
  readonly priorityClassName?: string;
  /**
   * Write the PriorityClass the pods name (a cluster-scoped object): `create` and its `value`.
   * @default none written
   */
  readonly priorityClass?: { readonly create?: boolean; readonly value?: number };
  /**
   * The PodDisruptionBudget: `enabled`, and `minAvailable` or `maxUnavailable`.
   * @default written with `maxUnavailable: 1` when `replicas` is above 1
   */
  readonly pdb?: {
    readonly enabled?: boolean;
    readonly minAvailable?: number | string;
    readonly maxUnavailable?: number | string;
  };
  /**
   * How the pods spread over failure domains, as a pod spec's `topologySpreadConstraints`; without a `labelSelector`
   * a constraint counts the controller's own pods.
   * @default none
   */
  readonly topologySpreadConstraints?: readonly Record<string, unknown>[];
  /**
   * Old ReplicaSets kept for a rollback.
   * @default the API server's (10)
   */
  readonly revisionHistoryLimit?: number;
}

const controller = topologySchema.shape.local.shape.controller.shape;
/** The props, checked with the topology's own field rules. */
const propsSchema = z
  .strictObject({
    namespace: topologySchema.shape.local.shape.namespace.unwrap(),
    image: controller.image,
    executorImage: controller.executorImage,
    config: z.record(z.string(), z.string()),
    profiles: z.array(z.unknown()),
    imagePullPolicy: controller.imagePullPolicy,
    replicas: controller.replicas.unwrap().optional(),
    resources: controller.resources,
    namespaced: controller.namespaced.unwrap().optional(),
    instance: topologySchema.shape.local.shape.name.optional(),
    priorityClassName: controllerObjectsShape.priorityClassName,
    priorityClass: controllerObjectsShape.priorityClass,
    pdb: controllerObjectsShape.pdb,
    topologySpreadConstraints: controllerObjectsShape.topologySpreadConstraints,
    revisionHistoryLimit: controllerObjectsShape.revisionHistoryLimit,
    ...controllerPodSettingsShape,
  })
  .superRefine((p, ctx) => {
    for (const [path, message] of [...podSettingsIssues(p), ...controllerObjectsIssues(p)])
      ctx.addIssue({ code: 'custom', path, message });
  });

const HEALTH_PORT = 6060;

/**
 * The `workflow-controller` Deployment, hardened to pass Pod Security `restricted`, with its PodDisruptionBudget
 * (more than one replica, or on request) and PriorityClass (on request).
 */
export class ControllerDeployment extends Construct {
  constructor(scope: Construct, id: string, given: ControllerDeploymentProps) {
    super(scope, id);
    const props = validateProps('ControllerDeployment', propsSchema, given);
    const labels = { ...controllerLabels(props.image, props.instance), ...CONTROLLER_SELECTOR };
    const checksum = controllerChecksum(
      { config: props.config, images: { controller: props.image, executor: props.executorImage } },
      props.profiles,
    );
    const priorityClassName = props.priorityClassName ?? (props.priorityClass?.create ? CONTROLLER_NAME : undefined);
    if (props.priorityClass?.create) {
      new k8s.KubePriorityClass(this, 'PriorityClass', {
        metadata: { name: priorityClassName!, labels },
        value: props.priorityClass.value ?? DEFAULT_PRIORITY,
      });
    }
    if (pdbEnabled(props)) {
      const { minAvailable, maxUnavailable } = props.pdb ?? {};
      const budget = minAvailable !== undefined ? { minAvailable } : { maxUnavailable: maxUnavailable ?? 1 };
      new ApiObject(this, 'PodDisruptionBudget', {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: CONTROLLER_NAME, namespace: props.namespace, labels },
        spec: { ...budget, selector: { matchLabels: CONTROLLER_SELECTOR } },
      });
    }

    const args = ['--configmap', CONTROLLER_CONFIGMAP, '--executor-image', props.executorImage];
    if (props.namespaced) args.push('--namespaced');
    args.push(...podSettingsArgs(props));

    // A plain object, not cdk8s-plus's typed one: its converters drop what they do not model (a resourceFieldRef's
    // divisor given as text, a misspelt affinity term), and the API server must see exactly what the topology says.
    new ApiObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: CONTROLLER_NAME, namespace: props.namespace, labels },
      spec: {
        replicas: props.replicas ?? 1,
        revisionHistoryLimit: props.revisionHistoryLimit,
        selector: { matchLabels: CONTROLLER_SELECTOR },
        template: {
          metadata: {
            labels: { ...props.podLabels, ...labels },
            annotations: { ...props.podAnnotations, [CHECKSUM_ANNOTATION]: checksum },
          },
          spec: {
            serviceAccountName: CONTROLLER_SERVICE_ACCOUNT,
            // The controller talks to its own API server, so its token must be mounted.
            automountServiceAccountToken: true,
            priorityClassName,
            nodeSelector: { 'kubernetes.io/os': 'linux', ...props.nodeSelector },
            imagePullSecrets: props.imagePullSecrets,
            tolerations: props.tolerations,
            affinity: props.affinity,
            topologySpreadConstraints: props.topologySpreadConstraints?.map((c) => ({
              labelSelector: { matchLabels: CONTROLLER_SELECTOR },
              ...c,
            })),
            securityContext: podSecurityContext(props.podSecurityContext),
            volumes: props.volumes,
            containers: [
              {
                name: CONTROLLER_NAME,
                image: props.image,
                imagePullPolicy: props.imagePullPolicy,
                command: [CONTROLLER_NAME],
                args,
                env: [
                  {
                    name: 'LEADER_ELECTION_IDENTITY',
                    valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
                  },
                  ...(props.extraEnv ?? []),
                ],
                ports: [
                  { name: METRICS_PORT_NAME, containerPort: metricsEndpointOfData(props.config).port },
                  { containerPort: HEALTH_PORT },
                ],
                livenessProbe: {
                  httpGet: { path: '/healthz', port: HEALTH_PORT },
                  failureThreshold: 3,
                  initialDelaySeconds: 90,
                  periodSeconds: 60,
                  timeoutSeconds: 30,
                },
                resources: props.resources,
                securityContext: containerSecurityContext(props.securityContext),
                volumeMounts: props.volumeMounts,
              },
            ],
          },
        },
      },
    });
  }
}
