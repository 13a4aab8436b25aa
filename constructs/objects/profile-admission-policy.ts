import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { z } from 'zod';
import { CLUSTER_LABEL, profileAdmissionPolicyName } from '../model/names';
import { validateProps } from './props';
import { topologySchema } from '../model/topology';

/** Props of {@link ProfileAdmissionPolicy}. */
export interface ProfileAdmissionPolicyProps {
  /** The one namespace where profile Secrets may be created: the controller's. */
  readonly namespace: string;
}

/** The props, checked with the topology's own field rules. */
const propsSchema = z.strictObject({ namespace: topologySchema.shape.local.shape.namespace.unwrap() });

/**
 * A ValidatingAdmissionPolicy and its binding that refuse Secrets labelled `workflows.argoproj.io/cluster` outside the
 * controller's namespace. A controller without `--namespaced` takes profiles from every namespace and the first one
 * per cluster name wins (dev-mc `workflow/controller/controller_profiles.go`, `newProfileInformer`), so whoever may create a
 * Secret anywhere could otherwise register a remote, or pre-empt a real one, and receive workflow pods.
 * Removing the label from a Secret stays allowed, so an existing rogue Secret can be defused. An empty label value is
 * refused in the profile namespace too: the controller keys profiles by that value (profile_key.go), `""` is the key
 * of its own local profile, whose `done` is nil, so deleting such a Secret makes removeProfile call it and the
 * controller panics (controller_profiles.go). No real profile has an empty cluster name.
 */
export class ProfileAdmissionPolicy extends Construct {
  constructor(scope: Construct, id: string, given: ProfileAdmissionPolicyProps) {
    super(scope, id);
    const props = validateProps('ProfileAdmissionPolicy', propsSchema, given);
    const name = profileAdmissionPolicyName(props.namespace);
    new k8s.KubeValidatingAdmissionPolicy(this, 'Policy', {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['secrets'] },
          ],
          objectSelector: { matchExpressions: [{ key: CLUSTER_LABEL, operator: 'Exists' }] },
        },
        validations: [
          {
            expression: `object.metadata.namespace == '${props.namespace}' || !has(object.metadata.labels) || !('${CLUSTER_LABEL}' in object.metadata.labels)`,
            message: `Secrets labelled ${CLUSTER_LABEL} are Argo Workflows multi-cluster profiles; in this cluster they may only be created in namespace ${props.namespace} (policy ${name})`,
            reason: 'Forbidden',
          },
          {
            expression: `!has(object.metadata.labels) || !('${CLUSTER_LABEL}' in object.metadata.labels) || object.metadata.labels['${CLUSTER_LABEL}'] != ''`,
            message: `The ${CLUSTER_LABEL} label of a profile names its remote cluster and must not be empty: the controller takes "" for its local cluster and crashes when such a Secret is deleted (controller_profiles.go removeProfile) (policy ${name})`,
            reason: 'Invalid',
          },
        ],
      },
    });
    new k8s.KubeValidatingAdmissionPolicyBinding(this, 'Binding', {
      metadata: { name },
      spec: { policyName: name, validationActions: ['Deny'] },
    });
  }
}
