import { App, Chart } from 'cdk8s';
import { ControllerDeployment, ExecutorRbac, TopologyError, Topology, validateTopology } from '../../../../constructs';
import { exampleInput, find, objects, topology, validateAgainstKubernetesSchema } from '../../support/helpers';

/** Every issue of a topology with `patch` applied, as `path: message` lines. */
function issues(patch: (t: any) => void): { path: string; value: unknown; message: string }[] {
  const raw: any = exampleInput();
  patch(raw);
  try {
    validateTopology(raw);
  } catch (e) {
    if (e instanceof TopologyError) return [...e.issues];
    throw e;
  }
  throw new Error('the topology was accepted');
}

const SETTINGS = {
  imagePullSecrets: [{ name: 'ghcr-pull' }],
  nodeSelector: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }],
      },
    },
  },
  podAnnotations: { 'prometheus.io/scrape': 'true' },
  podLabels: { team: 'platform' },
  extraArgs: ['--qps=50', '--burst=100', '--executor-plugins'],
  extraEnv: [
    { name: 'GODEBUG', value: 'x509ignoreCN=0' },
    { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
  ],
  logging: { level: 'debug', format: 'json' },
};

function withSettings(): Topology {
  return topology((t) => Object.assign(t.local.controller, SETTINGS));
}

