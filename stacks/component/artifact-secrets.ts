import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { COMMON_LABELS, Topology } from '../../constructs';
import { ClusterObjects } from './cluster';
import { logicalName } from './kinds';

/**
 * Copies each remote's `artifactSecrets` from the local cluster (`local.namespace`, where the controller's artifact
 * repository credentials live) into every remote namespace, where the executor reads them with its own
 * ServiceAccount (workflow/executor/executor.go GetSecrets). The data stays a Pulumi secret from the read to the
 * write; the constructs grant the executor `get` on exactly these names. Only a stack that holds both the local
 * cluster and the remote copies them.
 */
export function copyArtifactSecrets(
  name: string,
  topology: Topology,
  clusters: ReadonlyMap<string, ClusterObjects>,
): void {
  const local = clusters.get(topology.local.name);
  const sources = new Map<string, k8s.core.v1.Secret>();
  const source = (secret: string) => {
    if (!sources.has(secret)) {
      const id = `${topology.local.namespace}/${secret}`;
      sources.set(
        secret,
        k8s.core.v1.Secret.get(`${name}-${topology.local.name}-artifact-source/${id}`, id, {
          parent: local!,
          provider: local!.provider,
        }),
      );
    }
    return sources.get(secret)!;
  };
  for (const remote of topology.remotes) {
    if (!remote.artifactSecrets.length) continue;
    const target = clusters.get(remote.name);
    if (!local || !target) {
      // A stack per cluster (argo-multicluster:part) holds one side only: it can neither read the local Secret nor
      // write the remote one, so it says what to create by hand rather than leave a silent gap.
      const holder = target ?? local;
      if (holder) {
        pulumi.log.warn(
          `remote ${remote.name}: artifactSecrets (${remote.artifactSecrets.join(', ')}) are not copied by a stack per cluster; ` +
            `create them in ${remote.namespaces.join(', ')} yourself, or apply this remote with part "all"`,
          holder,
        );
      }
      continue;
    }
    for (const namespace of remote.namespaces) {
      // The namespace, when this stack creates it, must exist before anything is written into it.
      const ns = target.resources.get(
        logicalName(remote.name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }),
      );
      for (const secret of remote.artifactSecrets) {
        const from = source(secret);
        new k8s.core.v1.Secret(
          `${name}/${logicalName(remote.name, { apiVersion: 'v1', kind: 'Secret', metadata: { name: secret, namespace } })}/artifact`,
          {
            metadata: { name: secret, namespace, labels: { ...COMMON_LABELS } },
            type: from.type,
            data: pulumi.secret(from.data),
          },
          { parent: target, provider: target.provider, dependsOn: ns ? [ns] : [] },
        );
      }
    }
  }
}
