import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { exampleInput, objectsWithProfiles, ROOT } from '../unit/support/helpers';
import { validateTopology } from '../../constructs';
import { ControlPlanes, startControlPlanes } from './harness/controlPlane';
import { adminClient, readObject } from './harness/kubeClient';
import { waitFor } from './harness/process';
import { CliStack, bash, failure } from './harness/pulumiCli';
import { preparePulumiEnv } from './harness/pulumiEnv';
import { toolchainBinDir } from './harness/toolchain';
import { PACKAGE, packTarball, pinned, userProject } from './harness/userProject';
import { PULUMI_PROJECT_PACKAGES } from '../../constructs/cli/init-pulumi';

// The packed tarball in users' own Pulumi TypeScript projects, run by the `pulumi` CLI and its Node.js language host
// on real control planes: a program of the user's that imports the component, and the project `init-pulumi` writes,
// driven by the README's stack-per-cluster loop exactly as written there.
jest.setTimeout(1_800_000);

const REMOTES = ['cluster-1', 'cluster-2'];
const work = mkdtempSync(join(tmpdir(), 'amc-user-pulumi-'));
let planes: ControlPlanes;
let env: Record<string, string>;
let tarball: string;

/** What init-pulumi tells a user to install, besides this package (the tarball), at this repository's pins. */
const DEPENDENCIES = pinned(
  ...[...PULUMI_PROJECT_PACKAGES.dependencies, ...PULUMI_PROJECT_PACKAGES.devDependencies].filter(
    (p) => p !== PACKAGE.name,
  ),
);

beforeAll(async () => {
  const binDir = toolchainBinDir();
  tarball = packTarball(work).tarball;
  planes = await startControlPlanes({ names: ['cluster-0', ...REMOTES], binDir, workDir: join(work, 'clusters') });
  // The kube contexts are the clusters' names, found through KUBECONFIG as kubectl finds them.
  env = {
    ...(await preparePulumiEnv({ binDir, homeDir: join(work, 'pulumi-home') })),
    PULUMI_CONFIG_PASSPHRASE: 'argo-multicluster-integration',
    KUBECONFIG: planes.kubeconfigPath,
  };
});

afterAll(async () => {
  await planes?.stopAll();
});

/** Every object `synth` would write for `topology`, each on its own cluster. */
async function expectApplied(topologyInput: unknown): Promise<void> {
  for (const [cluster, objects] of objectsWithProfiles(validateTopology(topologyInput as never))) {
    const client = adminClient(planes, cluster);
    for (const m of objects)
      expect([cluster, m.kind, m.metadata.name, !!(await readObject(client, m))]).toEqual([
        cluster,
        m.kind,
        m.metadata.name,
        true,
      ]);
  }
}

/** None of those objects left on any cluster (a namespace takes a moment to go once deleted). */
async function expectGone(topologyInput: unknown): Promise<void> {
  for (const [cluster, objects] of objectsWithProfiles(validateTopology(topologyInput as never))) {
    const client = adminClient(planes, cluster);
    for (const m of objects)
      await waitFor(`${cluster} ${m.kind} ${m.metadata.name} to go`, async () => !(await readObject(client, m)));
  }
}

