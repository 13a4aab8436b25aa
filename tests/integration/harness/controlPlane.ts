/**
 * Real Kubernetes control planes on loopback for the integration tests:
 * etcd, kube-apiserver and kube-controller-manager per cluster, built by
 * `tools/build.sh`. There is no scheduler and no kubelet, so pods never run.
 *
 * @packageDocumentation
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import type * as https from 'node:https';
import * as path from 'node:path';
import { ControlPlaneKeys, makeControlPlaneKeys } from './certificates';
import { freePorts, probe } from './network';
import { ManagedProcess, WaitOptions, waitFor } from './process';

/** Options of {@link startControlPlanes}. */
export interface ControlPlaneOptions {
  /** Cluster names, e.g. `["cluster-0", "cluster-1"]`; also the kubeconfig context names. */
  names: string[];
  /** Folder holding `etcd`, `kube-apiserver` and `kube-controller-manager` (the last line of `tools/build.sh`). */
  binDir: string;
  /**
   * Folder for keys, data and logs; each cluster gets `<workDir>/<name>`, whose previous
   * content is removed. The kubeconfig is `<workDir>/kubeconfig`.
   */
  workDir: string;
  /** How long one cluster may take to become ready, in ms. Default 90 000. */
  readyTimeoutMs?: number;
  /** How long a process may take to exit after SIGTERM before it gets SIGKILL, in ms. Default 5 000. */
  stopGraceMs?: number;
}

/** One running (or stopped) cluster. */
export interface ClusterHandle {
  /** The cluster's name, which is also its kubeconfig context. */
  readonly name: string;
  /** API server URL, `https://127.0.0.1:<port>`; stays the same across {@link ClusterHandle.stop}/{@link ClusterHandle.start}. */
  readonly server: string;
  /** The cluster CA certificate, PEM, base64-encoded (as in a kubeconfig's `certificate-authority-data`). */
  readonly caData: string;
  /** Path of the cluster CA certificate (PEM). */
  readonly caFile: string;
  /** Admin client certificate (`CN=admin, O=system:masters`), PEM, base64-encoded. */
  readonly clientCertData: string;
  /** Key of the admin client certificate, PEM, base64-encoded. */
  readonly clientKeyData: string;
  /** Folder with this cluster's keys, etcd data and the three processes' logs (`*.log`). */
  readonly dir: string;
  /** Whether the processes are (supposed to be) running. */
  readonly running: boolean;
  /** Stops kube-controller-manager, kube-apiserver, then etcd. Resolves once all have exited. No-op when stopped. */
  stop(): Promise<void>;
  /** Starts the cluster again on the same ports with the same data and keys; resolves when it is ready. No-op when running. */
  start(): Promise<void>;
}

/** Everything {@link startControlPlanes} started. */
export interface ControlPlanes {
  /** A kubeconfig with one context per cluster, named after it, all as the admin user; current context is the first cluster. */
  kubeconfigPath: string;
  /** The clusters, by name. */
  clusters: Record<string, ClusterHandle>;
  /** Stops every cluster; safe to call more than once and after a cluster's own `stop()`. */
  stopAll(): Promise<void>;
}

const SERVICE_CIDR = '10.0.0.0/24';
// The names a client may reach the API server by: loopback here; in a cluster, the kubernetes Service, whose
// ClusterIP is the first address of SERVICE_CIDR.
const SERVER_ALT_NAMES = [
  'IP:127.0.0.1',
  'DNS:localhost',
  'IP:10.0.0.1',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];
const CONTROLLERS = [
  // Fills kubernetes.io/service-account-token Secrets, which pulumi-kubernetes waits for.
  'serviceaccount-token-controller',
  'serviceaccount-controller',
  // Lets a deleted namespace actually go away.
  'namespace-controller',
  'garbage-collector-controller',
  'clusterrole-aggregation-controller',
  'root-ca-certificate-publisher-controller',
].join(',');

/**
 * Starts one control plane per name, in parallel, and writes a kubeconfig for all of them.
 * If any cluster fails to come up, everything started is stopped before the promise rejects.
 *
 * @example
 * ```ts
 * const cp = await startControlPlanes({ names: ["cluster-0", "cluster-1"], binDir, workDir });
 * try {
 *   // kubectl --kubeconfig cp.kubeconfigPath --context cluster-1 get ns
 *   await cp.clusters["cluster-1"].stop();
 *   await cp.clusters["cluster-1"].start();
 * } finally {
 *   await cp.stopAll();
 * }
 * ```
 */
