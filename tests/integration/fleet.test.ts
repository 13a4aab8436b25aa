import * as k8s from 'kubernetes-client-node-cjs';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Manifest, Topology, validateTopology } from '../../constructs';
import { exampleInput, objectsWithProfiles, CLI } from '../unit/support/helpers';
import { ControlPlanes, startControlPlanes } from './harness/controlPlane';
import { adminClient, readObject } from './harness/kubeClient';
import { waitFor } from './harness/process';
import { preparePulumiEnv } from './harness/pulumiEnv';
import { toolchainBinDir } from './harness/toolchain';

// Fleet mode on real servers: one local cluster and three remotes, a stack per cluster, driven by the CLI as a user
// runs it (the Pulumi CLI on PATH, without its Node.js language host; a file backend).
jest.setTimeout(1_500_000);

const REMOTES = ['cluster-1', 'cluster-2', 'cluster-3'];
let planes: ControlPlanes;
let env: Record<string, string>;
let dir: string;
let workDir: string;
const topologyFile = () => join(dir, 'topology.yaml');

/** Writes the topology: the given remotes at their real servers, each serving `namespaces` (cluster-2 the whole cluster). */
function writeTopology(remotes: string[], extraNamespace?: string): Topology {
  const raw: any = exampleInput();
  raw.remotes = remotes.map((name) => ({
    name,
    context: name,
    server: planes.clusters[name].server,
    ...(name === 'cluster-2' ? { access: 'cluster', namespaces: ['team-a'] } : { namespaces: ['default'] }),
    workflowNamespace: 'argo',
  }));
  if (extraNamespace) for (const r of raw.remotes) r.namespaces.push(extraNamespace);
  writeFileSync(topologyFile(), stringify(raw));
  return validateTopology(raw);
}

/** Runs `argo-multicluster fleet ARGS` as a process, as a user would. */
function fleet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const all = [
    CLI,
    'fleet',
    ...args,
    '--stack',
    'it',
    '-f',
    topologyFile(),
    '--kubeconfig',
    planes.kubeconfigPath,
    '--skip-await',
    '--work-dir',
    workDir,
  ];
  return new Promise((resolve) => {
    execFile(process.execPath, all, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** Reads an object of one cluster; undefined when it is not there. */
function read(context: string, m: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>): Promise<any | undefined> {
  return readObject(adminClient(planes, context), m);
}

/** The objects of `topology` (profiles included) that are missing from their clusters. */
async function missing(
  topology: Topology,
  clusters = [topology.local.name, ...topology.remotes.map((r) => r.name)],
): Promise<string[]> {
  const out: string[] = [];
  for (const [cluster, list] of objectsWithProfiles(topology)) {
    if (!clusters.includes(cluster)) continue;
    for (const m of list)
      if (!(await read(cluster, m))) out.push(`${cluster} ${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}`);
  }
  return out;
}

/** Whether the profile of `remote` in the local cluster lets the controller list pods there, asked with its own kubeconfig. */
async function profileWorks(remote: string, namespace: string): Promise<boolean> {
  const secret = await read('cluster-0', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `argo.${remote}`, namespace: 'argo' },
  });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(Buffer.from(secret.data.kubeconfig, 'base64').toString());
  const review = await kc.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace } },
  });
  return review.body.status!.allowed;
}

