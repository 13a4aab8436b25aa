import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { z } from 'zod';
import { controllerIdentityName, tokenSecretName } from '../model/names';
import { validateProps } from './props';
import { REMOTE_RULES, REMOTE_WATCH_RULES, REMOTE_WRITE_RULES } from './rbac-rules';
import { topologySchema } from '../model/topology';

/** Props of {@link ControllerIdentity}. */
export interface ControllerIdentityProps {
  /** The local cluster's name: the identity is `argo.<local>`. */
  readonly localCluster: string;
  /** Remote namespaces the controller runs pods in; the identity lives in the first. */
  readonly namespaces: readonly string[];
  /**
   * `namespaced`: Roles in the named namespaces (and, with several, cluster-wide list and watch only).
   * `cluster`: one ClusterRole for everything, for a profile that serves any namespace.
   * @default 'namespaced'
   */
  readonly access?: 'namespaced' | 'cluster';
  /**
   * A profile per namespace (`namespaced` access only): each profile's informers and task-result cleanup stay in its
   * namespace, so every namespace gets the whole Role and nothing is granted cluster-wide.
   * @default false
   */
  readonly profilePerNamespace?: boolean;
  /**
   * Generation of the token Secret (see `tokenSecretName`).
   * @default 0
   */
  readonly tokenGeneration?: number;
}

const RBAC = 'rbac.authorization.k8s.io';

const remote = topologySchema.shape.remotes.element.shape;
/** The props, checked with the topology's own field rules. */
const propsSchema = z
  .strictObject({
    localCluster: topologySchema.shape.local.shape.name,
    namespaces: remote.namespaces.unwrap(),
    access: remote.access.unwrap().optional(),
    profilePerNamespace: remote.profilePerNamespace.unwrap().optional(),
    tokenGeneration: remote.tokenGeneration.unwrap().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.profilePerNamespace && p.access === 'cluster') {
      ctx.addIssue({
        code: 'custom',
        path: ['profilePerNamespace'],
        message: 'cannot be combined with access: cluster, whose profile serves any namespace through a ClusterRole',
      });
    }
  });

/**
 * The local controller's identity in a remote cluster: ServiceAccount `argo.<local>`, the least RBAC Argo needs there,
 * and a long-lived token Secret (Kubernetes 1.24+ creates none) that the profile's kubeconfig is built from.
 */
export class ControllerIdentity extends Construct {
  /** Name of the ServiceAccount, Roles and bindings. */
  readonly name: string;
  /** Namespace of the ServiceAccount and its token Secret. */
  readonly namespace: string;
  /** Name of the token Secret. */
  readonly tokenSecretName: string;
  /** The token Secret, which `rotate` creates on its own before the rest of the remote folder is applied. */
  readonly tokenSecret: ApiObject;

  constructor(scope: Construct, id: string, given: ControllerIdentityProps) {
    super(scope, id);
    const props = validateProps('ControllerIdentity', propsSchema, given);
    const name = controllerIdentityName(props.localCluster);
    const namespace = props.namespaces[0];
    this.name = name;
    this.namespace = namespace;
    this.tokenSecretName = tokenSecretName(props.localCluster, props.tokenGeneration);
    const subjects = [{ kind: 'ServiceAccount', name, namespace }];

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name, namespace } });
    this.tokenSecret = new k8s.KubeSecret(this, 'Token', {
      metadata: { name: this.tokenSecretName, namespace, annotations: { 'kubernetes.io/service-account.name': name } },
      type: 'kubernetes.io/service-account-token',
    });

    const clusterWide = (rules: k8s.PolicyRule[]) => {
      new k8s.KubeClusterRole(this, 'ClusterRole', { metadata: { name }, rules });
      new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
        metadata: { name },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name },
        subjects,
      });
    };
    if (props.access === 'cluster') {
      clusterWide(REMOTE_RULES);
      return;
    }
    // One profile serving several namespaces serves any: its list, watch and cleanup are cluster-wide.
    const several = props.namespaces.length > 1 && !props.profilePerNamespace;
    for (const ns of props.namespaces) {
      new k8s.KubeRole(this, `Role-${ns}`, {
        metadata: { name, namespace: ns },
        rules: several ? REMOTE_WRITE_RULES : REMOTE_RULES,
      });
      new k8s.KubeRoleBinding(this, `RoleBinding-${ns}`, {
        metadata: { name, namespace: ns },
        roleRef: { apiGroup: RBAC, kind: 'Role', name },
        subjects,
      });
    }
    if (several) clusterWide(REMOTE_WATCH_RULES);
  }
}
