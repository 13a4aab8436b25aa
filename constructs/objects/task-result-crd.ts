import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { ARGO_GROUP, TASK_RESULTS } from '../model/names';

const str = { type: 'string' };
const preserved = { type: 'object', xKubernetesPreserveUnknownFields: true };
// `items` is untyped in the generated API, so its keys are written as Kubernetes spells them.
const preservedItems = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/** Props of {@link WorkflowTaskResultCrd}. */
export interface WorkflowTaskResultCrdProps {
  /**
   * Annotations of the CRD.
   * @default none
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * The `WorkflowTaskResult` CRD, which the executor in a remote cluster writes its outputs to. Written from the facts
 * (group, names, scope, version, schema), not copied from an Argo release, because remote clusters run no Argo: the
 * executor image is the user's, so nothing under `outputs` is pruned (the commit's own CRD types every output field).
 */
export class WorkflowTaskResultCrd extends Construct {
  constructor(scope: Construct, id: string, props: WorkflowTaskResultCrdProps = {}) {
    super(scope, id);
    new k8s.KubeCustomResourceDefinition(this, 'Resource', {
      metadata: {
        name: `${TASK_RESULTS}.${ARGO_GROUP}`,
        ...(props.annotations ? { annotations: { ...props.annotations } } : {}),
      },
      spec: {
        group: ARGO_GROUP,
        names: {
          kind: 'WorkflowTaskResult',
          listKind: 'WorkflowTaskResultList',
          plural: TASK_RESULTS,
          singular: 'workflowtaskresult',
        },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: true,
            schema: {
              openApiv3Schema: {
                type: 'object',
                required: ['metadata'],
                properties: {
                  apiVersion: str,
                  kind: str,
                  metadata: { type: 'object' },
                  message: str,
                  phase: str,
                  progress: str,
                  // The executor owns what goes under outputs: prune nothing there.
                  outputs: {
                    ...preserved,
                    properties: {
                      parameters: { type: 'array', items: preservedItems },
                      artifacts: { type: 'array', items: preservedItems },
                      result: str,
                      exitCode: str,
                    },
                  },
                },
              },
            },
          },
        ],
      },
    });
  }
}
