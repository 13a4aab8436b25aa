import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { EXECUTOR_ROLE, executorRoleBindingName } from './names';
import { executorRules } from './rbac-rules';

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
   * Artifact repository Secrets in `namespace` the executor may `get` (and nothing else).
   * @default none
   */
  readonly artifactSecrets?: readonly string[];
}

/** The executor Role (create and patch task results, read the named artifact Secrets) bound to the workflow pods' ServiceAccount in one namespace. */
export class ExecutorRbac extends Construct {
  constructor(scope: Construct, id: string, props: ExecutorRbacProps) {
    super(scope, id);
    const { namespace } = props;
    const serviceAccount = props.serviceAccount ?? 'default';
    if (serviceAccount !== 'default') {
      new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: serviceAccount, namespace } });
    }
    new k8s.KubeRole(this, 'Role', { metadata: { name: EXECUTOR_ROLE, namespace }, rules: executorRules(props.artifactSecrets) });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: executorRoleBindingName(serviceAccount), namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: EXECUTOR_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    });
  }
}
