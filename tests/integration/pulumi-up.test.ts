import * as k8s from 'kubernetes-client-node-cjs';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as https from 'node:https';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHECKSUM_ANNOTATION, Manifest } from '../../constructs';
import { objectsWithProfiles } from '../unit/support/helpers';
import { adminClient, readObject } from './harness/kubeClient';
import { waitFor } from './harness/process';
import { kubectl, kubectlCanI } from './harness/toolchain';
import { CliStack } from './harness/pulumiCli';
import { World, cli, projectStack, startWorld } from './harness/world';

jest.setTimeout(600_000);

let world: World;
let stack: CliStack;
let expected: Map<string, Manifest[]>;

beforeAll(async () => {
  world = await startWorld('up');
  stack = await projectStack(world, 'it');
  expected = objectsWithProfiles(world.topology);
});

afterAll(async () => {
  await world?.planes.stopAll();
});

async function profileKubeconfig(): Promise<k8s.KubeConfig> {
  const secret = await readObject(adminClient(world.planes, 'cluster-0'), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'argo.cluster-1', namespace: 'argo' },
  });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(Buffer.from(secret.data.kubeconfig, 'base64').toString());
  return kc;
}

async function canI(
  kc: k8s.KubeConfig,
  verb: string,
  resource: string,
  namespace?: string,
  group = '',
  subresource?: string,
): Promise<boolean> {
  const api = kc.makeApiClient(k8s.AuthorizationV1Api);
  const review = await api.createSelfSubjectAccessReview({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb, resource, namespace, group, subresource } },
  });
  return review.body.status!.allowed;
}