describe('controller pod settings (named as the Argo Workflows Helm chart names them)', () => {
  const deployment = find(objects(withSettings()).get('cluster-0')!, 'Deployment', 'workflow-controller', 'argo');
  const pod = deployment.spec.template;

  test('land in the pod template next to what the Deployment always sets', () => {
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }]);
    expect(pod.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': '' });
    expect(pod.spec.tolerations).toEqual(SETTINGS.tolerations);
    expect(pod.spec.affinity).toEqual(SETTINGS.affinity);
    expect(pod.metadata.labels).toEqual({ app: 'workflow-controller', team: 'platform' });
    expect(pod.metadata.annotations).toEqual({
      'argo-multicluster.io/config-checksum': expect.stringMatching(/^[0-9a-f]{64}$/),
      'prometheus.io/scrape': 'true',
    });
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'workflow-controller' } });
  });

  test('logging becomes --loglevel and --log-format (cmd/workflow-controller/main.go), extraArgs follow', () => {
    expect(pod.spec.containers[0].args).toEqual([
      '--configmap',
      'workflow-controller-configmap',
      '--executor-image',
      'ghcr.io/example/argoexec:v3.4-multicluster',
      '--loglevel',
      'debug',
      '--log-format',
      'json',
      '--qps=50',
      '--burst=100',
      '--executor-plugins',
    ]);
  });

  test('extraEnv follows the leader-election identity', () => {
    expect(pod.spec.containers[0].env).toEqual([
      { name: 'LEADER_ELECTION_IDENTITY', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'GODEBUG', value: 'x509ignoreCN=0' },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
  });

  test('the Deployment with every setting passes the Kubernetes schema', () => {
    expect(() => validateAgainstKubernetesSchema(deployment)).not.toThrow();
  });

  test('unset, the Deployment is what it was: no empty fields', () => {
    const plain = find(
      objects(topology(() => undefined)).get('cluster-0')!,
      'Deployment',
      'workflow-controller',
      'argo',
    );
    expect(plain.spec.template.spec).not.toHaveProperty('imagePullSecrets');
    expect(plain.spec.template.spec).not.toHaveProperty('tolerations');
    expect(plain.spec.template.spec).not.toHaveProperty('affinity');
    expect(plain.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(plain.spec.template.spec.containers[0].args).toEqual([
      '--configmap',
      'workflow-controller-configmap',
      '--executor-image',
      'ghcr.io/example/argoexec:v3.4-multicluster',
    ]);
  });

  test.each([
    ['imagePullSecrets', [{ name: 'Bad_Name' }], 'local.controller.imagePullSecrets[0].name', /Secret name/],
    ['imagePullSecrets', [{ name: 'a' }, { name: 'a' }], 'local.controller.imagePullSecrets[1].name', /listed twice/],
    ['imagePullSecrets', ['a'], 'local.controller.imagePullSecrets[0]', /wrong type: expected object/],
    ['nodeSelector', { 'bad key!': 'x' }, 'local.controller.nodeSelector["bad key!"]', /qualified name/],
    ['nodeSelector', { disk: 'ssd fast' }, 'local.controller.nodeSelector.disk', /label value/],
    [
      'tolerations',
      [{ key: 'k', operator: 'Exists', value: 'v' }],
      'local.controller.tolerations[0].value',
      /empty with operator "Exists"/,
    ],
    [
      'tolerations',
      [{ operator: 'Equal', value: 'v' }],
      'local.controller.tolerations[0].operator',
      /must be "Exists" when key is empty/,
    ],
    [
      'tolerations',
      [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 }],
      'local.controller.tolerations[0].tolerationSeconds',
      /only allowed with effect "NoExecute"/,
    ],
    ['tolerations', [{ key: 'k', effect: 'Sometimes' }], 'local.controller.tolerations[0].effect', /NoSchedule/],
    [
      'affinity',
      { nodeAfinity: {} },
      'local.controller.affinity.nodeAfinity',
      /not a known field; valid fields here: nodeAffinity, podAffinity, podAntiAffinity/,
    ],
    [
      'affinity',
      { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
      'local.controller.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms',
      /too small|at least|>=1/i,
    ],
    [
      'podAnnotations',
      { 'argo-multicluster.io/config-checksum': 'x' },
      'local.controller.podAnnotations',
      /rolls the controller/,
    ],
    ['podLabels', { app: 'mine' }, 'local.controller.podLabels', /selector label/],
    ['podLabels', { team: 'x'.repeat(64) }, 'local.controller.podLabels.team', /at most 63/],
    ['extraArgs', ['--executor-image=x'], 'local.controller.extraArgs[0]', /set local.controller.executorImage/],
    ['extraArgs', ['--loglevel=debug'], 'local.controller.extraArgs[0]', /set local.controller.logging.level/],
    ['extraArgs', ['--log-format=json'], 'local.controller.extraArgs[0]', /set local.controller.logging.format/],
    [
      'extraArgs',
      ['--no-such-flag'],
      'local.controller.extraArgs[0]',
      /not a flag of workflow-controller, which exits on unknown flags/,
    ],
    ['extraArgs', ['--qps', '50'], 'local.controller.extraArgs[1]', /one flag, as --name or --name=value/],
    [
      'extraEnv',
      [{ name: 'LEADER_ELECTION_IDENTITY', value: 'x' }],
      'local.controller.extraEnv[0].name',
      /set by the Deployment itself/,
    ],
    ['extraEnv', [{ name: '1X', value: 'x' }], 'local.controller.extraEnv[0].name', /environment variable name/],
    [
      'extraEnv',
      [
        { name: 'A', value: 'x' },
        { name: 'A', value: 'y' },
      ],
      'local.controller.extraEnv[1].name',
      /listed twice/,
    ],
    [
      'extraEnv',
      [{ name: 'A', value: 'x', valueFrom: { fieldRef: {} } }],
      'local.controller.extraEnv[0].valueFrom',
      /cannot be given with value/,
    ],
    ['extraEnv', [{ name: 'A', valueFrom: {} }], 'local.controller.extraEnv[0].valueFrom', /exactly one of/],
    ['logging', { level: 'verbose' }, 'local.controller.logging.level', /debug.*info.*warn.*error/],
    ['logging', { format: 'xml' }, 'local.controller.logging.format', /text.*json/],
    ['logging', { lvl: 'info' }, 'local.controller.logging.lvl', /valid fields here: level, format/],
  ])('%s %j is refused at its path', (field, value, path, message) => {
    const found = issues((t) => (t.local.controller[field] = value));
    expect(found).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
  });
});

describe('executor ServiceAccount image pull secrets (remotes[].executorImagePullSecrets)', () => {
  test('go on the executor ServiceAccount in every remote namespace', () => {
    const t = topology((raw) =>
      Object.assign(raw.remotes[0], {
        namespaces: ['a', 'b'],
        executorServiceAccount: 'wf',
        executorImagePullSecrets: [{ name: 'regcred' }],
      }),
    );
    const remote = objects(t).get('cluster-1')!;
    for (const ns of ['a', 'b']) {
      const sa = find(remote, 'ServiceAccount', 'wf', ns);
      expect(sa.imagePullSecrets).toEqual([{ name: 'regcred' }]);
      expect(() => validateAgainstKubernetesSchema(sa)).not.toThrow();
    }
  });

  test('are refused with the default ServiceAccount, which this package never takes over', () => {
    expect(issues((t) => (t.remotes[0].executorImagePullSecrets = [{ name: 'regcred' }]))).toContainEqual({
      path: 'remotes[0].executorImagePullSecrets',
      value: [{ name: 'regcred' }],
      message: expect.stringMatching(/needs an executorServiceAccount other than "default"/),
    });
  });
});

describe('constructs used on their own validate their props', () => {
  const chart = () => new Chart(new App(), 'c');
  const base = {
    namespace: 'argo',
    image: 'ghcr.io/me/wc:v1',
    executorImage: 'ghcr.io/me/exec:v1',
    config: { cluster: 'cluster-0' },
    profiles: [],
  };

  test('ControllerDeployment names each bad prop, its value and what is valid', () => {
    let error: unknown;
    try {
      new ControllerDeployment(chart(), 'd', {
        ...base,
        namespace: 'Argo',
        image: 'quay.io/argoproj/workflow-controller:v3.5.0',
        logging: { level: 'loud' as any },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as Error).message).toMatch(/^ControllerDeployment props is invalid:/);
    expect((error as TopologyError).issues.map((i) => [i.path, i.value])).toEqual([
      ['namespace', 'Argo'],
      ['image', 'quay.io/argoproj/workflow-controller:v3.5.0'],
      ['logging.level', 'loud'],
    ]);
  });

  test('ControllerDeployment refuses an unknown prop and a missing one', () => {
    const { config: _, ...noConfig } = base;
    expect(() => new ControllerDeployment(chart(), 'd', { ...noConfig, replica: 2 } as any)).toThrow(
      /config: \(missing\) is required[\s\S]*replica: 2 is not a prop of this construct/,
    );
  });

  test('ControllerDeployment with valid props writes the Deployment', () => {
    const c = chart();
    new ControllerDeployment(c, 'd', { ...base, extraArgs: ['--qps=5'] });
    expect(c.toJson().find((o: any) => o.kind === 'Deployment').spec.template.spec.containers[0].args).toContain(
      '--qps=5',
    );
  });

  test('ExecutorRbac refuses pull secrets on the default ServiceAccount and a bad namespace', () => {
    expect(() => new ExecutorRbac(chart(), 'e', { namespace: 'x_y', imagePullSecrets: [{ name: 'r' }] })).toThrow(
      /ExecutorRbac props is invalid:\n {2}- namespace: "x_y" must be a DNS-1123 label[\s\S]*imagePullSecrets: \[\{"name":"r"\}\] needs a serviceAccount other than "default"/,
    );
  });
});
