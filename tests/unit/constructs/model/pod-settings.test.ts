import { pickPodSettings, podSettingsArgs } from '../../../../constructs/model/pod-settings';
import { topologyIssues } from '../../support/constructs';

const NOT_QUALIFIED =
  'is not a qualified name: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric, with an optional "<dns-subdomain>/" prefix';
const SETTABLE =
  'the flags you may set: burst, container-runtime-executor, executor-image-pull-policy, executor-plugins, gloglevel, pod-cleanup-workers, qps, workflow-ttl-workers, workflow-workers, request-timeout';
const IDENTITY = `would replace the controller's identity or API server: it talks to its own cluster as its ServiceAccount (the in-cluster config), and reaches remotes only through their profiles`;
const NOT_EMISSARY =
  "is not supported with remotes: the pns and k8sapi executors watch pods and get pods/log with the workflow pods' ServiceAccount (workflow/executor/k8sapi/client.go), kubelet gets nodes/proxy cluster-wide and docker needs the node's Docker socket, none of which the remote executor Role grants; valid: emissary (the default, also when unset)";
const MANAGED_NAMESPACE =
  'is not supported: with --namespaced it moves where the controller watches workflows and profiles (cmd/workflow-controller/main.go; without it the flag is ignored), while the Roles, the profiles and the admission policy are written for local.namespace; set local.namespace instead';