export async function startControlPlanes(opts: ControlPlaneOptions): Promise<ControlPlanes> {
  const { names, binDir } = opts;
  if (names.length === 0) throw new Error('startControlPlanes: no cluster names given');
  for (const name of names) {
    // Names become folder names, certificate subjects and kubeconfig keys.
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) {
      throw new Error(`startControlPlanes: cluster name ${JSON.stringify(name)} is not a DNS label`);
    }
  }
  if (new Set(names).size !== names.length) throw new Error('startControlPlanes: duplicate cluster names');
  for (const bin of ['etcd', 'kube-apiserver', 'kube-controller-manager']) {
    try {
      await fs.access(path.join(binDir, bin), fsConstants.X_OK);
    } catch {
      throw new Error(`startControlPlanes: ${path.join(binDir, bin)} is missing or not executable; run tools/build.sh`);
    }
  }
  const workDir = path.resolve(opts.workDir);
  await fs.mkdir(workDir, { recursive: true });

  // One call for all ports, so no two clusters (or roles) are handed the same one.
  const ports = await freePorts(names.length * 3);
  const clusters: Cluster[] = [];
  for (const name of names) {
    const [etcdClientPort, etcdPeerPort, apiserverPort] = ports.splice(0, 3) as [number, number, number];
    const dir = path.join(workDir, name);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    const keys = await makeControlPlaneKeys(dir, name, SERVER_ALT_NAMES);
    clusters.push(
      new Cluster({
        name,
        dir,
        binDir: path.resolve(binDir),
        keys,
        etcdClientPort,
        etcdPeerPort,
        apiserverPort,
        readyTimeoutMs: opts.readyTimeoutMs ?? 90_000,
        stopGraceMs: opts.stopGraceMs ?? 5_000,
      }),
    );
  }
  for (const c of clusters) {
    await c.loadCredentials();
    // The controller manager gets a kubeconfig holding only its own cluster.
    await fs.writeFile(c.adminKubeconfig, kubeconfigYaml([c], c.name), { mode: 0o600 });
  }

  const stopAll = async (): Promise<void> => {
    await Promise.all(clusters.map((c) => c.stop()));
  };

  const kubeconfigPath = path.join(workDir, 'kubeconfig');
  await fs.writeFile(kubeconfigPath, kubeconfigYaml(clusters, clusters[0]!.name), { mode: 0o600 });

  const results = await Promise.allSettled(clusters.map((c) => c.start()));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    await stopAll();
    throw failed.length === 1
      ? failed[0]!.reason
      : new AggregateError(
          failed.map((f) => f.reason),
          'startControlPlanes: several clusters failed to start',
        );
  }

  return {
    kubeconfigPath,
    clusters: Object.fromEntries(clusters.map((c) => [c.name, c as ClusterHandle])),
    stopAll,
  };
}

interface ClusterConfig {
  name: string;
  dir: string;
  binDir: string;
  keys: ControlPlaneKeys;
  etcdClientPort: number;
  etcdPeerPort: number;
  apiserverPort: number;
  readyTimeoutMs: number;
  stopGraceMs: number;
}

class Cluster implements ClusterHandle {
  readonly name: string;
  readonly server: string;
  readonly caFile: string;
  readonly dir: string;
  readonly adminKubeconfig: string;
  caData = '';
  clientCertData = '';
  clientKeyData = '';
  private procs: ManagedProcess[] = [];
  // start() and stop() are serialised so a test cannot interleave them into a half-started cluster.
  private queue: Promise<unknown> = Promise.resolve();
  private everReady = false;

  constructor(private readonly cfg: ClusterConfig) {
    this.name = cfg.name;
    this.dir = cfg.dir;
    this.server = `https://127.0.0.1:${cfg.apiserverPort}`;
    this.caFile = cfg.keys.caCert;
    this.adminKubeconfig = path.join(cfg.dir, 'admin.kubeconfig');
  }

  get running(): boolean {
    return this.procs.length > 0;
  }

  async loadCredentials(): Promise<void> {
    const b64 = async (p: string) => (await fs.readFile(p)).toString('base64');
    this.caData = await b64(this.cfg.keys.caCert);
    this.clientCertData = await b64(this.cfg.keys.adminCert);
    this.clientKeyData = await b64(this.cfg.keys.adminKey);
  }