test("a user's own program imports ArgoMultiCluster from the tarball: up, a no-change preview, destroy", async () => {
  const topology = {
    local: {
      name: 'cluster-0',
      controller: { image: 'ghcr.io/me/wc:v3.4-mc', executorImage: 'ghcr.io/me/exec:v3.4-mc' },
    },
    remotes: [{ name: 'cluster-1', server: planes.clusters['cluster-1'].server }],
  };
  // As `pulumi new typescript` lays a project out: Pulumi.yaml with the runtime only, index.ts beside tsconfig.json.
  const dir = userProject(work, 'own-program', tarball, DEPENDENCIES, {
    'Pulumi.yaml': 'name: my-argo\nruntime: nodejs\ndescription: my platform\n',
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        strict: true,
        outDir: 'bin',
        target: 'es2020',
        module: 'commonjs',
        moduleResolution: 'node',
        noImplicitReturns: true,
        forceConsistentCasingInFileNames: true,
      },
      files: ['index.ts'],
    }),
    'index.ts': `import * as pulumi from '@pulumi/pulumi';
import { ArgoMultiCluster } from 'argo-multicluster/stacks';

const config = new pulumi.Config();
const argo = new ArgoMultiCluster('argo', {
  topology: {
    local: ${JSON.stringify(topology.local)},
    remotes: [{ name: 'cluster-1', server: config.require('remoteServer') }],
  },
  // Control planes without nodes never run the controller.
  skipAwait: true,
});
export const profiles = argo.profiles;
`,
  });
  const stack = new CliStack(dir, 'dev', env);
  await stack.init();
  await stack.config('remoteServer', planes.clusters['cluster-1'].server);
  const up = await stack.up();
  expect(up.warnings).toEqual([]);
  expect(`${up.stdout}${up.stderr}`).not.toMatch(/warning/i);
  expect(await stack.outputs()).toEqual({ profiles: { 'cluster-1': { name: 'argo.cluster-1', namespace: 'argo' } } });
  await expectApplied(topology);
  expect((await stack.preview(['--expect-no-changes'])).code).toBe(0);
  await stack.destroy();
  await expectGone(topology);
});

/** The shell block of the README that follows `marker`. */
function readmeBlock(marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md no longer says "${marker}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md has no sh block after "${marker}"`);
  return block[1];
}

test('init-pulumi from the tarball, then the README stack-per-cluster loop as written: a stack per remote, the local stack, working profiles', async () => {
  const dir = userProject(work, 'fleet', tarball, DEPENDENCIES, {});
  const init = await bash(dir, env, 'npx --no-install argo-multicluster init-pulumi');
  expect({ code: init.code, stdout: init.stdout }).toEqual({
    code: 0,
    stdout: expect.stringMatching(/^wrote Pulumi.yaml, index.ts, Pulumi.example.yaml, tsconfig.json in \.\nthen:\n/),
  });

  const topology: any = exampleInput();
  topology.remotes = REMOTES.map((name) => ({ name, server: planes.clusters[name].server }));
  writeFileSync(join(dir, 'my-topology.yaml'), stringify(topology));
  // The local cluster has no nodes to run the controller on, so its stack is told not to wait for it beforehand;
  // the loop then selects that stack as it is.
  const local = new CliStack(dir, 'prod', env);
  await local.init();
  await local.config('argo-multicluster:skipAwait', 'true');

  const loop = readmeBlock('the parts are ordinary stacks');
  expect(loop).toMatch(/^for r in cluster-1 cluster-2; do\n/);
  const ran = await bash(dir, env, loop);
  if (ran.code !== 0) throw failure('the README loop', ran);
  expect(`${ran.stdout}${ran.stderr}`).not.toMatch(/warning/i);

  for (const r of REMOTES) expect(await new CliStack(dir, `prod-${r}`, env).outputs()).toMatchObject({ cluster: r });
  expect(await local.outputs()).toEqual({
    localCluster: 'cluster-0',
    controllerImage: topology.local.controller.image,
    profiles: Object.fromEntries(REMOTES.map((r) => [r, { name: `argo.${r}`, namespace: 'argo' }])),
    missingProfiles: [],
  });
  await expectApplied(topology);
  // The profiles the loop wrote let the controller's identity do what Argo needs in each remote.
  const verify = await bash(dir, env, `npx --no-install argo-multicluster verify -f my-topology.yaml`);
  expect(`${verify.stdout}${verify.stderr}`).toContain('all needs met');
  expect(verify.code).toBe(0);

  // A remote's stack named explicitly (the documented remoteStacks key) is the same stack: nothing changes.
  await local.config('argo-multicluster:remoteStacks.cluster-1', 'argo-multicluster/prod-cluster-1', { path: true });
  expect((await local.preview(['--expect-no-changes'])).code).toBe(0);

  await local.destroy();
  for (const r of REMOTES) await new CliStack(dir, `prod-${r}`, env).destroy();
  await expectGone(topology);
});