describe('controller pod settings (named as the Argo Workflows Helm chart names them)', () => {
  // Each: a setting, a bad value for it, and the one problem reported: where, the value there, and why.
  test.each<[string, unknown, string, unknown, string]>([
    [
      'imagePullSecrets',
      [{ name: 'Bad_Name' }],
      'imagePullSecrets[0].name',
      'Bad_Name',
      'must be a Secret name: a DNS-1123 subdomain',
    ],
    ['imagePullSecrets', [{ name: 'a' }, { name: 'a' }], 'imagePullSecrets[1].name', 'a', 'is listed twice'],
    ['imagePullSecrets', ['a'], 'imagePullSecrets[0]', 'a', 'has the wrong type: expected object'],
    ['nodeSelector', { 'bad key!': 'x' }, 'nodeSelector["bad key!"]', 'x', `key ${NOT_QUALIFIED}`],
    [
      'nodeSelector',
      { disk: 'ssd fast' },
      'nodeSelector.disk',
      'ssd fast',
      'must be a label value: empty, or letters, digits, "-", "_" and ".", starting and ending alphanumeric',
    ],
    [
      'tolerations',
      [{ key: 'k', operator: 'Exists', value: 'v' }],
      'tolerations[0].value',
      'v',
      'must be empty with operator "Exists"',
    ],
    [
      'tolerations',
      [{ operator: 'Equal', value: 'v' }],
      'tolerations[0].operator',
      'Equal',
      'must be "Exists" when key is empty (a toleration of every taint)',
    ],
    [
      'tolerations',
      [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 }],
      'tolerations[0].tolerationSeconds',
      5,
      'is only allowed with effect "NoExecute"',
    ],
    [
      'tolerations',
      [{ key: 'k', effect: 'Sometimes' }],
      'tolerations[0].effect',
      'Sometimes',
      'Invalid option: expected one of "NoSchedule"|"PreferNoSchedule"|"NoExecute"',
    ],
    [
      'affinity',
      { nodeAfinity: {} },
      'affinity.nodeAfinity',
      {},
      'is not a known field; valid fields here: nodeAffinity, podAffinity, podAntiAffinity',
    ],
    [
      'affinity',
      { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
      'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms',
      [],
      'is too short; valid: at least 1 item',
    ],
    [
      'podAnnotations',
      { 'argo-multicluster.io/config-checksum': 'x' },
      'podAnnotations',
      { 'argo-multicluster.io/config-checksum': 'x' },
      'must not set argo-multicluster.io/config-checksum, which rolls the controller when its inputs change',
    ],
    [
      'podAnnotations',
      { 'Bad Prefix/x': 'y' },
      'podAnnotations["Bad Prefix/x"]',
      'y',
      `key has a prefix that is not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", at most 253 characters)`,
    ],
    [
      'podLabels',
      { app: 'mine' },
      'podLabels',
      { app: 'mine' },
      'must not set "app": it is the Deployment\'s selector label',
    ],
    [
      'podLabels',
      { team: 'x'.repeat(64) },
      'podLabels.team',
      'x'.repeat(64),
      'must be at most 63 characters (it is a label value)',
    ],
    [
      'extraArgs',
      ['--executor-image=x'],
      'extraArgs[0]',
      '--executor-image=x',
      'is set by this package: set local.controller.executorImage',
    ],
    [
      'extraArgs',
      ['--loglevel=debug'],
      'extraArgs[0]',
      '--loglevel=debug',
      'is set by this package: set local.controller.logging.level',
    ],
    [
      'extraArgs',
      ['--log-format=json'],
      'extraArgs[0]',
      '--log-format=json',
      'is set by this package: set local.controller.logging.format',
    ],
    [
      'extraArgs',
      ['--no-such-flag'],
      'extraArgs[0]',
      '--no-such-flag',
      `is not a flag of workflow-controller, which exits on unknown flags; ${SETTABLE}`,
    ],
    // A slip of the keyboard names the flag meant.
    [
      'extraArgs',
      ['--qpss=50'],
      'extraArgs[0]',
      '--qpss=50',
      `is not a flag of workflow-controller, which exits on unknown flags; did you mean --qps? ${SETTABLE}`,
    ],
    [
      'extraArgs',
      ['--brust=100'],
      'extraArgs[0]',
      '--brust=100',
      `is not a flag of workflow-controller, which exits on unknown flags; did you mean --burst? ${SETTABLE}`,
    ],
    [
      'extraArgs',
      ['--workflow-worker=4'],
      'extraArgs[0]',
      '--workflow-worker=4',
      `is not a flag of workflow-controller, which exits on unknown flags; did you mean --workflow-workers? ${SETTABLE}`,
    ],
    [
      'extraArgs',
      ['--qps', '50'],
      'extraArgs[1]',
      '50',
      'must be one flag, as --name or --name=value (the controller takes no positional arguments; give a value with "=")',
    ],
    ['extraArgs', ['--managed-namespace=team-a'], 'extraArgs[0]', '--managed-namespace=team-a', MANAGED_NAMESPACE],
    [
      'extraArgs',
      ['--container-runtime-executor=pns'],
      'extraArgs[0]',
      '--container-runtime-executor=pns',
      NOT_EMISSARY,
    ],
    [
      'extraEnv',
      [{ name: 'ARGO_CONTAINER_RUNTIME_EXECUTOR', value: 'k8sapi' }],
      'extraEnv[0].value',
      'k8sapi',
      `sets the controller's --container-runtime-executor (it reads ARGO_CONTAINER_RUNTIME_EXECUTOR for a flag it is not given), which ${NOT_EMISSARY}`,
    ],
    [
      'extraEnv',
      [{ name: 'ARGO_CONTAINER_RUNTIME_EXECUTOR', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }],
      'extraEnv[0].valueFrom',
      { configMapKeyRef: { name: 'c', key: 'k' } },
      `sets the controller's --container-runtime-executor (it reads ARGO_CONTAINER_RUNTIME_EXECUTOR for a flag it is not given), which ${NOT_EMISSARY}`,
    ],
    [
      'extraEnv',
      [{ name: 'ARGO_MANAGED_NAMESPACE', value: 'team-a' }],
      'extraEnv[0].name',
      'ARGO_MANAGED_NAMESPACE',
      `sets the controller's --managed-namespace (it reads ARGO_MANAGED_NAMESPACE for a flag it is not given), which ${MANAGED_NAMESPACE}`,
    ],
    [
      'extraEnv',
      [{ name: 'ARGO_NAMESPACED', value: 'true' }],
      'extraEnv[0].name',
      'ARGO_NAMESPACED',
      "sets the controller's --namespaced (it reads ARGO_NAMESPACED for a flag it is not given), which is set by this package: set local.controller.namespaced",
    ],
    [
      'extraEnv',
      [{ name: 'LEADER_ELECTION_IDENTITY', value: 'x' }],
      'extraEnv[0].name',
      'LEADER_ELECTION_IDENTITY',
      'is set by the Deployment itself (leader election needs the pod name)',
    ],
    [
      'extraEnv',
      [{ name: '1X', value: 'x' }],
      'extraEnv[0].name',
      '1X',
      'must be an environment variable name: letters, digits, "_", "-" and ".", not starting with a digit',
    ],
    [
      'extraEnv',
      [
        { name: 'A', value: 'x' },
        { name: 'A', value: 'y' },
      ],
      'extraEnv[1].name',
      'A',
      'is listed twice',
    ],
    [
      'extraEnv',
      [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      'extraEnv[0].valueFrom',
      { fieldRef: { fieldPath: 'metadata.name' } },
      'cannot be given with value',
    ],
    [
      'extraEnv',
      [{ name: 'A', valueFrom: {} }],
      'extraEnv[0].valueFrom',
      {},
      'must have exactly one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef',
    ],
    [
      'logging',
      { level: 'verbose' },
      'logging.level',
      'verbose',
      'Invalid option: expected one of "debug"|"info"|"warn"|"error"',
    ],
    ['logging', { format: 'xml' }, 'logging.format', 'xml', 'Invalid option: expected one of "text"|"json"'],
    ['logging', { lvl: 'info' }, 'logging.lvl', 'info', 'is not a known field; valid fields here: level, format'],
    [
      'extraEnv',
      [{ name: 'M', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1 Mi' } } }],
      'extraEnv[0].valueFrom.resourceFieldRef.divisor',
      '1 Mi',
      'must be a Kubernetes quantity such as 100m, 128Mi or 2',
    ],
    [
      'podSecurityContext',
      { seccompProfile: { type: 'Localhost' } },
      'podSecurityContext.seccompProfile.localhostProfile',
      undefined,
      'is required with type "Localhost"',
    ],
    [
      'podSecurityContext',
      { runAsUser: -1 },
      'podSecurityContext.runAsUser',
      -1,
      'is out of range; valid: an integer of at least 0',
    ],
    [
      'securityContext',
      { capabilities: { drop: ['all'] } },
      'securityContext.capabilities.drop[0]',
      'all',
      'must be a capability name in upper case, e.g. NET_BIND_SERVICE or ALL',
    ],
    [
      'volumes',
      [{ name: 'ca', configMap: { name: 'ca' }, secret: { secretName: 'ca' } }],
      'volumes[0]',
      { name: 'ca', configMap: { name: 'ca' }, secret: { secretName: 'ca' } },
      'must have exactly one source (it has configMap, secret); valid: configMap, secret, emptyDir, projected, persistentVolumeClaim, csi, ephemeral, image, downwardAPI, nfs, hostPath',
    ],
    [
      'volumes',
      [{ name: 'CA', emptyDir: {} }],
      'volumes[0].name',
      'CA',
      'must be a DNS-1123 label: lower-case letters, digits and "-"',
    ],
    [
      'volumeMounts',
      [{ name: 'ca', mountPath: '/etc/ca' }],
      'volumeMounts[0].name',
      'ca',
      'names no volume of the pod; valid: none (volumes is empty)',
    ],
    [
      'serviceAccount',
      { annotations: { 'eks.amazonaws.com/role arn': 'x' } },
      'serviceAccount.annotations["eks.amazonaws.com/role arn"]',
      'x',
      'key is not a qualified name: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric, with an optional "<dns-subdomain>/" prefix',
    ],
    [
      'pdb',
      { minAvailable: 1, maxUnavailable: 1 },
      'pdb.maxUnavailable',
      1,
      'cannot be given with minAvailable (a PodDisruptionBudget takes one)',
    ],
    [
      'pdb',
      { enabled: true, minAvailable: 1 },
      'pdb.minAvailable',
      1,
      'must be below replicas (1): otherwise no controller pod may ever be evicted, and node drains hang',
    ],
    [
      'topologySpreadConstraints',
      [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }],
      'topologySpreadConstraints[0].maxSkew',
      0,
      'is out of range; valid: an integer of at least 1',
    ],
    [
      'priorityClass',
      { value: 10 },
      'priorityClass.value',
      10,
      'needs priorityClass.create: true (no PriorityClass is written without)',
    ],
  ])('%s %j is refused at its path', (field, bad, path, value, message) => {
    expect(topologyIssues((t) => (t.local.controller[field] = bad))).toEqual([
      { path: `local.controller.${path}`, value, message },
    ]);
  });

  test.each([
    '/var/run/secrets',
    '/var/run/secrets/kubernetes.io/serviceaccount/',
    '/var/run/secrets/kubernetes.io/serviceaccount/x',
    '/',
  ])('a volume mounted at %s, over the ServiceAccount token, is refused', (mountPath) => {
    expect(
      topologyIssues((t) => {
        t.local.controller.volumes = [{ name: 'v', emptyDir: {} }];
        t.local.controller.volumeMounts = [{ name: 'v', mountPath }];
      }),
    ).toEqual([
      {
        path: 'local.controller.volumeMounts[0].mountPath',
        value: mountPath,
        message:
          'must not be /var/run/secrets/kubernetes.io/serviceaccount, inside it or above it: the controller reads its ServiceAccount token there',
      },
    ]);
  });

  test('executor ServiceAccount annotations need a ServiceAccount this package writes', () => {
    const annotations = { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/a' };
    expect(topologyIssues((t) => (t.remotes[0].executorServiceAccountAnnotations = annotations))).toEqual([
      {
        path: 'remotes[0].executorServiceAccountAnnotations',
        value: annotations,
        message:
          'needs an executorServiceAccount other than "default": the annotations go on a ServiceAccount this package creates, and it never takes over "default"',
      },
    ]);
    expect(
      topologyIssues((t) => {
        t.remotes[0].executorServiceAccount = 'workflow';
        t.remotes[0].manageSharedObjects = false;
        t.remotes[0].executorServiceAccountAnnotations = annotations;
      }),
    ).toEqual([
      {
        path: 'remotes[0].executorServiceAccountAnnotations',
        value: annotations,
        message:
          'has no effect with manageSharedObjects: false; set it in the topology that owns the shared objects of this remote',
      },
    ]);
  });
});

/**
 * The kubectl flags of the controller (argoproj/pkg/kube/cli through client-go's clientcmd) that choose its server,
 * credentials or user, and the controller's own flags; each also as the ARGO_<FLAG> variable viper binds it to.
 */
const IDENTITY_FLAGS = [
  'as',
  'as-group',
  'as-uid',
  'certificate-authority',
  'client-certificate',
  'client-key',
  'cluster',
  'context',
  'insecure-skip-tls-verify',
  'kubeconfig',
  'password',
  'server',
  'tls-server-name',
  'token',
  'user',
  'username',
];
const MANAGED: [string, string][] = [
  ['configmap', 'it is always workflow-controller-configmap, written by this package'],
  ['executor-image', 'set local.controller.executorImage'],
  ['namespaced', 'set local.controller.namespaced'],
  ['loglevel', 'set local.controller.logging.level'],
  ['log-format', 'set local.controller.logging.format'],
  ['namespace', 'the controller runs in local.namespace'],
];
const envOf = (flag: string) => `ARGO_${flag.toUpperCase().replace(/-/g, '_')}`;

describe('one rule for extraArgs and extraEnv: nothing replaces the controller identity, its API server or a managed flag', () => {
  test.each(IDENTITY_FLAGS)('--%s is refused in extraArgs and as its ARGO_ variable in extraEnv', (flag) => {
    expect(
      topologyIssues((t) => {
        t.local.controller.extraArgs = [`--${flag}=x`];
        t.local.controller.extraEnv = [{ name: envOf(flag), value: 'x' }];
      }),
    ).toEqual([
      { path: 'local.controller.extraArgs[0]', value: `--${flag}=x`, message: `${IDENTITY}; ${SETTABLE}` },
      {
        path: 'local.controller.extraEnv[0].name',
        value: envOf(flag),
        message: `sets the controller's --${flag} (it reads ${envOf(flag)} for a flag it is not given), which ${IDENTITY}; ${SETTABLE}`,
      },
    ]);
  });

  test.each(MANAGED)('--%s is refused in both places, naming the field to set', (flag, reason) => {
    expect(
      topologyIssues((t) => {
        t.local.controller.extraArgs = [`--${flag}`];
        t.local.controller.extraEnv = [{ name: envOf(flag), valueFrom: { fieldRef: { fieldPath: 'x' } } }];
      }),
    ).toEqual([
      { path: 'local.controller.extraArgs[0]', value: `--${flag}`, message: `is set by this package: ${reason}` },
      {
        path: 'local.controller.extraEnv[0].name',
        value: envOf(flag),
        message: `sets the controller's --${flag} (it reads ${envOf(flag)} for a flag it is not given), which is set by this package: ${reason}`,
      },
    ]);
  });

  test.each<[string, string]>([
    ['KUBECONFIG', `names a kubeconfig, which ${IDENTITY}`],
    ['KUBERNETES_SERVICE_HOST', `sets the API server of the in-cluster config, which ${IDENTITY}`],
    ['KUBERNETES_SERVICE_PORT', `sets the API server of the in-cluster config, which ${IDENTITY}`],
    [
      'POD_NAMESPACE',
      'sets the namespace the controller runs in (client-go reads it first): the controller runs in local.namespace',
    ],
  ])('extraEnv %s, read by client-go in the controller, is refused', (name, message) => {
    expect(topologyIssues((t) => (t.local.controller.extraEnv = [{ name, value: 'x' }]))).toEqual([
      { path: 'local.controller.extraEnv[0].name', value: name, message },
    ]);
  });

  test.each<[string, unknown]>([
    ['extraArgs', ['--qps=5', '--request-timeout=30s', '--executor-plugins']],
    [
      'extraEnv',
      [
        { name: 'ARGO_QPS', value: '5' },
        { name: 'argo_token', value: 'x' }, // viper reads upper case only; Linux names are case-sensitive
        { name: 'ARGO_PROGRESS_PATCH_TICK_DURATION', value: '1m' }, // not a flag: an env setting of the controller
        { name: 'LEADER_ELECTION_DISABLE', value: 'true' }, // one replica: nothing to elect
      ],
    ],
  ])('%s that keeps the identity is accepted: %j', (field, value) => {
    expect(topologyIssues((t) => (t.local.controller[field] = value))).toEqual([]);
  });

  test.each<[number, Record<string, unknown>, boolean]>([
    [2, { value: 'true' }, true],
    [3, { valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }, true],
    [2, { value: 'false' }, false],
    [1, { value: 'true' }, false],
  ])('replicas %d with LEADER_ELECTION_DISABLE %j: refused %s', (replicas, env, refused) => {
    const issues = topologyIssues((t) => {
      t.local.controller.replicas = replicas;
      t.local.controller.extraEnv = [
        { name: 'A', value: 'x' },
        { name: 'LEADER_ELECTION_DISABLE', ...env },
      ];
    });
    expect(issues).toEqual(
      refused
        ? [
            {
              path: 'local.controller.extraEnv[1].name',
              value: 'LEADER_ELECTION_DISABLE',
              message: `turns leader election off, so each of the ${replicas} replicas would run the controller at once; valid with replicas: 1 only (or leave it unset)`,
            },
          ]
        : [],
    );
  });

  test('a flag named like an Object property is an unknown flag, not a managed one', () => {
    expect(topologyIssues((t) => (t.local.controller.extraArgs = ['--constructor']))).toEqual([
      {
        path: 'local.controller.extraArgs[0]',
        value: '--constructor',
        message: `is not a flag of workflow-controller, which exits on unknown flags; ${SETTABLE}`,
      },
    ]);
  });
});

describe('what the API server would refuse of the pod settings', () => {
  // The API server takes 256 KiB of annotations in all (keys and values); the Deployment adds its checksum (36 + 64).
  const MAX = 256 * 1024 - (36 + 64);
  test.each<[string, number, boolean]>([
    ['exactly at the limit', MAX, false],
    ['one byte over', MAX + 1, true],
    ['multi-byte characters counted in bytes', MAX, true],
  ])('podAnnotations %s', (what, size, refused) => {
    // Key "a" (1 byte) and a value that makes `size` bytes in all; "é" is 2 bytes in UTF-8.
    const value = what.startsWith('multi') ? 'é'.repeat(Math.ceil(size / 2)) : 'x'.repeat(size - 1);
    const issues = topologyIssues((t) => (t.local.controller.podAnnotations = { a: value }));
    expect(issues.map((i) => [i.path, i.message])).toEqual(
      refused
        ? [
            [
              'local.controller.podAnnotations',
              `must be at most ${MAX} bytes, keys and values together: the API server takes 262144 (256 KiB) in all, and the Deployment adds its argo-multicluster.io/config-checksum`,
            ],
          ]
        : [],
    );
  });
});

test('emissary, the flags and variables of no concern, and ARGO_ variables that are no flag pass', () => {
  expect(
    topologyIssues((t) => {
      t.local.controller.extraArgs = ['--container-runtime-executor=emissary', '--qps=50'];
      t.local.controller.extraEnv = [
        { name: 'ARGO_CONTAINER_RUNTIME_EXECUTOR', value: 'emissary' },
        { name: 'ARGO_QPS', value: '50' },
        { name: 'ARGO_TRACE', value: '1' },
      ];
    }),
  ).toEqual([]);
});

describe('what the Deployment takes of the settings', () => {
  test('logging becomes --loglevel and --log-format (cmd/workflow-controller/main.go), before extraArgs', () => {
    expect(podSettingsArgs({ logging: { level: 'warn', format: 'json' }, extraArgs: ['--qps=5'] })).toEqual([
      '--loglevel',
      'warn',
      '--log-format',
      'json',
      '--qps=5',
    ]);
    expect(podSettingsArgs({ logging: { format: 'text' } })).toEqual(['--log-format', 'text']);
    expect(podSettingsArgs({})).toEqual([]);
  });

  test('only the settings given are picked from the controller fields', () => {
    const controller = {
      image: 'ghcr.io/me/wc:v1',
      replicas: 2,
      podLabels: { team: 'x' },
      extraArgs: ['--qps=5'],
      nodeSelector: undefined,
    };
    expect(pickPodSettings(controller)).toStrictEqual({ podLabels: { team: 'x' }, extraArgs: ['--qps=5'] });
  });
});