  start(): Promise<void> {
    return this.serialise(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.serialise(() => this.doStop());
  }

  private serialise(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    if (this.running) return;
    const { cfg } = this;
    const { keys } = cfg;
    const deadline = Date.now() + cfg.readyTimeoutMs;
    try {
      const etcdUrl = `http://127.0.0.1:${cfg.etcdClientPort}`;
      const peerUrl = `http://127.0.0.1:${cfg.etcdPeerPort}`;
      const etcd = this.spawn('etcd', [
        `--name=${cfg.name}`,
        `--data-dir=${path.join(cfg.dir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=${cfg.name}=${peerUrl}`,
        // Throwaway test data: durability across a host crash is not worth the fsync latency.
        '--unsafe-no-fsync',
      ]);
      await waitFor(
        `etcd of ${cfg.name} to be ready`,
        async () => (await probe(`${etcdUrl}/health`))?.includes('"health":"true"'),
        this.readiness(deadline, etcd),
      );

      const apiserver = this.spawn('kube-apiserver', [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${cfg.apiserverPort}`,
        // Without it the server advertises the host's default interface.
        '--advertise-address=127.0.0.1',
        // The kubernetes Service would point at endpoints nothing serves, and two
        // clusters would fight over the same address.
        '--endpoint-reconciler-type=none',
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        '--authorization-mode=RBAC',
        `--client-ca-file=${keys.caCert}`,
        `--tls-cert-file=${keys.serverCert}`,
        `--tls-private-key-file=${keys.serverKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${keys.saPub}`,
        `--service-account-signing-key-file=${keys.saKey}`,
      ]);
      await waitFor(
        `kube-apiserver of ${cfg.name} to be ready`,
        async () => (await probe(`${this.server}/readyz`, this.tls(false))) === 'ok',
        this.readiness(deadline, apiserver),
      );

      const kcm = this.spawn('kube-controller-manager', [
        `--kubeconfig=${this.adminKubeconfig}`,
        `--service-account-private-key-file=${keys.saKey}`,
        `--root-ca-file=${keys.caCert}`,
        '--leader-elect=false',
        '--use-service-account-credentials=false',
        '--secure-port=0',
        `--controllers=${CONTROLLERS}`,
      ]);
      if (!this.everReady) {
        // The controller manager has no health port here; the `default`
        // ServiceAccount appearing shows its controllers are running, so tests
        // that need a token Secret filled do not race its start-up.
        const defaultServiceAccount = `${this.server}/api/v1/namespaces/default/serviceaccounts/default`;
        await waitFor(
          `kube-controller-manager of ${cfg.name} to be ready`,
          async () => (await probe(defaultServiceAccount, this.tls(true)))?.includes('"kind":"ServiceAccount"'),
          this.readiness(deadline, kcm),
        );
      }
      this.everReady = true;
    } catch (err) {
      await this.doStop();
      throw err;
    }
  }

  private async doStop(): Promise<void> {
    // Reverse start order: the controller manager and API server need etcd to shut down cleanly.
    const procs = this.procs.slice().reverse();
    for (const p of procs) {
      await p.stop(this.cfg.stopGraceMs);
    }
    this.procs = [];
  }

  private spawn(binary: string, args: string[]): ManagedProcess {
    const p = new ManagedProcess({
      argv: [path.join(this.cfg.binDir, binary), ...args],
      logFile: path.join(this.cfg.dir, `${binary}.log`),
    });
    this.procs.push(p);
    return p;
  }

  /** How one process of a start waits: all three share the start's deadline, and a process that dies ends it. */
  private readiness(deadline: number, proc: ManagedProcess): WaitOptions {
    return { timeoutMs: deadline - Date.now(), intervalMs: 200, process: proc };
  }

  private tls(withClientCert: boolean): https.RequestOptions {
    return {
      ca: Buffer.from(this.caData, 'base64'),
      ...(withClientCert
        ? { cert: Buffer.from(this.clientCertData, 'base64'), key: Buffer.from(this.clientKeyData, 'base64') }
        : {}),
    };
  }
}

// JSON strings are valid YAML double-quoted scalars, which spares a YAML dependency.
function kubeconfigYaml(clusters: Cluster[], current: string): string {
  const q = JSON.stringify;
  const lines = ['apiVersion: v1', 'kind: Config', `current-context: ${q(current)}`, 'clusters:'];
  for (const c of clusters) {
    lines.push(
      `- name: ${q(c.name)}`,
      '  cluster:',
      `    server: ${q(c.server)}`,
      `    certificate-authority-data: ${q(c.caData)}`,
    );
  }
  lines.push('users:');
  for (const c of clusters) {
    lines.push(
      `- name: ${q(`${c.name}-admin`)}`,
      '  user:',
      `    client-certificate-data: ${q(c.clientCertData)}`,
      `    client-key-data: ${q(c.clientKeyData)}`,
    );
  }
  lines.push('contexts:');
  for (const c of clusters) {
    lines.push(`- name: ${q(c.name)}`, '  context:', `    cluster: ${q(c.name)}`, `    user: ${q(`${c.name}-admin`)}`);
  }
  lines.push('preferences: {}', '');
  return lines.join('\n');
}
