import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { sleep, waitFor } from './harness/process';
import { kubectl } from './harness/toolchain';
import { World, cli, startWorld, statusWithToken } from './harness/world';

jest.setTimeout(900_000);

let world: World;
let admin: string;

beforeAll(async () => {
  world = await startWorld('auth');
  admin = world.planes.kubeconfigPath;
});

afterAll(async () => {
  await world?.planes.stopAll();
});

const k = (context: string, args: string[], input?: string) => kubectl(admin, context, args, input);
const getJson = (context: string, args: string[]) => JSON.parse(k(context, ['get', ...args, '-o', 'json']));
const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

/** Whether a kubectl call fails, and its stderr. */
function refused(context: string, args: string[], input?: string): string | undefined {
  try {
    k(context, args, input);
    return undefined;
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
}

const tokenOf = (context: string, namespace: string, name: string) =>
  decode(getJson(context, ['secret', '-n', namespace, name]).data.token);

/** A kubeconfig whose users log in through an exec plugin that prints an ExecCredential with a ServiceAccount token. */
function execKubeconfig(): { file: string; log: string } {
  const plugin = join(world.dir, 'exec-plugin.sh');
  const log = join(world.dir, 'exec-plugin.log');
  writeFileSync(
    plugin,
    '#!/bin/sh\n' +
      'echo "$CLUSTER" >> "$PLUGIN_LOG"\n' +
      `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$(cat "$TOKEN_FILE")"\n`,
    { mode: 0o755 },
  );
  const names = ['cluster-0', 'cluster-1'];
  const file = join(world.dir, 'exec-kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: names.map((n) => ({
        name: n,
        cluster: {
          server: world.planes.clusters[n].server,
          'certificate-authority-data': world.planes.clusters[n].caData,
        },
      })),
      users: names.map((n) => ({
        name: `operator-${n}`,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: plugin,
            interactiveMode: 'Never',
            env: [
              { name: 'CLUSTER', value: n },
              { name: 'TOKEN_FILE', value: join(world.dir, `operator-token-${n}`) },
              { name: 'PLUGIN_LOG', value: log },
            ],
          },
        },
      })),
      contexts: names.map((n) => ({ name: n, context: { cluster: n, user: `operator-${n}` } })),
      'current-context': 'cluster-0',
    }),
  );
  return { file, log };
}

/**
 * The ServiceAccount the exec plugin logs in as, with what the commands read: the token Secret in the remote, and
 * the labelled Secrets of every namespace in the local cluster. Not an admin, so the test shows no more is needed.
 */
