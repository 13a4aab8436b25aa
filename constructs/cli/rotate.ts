import { buildCharts } from '../objects/charts';
import type { Manifest } from '../render/manifests';
import { CONTROLLER_NAME, KUBECONFIG_KEY, isTokenSecretName } from '../model/names';
import { allProfiles, profileKubeconfig } from '../objects/profile';
import type { RemoteCluster, Topology } from '../model/topology';
import { readRemoteCredentials } from './credentials';
import { KubeApiError, KubeConnection, connect, kubeRequest } from './kube-client';

/** Options of {@link rotateToken}. */
export interface RotateOptions {
  /** Kubeconfig file for both clusters (default: `$KUBECONFIG`, else `~/.kube/config`). */
  readonly kubeconfig?: string;
  /** Do not wait for the controller's rollout before deleting the old token (for clusters that cannot run it). */
  readonly noWait?: boolean;
  /** How long to wait for the rollout, in ms (default 5 minutes). */
  readonly rolloutTimeoutMs?: number;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** A refusal caused by the input (topology or the state it asks for), as opposed to a failure of a cluster. */
export class RotateInputError extends Error {}

interface SecretObject {
  metadata: { name: string };
  type?: string;
  data?: Record<string, string>;
}

interface DeploymentObject {
  metadata: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number };
}

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/**
 * Moves the profile of one remote to the token Secret of the topology's `tokenGeneration`, in the one order that never
 * leaves the controller without a working token: create the new token Secret, wait for the token controller to fill
 * it, rewrite the profile, roll the controller (it reads profiles only at start) and wait for the rollout, and only
 * then delete the token Secrets of other generations, whose tokens the API server refuses from then on.
 */
