import {
  controllerWorkflowRules,
  EXECUTOR_RULES,
  executorRules,
  SECRET_RULES,
} from '../../../../constructs/objects/rbac-rules';

// The rules of upstream's cluster install around the workflow templates, which depend on the scope.
const BEFORE_TEMPLATES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete'] },
  // Exec is a POST on pods/exec (workflow/common/util.go): create only.
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch', 'list'] },
  {
    apiGroups: [''],
    resources: ['persistentvolumeclaims', 'persistentvolumeclaims/finalizers'],
    verbs: ['create', 'update', 'delete', 'get'],
  },
  {
    apiGroups: ['argoproj.io'],
    resources: [
      'workflows',
      'workflows/finalizers',
      'workflowtasksets',
      'workflowtasksets/finalizers',
      'workflowartifactgctasks',
    ],
    verbs: ['get', 'list', 'watch', 'update', 'patch', 'delete', 'create'],
  },
];
const AFTER_TEMPLATES = [
  { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['list', 'watch', 'deletecollection'] },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list'] },
  {
    apiGroups: ['argoproj.io'],
    resources: ['cronworkflows', 'cronworkflows/finalizers'],
    verbs: ['get', 'list', 'watch', 'update', 'patch', 'delete'],
  },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['create', 'get', 'delete'] },
];

describe("the controller's workflow rules", () => {
  test('cluster-wide: upstream rules and cluster workflow templates (Secrets are granted apart)', () => {
    expect(controllerWorkflowRules(true)).toEqual([
      ...BEFORE_TEMPLATES,
      {
        apiGroups: ['argoproj.io'],
        resources: [
          'workflowtemplates',
          'workflowtemplates/finalizers',
          'clusterworkflowtemplates',
          'clusterworkflowtemplates/finalizers',
        ],
        verbs: ['get', 'list', 'watch'],
      },
      ...AFTER_TEMPLATES,
    ]);
  });

  test('namespaced: the same without cluster workflow templates', () => {
    expect(controllerWorkflowRules(false)).toEqual([
      ...BEFORE_TEMPLATES,
      {
        apiGroups: ['argoproj.io'],
        resources: ['workflowtemplates', 'workflowtemplates/finalizers'],
        verbs: ['get', 'list', 'watch'],
      },
      ...AFTER_TEMPLATES,
    ]);
  });
});

test('Secrets: released roles only get them; the multi-cluster controller lists and watches the profiles', () => {
  expect(SECRET_RULES).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]);
});

describe("the executor's rules", () => {
  const TASK_RESULTS = { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] };

  test('write task results, nothing more: no Secret (artifact Secrets are mounted, executor.go GetSecret reads files)', () => {
    expect(EXECUTOR_RULES).toEqual([TASK_RESULTS]);
    expect(executorRules()).toEqual([TASK_RESULTS]);
    expect(executorRules([])).toEqual([TASK_RESULTS]);
  });

  test('and get exactly the named ConfigMaps: one Get by name (hdfs.go krbConfigConfigMap, executor.go GetConfigMapKey)', () => {
    expect(executorRules(['krb5-conf', 'krb5-conf-b'])).toEqual([
      TASK_RESULTS,
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['krb5-conf', 'krb5-conf-b'], verbs: ['get'] },
    ]);
  });
});
