import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT } from '../unit/support/helpers';
import { adminClient, readObject } from './harness/kubeClient';
import { CliStack, bash, cloneProject, failure } from './harness/pulumiCli';
import { World, startWorld } from './harness/world';

// Every key Pulumi.example.yaml documents, used as it documents it: the stack "example" takes that file as its config,
// and each commented `pulumi config set` line runs as written (with this machine's values where it shows a
// placeholder), through the `pulumi` CLI in a fresh copy of the project.
jest.setTimeout(1_200_000);

const EXAMPLE = 'Pulumi.example.yaml';
/** Keys whose documented use another test runs as it is documented, and where. */
const ELSEWHERE: Record<string, string> = {
  tokenGenerations: 'pulumi-rotation.test.ts (a raised generation rotates the token)',
  part: 'pulumi-user-project.test.ts (the README loop: remote:<name>, local)',
  remoteStacks: 'pulumi-user-project.test.ts (the local stack names a remote stack)',
};
/** Keys this file exercises, in the order of the tests below. */
const HERE = [
  'topology',
  'kubeconfigs',
  'skipAwait',
  'controllerImage',
  'executorImage',
  'contexts',
  'allowClusterRename',
  'allowPartChange',
];

let world: World;
let dir: string;
let stack: CliStack;
const DIGEST = `ghcr.io/me/workflow-controller@sha256:${'b'.repeat(64)}`;

beforeAll(async () => {
  world = await startWorld('example-config');
  dir = cloneProject(world.dir);
  // The local context comes from the default kubeconfig, as for a user with one kubeconfig for every cluster.
  stack = new CliStack(dir, 'example', { ...world.env, KUBECONFIG: world.planes.kubeconfigPath });
  await stack.init();
});

afterAll(async () => {
  await world?.planes.stopAll();
});

/** The example as shipped (the stack's copy is rewritten by each `pulumi config set`). */
const shipped = () => readFileSync(join(ROOT, EXAMPLE), 'utf8');

/** The documented `pulumi config set` line that sets `key`, run by bash as written but for `replace`d placeholders. */
async function documentedLine(key: string, replace: [string, string][] = []): Promise<void> {
  const line = shipped()
    .split('\n')
    .map((l) => l.replace(/^\s*#\s*/, ''))
    .find((l) => l.startsWith('pulumi config set') && l.includes(`argo-multicluster:${key}`));
  if (!line) throw new Error(`${EXAMPLE} documents no \`pulumi config set\` line for ${key}`);
  const script = replace.reduce((l, [from, to]) => {
    if (!l.includes(from)) throw new Error(`the documented line for ${key} no longer holds "${from}": ${l}`);
    return l.replace(from, to);
  }, line);
  const r = await bash(dir, stack.env, `${script} --stack example`);
  if (r.code !== 0) throw failure(script, r);
}

const deployment = async () =>
  readObject(adminClient(world.planes, 'cluster-0'), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'workflow-controller', namespace: 'argo' },
  });
const DEPLOYMENT = 'argo-multicluster/cluster-0/Deployment/argo/workflow-controller';

test('the example documents exactly the keys the tests exercise', () => {
  const documented = new Set([...shipped().matchAll(/argo-multicluster:([A-Za-z]+)/g)].map((m) => m[1]));
  expect([...documented].sort()).toEqual([...HERE, ...Object.keys(ELSEWHERE)].sort());
});

test('topology (a path relative to the project folder) and kubeconfigs (contents, secret) as documented', async () => {
  writeFileSync(join(dir, 'my-topology.yaml'), readFileSync(world.topologyFile, 'utf8'));
  await documentedLine('topology');
  // A kubeconfig of the user's for the remote, with a context of its own name (used by `contexts` below).
  const kubeconfig = parse(readFileSync(world.planes.kubeconfigPath, 'utf8'));
  const user = kubeconfig.contexts.find((c: { name: string }) => c.name === 'cluster-1').context.user;
  kubeconfig.contexts.push({ name: 'kind-remote', context: { cluster: 'cluster-1', user } });
  writeFileSync(join(dir, 'remote.kubeconfig'), stringify(kubeconfig));
  const key: string = kubeconfig.users.find((u: { name: string }) => u.name === user).user['client-key-data'];
  expect(key).toMatch(/^[A-Za-z0-9+/=]{100,}$/);
  await documentedLine('kubeconfigs');
  const stackFile = readFileSync(join(dir, EXAMPLE), 'utf8');
  expect(parse(stackFile).config['argo-multicluster:kubeconfigs']).toEqual({
    'cluster-1': { secure: expect.any(String) },
  });
  expect(stackFile).not.toContain(key);
});

