import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { z } from 'zod';
import { CHECKSUM_ANNOTATION, CONTROLLER_CONFIGMAP, CONTROLLER_NAME, CONTROLLER_SERVICE_ACCOUNT } from '../model/names';
import {
  ControllerPodSettings,
  controllerPodSettingsShape,
  leaderElectionProblem,
  podSettingsArgs,
} from '../model/pod-settings';
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
    ...controllerPodSettingsShape,
  })
  .superRefine((p, ctx) => {
    const problem = leaderElectionProblem(p.extraEnv, p.replicas);
    if (problem) ctx.addIssue({ code: 'custom', path: ['extraEnv', problem.index, 'name'], message: problem.message });
  });

/** Priority of the controller pods, as upstream's install sets it. */
const CONTROLLER_PRIORITY = 1000000;
const HEALTH_PORT = 6060;

function quantities(values?: Readonly<Record<string, string | number>>): Record<string, k8s.Quantity> | undefined {
  if (!values) return undefined;
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      typeof v === 'number' ? k8s.Quantity.fromNumber(v) : k8s.Quantity.fromString(v),
    ]),
  );
}

/** The `workflow-controller` Deployment, hardened, and its PriorityClass. */
export class ControllerDeployment extends Construct {
  constructor(scope: Construct, id: string, given: ControllerDeploymentProps) {
    super(scope, id);
    const props = validateProps('ControllerDeployment', propsSchema, given);
    const labels = { app: CONTROLLER_NAME };
    const checksum = controllerChecksum(
      { config: props.config, images: { controller: props.image, executor: props.executorImage } },
      props.profiles,
    );
    new k8s.KubePriorityClass(this, 'PriorityClass', {
      metadata: { name: CONTROLLER_NAME },
      value: CONTROLLER_PRIORITY,
    });

    const args = ['--configmap', CONTROLLER_CONFIGMAP, '--executor-image', props.executorImage];
    if (props.namespaced) args.push('--namespaced');
    args.push(...podSettingsArgs(props));
    const resources = props.resources && {
      requests: quantities(props.resources.requests),
      limits: quantities(props.resources.limits),
    };

    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: CONTROLLER_NAME, namespace: props.namespace },
      spec: {
        replicas: props.replicas ?? 1,
        selector: { matchLabels: labels },
        template: {
          metadata: {
            labels: { ...props.podLabels, ...labels },
            annotations: { ...props.podAnnotations, [CHECKSUM_ANNOTATION]: checksum },
          },
          spec: {
            serviceAccountName: CONTROLLER_SERVICE_ACCOUNT,
            // The controller talks to its own API server, so its token must be mounted (cdk8s-plus would not).
            automountServiceAccountToken: true,
            priorityClassName: CONTROLLER_NAME,
            nodeSelector: { 'kubernetes.io/os': 'linux', ...props.nodeSelector },
            imagePullSecrets: props.imagePullSecrets,
            tolerations: props.tolerations,
            affinity: props.affinity as k8s.Affinity | undefined,
            securityContext: { runAsNonRoot: true },
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
                  ...((props.extraEnv ?? []) as k8s.EnvVar[]),
                ],
                ports: [{ name: 'metrics', containerPort: 9090 }, { containerPort: HEALTH_PORT }],
                livenessProbe: {
                  httpGet: { path: '/healthz', port: k8s.IntOrString.fromNumber(HEALTH_PORT) },
                  failureThreshold: 3,
                  initialDelaySeconds: 90,
                  periodSeconds: 60,
                  timeoutSeconds: 30,
                },
                resources,
                securityContext: {
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    });
  }
}
