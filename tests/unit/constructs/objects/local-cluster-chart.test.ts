import { CHECKSUM_ANNOTATION, CLUSTER_LABEL, controllerConfigData } from '../../../../constructs';
import { example, find, objects, topology } from '../../support/helpers';

describe('controller ConfigMap', () => {
  test('writes data.cluster and one key per config field, nested values as YAML text', () => {
    const cm = find(objects(example()).get('cluster-0')!, 'ConfigMap', 'workflow-controller-configmap', 'argo');
    expect(cm.data).toEqual({
      cluster: 'cluster-0',
      parallelism: '20',
      podGCGracePeriodSeconds: '30',
      workflowDefaults: 'spec:\n  podGC:\n    strategy: OnWorkflowCompletion\n',
    });
  });

  test('keeps a podGC strategy the user chose, and the rest of workflowDefaults', () => {
    const data = controllerConfigData('c0', {
      workflowDefaults: {
        metadata: { labels: { team: 'x' } },
        spec: { podGC: { strategy: 'OnPodSuccess' }, ttlStrategy: { secondsAfterCompletion: 60 } },
      },
    });
    expect(data.workflowDefaults).toBe(
      'metadata:\n  labels:\n    team: x\nspec:\n  podGC:\n    strategy: OnPodSuccess\n  ttlStrategy:\n    secondsAfterCompletion: 60\n',
    );
  });

  test('strings stay strings for the controller, which re-reads `key: value` lines as YAML 1.1', () => {
    const data = controllerConfigData('c0', {
      instanceID: 'yes',
      navColor: '#ff0000',
      namespace: 'argo',
      workflowDefaults: { metadata: { labels: { team: 'on' } } },
    });
    expect(data.instanceID).toBe('"yes"');
    expect(data.navColor).toBe('"#ff0000"');
    expect(data.namespace).toBe('argo');
    expect(data.workflowDefaults).toContain('team: "on"');
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
});

describe('controller Deployment', () => {
  const local = objects(example()).get('cluster-0')!;
  const deployment = find(local, 'Deployment', 'workflow-controller', 'argo');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test('runs one replica of the configured image with the executor image and configmap args', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'workflow-controller' } });
    expect(deployment.spec.template.metadata.labels).toEqual({ app: 'workflow-controller' });
    expect(container.name).toBe('workflow-controller');
    expect(container.image).toBe('ghcr.io/example/argo-workflow-controller:v3.4-multicluster');
    expect(container.command).toEqual(['workflow-controller']);
    expect(container.args).toEqual([
      '--configmap',
      'workflow-controller-configmap',
      '--executor-image',
      'ghcr.io/example/argoexec:v3.4-multicluster',
    ]);
    expect(container.env).toEqual([
      { name: 'LEADER_ELECTION_IDENTITY', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ]);
  });

  test('is hardened and mounts its token, without cdk8s-plus defaults', () => {
    expect(pod.serviceAccountName).toBe('argo');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.priorityClassName).toBe('workflow-controller');
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.securityContext).toEqual({ runAsNonRoot: true });
    expect(container.securityContext).toEqual({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' } });
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 9090 }, { containerPort: 6060 }]);
    expect(container.livenessProbe).toEqual({
      httpGet: { path: '/healthz', port: 6060 },
      failureThreshold: 3,
      initialDelaySeconds: 90,
      periodSeconds: 60,
      timeoutSeconds: 30,
    });
    expect(deployment.spec.template.metadata.labels).not.toHaveProperty('cdk8s.io/metadata.addr');
  });

  test('has a PriorityClass of value 1000000', () => {
    expect(find(local, 'PriorityClass', 'workflow-controller').value).toBe(1000000);
  });

  test('accepts digests and any registry, and passes --namespaced in a namespaced install', () => {
    const digest = `registry.internal:5000/team/wc@sha256:${'a'.repeat(64)}`;
    const t = topology((r) => {
      r.local.controller.image = digest;
      r.local.controller.namespaced = true;
      r.local.controller.replicas = 2;
    });
    const d = find(objects(t).get('cluster-0')!, 'Deployment', 'workflow-controller', 'argo');
    expect(d.spec.template.spec.containers[0].image).toBe(digest);
    expect(d.spec.template.spec.containers[0].args).toContain('--namespaced');
    expect(d.spec.replicas).toBe(2);
  });

  describe('checksum annotation', () => {
    const checksum = (t: ReturnType<typeof example>) =>
      find(objects(t).get('cluster-0')!, 'Deployment', 'workflow-controller', 'argo').spec.template.metadata
        .annotations[CHECKSUM_ANNOTATION];

    test('is a sha256 that is stable across builds', () => {
      expect(checksum(example())).toMatch(/^[0-9a-f]{64}$/);
      expect(checksum(example())).toBe(checksum(example()));
    });
    test('changes when the controller config changes', () => {
      expect(checksum(topology((r) => (r.local.controller.config.parallelism = 21)))).not.toBe(checksum(example()));
    });
    test('changes when a profile annotation changes', () => {
      expect(checksum(topology((r) => (r.remotes[0].workflowNamespace = '')))).not.toBe(checksum(example()));
    });
    test('changes when a profile kubeconfig changes (plain mode)', () => {
      const plain = topology((r) => (r.secrets.mode = 'plain'));
      const withToken = (token: string) =>
        find(
          objects(plain, { credentials: new Map([['cluster-1', { token, caData: 'Q0E=' }]]) }).get('cluster-0')!,
          'Deployment',
          'workflow-controller',
          'argo',
        ).spec.template.metadata.annotations[CHECKSUM_ANNOTATION];
      expect(withToken('one')).not.toBe(withToken('two'));
    });
    test('changes with the controller or executor image', () => {
      expect(checksum(topology((r) => (r.local.controller.image = 'ghcr.io/example/wc:v2')))).not.toBe(
        checksum(example()),
      );
      expect(checksum(topology((r) => (r.local.controller.executorImage = 'ghcr.io/example/exec:v2')))).not.toBe(
        checksum(example()),
      );
    });
    test('does not change with replicas or resources, which roll nothing that is read at start', () => {
      expect(checksum(topology((r) => (r.local.controller.replicas = 3)))).toBe(checksum(example()));
    });
  });
});