test('skipAwait: "false" as the example ships it leaves the Deployment awaited; true marks it not to be', async () => {
  const awaited = await stack.preview();
  expect((awaited.inputs[DEPLOYMENT].metadata as { annotations?: object }).annotations).toBeUndefined();
  await stack.config('argo-multicluster:skipAwait', 'true');
  const skipped = await stack.preview();
  expect((skipped.inputs[DEPLOYMENT].metadata as { annotations?: object }).annotations).toEqual({
    'pulumi.com/skipAwait': 'true',
  });
});

test('up with the example config: its images, then controllerImage and executorImage changed as documented', async () => {
  const example = parse(shipped()).config;
  const up = await stack.up();
  expect(up.warnings).toEqual([]);
  let container = (await deployment()).spec.template.spec.containers[0];
  expect(container.image).toBe(example['argo-multicluster:controllerImage']);
  expect(container.args).toContain(example['argo-multicluster:executorImage']);

  await documentedLine('controllerImage', [['ghcr.io/me/workflow-controller@sha256:...', DIGEST]]);
  await stack.config('argo-multicluster:executorImage', 'ghcr.io/me/argoexec:v3.4-mc-2');
  expect((await stack.up()).stepTypes).toEqual(['kubernetes:apps/v1:Deployment']);
  container = (await deployment()).spec.template.spec.containers[0];
  expect(container.image).toBe(DIGEST);
  expect(container.args).toContain('ghcr.io/me/argoexec:v3.4-mc-2');
});

test('contexts: a remote reached through another context of its kubeconfig replaces and deletes nothing', async () => {
  await documentedLine('contexts');
  const up = await stack.up();
  expect(up.steps.filter((s) => !s.startsWith('update '))).toEqual([]);
  expect(
    await readObject(adminClient(world.planes, 'cluster-1'), {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'argo.cluster-0', namespace: 'default' },
    }),
  ).toBeDefined();
});

test('allowClusterRename: a renamed local cluster is refused until it is set', async () => {
  const topology = parse(readFileSync(join(dir, 'my-topology.yaml'), 'utf8'));
  topology.local.name = 'cluster-0b';
  writeFileSync(join(dir, 'my-topology.yaml'), stringify(topology));
  const refused = await stack.preview([], true);
  expect(refused.code).not.toBe(0);
  expect(refused.errors.join('\n')).toContain(
    'local.name: "cluster-0b" differs from "cluster-0", the local cluster name this stack already applied.',
  );
  await stack.config('argo-multicluster:allowClusterRename', 'true');
  expect((await stack.preview()).code).toBe(0);
  topology.local.name = 'cluster-0';
  writeFileSync(join(dir, 'my-topology.yaml'), stringify(topology));
  await stack.config('argo-multicluster:allowClusterRename', 'false');
});

test('allowPartChange: switching the stack to another part is refused until it is set', async () => {
  await stack.config('argo-multicluster:part', 'local');
  // The local part reads the remote's stack, by convention example-cluster-1; one that never ran an up gives a
  // warning and no profile.
  await new CliStack(dir, 'example-cluster-1', stack.env).init();
  const refused = await stack.preview([], true);
  expect(refused.code).not.toBe(0);
  expect(refused.errors.join('\n')).toContain('argo-multicluster:part: "local" differs from "all"');
  await stack.config('argo-multicluster:allowPartChange', 'true');
  expect((await stack.preview()).code).toBe(0);
  await stack.config('argo-multicluster:part', 'all');
  await stack.config('argo-multicluster:allowPartChange', 'false');
  expect((await stack.preview(['--expect-no-changes'])).code).toBe(0);
  await stack.destroy();
});
