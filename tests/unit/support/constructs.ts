import { App, Chart } from 'cdk8s';
import { Manifest, Topology, TopologyError, type TopologyIssue, validateTopology } from '../../../constructs';
import { example, exampleInput, objects, topology } from './helpers';

/** Every issue of the example topology with `patch` applied, in the order reported; none when it is accepted. */
export function topologyIssues(patch: (t: any) => void): TopologyIssue[] {
  const raw: any = exampleInput();
  patch(raw);
  try {
    validateTopology(raw);
    return [];
  } catch (e) {
    if (e instanceof TopologyError) return [...e.issues];
    throw e;
  }
}

/** The objects a construct writes when used on its own: `add` puts it into a chart of its own. */
export function synthesized(add: (chart: Chart) => void): any[] {
  const chart = new Chart(new App(), 'c');
  add(chart);
  return chart.toJson();
}

/** The objects of a topology's local cluster. */
export function localObjects(t: Topology): Manifest[] {
  return objects(t).get(t.local.name)!;
}

/** The objects of one of a topology's remote clusters (the first by default). */
export function remoteObjects(t: Topology, name = t.remotes[0].name): Manifest[] {
  return objects(t).get(name)!;
}

/** The labels every object of a chart carries, as users and GitOps tools see them. */
export const MANAGED_LABELS = {
  'app.kubernetes.io/managed-by': 'argo-multicluster',
  'app.kubernetes.io/part-of': 'argo-workflows',
};

/** Objects as `<kind> <namespace>/<name>` (the namespace empty for a cluster-scoped one), in their order. */
export function objectNames(list: readonly { kind: string; metadata: { name: string; namespace?: string } }[]) {
  return list.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

/** Credentials for the remotes of {@link TOPOLOGY_VARIANTS} (plain mode writes them into the profiles). */
export const VARIANT_CREDENTIALS = new Map([
  ['cluster-1', { token: 'token-1', caData: 'Q0E=' }],
  ['cluster-2', { token: 'token-2' }],
]);

/**
 * Controller settings a production rollout uses (Helm chart names), each away from its default: security contexts
 * adjusted, cloud identities, a CA bundle volume, two replicas with a disruption budget and zone spread, metrics with a
 * ServiceMonitor, a PriorityClass of its own. Still within Pod Security `restricted`.
 */
export const PRODUCTION_CONTROLLER = {
  replicas: 2,
  podSecurityContext: { runAsUser: 8737, runAsGroup: 8737, fsGroup: 8737 },
  securityContext: { runAsUser: 8737 },
  serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/argo' } },
  volumes: [{ name: 'ca-bundle', configMap: { name: 'corporate-ca' } }],
  volumeMounts: [{ name: 'ca-bundle', mountPath: '/etc/ssl/certs/corporate', readOnly: true }],
  extraEnv: [
    { name: 'SSL_CERT_DIR', value: '/etc/ssl/certs:/etc/ssl/certs/corporate' },
    { name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
  ],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  metricsConfig: { enabled: true, interval: '30s' },
  serviceMonitor: { enabled: true, additionalLabels: { release: 'kube-prometheus-stack' } },
  priorityClass: { create: true },
  topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
  ],
  revisionHistoryLimit: 3,
};

/**
 * Topologies that between them use every kind of object and every secrets mode, by name: the unit tests check each
 * one's objects, and the integration tests run each one's controller pod through Pod Security `restricted`.
 */
export const TOPOLOGY_VARIANTS: [string, Topology][] = [
  ['example', example()],
  [
    'namespaced controller, two remotes, several namespaces',
    topology((r) => {
      r.local.controller.namespaced = true;
      r.remotes[0].namespaces = ['team-a', 'team-b'];
      r.remotes[0].executorServiceAccount = 'workflow';
      r.remotes.push({
        name: 'cluster-2',
        server: 'https://10.0.0.2:6443',
        access: 'cluster',
        insecureSkipTLSVerify: true,
      });
    }),
  ],
  [
    'plain secrets',
    topology((r) => {
      r.secrets.mode = 'plain';
      r.remotes.push({ name: 'cluster-2', server: 'https://10.0.0.2:6443', insecureSkipTLSVerify: true });
    }),
  ],
  [
    'external secrets, full controller config',
    topology((r) => {
      r.secrets = { store: { name: 'remote-tokens', key: 'argo-{remote}' } };
      r.local.controller.config = {
        executor: { imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu: '10m' } } },
        workflowDefaults: { spec: { serviceAccountName: 'workflow' } },
        retentionPolicy: { completed: 10 },
        links: [{ name: 'logs', scope: 'workflow', url: 'https://logs/${metadata.name}' }],
        instanceID: 'mc',
      };
    }),
  ],
  [
    'production controller settings',
    topology((r) => {
      Object.assign(r.local.controller, PRODUCTION_CONTROLLER);
      r.local.controller.config = { metricsConfig: { port: 9191, path: '/prom' } };
      r.remotes[0].executorServiceAccount = 'workflow';
      r.remotes[0].executorServiceAccountAnnotations = {
        'iam.gke.io/gcp-service-account': 'argo-artifacts@project.iam.gserviceaccount.com',
      };
    }),
  ],
  [
    'namespaced controller that a namespace admin can apply',
    topology((r) => {
      r.local.createNamespace = false;
      r.local.controller.namespaced = true;
      r.local.controller.replicas = 2;
      r.local.controller.metricsConfig = { enabled: true };
    }),
  ],
];

/** What a remote with only a name, a context and a server is, once validated: every default of a remote. */
export const REMOTE_DEFAULTS = {
  namespaces: ['default'],
  workflowNamespace: 'argo',
  executorServiceAccount: 'default',
  access: 'namespaced',
  insecureSkipTLSVerify: false,
  createNamespaces: true,
  tokenGeneration: 0,
  artifactSecrets: [],
  artifactConfigMaps: [],
  manageSharedObjects: true,
  profilePerNamespace: false,
};
