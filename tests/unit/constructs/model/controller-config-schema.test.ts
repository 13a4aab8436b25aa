import {
  CONTROLLER_CONFIG_KEYS,
  controllerConfigIssues,
  editDistance,
  explainUnknownConfigKey,
} from '../../../../constructs';
import { topologyIssues } from '../../support/constructs';
import { topology } from '../../support/helpers';

const KNOWN_KEYS =
  'known keys: artifactRepository, containerRuntimeExecutor, containerRuntimeExecutors, dockerSockPath, executor, images, initialDelay, instanceID, kubeConfig, kubeletInsecure, kubeletPort, links, mainContainer, metricsConfig, namespace, namespaceParallelism, navColor, nodeEvents, parallelism, persistence, podGCDeleteDelayDuration, podGCGracePeriodSeconds, podSpecLogStrategy, resourceRateLimit, retentionPolicy, sso, telemetryConfig, workflowDefaults, workflowRestrictions';
const NOT_A_KEY =
  'is not a controller config key (this controller would ignore it without a word, released ones exit on it); ';

describe('the controller config keys', () => {
  test("are exactly the fields of config/config.go at e89b35277d, and argo-server's sso", () => {
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
      'sso',
      'telemetryConfig',
      'workflowDefaults',
      'workflowRestrictions',
    ]);
  });

  test('keys the facts do not type are passed through as written', () => {
    const config = { containerRuntimeExecutor: 'emissary', kubeletPort: 10250, dockerSockPath: '/var/run/docker.sock' };
    expect(topology((t) => (t.local.controller.config = config)).local.controller.config).toEqual(config);
  });

  test('a misspelt key suggests the right one, and lists every known key', () => {
    expect(topologyIssues((t) => (t.local.controller.config.paralellism = 3))).toEqual([
      {
        path: 'local.controller.config.paralellism',
        value: 3,
        message: `${NOT_A_KEY}did you mean "parallelism"? ${KNOWN_KEYS}`,
      },
    ]);
  });

  test.each([
    ['instanceId', `${NOT_A_KEY}did you mean "instanceID"? ${KNOWN_KEYS}`],
    ['parallelism2', `${NOT_A_KEY}did you mean "parallelism"? ${KNOWN_KEYS}`],
    ['zzz', `${NOT_A_KEY}${KNOWN_KEYS}`],
    [
      'config',
      'is the single-key form, which cannot be mixed with the per-key `cluster` entry; give each key on its own',
    ],
  ])('unknown key %s is explained', (key, message) => {
    expect(explainUnknownConfigKey(key)).toBe(message);
  });

  test("argo-server's keys in this ConfigMap (sso, links, navColor) are accepted as written", () => {
    const config = {
      sso: { issuer: 'https://dex.example.com', clientId: { name: 'argo-sso', key: 'client-id' }, scopes: ['groups'] },
      links: [{ name: 'Logs', scope: 'workflow', url: 'https://logs.example.com/${metadata.name}' }],
      navColor: '#ff0000',
    };
    expect(topology((t) => (t.local.controller.config = config)).local.controller.config).toEqual(config);
  });

  test('sso that is not a mapping is refused as argo-server would fail on it', () => {
    expect(topologyIssues((t) => (t.local.controller.config.sso = 'dex'))).toEqual([
      { path: 'local.controller.config.sso', value: 'dex', message: 'has the wrong type: expected record' },
    ]);
  });

  test.each([
    [
      'columns',
      'is not read by this controller (config/config.go at e89b35277d has no such field; later releases added it for the UI); remove it',
    ],
    ['workflowEvents', 'is not read by this controller (config/config.go at e89b35277d has no such field); remove it'],
  ])('key %s, which this controller does not read, is refused with whose it is', (key, message) => {
    expect(topologyIssues((t) => (t.local.controller.config[key] = {}))).toEqual([
      { path: `local.controller.config.${key}`, value: {}, message },
    ]);
  });

  test('the cluster key is refused: it comes from local.name', () => {
    expect(topologyIssues((t) => (t.local.controller.config.cluster = 'x'))).toEqual([
      {
        path: 'local.controller.config.cluster',
        value: 'x',
        message: 'is set from local.name; remove it from local.controller.config',
      },
    ]);
  });

  test('the "did you mean" hint is within an edit distance of 2 (Levenshtein)', () => {
    expect([
      editDistance('kitten', 'sitting'),
      editDistance('', 'abc'),
      editDistance('abc', ''),
      editDistance('a', 'a'),
      editDistance('flaw', 'lawn'),
    ]).toEqual([3, 3, 3, 0, 2]);
  });
});

