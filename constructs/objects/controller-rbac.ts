import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { z } from 'zod';
import { CONTROLLER_SERVICE_ACCOUNT } from '../model/names';
import { annotationsSchema } from '../model/kubernetes';
import { validateProps } from './props';
import { topologySchema } from '../model/topology';
import { LEASE_RULES, SECRET_RULES, controllerWorkflowRules } from './rbac-rules';

/** Props of {@link ControllerRbac}. */
export interface ControllerRbacProps {
  /** Local workflow namespace, where the controller runs. */
  readonly namespace: string;
  /**
   * Namespace-scoped install (`--namespaced`): everything is a Role in `namespace`. Otherwise a ClusterRole grants
   * the workflow rules in all namespaces, Secrets included, because a cluster-wide controller watches profiles there.
   * @default false
   */
  readonly namespaced?: boolean;
  /**
   * A cluster-wide controller whose `config.namespace` is `namespace`: it manages only that namespace
   * (controller.go GetManagedNamespace), so Secrets (its profiles) are granted by the Role in `namespace`, not by the
   * ClusterRole. No effect with `namespaced`, where everything is in the Role.
   * @default false
   */
  readonly managesOwnNamespaceOnly?: boolean;
  /**
   * Annotations of the ServiceAccount `argo` (`controller.serviceAccount.annotations` of the Helm chart), e.g. a cloud
   * identity: EKS IRSA's `eks.amazonaws.com/role-arn`, GKE Workload Identity's `iam.gke.io/gcp-service-account`.
   * @default none
   */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
}

/** Role and binding names as in upstream's install, so operators recognise them. */
const ROLE = 'argo-role';
const CLUSTER_ROLE = 'argo-cluster-role';
const BINDING = 'argo-binding';

/** The props, checked with the topology's own field rules. */
const propsSchema = z.strictObject({
  namespace: topologySchema.shape.local.shape.namespace.unwrap(),
  namespaced: z.boolean().optional(),
  managesOwnNamespaceOnly: z.boolean().optional(),
  serviceAccountAnnotations: annotationsSchema.optional(),
});

/** The controller's ServiceAccount `argo` and the RBAC it needs, profiles included. */
export class ControllerRbac extends Construct {
  constructor(scope: Construct, id: string, given: ControllerRbacProps) {
    super(scope, id);
    const props = validateProps('ControllerRbac', propsSchema, given);
    const namespace = props.namespace;
    const subjects = [{ kind: 'ServiceAccount', name: CONTROLLER_SERVICE_ACCOUNT, namespace }];
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: CONTROLLER_SERVICE_ACCOUNT, namespace, annotations: props.serviceAccountAnnotations },
    });

    // Secrets go where the controller reads them: its one managed namespace, or every namespace.
    const secretsInRole = props.namespaced || props.managesOwnNamespaceOnly;
    const namespacedRules = [
      ...LEASE_RULES,
      ...(props.namespaced ? controllerWorkflowRules(false) : []),
      ...(secretsInRole ? SECRET_RULES : []),
    ];
    new k8s.KubeRole(this, 'Role', { metadata: { name: ROLE, namespace }, rules: namespacedRules });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: BINDING, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE },
      subjects,
    });
    if (props.namespaced) return;

    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: CLUSTER_ROLE },
      rules: [...controllerWorkflowRules(true), ...(secretsInRole ? [] : SECRET_RULES)],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: BINDING },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLUSTER_ROLE },
      subjects,
    });
  }
}
