import * as pulumi from '@pulumi/pulumi';
import type { Topology } from '../../constructs';
import { ArgoMultiCluster, RemoteCredentialsInput } from '../component/component';
import { StackSettings, readStackSettings } from './config';
import { configKey, partOfOutputs, remoteStackName } from './stack-names';

/** Stack output that records the local cluster's name, read back on the next run to guard it. */
const LOCAL_CLUSTER_OUTPUT = 'localCluster';

/**
 * The outputs of a remote part's stack that the local part reads: the remote's name, and its token and CA (secret).
 * The local cluster's name is {@link LOCAL_CLUSTER_OUTPUT}.
 */
export const REMOTE_PART_OUTPUTS = { cluster: 'cluster', token: 'token', caData: 'caData' } as const;

/** Output of the local part: the remotes whose stack has no token yet, so they got no profile. */
export const MISSING_PROFILES_OUTPUT = 'missingProfiles';

/** A stack name made fully qualified (`<org>/<project>/<stack>`) against the running stack's org and project. */
function qualified(stack: string): string {
  const parts = stack.split('/');
  return [pulumi.getOrganization(), pulumi.getProject()]
    .slice(0, 3 - parts.length)
    .concat(parts)
    .join('/');
}

/** The component's name, which every resource name starts with: changing it would replace every object. */
const COMPONENT = 'argo-multicluster';

/** How the program names a part in messages and in `argo-multicluster:part`. */
function partName(part: StackSettings['part']): string {
  return part.kind === 'remote' ? `remote:${part.remote}` : part.kind;
}

/**
 * Refuses what would orphan or delete objects, judged by this stack's own last outputs: renaming the local cluster
 * (remote pods and task results are found by that name), and switching the stack to another part (a stack of the
 * whole fleet switched to `local` would delete every remote object; a remote stack switched to another remote would
 * delete the first one's).
 */
async function guardStack(settings: StackSettings): Promise<void> {
  const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
  const previous = Object.fromEntries(
    await Promise.all(
      [LOCAL_CLUSTER_OUTPUT, REMOTE_PART_OUTPUTS.cluster, MISSING_PROFILES_OUTPUT, 'profiles'].map(
        async (o) => [o, (await self.getOutputDetails(o)).value] as const,
      ),
    ),
  );
  const applied = partOfOutputs(Object.fromEntries(Object.entries(previous).filter(([, v]) => v !== undefined)));
  const name = settings.topology.local.name;
  const previousName = previous[LOCAL_CLUSTER_OUTPUT];
  if (previousName !== undefined && previousName !== name && !settings.allowClusterRename) {
    throw new Error(
      `local.name: "${name}" differs from "${previousName}", the local cluster name this stack already applied. It must never ` +
        'change once set (remote pods and task results are found by it, so a rename orphans them). Restore it, or set ' +
        `\`pulumi config set ${configKey('allowClusterRename')} true\` if you really mean to rename the cluster.`,
    );
  }
  const part = partName(settings.part);
  if (applied !== undefined && applied !== part && !settings.allowPartChange) {
    throw new Error(
      `${configKey('part')}: "${part}" differs from "${applied}", the part this stack last applied; the switch would delete ` +
        `the objects of "${applied}" that "${part}" does not hold. Destroy this stack first, or set ` +
        `\`pulumi config set ${configKey('allowPartChange')} true\` once those objects belong to other stacks (pulumi state move).`,
    );
  }
}

/**
 * Reads each remote part's credentials from its stack. A stack without a token (its first `up` has not succeeded)
 * gives no profile and is reported; a stack that applied another remote or for another local cluster is an error,
 * since its token would let the controller in somewhere else.
 */
async function remoteCredentials(
  topology: Topology,
  settings: StackSettings,
): Promise<{ credentials: Record<string, RemoteCredentialsInput>; missing: string[] }> {
  const credentials: Record<string, RemoteCredentialsInput> = {};
  const missing: string[] = [];
  const read = topology.remotes.map(async (remote) => {
    const configured = settings.remoteStacks[remote.name];
    const stack = qualified(configured ?? remoteStackName(pulumi.getStack(), remote.name));
    const where = configured
      ? configKey(`remoteStacks.${remote.name}`)
      : `the stack of remote ${remote.name} (named by convention <local stack>-<remote>)`;
    // The guard already reads this stack; a second reference to it would be a duplicate resource, and its outputs
    // are the local part's own, never a remote's token.
    if (stack === qualified(pulumi.getStack()))
      throw new Error(
        `${where}: "${stack}" is this stack itself; name the stack that applies part remote:${remote.name}`,
      );
    const ref = new pulumi.StackReference(stack);
    const [cluster, local, token, caData] = await Promise.all(
      [REMOTE_PART_OUTPUTS.cluster, LOCAL_CLUSTER_OUTPUT, REMOTE_PART_OUTPUTS.token, REMOTE_PART_OUTPUTS.caData].map(
        (o) => ref.getOutputDetails(o),
      ),
    );
    const tokenValue = token.secretValue ?? token.value;
    if (tokenValue === undefined) {
      missing.push(remote.name);
      pulumi.log.warn(
        `no profile for remote ${remote.name}: ${where}, "${stack}", has no token output yet (its first up has not succeeded)`,
      );
      return;
    }
    const applied = { cluster: cluster.value, local: local.value };
    if (applied.cluster !== remote.name || applied.local !== topology.local.name) {
      throw new Error(
        `${where}: "${stack}" applied remote "${applied.cluster}" for local cluster "${applied.local}", not remote "${remote.name}" for local cluster "${topology.local.name}"; point it at the stack of this remote`,
      );
    }
    credentials[remote.name] = {
      token: pulumi.secret(tokenValue as string),
      caData: pulumi.secret((caData.secretValue ?? caData.value) as string | undefined),
    };
  });
  await Promise.all(read);
  return { credentials, missing: missing.sort() };
}

/**
 * The program `Pulumi.yaml` runs: reads the stack config, guards the cluster name, builds the component (for the
 * stack's part: the whole fleet, one remote, or the local cluster) and returns the stack outputs. A plain function, so
 * the Automation API can run it as an inline program.
 */
export async function argoMultiClusterProgram(): Promise<Record<string, pulumi.Output<unknown>>> {
  const settings = readStackSettings();
  const { topology, part } = settings;
  await guardStack(settings);
  const args = { topology, connections: settings.connections, skipAwait: settings.skipAwait };
  if (part.kind === 'remote') {
    const setup = new ArgoMultiCluster(COMPONENT, { ...args, part });
    const c = setup.credentials.get(part.remote)!;
    return {
      [LOCAL_CLUSTER_OUTPUT]: setup.localCluster,
      [REMOTE_PART_OUTPUTS.cluster]: pulumi.output(part.remote),
      [REMOTE_PART_OUTPUTS.token]: c.token,
      [REMOTE_PART_OUTPUTS.caData]: c.caData,
    };
  }
  if (part.kind === 'local') {
    const { credentials, missing } = await remoteCredentials(topology, settings);
    const setup = new ArgoMultiCluster(COMPONENT, { ...args, part: { kind: 'local', credentials } });
    return {
      [LOCAL_CLUSTER_OUTPUT]: setup.localCluster,
      controllerImage: setup.controllerImage,
      profiles: setup.profiles,
      [MISSING_PROFILES_OUTPUT]: pulumi.output(missing),
    };
  }
  const setup = new ArgoMultiCluster(COMPONENT, args);
  return {
    [LOCAL_CLUSTER_OUTPUT]: setup.localCluster,
    controllerImage: setup.controllerImage,
    profiles: setup.profiles,
  };
}
