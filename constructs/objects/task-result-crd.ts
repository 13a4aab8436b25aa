import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { ARGO_GROUP, TASK_RESULTS } from '../model/names';

const str = { type: 'string' };
const preserved = { type: 'object', xKubernetesPreserveUnknownFields: true };
// `items` is untyped in the generated API, so its keys are written as Kubernetes spells them.
const preservedItems = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/**
 * The `WorkflowTaskResult` CRD, which the executor in a remote cluster writes its outputs to. Written from the facts
 * (group, names, scope, version, schema), not copied from an Argo release, because remote clusters run no Argo.
 */
export class WorkflowTaskResultCrd extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new k8s.KubeCustomResourceDefinition(this, 'Resource', {
      metadata: { name: `${TASK_RESULTS}.${ARGO_GROUP}` },
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