describe('controller RBAC', () => {
  const local = objects(example()).get('cluster-0')!;

  test('cluster-wide install: ClusterRole with upstream rules plus secrets get, list, watch', () => {
    const role = find(local, 'ClusterRole', 'argo-cluster-role');
    expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] });
    expect(role.rules).toContainEqual({
      apiGroups: ['argoproj.io'],
      resources: ['workflowtaskresults'],
      verbs: ['list', 'watch', 'deletecollection'],
    });
    expect(role.rules).toContainEqual({
      apiGroups: [''],
      resources: ['pods'],
      verbs: ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete'],
    });
    // Exec is a POST on pods/exec (workflow/common/util.go): create only.
    expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] });
    expect(role.rules).toContainEqual({
      apiGroups: ['argoproj.io'],
      resources: [
        'workflowtemplates',
        'workflowtemplates/finalizers',
        'clusterworkflowtemplates',
        'clusterworkflowtemplates/finalizers',
      ],
      verbs: ['get', 'list', 'watch'],
    });
    expect(role.rules).toHaveLength(12);
    const binding = find(local, 'ClusterRoleBinding', 'argo-binding');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'argo-cluster-role',
    });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'argo', namespace: 'argo' }]);
    expect(find(local, 'Role', 'argo-role', 'argo').rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update'] },
    ]);
    find(local, 'ServiceAccount', 'argo', 'argo');
  });

  test('namespaced install: no cluster-scoped RBAC, secrets only in the workflow namespace', () => {
    const list = objects(topology((r) => (r.local.controller.namespaced = true))).get('cluster-0')!;
    expect(list.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    const role = find(list, 'Role', 'argo-role', 'argo');
    expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] });
    expect(JSON.stringify(role.rules)).not.toContain('clusterworkflowtemplates');
  });

  test('every local object carries the common labels; none of the cdk8s hash labels', () => {
    for (const o of local)
      expect((o.metadata as any).labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'argo-multicluster' });
    expect(JSON.stringify(local)).not.toContain('cdk8s.io/metadata.addr');
  });

  test('no profile Secret in secrets.mode none', () => {
    expect(local.filter((o) => (o.metadata as any).labels?.[CLUSTER_LABEL])).toEqual([]);
  });
});
