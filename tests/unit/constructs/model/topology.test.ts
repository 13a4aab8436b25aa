import {
  CONTROLLER_CONFIG_KEYS,
  TopologyError,
  isReleasedUpstreamController,
  parseImage,
  parseTopologyYaml,
  validateTopology,
} from '../../../../constructs';
import { example, exampleInput } from '../../support/helpers';

function withConfig(config: Record<string, unknown>) {
  const raw: any = exampleInput();
  raw.local.controller.config = config;
  return raw;
}

function issues(patch: (t: any) => void) {
  const raw: any = exampleInput();
  patch(raw);
  try {
    validateTopology(raw);
  } catch (e) {
    if (e instanceof TopologyError) return e.issues;
    throw e;
  }
  throw new Error('expected the topology to be refused');
}

describe('topology defaults', () => {
  test('a minimal topology gets every documented default', () => {
    const t = validateTopology({
      local: { name: 'c0', controller: { image: 'ghcr.io/me/wc:v1', executorImage: 'ghcr.io/me/exec:v1' } },
      remotes: [{ name: 'c1', server: 'https://c1:6443' }],
    });
    expect(t.local).toEqual({
      name: 'c0',
      context: 'c0',
      namespace: 'argo',
      createNamespace: true,
      profileAdmissionPolicy: true,
      controller: {
        image: 'ghcr.io/me/wc:v1',
        executorImage: 'ghcr.io/me/exec:v1',
        replicas: 1,
        namespaced: false,
        config: {},
      },
    });
    expect(t.remotes[0]).toEqual({
      artifactSecrets: [],
      name: 'c1',
      context: 'c1',
      server: 'https://c1:6443',
      namespaces: ['default'],
      workflowNamespace: 'argo',
      executorServiceAccount: 'default',
      access: 'namespaced',
      insecureSkipTLSVerify: false,
      createNamespaces: true,
      tokenGeneration: 0,
      manageSharedObjects: true,
    });
    expect(t.secrets).toEqual({ mode: 'none', store: undefined });
  });

  test('the built-in example is valid', () => {
    expect(example().remotes.map((r) => r.name)).toEqual(['cluster-1']);
  });
});

