import {
  CHECKSUM_ANNOTATION,
  ControllerDeployment,
  Topology,
  TopologyError,
  controllerChecksum,
} from '../../../../constructs';
import { MANAGED_LABELS, localObjects, synthesized } from '../../support/constructs';
import {
  constructIssues,
  example,
  find,
  objects,
  topology,
  validateAgainstKubernetesSchema,
} from '../../support/helpers';

const ARGS = [
  '--configmap',
  'workflow-controller-configmap',
  '--executor-image',
  'ghcr.io/example/argoexec:v3.4-multicluster',
];

/** Every field of the controller's pod spec without pod settings: nothing cdk8s-plus would add, no empty field. */
const POD_SPEC_FIELDS = [
  'automountServiceAccountToken',
  'containers',
  'nodeSelector',
  'securityContext',
  'serviceAccountName',
];

/** The standard labels of the example's controller objects, besides the selector's `app`. */
const CONTROLLER_LABELS = {
  app: 'workflow-controller',
  'app.kubernetes.io/name': 'workflow-controller',
  'app.kubernetes.io/component': 'workflow-controller',
  'app.kubernetes.io/instance': 'cluster-0',
  'app.kubernetes.io/version': 'v3.4-multicluster',
};

const deploymentOf = (t: Topology) => find(localObjects(t), 'Deployment', 'workflow-controller', 'argo');

