/**
 * Kubernetes API clients of the harness's control planes, as their admin user.
 *
 * @packageDocumentation
 */
import * as k8s from 'kubernetes-client-node-cjs';
import type { Manifest } from '../../../constructs';
import type { ControlPlanes } from './controlPlane';

/** A client of one cluster of `planes`, named by its kubeconfig context. */
export function adminClient(planes: ControlPlanes, context: string): k8s.KubernetesObjectApi {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(planes.kubeconfigPath);
  kc.setCurrentContext(context);
  return k8s.KubernetesObjectApi.makeApiClient(kc);
}

/** Reads the object `m` names; undefined when the server says 404. */
export async function readObject(
  client: k8s.KubernetesObjectApi,
  m: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>,
): Promise<any | undefined> {
  try {
    return (
      await client.read({
        apiVersion: m.apiVersion,
        kind: m.kind,
        metadata: { name: m.metadata.name, namespace: m.metadata.namespace },
      })
    ).body;
  } catch (e: any) {
    if (e?.statusCode === 404 || e?.response?.statusCode === 404) return undefined;
    throw e;
  }
}
