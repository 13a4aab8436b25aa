import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { z } from 'zod';
import { EXECUTOR_ROLE, executorRoleBindingName } from '../model/names';
import { executorRules } from './rbac-rules';
import { imagePullSecretsSchema } from '../model/pod-settings';
import { validateProps } from './props';
import { topologySchema } from '../model/topology';

/** Props of {@link ExecutorRbac}. */
export interface ExecutorRbacProps {
  /** Remote namespace where workflow pods run. */
  readonly namespace: string;
  /**
   * ServiceAccount the workflow pods run as; created here unless it is `default`, which every namespace has.
   * @default 'default'
   */
  readonly serviceAccount?: string;
  /**
   * Image pull secrets of the ServiceAccount, for the executor image in a private registry: Secrets of type
   * `kubernetes.io/dockerconfigjson` in `namespace`. Needs a `serviceAccount` other than `default`.
   * @default none
   */
  readonly imagePullSecrets?: readonly { readonly name: string }[];
  /**
   * ConfigMaps in `namespace` the executor may `get` (and nothing else): HDFS artifacts' `krbConfigConfigMap`.
   * @default none
   */
  readonly artifactConfigMaps?: readonly string[];
  /**
   * Annotations of the ServiceAccount, e.g. a cloud identity for artifacts (EKS IRSA's `eks.amazonaws.com/role-arn`,
   * GKE Workload Identity's `iam.gke.io/gcp-service-account`). Needs a `serviceAccount` other than `default`.
   * @default none
   */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
}

const remote = topologySchema.shape.remotes.element.shape;
/** The props, checked with the topology's own field rules. */
const propsSchema = z
  .strictObject({
    namespace: remote.namespaces.unwrap().element,
    serviceAccount: remote.executorServiceAccount.unwrap().optional(),
    imagePullSecrets: imagePullSecretsSchema.optional(),
    artifactConfigMaps: remote.artifactConfigMaps.unwrap().optional(),
    serviceAccountAnnotations: remote.executorServiceAccountAnnotations,
  })
  .superRefine((p, ctx) => {
    if ((p.serviceAccount ?? 'default') !== 'default') return;
    if (p.imagePullSecrets?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['imagePullSecrets'],
        message: 'needs a serviceAccount other than "default", which this construct never takes over',
      });
    if (Object.keys(p.serviceAccountAnnotations ?? {}).length)
      ctx.addIssue({
        code: 'custom',
        path: ['serviceAccountAnnotations'],
        message: 'needs a serviceAccount other than "default", which this construct never takes over',
      });
  });

/** The executor Role (create and patch task results, get the named ConfigMaps) bound to the workflow pods' ServiceAccount in one namespace. */
export class ExecutorRbac extends Construct {
  constructor(scope: Construct, id: string, given: ExecutorRbacProps) {
    super(scope, id);
    const props = validateProps('ExecutorRbac', propsSchema, given);
    const { namespace } = props;
    const serviceAccount = props.serviceAccount ?? 'default';
    if (serviceAccount !== 'default') {
      new k8s.KubeServiceAccount(this, 'ServiceAccount', {
        metadata: { name: serviceAccount, namespace, annotations: props.serviceAccountAnnotations },
        imagePullSecrets: props.imagePullSecrets,
      });
    }
    new k8s.KubeRole(this, 'Role', {
      metadata: { name: EXECUTOR_ROLE, namespace },
      rules: executorRules(props.artifactConfigMaps),
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: executorRoleBindingName(serviceAccount), namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: EXECUTOR_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    });
  }
}
