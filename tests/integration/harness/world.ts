import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Topology, TopologyInput, validateTopology } from '../../../constructs';
import { exampleTopologyPath } from '../../../constructs/model/example';
import { CLI } from '../../unit/support/helpers';
import { ControlPlanes, startControlPlanes } from './controlPlane';
import { preparePulumiEnv } from './pulumiEnv';
import { CliStack, cloneProject } from './pulumiCli';
import { toolchainBinDir } from './toolchain';

/** Two real control planes, a topology that points at them and an offline Pulumi environment. */
export interface World {
  readonly dir: string;
  readonly planes: ControlPlanes;
  readonly topologyFile: string;
  readonly topology: Topology;
  readonly env: Record<string, string>;
  readonly binDir: string;
}

/** The built-in example, with the remote server set to where cluster-1 really listens. */
export async function startWorld(name: string): Promise<World> {
  const binDir = toolchainBinDir();
  const dir = mkdtempSync(join(tmpdir(), `amc-${name}-`));
  const planes = await startControlPlanes({
    names: ['cluster-0', 'cluster-1'],
    binDir,
    workDir: join(dir, 'clusters'),
  });
  try {
    const raw = parse(readFileSync(exampleTopologyPath(), 'utf8')) as TopologyInput & { remotes: { server: string }[] };
    raw.remotes[0].server = planes.clusters['cluster-1'].server;
    const topologyFile = join(dir, 'topology.yaml');
    writeFileSync(topologyFile, stringify(raw));
    // State secrets are encrypted with a passphrase, as a user's local backend would be.
    const env = {
      ...(await preparePulumiEnv({ binDir, homeDir: join(dir, 'pulumi-home') })),
      PULUMI_CONFIG_PASSPHRASE: 'argo-multicluster-integration',
    };
    return { dir, planes, topologyFile, topology: validateTopology(raw), env, binDir };
  } catch (e) {
    await planes.stopAll();
    throw e;
  }
}

/**
 * A stack of this repository's `Pulumi.yaml`, in a fresh copy of the project, driven by the `pulumi` CLI and configured
 * the way a user would with `pulumi config set`.
 */
export async function projectStack(world: World, stackName: string): Promise<CliStack> {
  const stack = new CliStack(cloneProject(world.dir), stackName, world.env);
  await stack.init();
  await stack.config('argo-multicluster:topology', world.topologyFile);
  await stack.config('argo-multicluster:skipAwait', 'true');
  for (const cluster of ['cluster-0', 'cluster-1'])
    await stack.config(`argo-multicluster:kubeconfigs.${cluster}`, world.planes.kubeconfigPath, {
      path: true,
      secret: true,
    });
  return stack;
}

/** The HTTP status a bearer token gets from a cluster's API server: 200 while it is valid, 401 once revoked. */
export function statusWithToken(world: World, cluster: string, token: string): Promise<number> {
  const c = world.planes.clusters[cluster];
  return new Promise((resolve, reject) => {
    const req = request(
      `${c.server}/api/v1/namespaces/default/pods`,
      { ca: Buffer.from(c.caData, 'base64'), headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Runs the built CLI (`npm run test:integration` builds it first) as `argo-multicluster ARGS` would and captures its
 * output. A child process, because the CLI loads @kubernetes/client-node, an ES module, which jest's module system
 * cannot load.
 */
export function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
