import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../../../constructs';
import { ROOT, find, objects, topology } from '../../support/helpers';

/**
 * Every field of every pod and controller setting the topology accepts, each with a value for every sub-field it
 * takes, and where that value must appear in the written objects. A converter that drops what it does not model
 * (cdk8s-plus dropped a resourceFieldRef divisor given as text, so `1m` gave a value 1000 times off) fails here.
 */
type Where = (local: Manifest[], remote: Manifest[]) => unknown;
const deployment = (local: Manifest[]): any => find(local, 'Deployment', 'workflow-controller', 'argo');
const podSpec = (local: Manifest[]) => deployment(local).spec.template.spec;
const container = (local: Manifest[]) => podSpec(local).containers[0];
const term = {
  labelSelector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['d'] }] },
  namespaceSelector: { matchLabels: { e: 'f' } },
  namespaces: ['argo'],
  topologyKey: 'kubernetes.io/hostname',
  matchLabelKeys: ['pod-template-hash'],
  mismatchLabelKeys: ['g'],
};

/** [field of local.controller, its value, where it lands, what must be there (default: the value itself)]. */
const FIELDS: [string, unknown, Where, unknown?][] = [
  ['imagePullPolicy', 'Always', (l) => container(l).imagePullPolicy],
  ['replicas', 3, (l) => deployment(l).spec.replicas],
  ['revisionHistoryLimit', 0, (l) => deployment(l).spec.revisionHistoryLimit],
  [
    'resources',
    { requests: { cpu: '250m', memory: 268435456 }, limits: { 'ephemeral-storage': '1Gi' } },
    (l) => container(l).resources,
  ],
  ['imagePullSecrets', [{ name: 'a' }, { name: 'b' }], (l) => podSpec(l).imagePullSecrets],
  ['nodeSelector', { 'node.example.com/pool': 'infra' }, (l) => podSpec(l).nodeSelector],
  [
    'tolerations',
    [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 30 }, { operator: 'Exists' }],
    (l) => podSpec(l).tolerations,
  ],
  [
    'affinity',
    {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }],
              matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n'] }],
            },
          ],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 5, preference: { matchExpressions: [{ key: 'c', operator: 'Exists' }] } },
        ],
      },
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [term],
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term }],
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [term],
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }],
      },
    },
    (l) => podSpec(l).affinity,
  ],
  ['podAnnotations', { 'example.com/a': 'b' }, (l) => deployment(l).spec.template.metadata.annotations],
  ['podLabels', { team: 'platform' }, (l) => deployment(l).spec.template.metadata.labels],
  ['extraArgs', ['--qps=50', '--burst=100'], (l) => container(l).args.slice(-2)],
  [
    'extraEnv',
    [
      { name: 'A', value: 'x' },
      { name: 'B', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
      {
        name: 'C',
        valueFrom: {
          resourceFieldRef: { containerName: 'workflow-controller', resource: 'limits.cpu', divisor: '1m' },
        },
      },
      { name: 'D', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: 1 } } },
      { name: 'E', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } },
      { name: 'F', valueFrom: { secretKeyRef: { name: 's', key: 'k.txt', optional: false } } },
    ],
    (l) => container(l).env.slice(1),
  ],
  [
    'logging',
    { level: 'warn', format: 'json' },
    (l) => container(l).args.slice(-4),
    ['--loglevel', 'warn', '--log-format', 'json'],
  ],
  [
    'podSecurityContext',
    {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1001,
      fsGroup: 1002,
      fsGroupChangePolicy: 'OnRootMismatch',
      supplementalGroups: [5, 6],
      supplementalGroupsPolicy: 'Strict',
      seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/argo.json' },
      appArmorProfile: { type: 'RuntimeDefault' },
      seLinuxOptions: { user: 'u', role: 'r', type: 't', level: 's0:c1' },
      seLinuxChangePolicy: 'MountOption',
      sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
    },
    (l) => podSpec(l).securityContext,
  ],
  [
    'securityContext',
    {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsNonRoot: true,
      runAsUser: 2000,
      runAsGroup: 2001,
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
      procMount: 'Default',
      seccompProfile: { type: 'RuntimeDefault' },
      appArmorProfile: { type: 'Localhost', localhostProfile: 'argo' },
      seLinuxOptions: { level: 's0' },
    },
    (l) => container(l).securityContext,
  ],
  [
    'volumes',
    [
      { name: 'a', configMap: { name: 'ca', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } },
      { name: 'b', secret: { secretName: 's', optional: true } },
      { name: 'c', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'd', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', path: 't' } }] } },
      { name: 'e', persistentVolumeClaim: { claimName: 'pvc', readOnly: true } },
      { name: 'f', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { a: 'b' } } },
      { name: 'g', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    ],
    (l) => podSpec(l).volumes,
  ],
  [
    'volumeMounts',
    [
      { name: 'a', mountPath: '/etc/ssl/certs/corporate', readOnly: true, subPath: 'ca.crt' },
      { name: 'b', mountPath: '/b', subPathExpr: '$(POD_NAME)', mountPropagation: 'None' },
      { name: 'c', mountPath: '/tmp', recursiveReadOnly: 'Disabled' },
    ],
    (l) => container(l).volumeMounts,
  ],
  [
    'topologySpreadConstraints',
    [
      {
        maxSkew: 2,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'workflow-controller' } },
        minDomains: 2,
        nodeAffinityPolicy: 'Honor',
        nodeTaintsPolicy: 'Ignore',
        matchLabelKeys: ['pod-template-hash'],
      },
    ],
    (l) => podSpec(l).topologySpreadConstraints,
  ],
  ['priorityClassName', 'system-cluster-critical', (l) => podSpec(l).priorityClassName],
  ['priorityClass', { create: true, value: 5000 }, (l) => find(l, 'PriorityClass', 'workflow-controller').value, 5000],
  [
    'pdb',
    { enabled: true, minAvailable: '50%' },
    (l) => find(l, 'PodDisruptionBudget', 'workflow-controller', 'argo').spec,
    { minAvailable: '50%' },
  ],
  [
    'serviceAccount',
    { annotations: { 'iam.gke.io/gcp-service-account': 'argo@p.iam.gserviceaccount.com' } },
    (l) => find(l, 'ServiceAccount', 'argo', 'argo').metadata,
  ],
  [
    'metricsConfig',
    { enabled: true, servicePort: 9999, servicePortName: 'prom', interval: '1m' },
    (l) => [
      find(l, 'Service', 'workflow-controller', 'argo').spec.ports[0],
      find(l, 'ServiceMonitor', 'workflow-controller', 'argo').spec.endpoints[0].interval,
    ],
    [{ name: 'prom', port: 9999 }, '1m'],
  ],
  [
    'serviceMonitor',
    { enabled: true, additionalLabels: { release: 'prometheus' } },
    (l) => find(l, 'ServiceMonitor', 'workflow-controller', 'argo').metadata.labels,
    { release: 'prometheus' },
  ],
];