export async function rotateToken(topology: Topology, remote: RemoteCluster, opts: RotateOptions): Promise<void> {
  if (topology.secrets.mode === 'external') {
    throw new RotateInputError(
      `rotate: secrets.mode "external" renders the profile of ${remote.name} through external-secrets.io from the token Secret named by tokenGeneration; ` +
        'raise tokenGeneration, apply the remote folder without pruning, then the local one, and delete the old token Secret after the controller rolled',
    );
  }
  const index = topology.remotes.indexOf(remote);
  const chart = buildCharts({ ...topology, secrets: { mode: 'none' } }).remotes[index];
  const tokenSecret = chart.identity.tokenSecret.toJson() as Manifest;
  const tokenNamespace = chart.identity.namespace;
  const remoteConn = await connect(remote.context, opts.kubeconfig);
  const localConn = await connect(topology.local.context, opts.kubeconfig);
  const localNs = topology.local.namespace;
  // Every profile of the remote (one per namespace with profilePerNamespace) carries the identity's one token.
  const profiles: { name: string; path: string; secret: SecretObject }[] = [];
  for (const { metadata } of allProfiles(topology).filter((p) => p.remote === remote)) {
    const path = `/api/v1/namespaces/${localNs}/secrets/${metadata.name}`;
    const secret = await getOrUndefined<SecretObject>(localConn, path);
    if (!secret) {
      throw new RotateInputError(
        `rotate: the profile Secret ${localNs}/${metadata.name} does not exist in ${localConn.context}; create it first (argo-multicluster profile)`,
      );
    }
    profiles.push({ name: metadata.name, path, secret });
  }
  const others = await oldTokenSecrets(remoteConn, topology, tokenNamespace, tokenSecret.metadata.name);

  const secretsPath = `/api/v1/namespaces/${tokenNamespace}/secrets`;
  if (await getOrUndefined<SecretObject>(remoteConn, `${secretsPath}/${tokenSecret.metadata.name}`)) {
    opts.log(`token Secret ${tokenNamespace}/${tokenSecret.metadata.name} exists in ${remoteConn.context}`);
  } else {
    await kubeRequest(remoteConn, 'POST', secretsPath, tokenSecret);
    opts.log(`created token Secret ${tokenNamespace}/${tokenSecret.metadata.name} in ${remoteConn.context}`);
  }
  opts.log(`waiting for the token controller to fill ${tokenNamespace}/${tokenSecret.metadata.name}`);
  const credentials = await readRemoteCredentials(topology, remote, { kubeconfig: opts.kubeconfig });
  const kubeconfig = Buffer.from(profileKubeconfig(topology, remote, credentials)).toString('base64');

  const stale = profiles.filter((p) => p.secret.data?.[KUBECONFIG_KEY] !== kubeconfig);
  if (stale.length === 0 && others.length === 0) {
    const path = `remotes[${index}].tokenGeneration`;
    throw new RotateInputError(
      `rotate: the profile of ${remote.name} already uses token Secret ${tokenSecret.metadata.name} and no other generation is left; ` +
        `raise ${path} (now ${remote.tokenGeneration}) to ${remote.tokenGeneration + 1} in the topology to rotate`,
    );
  }
  for (const p of stale) {
    await kubeRequest(localConn, 'PATCH', p.path, { data: { [KUBECONFIG_KEY]: kubeconfig } });
    opts.log(`rewrote profile ${localNs}/${p.name} in ${localConn.context}`);
  }

  const deploymentPath = `/apis/apps/v1/namespaces/${localNs}/deployments/${CONTROLLER_NAME}`;
  const patched = await kubeRequest<DeploymentObject>(localConn, 'PATCH', deploymentPath, {
    spec: { template: { metadata: { annotations: { [RESTARTED_AT]: new Date().toISOString() } } } },
  });
  opts.log(`rolling deployment ${localNs}/${CONTROLLER_NAME} in ${localConn.context}`);
  const timeoutMs = opts.rolloutTimeoutMs ?? 300_000;
  if (opts.noWait) opts.log('not waiting for the rollout (--no-wait)');
  else {
    opts.log(`waiting up to ${timeoutMs / 1000} s for the rollout (--timeout)`);
    await waitForRollout(localConn, deploymentPath, patched.metadata.generation ?? 0, timeoutMs);
    opts.log(`deployment ${localNs}/${CONTROLLER_NAME} rolled out`);
  }

  for (const name of others) {
    try {
      await kubeRequest(remoteConn, 'DELETE', `${secretsPath}/${name}`);
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 404)) throw e;
    }
    opts.log(`deleted old token Secret ${tokenNamespace}/${name} in ${remoteConn.context}`);
  }
}

async function getOrUndefined<T>(conn: KubeConnection, path: string): Promise<T | undefined> {
  try {
    return await kubeRequest<T>(conn, 'GET', path);
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) return undefined;
    throw e;
  }
}

/** The token Secrets of the controller identity, of any generation but `current`: what rotation retires. */
async function oldTokenSecrets(
  conn: KubeConnection,
  topology: Topology,
  namespace: string,
  current: string,
): Promise<string[]> {
  const list = await kubeRequest<{ items: SecretObject[] }>(conn, 'GET', `/api/v1/namespaces/${namespace}/secrets`);
  return list.items
    .filter(
      (s) =>
        s.type === 'kubernetes.io/service-account-token' &&
        s.metadata.name !== current &&
        isTokenSecretName(topology.local.name, s.metadata.name),
    )
    .map((s) => s.metadata.name)
    .sort();
}

/** Waits until the Deployment controller has rolled out `generation` and every replica is updated and available. */
async function waitForRollout(
  conn: KubeConnection,
  path: string,
  generation: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await kubeRequest<DeploymentObject>(conn, 'GET', path);
    const want = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    if (
      (s.observedGeneration ?? 0) >= generation &&
      s.updatedReplicas === want &&
      s.availableReplicas === want &&
      s.replicas === want
    )
      return;
    if (Date.now() > deadline) {
      throw new Error(
        `rotate: the controller did not finish rolling out within ${Math.round(timeoutMs / 1000)} s; the old token Secret is kept. ` +
          'Check the Deployment, then run rotate again to finish',
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
