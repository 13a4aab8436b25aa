import { WorkflowControllerConfigMap, controllerConfigData } from '../../../../constructs';
import { MANAGED_LABELS, localObjects, synthesized } from '../../support/constructs';
import { constructIssues, example, find } from '../../support/helpers';

const POD_GC_DEFAULT = 'spec:\n  podGC:\n    strategy: OnWorkflowCompletion\n';

describe('controller ConfigMap', () => {
  test('writes data.cluster and one key per config field, nested values as YAML text', () => {
    expect(find(localObjects(example()), 'ConfigMap', 'workflow-controller-configmap', 'argo')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'workflow-controller-configmap', namespace: 'argo', labels: MANAGED_LABELS },
      data: {
        cluster: 'cluster-0',
        parallelism: '20',
        podGCGracePeriodSeconds: '30',
        workflowDefaults: POD_GC_DEFAULT,
      },
    });
  });

  test('keeps a podGC strategy the user chose, and the rest of workflowDefaults', () => {
    const data = controllerConfigData('c0', {
      workflowDefaults: {
        metadata: { labels: { team: 'x' } },
        spec: { podGC: { strategy: 'OnPodSuccess' }, ttlStrategy: { secondsAfterCompletion: 60 } },
      },
    });
    expect(data).toEqual({
      cluster: 'c0',
      workflowDefaults:
        'metadata:\n  labels:\n    team: x\nspec:\n  podGC:\n    strategy: OnPodSuccess\n  ttlStrategy:\n    secondsAfterCompletion: 60\n',
    });
  });

  test('the podGC default is added to a workflowDefaults.spec the user gave, and to a podGC without a strategy', () => {
    expect(
      controllerConfigData('c0', { workflowDefaults: { spec: { ttlStrategy: { secondsAfterCompletion: 60 } } } })
        .workflowDefaults,
    ).toBe('spec:\n  podGC:\n    strategy: OnWorkflowCompletion\n  ttlStrategy:\n    secondsAfterCompletion: 60\n');
    expect(
      controllerConfigData('c0', {
        workflowDefaults: { spec: { podGC: { labelSelector: { matchLabels: { a: 'b' } } } } },
      }).workflowDefaults,
    ).toBe(
      'spec:\n  podGC:\n    labelSelector:\n      matchLabels:\n        a: b\n    strategy: OnWorkflowCompletion\n',
    );
  });

  test('strings stay strings for the controller, which re-reads `key: value` lines as YAML 1.1', () => {
    const data = controllerConfigData('c0', {
      instanceID: 'yes',
      navColor: '#ff0000',
      namespace: 'argo',
      workflowDefaults: { metadata: { labels: { team: 'on' } } },
    });
    expect(data).toEqual({
      cluster: 'c0',
      instanceID: '"yes"',
      navColor: '"#ff0000"',
      namespace: 'argo',
      workflowDefaults: `metadata:\n  labels:\n    team: "on"\n${POD_GC_DEFAULT}`,
    });
  });

  test('nested values are written with sorted keys whatever the input order', () => {
    const a = controllerConfigData('c0', {
      executor: { resources: { requests: { memory: '64Mi', cpu: '10m' } }, imagePullPolicy: 'Always' },
    });
    const b = controllerConfigData('c0', {
      executor: { imagePullPolicy: 'Always', resources: { requests: { cpu: '10m', memory: '64Mi' } } },
    });
    expect(a).toEqual(b);
    expect(a.executor).toBe('imagePullPolicy: Always\nresources:\n  requests:\n    cpu: 10m\n    memory: 64Mi\n');
  });

  // A TypeScript caller may spread an optional value in; the controller would read the word "undefined".
  test('a key whose value is undefined is left out, not written as "undefined"', () => {
    expect(controllerConfigData('c0', { parallelism: undefined, namespace: 'argo' })).toEqual({
      cluster: 'c0',
      namespace: 'argo',
      workflowDefaults: POD_GC_DEFAULT,
    });
  });
});

describe('WorkflowControllerConfigMap used on its own', () => {
  test.each([
    [
      { namespace: 'argo', clusterName: 'Cluster_0' },
      'clusterName',
      'Cluster_0',
      'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric',
    ],
    [
      { namespace: 'argo', clusterName: 'yes' },
      'clusterName',
      'yes',
      'is read by YAML as a boolean or a number, and the controller parses `cluster: <name>` as YAML; choose a name with a letter that is not yes/no/on/off/y/n/true/false',
    ],
    // A key the controller config does not have is refused as any unknown prop is.
    [
      { namespace: 'argo', clusterName: 'c0', config: { columns: [] } },
      'config.columns',
      [],
      'is not a prop of this construct',
    ],
    [{ namespace: 'argo', clusterName: 'c0', colour: 'x' }, 'colour', 'x', 'is not a prop of this construct'],
  ])('refuses %j', (props, path, value, message) => {
    expect(constructIssues(WorkflowControllerConfigMap, props)).toEqual([[path, value, message]]);
  });

  test('with valid props writes the ConfigMap, the podGC default applied', () => {
    expect(
      synthesized((c) => new WorkflowControllerConfigMap(c, 'cm', { namespace: 'argo', clusterName: 'c0' })),
    ).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'workflow-controller-configmap', namespace: 'argo' },
        data: { cluster: 'c0', workflowDefaults: POD_GC_DEFAULT },
      },
    ]);
  });
});
