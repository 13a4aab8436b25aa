import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Topology, TopologyInput, tokenSecretName, validateTopology } from '../../../constructs';
import { exampleTopologyPath } from '../../../constructs/model/example';
import { CLI, objects } from '../../unit/support/helpers';
import { ControllerHandle, applyArgoCrds, startController } from './argoController';
import { ControlPlanes, startControlPlanes } from './controlPlane';
import { preparePulumiEnv } from './pulumiEnv';
import { CliStack, cloneProject } from './pulumiCli';
import { waitFor } from './process';
import { kubectl, toolchainBinDir } from './toolchain';

/**
 * Changes a world's topology file in place and returns it validated, for tests that start from a variant of it.
 * @param edit changes the file's raw object
 */
export function editTopology(world: Planes, edit: (raw: any) => void): Topology {
  const raw = parse(readFileSync(world.topologyFile, 'utf8'));
  edit(raw);
  writeFileSync(world.topologyFile, stringify(raw));
  return validateTopology(raw);
}

/** Two real control planes and a topology that points at them. */
export interface Planes {
  readonly dir: string;
  readonly planes: ControlPlanes;
  readonly topologyFile: string;
  readonly topology: Topology;
  readonly binDir: string;
}

/** Two real control planes, a topology that points at them and an offline Pulumi environment. */
export interface World extends Planes {
  readonly env: Record<string, string>;
}

/**
 * Two control planes and the built-in example, with the remote server set to where cluster-1 really listens and
 * `patch` applied to its first remote (e.g. its namespaces), written to `<dir>/topology.yaml`.
 */
export async function startPlanes(
  name: string,
  patch: Partial<TopologyInput['remotes'][number]> = {},
): Promise<Planes> {
  const binDir = toolchainBinDir();
  const dir = mkdtempSync(join(tmpdir(), `amc-${name}-`));
  const planes = await startControlPlanes({
    names: ['cluster-0', 'cluster-1'],
    binDir,
    workDir: join(dir, 'clusters'),
  });
  const raw = parse(readFileSync(exampleTopologyPath(), 'utf8')) as TopologyInput;
  Object.assign(raw.remotes[0], { server: planes.clusters['cluster-1'].server, ...patch });
  const topologyFile = join(dir, 'topology.yaml');
  writeFileSync(topologyFile, stringify(raw));
  return { dir, planes, topologyFile, topology: validateTopology(raw), binDir };
}

/** {@link startPlanes} with the built-in example as it is, and an offline Pulumi environment. */
export async function startWorld(name: string): Promise<World> {
  const world = await startPlanes(name);
  try {
    // State secrets are encrypted with a passphrase, as a user's local backend would be.
    const env = {
      ...(await preparePulumiEnv({ binDir: world.binDir, homeDir: join(world.dir, 'pulumi-home') })),
      PULUMI_CONFIG_PASSPHRASE: 'argo-multicluster-integration',
    };
    return { ...world, env };
  } catch (e) {
    await world.planes.stopAll();
    throw e;
  }
}

/** One stack config key of a world's stacks, as `pulumi config set [--path] [--secret]` takes it. */
export interface WorldSetting {
  readonly key: string;
  readonly value: string;
  readonly secret: boolean;
}

/**
 * The config that points a stack of the program at a world: its topology, no waiting for a controller that has no
 * node to run on, and each cluster's kubeconfig (secret). Keys are `--path` keys.
 */
export function worldSettings(world: World): WorldSetting[] {
  return [
    { key: 'argo-multicluster:topology', value: world.topologyFile, secret: false },
    { key: 'argo-multicluster:skipAwait', value: 'true', secret: false },
    ...['cluster-0', 'cluster-1'].map((cluster) => ({
      key: `argo-multicluster:kubeconfigs.${cluster}`,
      value: world.planes.kubeconfigPath,
      secret: true,
    })),
  ];
}

/**
 * A stack `stackName` of the `Pulumi.yaml` in `dir` (default: a fresh copy of this repository), driven by the `pulumi`
 * CLI and configured for the world the way a user would, with `pulumi config set`.
 */
export async function projectStack(world: World, stackName: string, dir = cloneProject(world.dir)): Promise<CliStack> {
  const stack = new CliStack(dir, stackName, world.env);
  await stack.init();
  for (const { key, value, secret } of worldSettings(world)) await stack.config(key, value, { path: true, secret });
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

/**
 * What the GitOps controller tests start from: `synth` of `topologyFile` applied with server-side apply (the remote
 * first), the profiles printed by `profile` once the token controller filled the token, applied too, Argo's CRDs
 * (unless `argoCrds` is false: the topology's `local.crds.install` then writes them), and the real controller started
 * as the synthesized Deployment says.
 * @returns the controller and the profiles as `profile` printed them
 */
export async function startGitopsController(
  opts: Planes,
  { argoCrds = true }: { argoCrds?: boolean } = {},
): Promise<{ controller: ControllerHandle; profiles: string }> {
  const { planes, topology } = opts;
  const k = (context: string, args: string[], input?: string) => kubectl(planes.kubeconfigPath, context, args, input);
  const out = join(opts.dir, 'gitops');
  const synth = await cli(['synth', '-f', opts.topologyFile, '-o', out]);
  if (synth.code !== 0) throw new Error(`synth failed: ${synth.stderr}`);
  const remote = topology.remotes[0];
  k(remote.name, ['apply', '--server-side', '-k', join(out, remote.name)]);
  k(topology.local.name, ['apply', '--server-side', '-k', join(out, topology.local.name)]);
  const token = tokenSecretName(topology.local.name, remote.tokenGeneration);
  await waitFor(
    'the token controller to fill the token',
    async () =>
      k(remote.name, ['get', 'secret', token, '-n', remote.namespaces[0], '-o', 'jsonpath={.data.token}']) !== '',
  );
  const profile = await cli([
    'profile',
    '-f',
    opts.topologyFile,
    '--remote',
    remote.name,
    '--kubeconfig',
    planes.kubeconfigPath,
  ]);
  if (profile.code !== 0) throw new Error(`profile failed: ${profile.stderr}`);
  k(topology.local.name, ['apply', '--server-side', '-f', '-'], profile.stdout);
  if (argoCrds) applyArgoCrds(planes.kubeconfigPath, topology.local.name, opts.binDir);
  const local = planes.clusters[topology.local.name];
  const controller = await startController({
    binDir: opts.binDir,
    dir: opts.dir,
    adminKubeconfig: planes.kubeconfigPath,
    localContext: topology.local.name,
    localServer: local.server,
    localCaData: local.caData,
    localObjects: objects(topology).get(topology.local.name)!,
    servers: [local.server, planes.clusters[remote.name].server],
  });
  return { controller, profiles: profile.stdout };
}
