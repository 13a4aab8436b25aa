import { WorkflowTaskResultCrd } from '../../../../constructs';
import { MANAGED_LABELS, remoteObjects, synthesized } from '../../support/constructs';
import { example, find } from '../../support/helpers';

const STRING = { type: 'string' };
const PRESERVED_ITEMS = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

describe('WorkflowTaskResult CRD', () => {
  const crd = find(remoteObjects(example()), 'CustomResourceDefinition', 'workflowtaskresults.argoproj.io');

  test('names, scope and the one served and stored version', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.metadata).toEqual({ name: 'workflowtaskresults.argoproj.io', labels: MANAGED_LABELS });
    expect(crd.spec.group).toBe('argoproj.io');
    expect(crd.spec.names).toEqual({
      kind: 'WorkflowTaskResult',
      listKind: 'WorkflowTaskResultList',
      plural: 'workflowtaskresults',
      singular: 'workflowtaskresult',
    });
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.versions.map((v: any) => [v.name, v.served, v.storage])).toEqual([['v1alpha1', true, true]]);
  });

  test('schema requires metadata and preserves every executor output', () => {
    expect(crd.spec.versions[0].schema).toEqual({
      openAPIV3Schema: {
        type: 'object',
        required: ['metadata'],
        properties: {
          apiVersion: STRING,
          kind: STRING,
          metadata: { type: 'object' },
          message: STRING,
          phase: STRING,
          progress: STRING,
          outputs: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
            properties: {
              parameters: { type: 'array', items: PRESERVED_ITEMS },
              artifacts: { type: 'array', items: PRESERVED_ITEMS },
              result: STRING,
              exitCode: STRING,
            },
          },
        },
      },
    });
  });

  test('used on its own, it is the same object without the chart labels', () => {
    const { labels: _, ...metadata } = crd.metadata;
    expect(synthesized((c) => new WorkflowTaskResultCrd(c, 'crd'))).toEqual([{ ...crd, metadata }]);
  });
});