describe('controller Deployment', () => {
  const local = localObjects(example());
  const deployment = find(local, 'Deployment', 'workflow-controller', 'argo');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test('runs one replica of the configured image with the executor image and configmap args', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'workflow-controller' } });
    expect(deployment.spec.template.metadata.labels).toEqual(CONTROLLER_LABELS);
    expect(deployment.metadata.labels).toEqual({ ...MANAGED_LABELS, ...CONTROLLER_LABELS });
    expect(container.name).toBe('workflow-controller');
    expect(container.image).toBe('ghcr.io/example/argo-workflow-controller:v3.4-multicluster');
    expect(container.command).toEqual(['workflow-controller']);
    expect(container.args).toEqual(ARGS);
    expect(container.env).toEqual([
      { name: 'LEADER_ELECTION_IDENTITY', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ]);
  });

  test('is hardened and mounts its token, without cdk8s-plus defaults', () => {
    expect(pod.serviceAccountName).toBe('argo');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    // What Pod Security `restricted` asks of the pod; the container's part follows.
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
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
    // Nothing else: no field cdk8s-plus would have added (its metadata.addr label, a pod security default).
    expect(Object.keys(pod).sort()).toEqual(POD_SPEC_FIELDS);
    expect(Object.keys(container).sort()).toEqual([
      'args',
      'command',
      'env',
      'image',
      'livenessProbe',
      'name',
      'ports',
      'resources',
      'securityContext',
    ]);
  });

  test('writes no PriorityClass and names none, unless asked; then value 1000000 by default', () => {
    expect(local.filter((m) => m.kind === 'PriorityClass')).toEqual([]);
    const asked = localObjects(topology((r) => (r.local.controller.priorityClass = { create: true })));
    expect(find(asked, 'PriorityClass', 'workflow-controller')).toEqual({
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'workflow-controller', labels: { ...MANAGED_LABELS, ...CONTROLLER_LABELS } },
      value: 1000000,
    });
    expect(find(asked, 'Deployment', 'workflow-controller', 'argo').spec.template.spec.priorityClassName).toBe(
      'workflow-controller',
    );
    const named = localObjects(
      topology((r) => {
        r.local.controller.priorityClassName = 'argo-critical';
        r.local.controller.priorityClass = { create: true, value: 7 };
      }),
    );
    expect(find(named, 'PriorityClass', 'argo-critical').value).toBe(7);
    const given = localObjects(topology((r) => (r.local.controller.priorityClassName = 'system-cluster-critical')));
    expect(given.filter((m) => m.kind === 'PriorityClass')).toEqual([]);
  });

  test('a PodDisruptionBudget with more than one replica (maxUnavailable 1), or as asked', () => {
    expect(local.filter((m) => m.kind === 'PodDisruptionBudget')).toEqual([]);
    const pdbOf = (patch: (r: any) => void) =>
      find(localObjects(topology(patch)), 'PodDisruptionBudget', 'workflow-controller', 'argo');
    expect(pdbOf((r) => (r.local.controller.replicas = 2))).toEqual({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: {
        name: 'workflow-controller',
        namespace: 'argo',
        labels: { ...MANAGED_LABELS, ...CONTROLLER_LABELS },
      },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'workflow-controller' } } },
    });
    expect(pdbOf((r) => (r.local.controller.pdb = { enabled: true, minAvailable: 0 })).spec.minAvailable).toBe(0);
    expect(
      localObjects(
        topology((r) => {
          r.local.controller.replicas = 3;
          r.local.controller.pdb = { enabled: false };
        }),
      ).filter((m) => m.kind === 'PodDisruptionBudget'),
    ).toEqual([]);
  });

  test('the container security context passes Pod Security restricted; a field given replaces that default only', () => {
    const d = deploymentOf(
      topology((r) => {
        r.local.controller.podSecurityContext = { runAsUser: 1000, fsGroup: 2000 };
        r.local.controller.securityContext = {
          readOnlyRootFilesystem: false,
          capabilities: { drop: ['ALL'], add: [] },
        };
      }),
    ).spec.template.spec;
    expect(d.securityContext).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
      runAsUser: 1000,
      fsGroup: 2000,
    });
    expect(d.containers[0].securityContext).toEqual({
      readOnlyRootFilesystem: false,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: [] },
    });
  });

  test('topology spread constraints count the controller pods unless they name a selector', () => {
    const spread = deploymentOf(
      topology(
        (r) =>
          (r.local.controller.topologySpreadConstraints = [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' },
          ]),
      ),
    ).spec.template.spec.topologySpreadConstraints;
    expect(spread).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'workflow-controller' } },
      },
    ]);
  });

  test('the version label is the image tag when it is a label value; a digest gives none', () => {
    const digest = deploymentOf(topology((r) => (r.local.controller.image = `ghcr.io/me/wc@sha256:${'b'.repeat(64)}`)))
      .metadata.labels;
    expect(digest).not.toHaveProperty(['app.kubernetes.io/version']);
  });

  test('accepts digests and any registry, and passes --namespaced in a namespaced install', () => {
    const digest = `registry.internal:5000/team/wc@sha256:${'a'.repeat(64)}`;
    const d = deploymentOf(
      topology((r) => {
        r.local.controller.image = digest;
        r.local.controller.namespaced = true;
        r.local.controller.replicas = 2;
      }),
    );
    expect(d.spec.template.spec.containers[0].image).toBe(digest);
    expect(d.spec.template.spec.containers[0].args).toEqual([...ARGS, '--namespaced']);
    expect(d.spec.replicas).toBe(2);
  });

  describe('checksum annotation', () => {
    const checksum = (t: Topology) => deploymentOf(t).spec.template.metadata.annotations[CHECKSUM_ANNOTATION];

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

describe('controller pod settings', () => {
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
  const deployment = deploymentOf(topology((t) => Object.assign(t.local.controller, SETTINGS)));
  const pod = deployment.spec.template;

  test('land in the pod template next to what the Deployment always sets', () => {
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }]);
    expect(pod.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': '' });
    expect(pod.spec.tolerations).toEqual(SETTINGS.tolerations);
    expect(pod.spec.affinity).toEqual(SETTINGS.affinity);
    expect(pod.metadata.labels).toEqual({ ...CONTROLLER_LABELS, team: 'platform' });
    expect(pod.metadata.annotations).toEqual({
      'argo-multicluster.io/config-checksum': expect.stringMatching(/^[0-9a-f]{64}$/),
      'prometheus.io/scrape': 'true',
    });
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'workflow-controller' } });
  });

  test('logging becomes --loglevel and --log-format (cmd/workflow-controller/main.go), extraArgs follow', () => {
    expect(pod.spec.containers[0].args).toEqual([
      ...ARGS,
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
    const plain = deploymentOf(topology(() => undefined)).spec.template;
    expect(Object.keys(plain.spec).sort()).toEqual(POD_SPEC_FIELDS);
    expect(plain.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(plain.spec.containers[0].args).toEqual(ARGS);
    expect(Object.keys(plain.metadata).sort()).toEqual(['annotations', 'labels']);
    expect(plain.metadata.labels).toEqual(CONTROLLER_LABELS);
  });
});

describe('ControllerDeployment used on its own validates its props', () => {
  const base = {
    namespace: 'argo',
    image: 'ghcr.io/me/wc:v1',
    executorImage: 'ghcr.io/me/exec:v1',
    config: { cluster: 'cluster-0' },
    profiles: [] as unknown[],
  };

  test('names each bad prop, its value and what is valid', () => {
    const props = {
      ...base,
      namespace: 'Argo',
      image: 'quay.io/argoproj/workflow-controller:v3.5.0',
      logging: { level: 'loud' as any },
    };
    expect(() => synthesized((c) => new ControllerDeployment(c, 'd', props))).toThrow(TopologyError);
    expect(() => synthesized((c) => new ControllerDeployment(c, 'd', props))).toThrow(
      new Error(
        [
          'ControllerDeployment props is invalid:',
          '  - namespace: "Argo" must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric',
          '  - image: "quay.io/argoproj/workflow-controller:v3.5.0" is a released upstream controller, which exits on the `cluster` ConfigMap key (multi-cluster never shipped in a release); use your own multi-cluster build (another repository, or pin it by @sha256: digest)',
          '  - logging.level: "loud" Invalid option: expected one of "debug"|"info"|"warn"|"error"',
        ].join('\n'),
      ),
    );
  });

  test("applies the topology's rule on leader election and replicas to the props too", () => {
    expect(
      constructIssues(ControllerDeployment, {
        ...base,
        replicas: 2,
        extraEnv: [{ name: 'LEADER_ELECTION_DISABLE', value: 'true' }],
      }),
    ).toEqual([
      [
        'extraEnv[0].name',
        'LEADER_ELECTION_DISABLE',
        'turns leader election off, so each of the 2 replicas would run the controller at once; valid with replicas: 1 only (or leave it unset)',
      ],
    ]);
  });

  test('refuses an unknown prop and a missing one', () => {
    const { config: _, ...noConfig } = base;
    expect(constructIssues(ControllerDeployment, { ...noConfig, replica: 2 })).toEqual([
      ['config', undefined, 'is required (record)'],
      ['replica', 2, 'is not a prop of this construct'],
    ]);
  });

  test('with valid props writes the Deployment', () => {
    const [deployment] = synthesized((c) => new ControllerDeployment(c, 'd', { ...base, extraArgs: ['--qps=5'] }));
    expect([deployment.kind, deployment.spec.template.spec.containers[0].args]).toEqual([
      'Deployment',
      ['--configmap', 'workflow-controller-configmap', '--executor-image', 'ghcr.io/me/exec:v1', '--qps=5'],
    ]);
  });

  test('writes the checksum over the config, the images and the profiles it is given', () => {
    const annotationOf = (props: typeof base) =>
      synthesized((c) => new ControllerDeployment(c, 'd', props))[0].spec.template.metadata.annotations[
        CHECKSUM_ANNOTATION
      ];
    const profile = { kind: 'Secret', metadata: { name: 'argo.cluster-1' }, stringData: { kubeconfig: 'token: a' } };
    const rotated = { ...profile, stringData: { kubeconfig: 'token: b' } };
    expect(annotationOf({ ...base, profiles: [profile] })).toBe(
      controllerChecksum({ config: base.config, images: { controller: base.image, executor: base.executorImage } }, [
        profile,
      ]),
    );
    expect(annotationOf({ ...base, profiles: [rotated] })).not.toBe(annotationOf({ ...base, profiles: [profile] }));
    expect(annotationOf({ ...base, config: { cluster: 'cluster-9' } })).not.toBe(annotationOf(base));
  });
});