/** The stacks of the project in the file backend, by name. */
function stackNames(): string[] {
  const out = execFileSync('pulumi', ['stack', 'ls', '--json'], { cwd: workDir, env, encoding: 'utf8' });
  return (JSON.parse(out) as { name: string }[]).map((s) => s.name.replace(/^.*\//, '')).sort();
}

/** The summary line of one stack, from a fleet run's output. */
function summaryOf(stdout: string, stack: string): string {
  const line = stdout
    .split('\n')
    .find((l) => l.trim().split(/\s+/)[1] === stack && stdout.indexOf(l) > stdout.indexOf('summary:'));
  if (!line) throw new Error(`no summary line for ${stack} in:\n${stdout}`);
  return line;
}

let first: Topology;

beforeAll(async () => {
  const binDir = toolchainBinDir();
  dir = mkdtempSync(join(tmpdir(), 'amc-fleet-'));
  workDir = join(dir, 'project');
  planes = await startControlPlanes({ names: ['cluster-0', ...REMOTES], binDir, workDir: join(dir, 'clusters') });
  // A Pulumi install of the CLI alone: fleet runs its program inline, so it needs no Node.js language host.
  env = {
    ...(await preparePulumiEnv({ binDir, homeDir: join(dir, 'pulumi-home'), languageHost: false })),
    PULUMI_CONFIG_PASSPHRASE: 'argo-multicluster-integration',
  };
  expect(spawnSync('bash', ['-c', 'command -v pulumi-language-nodejs'], { env }).status).toBe(1);
  execFileSync('mkdir', ['-p', workDir]);
  first = writeTopology(REMOTES);
});

afterAll(async () => {
  await planes?.stopAll();
});

describe('fleet mode: a stack per cluster on real servers', () => {
  test('up creates a stack per cluster and applies exactly what one stack (and the GitOps synth) would, with working profiles', async () => {
    const r = await fleet('up', '--parallel', '2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fleet up: all 4 stack\(s\) succeeded/);
    for (const remote of REMOTES) expect(r.stdout).toMatch(new RegExp(`\\[${remote}\\] up it-${remote}: succeeded`));
    expect(await missing(first)).toEqual([]);
    expect(await profileWorks('cluster-1', 'default')).toBe(true);
    expect(await profileWorks('cluster-2', 'team-a')).toBe(true);
    expect(await profileWorks('cluster-3', 'default')).toBe(true);
    expect(stackNames()).toEqual(['it', 'it-cluster-1', 'it-cluster-2', 'it-cluster-3']);
  });

  test('a second preview changes nothing in any stack', async () => {
    const r = await fleet('preview');
    expect(r.code).toBe(0);
    for (const stack of ['it', ...REMOTES.map((c) => `it-${c}`)]) {
      const line = summaryOf(r.stdout, stack);
      expect(line).toMatch(/ok\s+\d+ same in/);
      expect(line).not.toMatch(/create|update|delete|replace/);
    }
  });

  test('with one remote down, the others and the local stack are applied, and that remote is named as failed', async () => {
    await planes.clusters['cluster-2'].stop();
    const next = writeTopology(REMOTES, 'extra');
    const r = await fleet('up', '--parallel', '2');
    expect(r.code).toBe(1);
    expect(summaryOf(r.stdout, 'it-cluster-2')).toMatch(/FAILED\s+\S/);
    expect(r.stdout).toMatch(/fleet up: 1 of 4 stack\(s\) failed: cluster-2 \(it-cluster-2\)\n/);
    for (const stack of ['it', 'it-cluster-1', 'it-cluster-3'])
      expect(summaryOf(r.stdout, stack)).toMatch(/ok\s+\d+ (create|update)/);
    expect(await missing(next, ['cluster-0', 'cluster-1', 'cluster-3'])).toEqual([]);
    expect(await profileWorks('cluster-1', 'extra')).toBe(true);
  });

  test('the remote back, a remote removed from the topology: its objects, profile and stack are gone, the rest applied', async () => {
    await planes.clusters['cluster-2'].start();
    const next = writeTopology(['cluster-1', 'cluster-2'], 'extra');
    const r = await fleet('up', '--parallel', '2');
    expect(r.code).toBe(0);
    expect(summaryOf(r.stdout, 'it-cluster-3')).toMatch(/removed remote\s+ok\s+\d+ delete/);
    expect(await missing(next)).toEqual([]);
    expect(
      await read('cluster-0', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'argo.cluster-3', namespace: 'argo' },
      }),
    ).toBeUndefined();
    expect(
      await read('cluster-3', {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'argo.cluster-0', namespace: 'default' },
      }),
    ).toBeUndefined();
    expect(
      await read('cluster-3', {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'workflowtaskresults.argoproj.io' },
      }),
    ).toBeUndefined();
    expect(stackNames()).toEqual(['it', 'it-cluster-1', 'it-cluster-2']);
    expect(await profileWorks('cluster-2', 'extra')).toBe(true);
  });

  test('destroy leaves nothing in any cluster', async () => {
    const r = await fleet('destroy', '--parallel', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fleet destroy: all 3 stack\(s\) succeeded/);
    const everything = writeTopology(REMOTES, 'extra');
    // Namespaces go once the namespace controller has emptied them.
    await waitFor(
      'every object of the fleet to be gone',
      async () => (await missing(everything)).length === [...objectsWithProfiles(everything).values()].flat().length,
      { timeoutMs: 120_000 },
    );
  });
});