describe('the container runtime executor', () => {
  const NOT_EMISSARY =
    "is not supported with remotes: the pns and k8sapi executors watch pods and get pods/log with the workflow pods' ServiceAccount (workflow/executor/k8sapi/client.go), kubelet gets nodes/proxy cluster-wide and docker needs the node's Docker socket, none of which the remote executor Role grants; valid: emissary (the default, also when unset)";

  test.each(['pns', 'k8sapi', 'kubelet', 'docker', ''])('containerRuntimeExecutor %j is refused', (name) => {
    expect(topologyIssues((t) => (t.local.controller.config.containerRuntimeExecutor = name))).toEqual([
      { path: 'local.controller.config.containerRuntimeExecutor', value: name, message: NOT_EMISSARY },
    ]);
  });

  test('each containerRuntimeExecutors entry not named emissary is refused by its name', () => {
    const selector = { matchLabels: { team: 'a' } };
    expect(
      topologyIssues(
        (t) =>
          (t.local.controller.config.containerRuntimeExecutors = [
            { name: 'emissary', selector },
            { name: 'pns', selector },
            { selector },
          ]),
      ),
    ).toEqual([
      { path: 'local.controller.config.containerRuntimeExecutors[1].name', value: 'pns', message: NOT_EMISSARY },
      { path: 'local.controller.config.containerRuntimeExecutors[2].name', value: undefined, message: NOT_EMISSARY },
    ]);
  });

  test('containerRuntimeExecutors that is not a list is refused', () => {
    expect(topologyIssues((t) => (t.local.controller.config.containerRuntimeExecutors = 'pns'))).toEqual([
      {
        path: 'local.controller.config.containerRuntimeExecutors',
        value: 'pns',
        message: 'must be a list of { name, selector } (config/container_runtime_executors.go), each name emissary',
      },
    ]);
  });

  test('emissary is accepted in both keys', () => {
    const config = {
      containerRuntimeExecutor: 'emissary',
      containerRuntimeExecutors: [{ name: 'emissary', selector: { matchLabels: { team: 'a' } } }],
    };
    expect(topology((t) => (t.local.controller.config = config)).local.controller.config).toEqual(config);
  });
});

describe('typed keys', () => {
  test('only pod GC strategies that delete pods pass', () => {
    expect(
      topologyIssues((t) => (t.local.controller.config.workflowDefaults = { spec: { podGC: { strategy: 'Never' } } })),
    ).toEqual([
      {
        path: 'local.controller.config.workflowDefaults.spec.podGC.strategy',
        value: 'Never',
        message:
          'Invalid option: expected one of "OnPodCompletion"|"OnPodSuccess"|"OnWorkflowCompletion"|"OnWorkflowSuccess"',
      },
    ]);
  });

  test.each(['100m', '128Mi', '2Ki', '1.5', '.5', '1e3', '+2', 2])('quantity %j passes', (quantity) => {
    expect(topologyIssues((t) => (t.local.controller.resources = { requests: { cpu: quantity } }))).toEqual([]);
  });

  test.each([
    ['1 GB', 'must be a Kubernetes quantity such as 100m, 128Mi or 2'],
    ['-1', 'must be a Kubernetes quantity such as 100m, 128Mi or 2'],
    ['Mi', 'must be a Kubernetes quantity such as 100m, 128Mi or 2'],
    ['10mi', 'must be a Kubernetes quantity such as 100m, 128Mi or 2'],
    [-1, 'is out of range; valid: a number of at least 0'],
  ])('quantity %j is refused', (quantity, message) => {
    expect(topologyIssues((t) => (t.local.controller.resources = { limits: { memory: quantity } }))).toEqual([
      { path: 'local.controller.resources.limits.memory', value: quantity, message },
    ]);
  });
});

describe('settings this controller build mishandles', () => {
  test('config.namespace of a cluster-wide controller must be where the profiles are, or it never sees them', () => {
    expect(topologyIssues((t) => (t.local.controller.config.namespace = 'workflows'))).toEqual([
      {
        path: 'local.controller.config.namespace',
        value: 'workflows',
        message:
          'is where a cluster-wide controller watches workflows and profiles, and the profiles are written to local.namespace, so it would never see them; set it to "argo" or remove it',
      },
    ]);
    expect(topologyIssues((t) => (t.local.controller.config = { namespace: 'argo' }))).toEqual([]);
    expect(
      topologyIssues((t) => Object.assign(t.local.controller, { namespaced: true, config: { namespace: 'other' } })),
    ).toEqual([
      {
        path: 'local.controller.config.namespace',
        value: 'other',
        message:
          'has no effect with a namespaced controller (--namespaced manages only its own namespace); set it to "argo" or remove it',
      },
    ]);
  });

  test('settings this controller breaks on with remotes are refused with the reason', () => {
    expect(
      topologyIssues((t) => {
        t.local.controller.config.workflowDefaults = {
          spec: { executor: { serviceAccountName: 'exec' }, automountServiceAccountToken: false },
        };
        t.local.controller.config.executor = { serviceAccountName: 'exec' };
      }),
    ).toEqual([
      {
        path: 'local.controller.config.workflowDefaults.spec.executor.serviceAccountName',
        value: 'exec',
        message:
          'breaks remote steps in this controller build (workflowpod.go looks the profile up under the local cluster name, so remote pod creation fails); remove it and grant the executor through remotes[].executorServiceAccount',
      },
      {
        path: 'local.controller.config.workflowDefaults.spec.automountServiceAccountToken',
        value: false,
        message:
          'needs spec.executor.serviceAccountName (workflowpod.go setupServiceAccount), which breaks remote steps in this controller build; remove it',
      },
      {
        path: 'local.controller.config.executor.serviceAccountName',
        value: 'exec',
        message:
          'is not a container field, so the controller ignores it; the executor ServiceAccount of remote pods is remotes[].executorServiceAccount',
      },
    ]);
  });

  test('input the schema refused is read without failing: values of the wrong shape raise nothing here', () => {
    expect([
      controllerConfigIssues({}, 'argo'),
      controllerConfigIssues({ controller: { config: 'x' } }, 'argo'),
      controllerConfigIssues(
        { controller: { config: { namespace: 5, executor: 'x', workflowDefaults: { spec: 'x' } } } },
        'argo',
      ),
    ]).toEqual([[], [], []]);
  });
});