function operator(cluster: string, rules: object[], clusterWide: boolean): string {
  const kind = clusterWide ? 'ClusterRole' : 'Role';
  const ns = clusterWide ? {} : { namespace: 'default' };
  const docs = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'operator', namespace: 'default' } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: 'operator-token',
        namespace: 'default',
        annotations: { 'kubernetes.io/service-account.name': 'operator' },
      },
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: 'operator', ...ns }, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: `${kind}Binding`,
      metadata: { name: 'operator', ...ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: 'operator' },
      subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: 'default' }],
    },
  ];
  k(cluster, ['apply', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
  return cluster;
}

test('exec-plugin logins for profile, plain synth and verify; the admission policy refuses rogue profiles; verify reports the one made before it and never follows a hostile profile', async () => {
  const out = join(world.dir, 'gitops');
  expect((await cli(['synth', '-f', world.topologyFile, '-o', out])).code).toBe(0);
  k('cluster-1', ['apply', '--server-side', '-k', join(out, 'cluster-1')]);

  // A rogue profile made before the policy exists: the server took it, so only verify can find it.
  k('cluster-0', ['create', 'secret', 'generic', 'rogue', '-n', 'default', '--from-literal=kubeconfig=x']);
  k('cluster-0', ['label', 'secret', 'rogue', '-n', 'default', 'workflows.argoproj.io/cluster=cluster-1']);
  k('cluster-0', ['apply', '--server-side', '-k', join(out, 'cluster-0')]);

  operator('cluster-1', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], false);
  operator('cluster-0', [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }], true);
  for (const cluster of ['cluster-0', 'cluster-1']) {
    await waitFor(
      `the operator token of ${cluster}`,
      async () => !!getJson(cluster, ['secret', '-n', 'default', 'operator-token']).data?.token,
    );
    writeFileSync(join(world.dir, `operator-token-${cluster}`), tokenOf(cluster, 'default', 'operator-token'));
  }
  await waitFor(
    'the controller token',
    async () => !!getJson('cluster-1', ['secret', '-n', 'default', 'argo.cluster-0.service-account-token']).data?.token,
  );
  const controllerToken = tokenOf('cluster-1', 'default', 'argo.cluster-0.service-account-token');
  const { file: execKc, log } = execKubeconfig();

  // profile, through the exec plugin of cluster-1's user.
  const profile = await cli(['profile', '-f', world.topologyFile, '--remote', 'cluster-1', '--kubeconfig', execKc]);
  expect(profile.stderr).toBe('');
  expect(profile.code).toBe(0);
  expect(parse(decode(parse(profile.stdout).data.kubeconfig)).users[0].user.token).toBe(controllerToken);
  expect(readFileSync(log, 'utf8')).toBe('cluster-1\n');
  // A labelled Secret in the profile namespace is what the policy lets through.
  k('cluster-0', ['apply', '-f', '-'], profile.stdout);

  // plain-mode synth, through the same plugin.
  const plainFile = join(world.dir, 'plain.yaml');
  writeFileSync(
    plainFile,
    stringify({ ...parse(readFileSync(world.topologyFile, 'utf8')), secrets: { mode: 'plain' } }),
  );
  const plain = await cli(['synth', '-f', plainFile, '-o', join(world.dir, 'plain-out'), '--kubeconfig', execKc]);
  expect(plain.code).toBe(0);
  const synthesized = parse(
    readFileSync(join(world.dir, 'plain-out', 'cluster-0', 'secret_argo_argo.cluster-1.yaml'), 'utf8'),
  );
  expect(parse(decode(synthesized.data.kubeconfig)).users[0].user.token).toBe(controllerToken);

  // The policy: a labelled Secret anywhere else is refused by the server, naming the one namespace allowed.
  let message: string | undefined;
  await waitFor('the admission policy to take effect', async () => {
    message = refused(
      'cluster-0',
      ['apply', '-f', '-'],
      stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'rogue-2', namespace: 'default', labels: { 'workflows.argoproj.io/cluster': 'cluster-1' } },
      }),
    );
    if (!message) k('cluster-0', ['delete', 'secret', '-n', 'default', 'rogue-2']);
    return message !== undefined;
  });
  expect(message).toContain(
    'Secrets labelled workflows.argoproj.io/cluster are Argo Workflows multi-cluster profiles; in this cluster they may only be created in namespace argo',
  );
  // Labelling an existing Secret elsewhere is refused too.
  k('cluster-0', ['create', 'secret', 'generic', 'plain', '-n', 'default']);
  expect(
    refused('cluster-0', ['label', 'secret', 'plain', '-n', 'default', 'workflows.argoproj.io/cluster=cluster-9']),
  ).toContain('may only be created in namespace argo');

  // A hostile profile where profiles belong: verify must refuse its file reference and exec plugin, not follow them.
  const marker = join(world.dir, 'hostile-exec-ran');
  const hostile = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'x',
        cluster: {
          server: world.planes.clusters['cluster-1'].server,
          'certificate-authority-data': world.planes.clusters['cluster-1'].caData,
        },
      },
    ],
    users: [
      {
        name: 'x',
        user: {
          tokenFile: join(world.dir, 'operator-token-cluster-1'),
          exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', `touch ${marker}`] },
        },
      },
    ],
    contexts: [{ name: 'x', context: { cluster: 'x', user: 'x' } }],
    'current-context': 'x',
  });
  k('cluster-0', ['create', 'secret', 'generic', 'argo.evil', '-n', 'argo', `--from-literal=kubeconfig=${hostile}`]);
  k('cluster-0', ['label', 'secret', 'argo.evil', '-n', 'argo', 'workflows.argoproj.io/cluster=evil']);

  const verify = await cli(['verify', '-f', world.topologyFile, '--kubeconfig', execKc]);
  expect(verify.stdout).toContain('ROGUE PROFILE: default/rogue claims cluster cluster-1 outside namespace argo');
  expect(verify.stdout).toContain('DUPLICATE PROFILES for cluster cluster-1: argo/argo.cluster-1, default/rogue');
  expect(verify.stdout).toMatch(
    /evil \(server unknown\) via profile argo\/argo\.evil\n {2}UNREACHABLE: profile argo\/argo\.evil: users\[0\]\.user\.tokenFile is a file reference; users\[0\]\.user\.exec is an exec plugin/,
  );
  expect(verify.stdout).toMatch(/cluster-1 \(https:\/\/127\.0\.0\.1:\d+\) via profile argo\/argo\.cluster-1\n {2}NEED/);
  expect(verify.stdout).not.toContain('MISSING');
  expect(verify.code).toBe(1);
  expect(existsSync(marker)).toBe(false);
  expect(readFileSync(log, 'utf8')).toMatch(/^cluster-1\ncluster-1\n(cluster-0\n)+$/);

  // Removing the label defuses a rogue Secret (the policy allows it); then verify passes.
  k('cluster-0', ['label', 'secret', 'rogue', '-n', 'default', 'workflows.argoproj.io/cluster-']);
  k('cluster-0', ['delete', 'secret', 'argo.evil', '-n', 'argo']);
  const clean = await cli(['verify', '-f', world.topologyFile, '--kubeconfig', execKc]);
  expect(clean.stdout).not.toMatch(/ROGUE|DUPLICATE/);
  expect(clean.stdout).toContain('all needs met');
  expect(clean.code).toBe(0);
});