describe('topology errors name the field, the value and what is valid', () => {
  test('reports every problem at once', () => {
    const found = issues((t) => {
      t.local.name = 'Cluster_0';
      t.remotes[0].server = 'http://x';
      t.remotes[0].access = 'admin';
    });
    expect(found.map((i) => i.path).sort()).toEqual(['local.name', 'remotes[0].access', 'remotes[0].server']);
    expect(found.find((i) => i.path === 'remotes[0].access')!.message).toMatch(/"namespaced"\|"cluster"/);
  });

  test('rules that relate fields are reported with the schema problems, in one run', () => {
    const found = issues((t) => {
      t.remotes[0].server = 'http://x';
      t.remotes.push({ ...t.remotes[0], server: 'https://ok', namespaces: ['a', 'a'] });
    });
    expect(found.map((i) => i.path).sort()).toEqual([
      'remotes[0].server',
      'remotes[1].name',
      'remotes[1].namespaces[1]',
    ]);
  });

  test('a cluster name YAML would read as a boolean or number is refused', () => {
    for (const name of ['yes', 'on', 'n', '123']) {
      const [issue] = issues((t) => (t.local.name = name));
      expect([issue.path, issue.message]).toEqual([
        'local.name',
        expect.stringMatching(/read by YAML as a boolean or a number/),
      ]);
    }
  });

  test('only real pod GC strategies, real quantities and short enough ServiceAccounts pass', () => {
    expect(
      issues((t) => (t.local.controller.config.workflowDefaults = { spec: { podGC: { strategy: 'Never' } } }))[0].path,
    ).toBe('local.controller.config.workflowDefaults.spec.podGC.strategy');
    expect(issues((t) => (t.local.controller.resources = { limits: { memory: '1 GB' } }))[0]).toMatchObject({
      path: 'local.controller.resources.limits.memory',
      message: expect.stringMatching(/Kubernetes quantity/),
    });
    expect(issues((t) => (t.remotes[0].executorServiceAccount = 'a'.repeat(245)))[0]).toMatchObject({
      path: 'remotes[0].executorServiceAccount',
      message: expect.stringMatching(/at most 244/),
    });
  });

  test('a misspelt controller config key suggests the right one', () => {
    const [issue] = issues((t) => (t.local.controller.config.paralellism = 3));
    expect(issue.path).toBe('local.controller.config.paralellism');
    expect(issue.message).toMatch(/did you mean "parallelism"/);
  });

  test('config keys are exactly the fields of config/config.go at e89b35277d', () => {
    expect(CONTROLLER_CONFIG_KEYS).toEqual([
      'artifactRepository',
      'containerRuntimeExecutor',
      'containerRuntimeExecutors',
      'dockerSockPath',
      'executor',
      'images',
      'initialDelay',
      'instanceID',
      'kubeConfig',
      'kubeletInsecure',
      'kubeletPort',
      'links',
      'mainContainer',
      'metricsConfig',
      'namespace',
      'namespaceParallelism',
      'navColor',
      'nodeEvents',
      'parallelism',
      'persistence',
      'podGCDeleteDelayDuration',
      'podGCGracePeriodSeconds',
      'podSpecLogStrategy',
      'resourceRateLimit',
      'retentionPolicy',
      'telemetryConfig',
      'workflowDefaults',
      'workflowRestrictions',
    ]);
    expect(() =>
      validateTopology(
        withConfig({
          containerRuntimeExecutor: 'emissary',
          kubeletPort: 10250,
          dockerSockPath: '/var/run/docker.sock',
        }),
      ),
    ).not.toThrow();
  });

  test.each([
    ['sso', /argo-server's setting/],
    ['columns', /not read by this controller/],
    ['workflowEvents', /not read by this controller/],
  ])('config key %s, which this controller does not read, is refused with whose it is', (key, reason) => {
    const [issue] = issues((t) => (t.local.controller.config[key] = {}));
    expect([issue.path, issue.message]).toEqual([`local.controller.config.${key}`, expect.stringMatching(reason)]);
  });

  test('config.namespace of a cluster-wide controller must be where the profiles are, or it never sees them', () => {
    const [issue] = issues((t) => (t.local.controller.config.namespace = 'workflows'));
    expect(issue).toEqual({
      path: 'local.controller.config.namespace',
      value: 'workflows',
      message: expect.stringMatching(/watches workflows and profiles.*set it to "argo"/),
    });
    expect(() => validateTopology(withConfig({ namespace: 'argo' }))).not.toThrow();
    const namespaced = issues((t) =>
      Object.assign(t.local.controller, { namespaced: true, config: { namespace: 'other' } }),
    );
    expect(namespaced[0].message).toMatch(/no effect with a namespaced controller/);
  });

  test('settings this controller breaks on with remotes are refused with the reason', () => {
    const found = issues((t) => {
      t.local.controller.config.workflowDefaults = {
        spec: { executor: { serviceAccountName: 'exec' }, automountServiceAccountToken: false },
      };
      t.local.controller.config.executor = { serviceAccountName: 'exec' };
    });
    expect(found.map((i) => [i.path, i.value])).toEqual([
      ['local.controller.config.workflowDefaults.spec.executor.serviceAccountName', 'exec'],
      ['local.controller.config.workflowDefaults.spec.automountServiceAccountToken', false],
      ['local.controller.config.executor.serviceAccountName', 'exec'],
    ]);
    expect(found[0].message).toMatch(/workflowpod.go looks the profile up under the local cluster name/);
    expect(found[2].message).toMatch(/not a container field/);
  });

  test('artifactSecrets must be Secret names, each once', () => {
    expect(issues((t) => (t.remotes[0].artifactSecrets = ['Bad_Name']))[0]).toMatchObject({
      path: 'remotes[0].artifactSecrets[0]',
      message: expect.stringMatching(/Secret name/),
    });
    expect(issues((t) => (t.remotes[0].artifactSecrets = ['a', 'a']))[0]).toMatchObject({
      path: 'remotes[0].artifactSecrets',
      message: expect.stringMatching(/twice/),
    });
  });

  test('the cluster key is refused in config: it comes from local.name', () => {
    expect(issues((t) => (t.local.controller.config.cluster = 'x'))[0].message).toMatch(/local\.name/);
  });

  test('an unknown field lists the valid ones', () => {
    const [issue] = issues((t) => (t.remotes[0].namespace = 'x'));
    expect(issue.path).toBe('remotes[0].namespace');
    expect(issue.message).toMatch(/valid fields here: .*namespaces/);
  });

  test('a released upstream controller image is refused with the reason; a digest is not', () => {
    const [issue] = issues((t) => (t.local.controller.image = 'quay.io/argoproj/workflow-controller:v3.5.8'));
    expect(issue.path).toBe('local.controller.image');
    expect(issue.message).toMatch(/exits on the `cluster` ConfigMap key/);
    const digest = `quay.io/argoproj/workflow-controller:v3.5.8@sha256:${'0'.repeat(64)}`;
    expect(() =>
      validateTopology({
        ...exampleInput(),
        local: { ...exampleInput().local, controller: { ...exampleInput().local.controller, image: digest } },
      }),
    ).not.toThrow();
  });

  test('the error message lists each issue on its own line', () => {
    const raw: any = exampleInput();
    raw.remotes[0].name = 'cluster-0';
    expect(() => validateTopology(raw, 'topo.yaml')).toThrow(
      'topo.yaml is invalid:\n  - remotes[0].name: "cluster-0" is already used by local.name; cluster names must be unique',
    );
  });

  test('YAML syntax errors and duplicate keys are input errors too', () => {
    expect(() => parseTopologyYaml('local: [')).toThrow(TopologyError);
    expect(() => parseTopologyYaml('local: {}\nlocal: {}\n')).toThrow(
      /- local: is given twice \(line 1, column 1 and line 2, column 1\)/,
    );
  });
});

describe('image references', () => {
  test.each([
    ['quay.io/argoproj/argoexec:v3.4.0', { repository: 'quay.io/argoproj/argoexec', tag: 'v3.4.0' }],
    ['localhost:5000/wc:dev', { repository: 'localhost:5000/wc', tag: 'dev' }],
    [`wc@sha256:${'f'.repeat(64)}`, { repository: 'wc', digest: `sha256:${'f'.repeat(64)}` }],
  ])('%s parses', (ref, expected) => {
    expect(parseImage(ref)).toEqual(expected);
  });

  test.each(['wc', 'UPPER/wc:v1', 'wc:', `wc@sha256:${'f'.repeat(10)}`, 'a//b:v1'])('%s is refused', (ref) => {
    expect(parseImage(ref)).toHaveProperty('error');
  });

  test('only tagged releases of the upstream repository are released controllers', () => {
    const released = (ref: string) => isReleasedUpstreamController(parseImage(ref) as any);
    expect(released('quay.io/argoproj/workflow-controller:v3.4.0')).toBe(true);
    expect(released('quay.io/argoproj/workflow-controller:v3.6.0-rc1')).toBe(true);
    expect(released('quay.io/argoproj/workflow-controller:dev-mc')).toBe(false);
    expect(released('ghcr.io/me/workflow-controller:v3.4.0')).toBe(false);
    expect(released('QUAY.IO/argoproj/workflow-controller:v3.5.0')).toBe(true);
  });
});