/** The settings each field needs beside it to be accepted, or to show. */
const NEEDS: Record<string, object> = {
  volumeMounts: { volumes: ['a', 'b', 'c'].map((name) => ({ name, emptyDir: {} })) },
  serviceMonitor: { metricsConfig: { enabled: true } },
  metricsConfig: { serviceMonitor: { enabled: true } },
  pdb: { replicas: 3 },
};

const ROWS = FIELDS.map(([field, value, where, expected]) => ({ field, value, where, expected: expected ?? value }));

test.each(ROWS)('local.controller.$field: every field given is in the output', ({ field, value, where, expected }) => {
  const t = topology((r) => Object.assign(r.local.controller, NEEDS[field], { [field]: value }));
  const built = objects(t);
  // Wrapped, so that a scalar and an array are compared as toMatchObject compares them inside an object.
  expect({ at: where(built.get('cluster-0')!, built.get('cluster-1')!) }).toMatchObject({ at: expected });
});

test('the table covers every field of local.controller but the ones other tests follow into the output', () => {
  const covered = new Set([...FIELDS.map(([f]) => f), 'image', 'executorImage', 'namespaced', 'config']);
  const schema = JSON.parse(readFileSync(join(ROOT, 'topology.schema.json'), 'utf8'));
  const all = Object.keys(schema.properties.local.properties.controller.properties);
  expect(all.filter((k) => !covered.has(k))).toEqual([]);
});

test('remotes[].executorServiceAccountAnnotations: every annotation is on the executor ServiceAccount', () => {
  const annotations = { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/a', 'example.com/b': '' };
  const t = topology((r) => {
    r.remotes[0].namespaces = ['team-a', 'team-b'];
    r.remotes[0].executorServiceAccount = 'workflow';
    r.remotes[0].executorServiceAccountAnnotations = annotations;
  });
  const remote = objects(t).get('cluster-1')!;
  for (const ns of ['team-a', 'team-b'])
    expect(find(remote, 'ServiceAccount', 'workflow', ns).metadata.annotations).toEqual(annotations);
});
