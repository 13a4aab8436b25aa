import * as pulumi from '@pulumi/pulumi';
import { ArgoMultiCluster } from './component';
import { readStackSettings } from './config';

/** Stack output that records the local cluster's name, read back on the next run to guard it. */
const LOCAL_CLUSTER_OUTPUT = 'localCluster';

/**
 * Refuses to rename the local cluster: remote pods and task results are found by that name, so a rename orphans
 * them. The previous name is this stack's own last output.
 */
async function guardClusterName(name: string, allowRename: boolean): Promise<void> {
  const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
  const previous = (await self.getOutputDetails(LOCAL_CLUSTER_OUTPUT)).value;
  if (previous === undefined || previous === name || allowRename) return;
  throw new Error(
    `local.name: "${name}" differs from "${previous}", the local cluster name this stack already applied. It must never ` +
      'change once set (remote pods and task results are found by it, so a rename orphans them). Restore it, or set ' +
      '`pulumi config set argo-multicluster:allowClusterRename true` if you really mean to rename the cluster.',
  );
}

/**
 * The program `Pulumi.yaml` runs: reads the stack config, guards the cluster name, builds the component and returns
 * the stack outputs. A plain function, so the Automation API can run it as an inline program.
 */
export async function argoMultiClusterProgram(): Promise<Record<string, pulumi.Output<unknown>>> {
  const settings = readStackSettings();
  await guardClusterName(settings.topology.local.name, settings.allowClusterRename);
  const setup = new ArgoMultiCluster('argo-multicluster', {
    topology: settings.topology,
    connections: settings.connections,
    skipAwait: settings.skipAwait,
  });
  return { [LOCAL_CLUSTER_OUTPUT]: setup.localCluster, controllerImage: setup.controllerImage, profiles: setup.profiles };
}