test('rotate: new token Secret, profile rewritten, controller rolled and awaited, only then the old token deleted; the old token is refused and the new profile works', async () => {
  // The first test left the remote applied and a profile made by `profile` in the local cluster.
  const oldToken = tokenOf('cluster-1', 'default', 'argo.cluster-0.service-account-token');
  expect(await statusWithToken(world, 'cluster-1', oldToken)).toBe(200);
  const next = join(world.dir, 'topology-gen1.yaml');
  const raw = parse(readFileSync(world.topologyFile, 'utf8'));
  raw.remotes[0].tokenGeneration = 1;
  writeFileSync(next, stringify(raw));

  const rotation = cli(['rotate', '-f', next, '--remote', 'cluster-1', '--kubeconfig', admin]);
  const deployment = () => getJson('cluster-0', ['deployment', '-n', 'argo', 'workflow-controller']);
  await waitFor(
    'rotate to roll the controller',
    async () => !!deployment().spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'],
  );
  // Rolled, not yet rolled out: the new token is in the profile, and the old token Secret is still there.
  const newToken = tokenOf('cluster-1', 'default', 'argo.cluster-0.service-account-token.1');
  expect(newToken).not.toBe(oldToken);
  const profileToken = () =>
    parse(decode(getJson('cluster-0', ['secret', '-n', 'argo', 'argo.cluster-1']).data.kubeconfig)).users[0].user.token;
  expect(profileToken()).toBe(newToken);
  await sleep(3000);
  expect(getJson('cluster-1', ['secret', '-n', 'default', 'argo.cluster-0.service-account-token']).metadata.name).toBe(
    'argo.cluster-0.service-account-token',
  );

  // These control planes run no Deployment controller: report the rollout done as it would.
  const generation = deployment().metadata.generation;
  k('cluster-0', [
    'patch',
    'deployment',
    'workflow-controller',
    '-n',
    'argo',
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({
      status: {
        observedGeneration: generation,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
      },
    }),
  ]);
  const r = await rotation;
  // Progress goes to stderr, each step as it happens; stdout stays empty.
  expect(r.stdout).toBe('');
  expect(r.code).toBe(0);
  expect(r.stderr.split('\n').filter(Boolean)).toEqual([
    'created token Secret default/argo.cluster-0.service-account-token.1 in cluster-1',
    'waiting for the token controller to fill default/argo.cluster-0.service-account-token.1',
    'rewrote profile argo/argo.cluster-1 in cluster-0',
    'rolling deployment argo/workflow-controller in cluster-0',
    'waiting up to 300 s for the rollout (--timeout)',
    'deployment argo/workflow-controller rolled out',
    'deleted old token Secret default/argo.cluster-0.service-account-token in cluster-1',
  ]);
  expect(refused('cluster-1', ['get', 'secret', '-n', 'default', 'argo.cluster-0.service-account-token'])).toMatch(
    /NotFound/,
  );
  await waitFor(
    'the old token to be refused',
    async () => (await statusWithToken(world, 'cluster-1', oldToken)) === 401,
  );
  expect(await statusWithToken(world, 'cluster-1', newToken)).toBe(200);
  const verify = await cli(['verify', '-f', next, '--kubeconfig', admin]);
  expect(verify.stdout).toContain('all needs met');
  expect(verify.code).toBe(0);

  // Nothing left to rotate until the generation is raised again.
  const again = await cli(['rotate', '-f', next, '--remote', 'cluster-1', '--kubeconfig', admin, '--no-wait']);
  expect(again.stderr).toMatch(/raise remotes\[0\]\.tokenGeneration \(now 1\) to 2/);
  expect(again.code).toBe(2);
});
