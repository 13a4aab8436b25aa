import type { RemoteCredentials } from '../objects/profile';
import { tokenSecretName } from '../model/names';
import type { RemoteCluster, Topology } from '../model/topology';
import { KubeApiError, connect, kubeRequest } from './kube-client';

interface SecretObject {
  data?: Record<string, string>;
}

const FILL_WAIT_MS = 15_000;

/**
 * Reads the controller identity's token and CA from a remote cluster's token Secret, by name: Kubernetes 1.24+ links
 * no token Secret to a ServiceAccount by itself. The token controller fills a new Secret shortly after it is created,
 * so an empty one is polled for a while before giving up.
 */
export async function readRemoteCredentials(
  topology: Topology,
  remote: RemoteCluster,
  opts: { kubeconfig?: string; context?: string } = {},
): Promise<RemoteCredentials> {
  const conn = await connect(opts.context ?? remote.context, opts.kubeconfig);
  const namespace = remote.namespaces[0];
  const name = tokenSecretName(topology.local.name, remote.tokenGeneration);
  const path = `/api/v1/namespaces/${namespace}/secrets/${name}`;
  const deadline = Date.now() + FILL_WAIT_MS;
  for (;;) {
    let secret: SecretObject;
    try {
      secret = await kubeRequest<SecretObject>(conn, 'GET', path);
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) {
        throw new Error(
          `remote ${remote.name}: token Secret ${namespace}/${name} does not exist yet; apply the remote objects to ${conn.context} first`,
        );
      }
      throw e;
    }
    const token = secret.data?.token;
    const caData = secret.data?.['ca.crt'];
    if (token && (caData || remote.insecureSkipTLSVerify))
      return { token: Buffer.from(token, 'base64').toString('utf8'), caData };
    if (Date.now() > deadline) {
      throw new Error(
        `remote ${remote.name}: token Secret ${namespace}/${name} has no token yet; is the token controller of ${conn.context} running?`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