/** A merge patch as the executor's ServiceAccount, through the admin identity's impersonation right. */
function impersonatedPatch(path: string, body: unknown): Promise<number> {
  const c = world.planes.clusters['cluster-1'];
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${c.server}${path}`,
      {
        method: 'PATCH',
        ca: Buffer.from(c.caData, 'base64'),
        cert: Buffer.from(c.clientCertData, 'base64'),
        key: Buffer.from(c.clientKeyData, 'base64'),
        headers: {
          'content-type': 'application/merge-patch+json',
          'impersonate-user': 'system:serviceaccount:default:default',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

// `pulumi` itself, in a fresh copy of this repository, on its Pulumi.yaml: the type-checked TypeScript program.
describe('pulumi up across two real clusters', () => {
  test('up applies every expected object on its own server, with no warning', async () => {
    // As a user types it, its human output read for any warning.
    const up = await stack.run(['up', '--yes']);
    expect(`${up.stdout}${up.stderr}`).not.toMatch(/warning/i);
    expect(up.stdout).toMatch(/^Resources:\n\s+\+ \d+ created$/m);
    for (const [cluster, objects] of expected) {
      const client = adminClient(world.planes, cluster);
      for (const m of objects)
        expect([cluster, m.kind, m.metadata.namespace, m.metadata.name, !!(await readObject(client, m))]).toEqual([
          cluster,
          m.kind,
          m.metadata.namespace,
          m.metadata.name,
          true,
        ]);
      // And nothing of ours landed on the other cluster.
      const other = cluster === 'cluster-0' ? 'cluster-1' : 'cluster-0';
      for (const m of objects.filter(
        (o) => !expected.get(other)!.some((x) => x.kind === o.kind && x.metadata.name === o.metadata.name),
      )) {
        expect(await readObject(adminClient(world.planes, other), m)).toBeUndefined();
      }
    }
    const outputs = await stack.outputs();
    expect(outputs.localCluster).toBe('cluster-0');
    expect(outputs.profiles).toEqual({ 'cluster-1': { name: 'argo.cluster-1', namespace: 'argo' } });
  });

  test('the profile Secret carries the label, both annotations and a kubeconfig for the real remote', async () => {
    const secret = await readObject(adminClient(world.planes, 'cluster-0'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'argo.cluster-1', namespace: 'argo' },
    });
    expect(secret.metadata.labels['workflows.argoproj.io/cluster']).toBe('cluster-1');
    expect(secret.metadata.annotations['workflows.argoproj.io/workflow-namespace']).toBe('argo');
    expect(secret.metadata.annotations['workflows.argoproj.io/namespace']).toBe('default');
    const kubeconfig = parse(Buffer.from(secret.data.kubeconfig, 'base64').toString());
    expect(kubeconfig.clusters[0].cluster.server).toBe(world.planes.clusters['cluster-1'].server);
    expect(Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toContain(
      'BEGIN CERTIFICATE',
    );
    expect(kubeconfig['current-context']).toBe('cluster-1');
  });

  test("the profile's kubeconfig, as-is, can do what Argo needs in cluster-1/default and nothing else", async () => {
    const kc = await profileKubeconfig();
    for (const verb of ['create', 'patch', 'delete', 'list', 'watch']) {
      expect([verb, 'pods', await canI(kc, verb, 'pods', 'default')]).toEqual([verb, 'pods', true]);
      // Exec is a POST (workflow/common/util.go): create, nothing else.
      expect([verb, 'pods/exec', await canI(kc, verb, 'pods', 'default', '', 'exec')]).toEqual([
        verb,
        'pods/exec',
        verb === 'create',
      ]);
    }
    for (const verb of ['list', 'watch', 'deletecollection'])
      expect([verb, await canI(kc, verb, 'workflowtaskresults', 'default', 'argoproj.io')]).toEqual([verb, true]);
    expect(await canI(kc, 'create', 'pods', 'kube-system')).toBe(false);
    expect(await canI(kc, 'list', 'pods')).toBe(false);
    expect(await canI(kc, 'get', 'secrets', 'default')).toBe(false);
    expect(await canI(kc, 'list', 'nodes')).toBe(false);
    // A real round trip with those credentials: a pod is created and deleted (no kubelet runs it).
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedPod('default', {
      metadata: { name: 'argo-mc-probe' },
      spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
    });
    expect((await core.listNamespacedPod('default')).body.items.map((p) => p.metadata!.name)).toContain(
      'argo-mc-probe',
    );
    await core.deleteNamespacedPod('argo-mc-probe', 'default', undefined, undefined, 0);
    await expect(core.listNamespacedSecret('default')).rejects.toMatchObject({ statusCode: 403 });
  });

  test('the executor ServiceAccount (by impersonation) can create and patch a WorkflowTaskResult, nothing more', async () => {
    const as = ['--as', 'system:serviceaccount:default:default', '-n', 'default'];
    const canExec = (verb: string, resource: string, namespace = 'default') =>
      kubectlCanI(world.planes.kubeconfigPath, 'cluster-1', [
        verb,
        resource,
        '--as',
        'system:serviceaccount:default:default',
        '-n',
        namespace,
      ]);
    const result = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTaskResult',
      metadata: { name: 'wf-1-123' },
      outputs: { result: '42', parameters: [{ name: 'p', value: 'v', extra: 'kept' }] },
    };
    kubectl(world.planes.kubeconfigPath, 'cluster-1', ['create', '-f', '-', ...as], JSON.stringify(result));
    // kubectl patch reads first, which the executor may not; the executor patches directly, so does this.
    expect(
      await impersonatedPatch('/apis/argoproj.io/v1alpha1/namespaces/default/workflowtaskresults/wf-1-123', {
        phase: 'Succeeded',
      }),
    ).toBe(200);
    const stored = JSON.parse(
      kubectl(world.planes.kubeconfigPath, 'cluster-1', [
        'get',
        'workflowtaskresult',
        'wf-1-123',
        '-n',
        'default',
        '-o',
        'json',
      ]),
    );
    expect(stored.phase).toBe('Succeeded');
    expect(stored.outputs.parameters[0].extra).toBe('kept');
    expect(canExec('delete', 'workflowtaskresults.argoproj.io')).toBe('no');
    expect(canExec('create', 'pods')).toBe('no');
    expect(canExec('create', 'workflowtaskresults.argoproj.io')).toBe('yes');
    expect(canExec('create', 'workflowtaskresults.argoproj.io', 'kube-system')).toBe('no');
    kubectl(world.planes.kubeconfigPath, 'cluster-1', ['delete', 'workflowtaskresult', 'wf-1-123', '-n', 'default']);
  });

  test('verify reports every need met', async () => {
    const r = await cli(['verify', '-f', world.topologyFile, '--kubeconfig', world.planes.kubeconfigPath]);
    expect(r.stdout).toContain('all needs met');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok\s+deletecollection\s+workflowtaskresults\.argoproj\.io\s+default/);
  });

  test('profile prints the same profile the stack wrote', async () => {
    const r = await cli([
      'profile',
      '-f',
      world.topologyFile,
      '--remote',
      'cluster-1',
      '--kubeconfig',
      world.planes.kubeconfigPath,
    ]);
    expect(r.code).toBe(0);
    const printed = parse(r.stdout);
    const applied = await readObject(adminClient(world.planes, 'cluster-0'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'argo.cluster-1', namespace: 'argo' },
    });
    expect(printed.metadata.labels).toEqual(applied.metadata.labels);
    expect(printed.metadata.annotations).toEqual(applied.metadata.annotations);
    expect(parse(Buffer.from(printed.data.kubeconfig, 'base64').toString())).toEqual(
      parse(Buffer.from(applied.data.kubeconfig, 'base64').toString()),
    );
  });

  test('verify names a missing permission', async () => {
    const client = adminClient(world.planes, 'cluster-1');
    const role = await readObject(client, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'argo.cluster-0', namespace: 'default' },
    });
    const trimmed = {
      ...role,
      rules: role.rules.map((r: any) =>
        r.resources.includes('pods') ? { ...r, verbs: r.verbs.filter((v: string) => v !== 'delete') } : r,
      ),
    };
    await client.replace(trimmed);
    const r = await cli(['verify', '-f', world.topologyFile, '--kubeconfig', world.planes.kubeconfigPath]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/MISSING\s+delete\s+pods\s+default/);
    expect(r.stdout).toMatch(/ok\s+create\s+pods\s+default/);
    await client.replace({ ...(await readObject(client, role)), rules: role.rules });
    expect((await cli(['verify', '-f', world.topologyFile, '--kubeconfig', world.planes.kubeconfigPath])).code).toBe(0);
  });

  test('a second preview reports no changes (`pulumi preview --expect-no-changes`)', async () => {
    const preview = await stack.preview(['--expect-no-changes']);
    // "read" is the program reading its own last outputs for the cluster-name guard: not a change.
    const changes = Object.entries(preview.changes).filter(([op, n]) => op !== 'same' && op !== 'read' && n > 0);
    expect(changes).toEqual([]);
    expect(preview.changes.same).toBeGreaterThan(20);
    expect(preview.warnings).toEqual([]);
  });

  test('with lib/ built, pulumi still runs the program, not the library package.json points at (no changes)', async () => {
    // For a folder, Pulumi runs package.json's entry point; that is the library once built, which registers nothing,
    // so an `up` would have deleted every object.
    execFileSync(
      process.execPath,
      [join(stack.dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      {
        cwd: stack.dir,
      },
    );
    expect(existsSync(join(stack.dir, 'lib', 'constructs', 'index.js'))).toBe(true);
    const preview = await stack.preview(['--expect-no-changes']);
    expect(preview.changes.same).toBeGreaterThan(20);
  });

  test('a new controller image updates only the Deployment and rolls its pod template', async () => {
    const client = adminClient(world.planes, 'cluster-0');
    const ref: Manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'workflow-controller', namespace: 'argo' },
    };
    const before = (await readObject(client, ref)).spec.template.metadata.annotations[CHECKSUM_ANNOTATION];
    await stack.config(
      'argo-multicluster:controllerImage',
      'ghcr.io/example/argo-workflow-controller:v3.4-multicluster-2',
    );
    const result = await stack.up();
    expect(result.changes).toMatchObject({ update: 1 });
    expect(Object.keys(result.changes).filter((op) => op !== 'same' && op !== 'read')).toEqual(['update']);
    expect(result.stepTypes).toEqual(['kubernetes:apps/v1:Deployment']);
    const after = await readObject(client, ref);
    expect(after.spec.template.spec.containers[0].image).toBe(
      'ghcr.io/example/argo-workflow-controller:v3.4-multicluster-2',
    );
    expect(after.spec.template.metadata.annotations[CHECKSUM_ANNOTATION]).not.toBe(before);
  });

  test('destroy leaves none of our objects on either server', async () => {
    await stack.destroy();
    for (const [cluster, objects] of expected) {
      const client = adminClient(world.planes, cluster);
      for (const m of objects)
        await waitFor(
          `${cluster} ${m.kind} ${m.metadata.name} to go`,
          async () => (await readObject(client, m)) === undefined,
        );
    }
  });

  test('with cluster-1 down, up fails naming cluster-1 and still applies cluster-0; it converges once cluster-1 is back', async () => {
    const verify = () => cli(['verify', '-f', world.topologyFile, '--kubeconfig', world.planes.kubeconfigPath]);
    await world.planes.clusters['cluster-1'].stop();
    // What a user runs to converge the clusters that are up.
    const failed = await stack.up(['--continue-on-error'], true);
    expect(failed.code).not.toBe(0);
    const message = `${failed.stdout}${failed.stderr}`;
    expect(message).toMatch(/cluster-1/);
    expect(message).toMatch(/update failed|failed/i);
    const local = adminClient(world.planes, 'cluster-0');
    for (const m of expected.get('cluster-0')!.filter((o) => o.kind !== 'Deployment' && o.kind !== 'Secret')) {
      expect([m.kind, m.metadata.name, !!(await readObject(local, m))]).toEqual([m.kind, m.metadata.name, true]);
    }
    await world.planes.clusters['cluster-1'].start();
    await stack.up();
    for (const m of expected.get('cluster-1')!)
      expect(await readObject(adminClient(world.planes, 'cluster-1'), m)).toBeDefined();
    expect((await verify()).code).toBe(0);
    await world.planes.clusters['cluster-1'].stop();
    const down = await verify();
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/cluster-1 .*\n\s+UNREACHABLE: .*unreachable/);
    await world.planes.clusters['cluster-1'].start();
    await stack.destroy();
  });
});
