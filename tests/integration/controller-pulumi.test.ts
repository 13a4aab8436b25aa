import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topology } from '../../constructs';
import { objects } from '../unit/support/helpers';
import {
  ControllerHandle,
  applyArgoCrds,
  forbiddenRefusals,
  podsDeleted,
  remoteWorkflow,
  runRemotePods,
  startController,
  verifyMissing,
  workflowObjects,
  withoutRight,
  workflowSucceeded,
} from './harness/argoController';
import { waitFor } from './harness/process';
import { kubectl, kubectlCanI } from './harness/toolchain';
import { CliStack } from './harness/pulumiCli';
import { World, cli, editTopology, projectStack, startWorld } from './harness/world';

// The real dev-mc controller with a remote that serves one namespace, everything (profile included) written by
// `pulumi up` on Pulumi.yaml; the remote also gets an artifact repository Secret copied from the local
// cluster.
jest.setTimeout(600_000);

const ARTIFACT_SECRET = 'artifact-creds';
const ARTIFACT_KEY = 'secret-key-value-for-the-test';
// An input artifact whose repository credentials are that Secret.
const ARTIFACT_INPUTS = {
  artifacts: [
    {
      name: 'data',
      path: '/tmp/data',
      s3: {
        endpoint: 's3.example.com',
        bucket: 'bucket',
        key: 'data.tgz',
        accessKeySecret: { name: ARTIFACT_SECRET, key: 'accessKey' },
        secretKeySecret: { name: ARTIFACT_SECRET, key: 'secretKey' },
      },
    },
  ],
};
let world: World;
let stack: CliStack;
let topology: Topology;
let controller: ControllerHandle | undefined;

const k = (context: string, args: string[], input?: string) =>
  kubectl(world.planes.kubeconfigPath, context, args, input);
const canI = (context: string, ...args: string[]) => kubectlCanI(world.planes.kubeconfigPath, context, args);

beforeAll(async () => {
  world = await startWorld('argo-up');
  topology = editTopology(world, (raw) => {
    raw.remotes[0].artifactSecrets = [ARTIFACT_SECRET];
    // The controller manages only argo, so it reads Secrets only there (controller.go GetManagedNamespace).
    raw.local.controller.config.namespace = 'argo';
    // The artifact Secret is the user's, in a namespace that exists before `up` reads it.
    raw.local.createNamespace = false;
  });
  stack = await projectStack(world, 'argo');
});

afterAll(async () => {
  await controller?.stop();
  await world?.planes.stopAll();
});

describe('the real controller, everything applied by `pulumi up`, a remote serving one namespace', () => {
  test('up applies the setup and copies the artifact Secret into the remote namespace as a Pulumi secret', async () => {
    k('cluster-0', ['create', 'namespace', 'argo']);
    k('cluster-0', [
      'create',
      'secret',
      'generic',
      ARTIFACT_SECRET,
      '-n',
      'argo',
      `--from-literal=secretKey=${ARTIFACT_KEY}`,
    ]);
    await stack.up();
    const copied = JSON.parse(k('cluster-1', ['get', 'secret', ARTIFACT_SECRET, '-n', 'default', '-o', 'json']));
    expect(Buffer.from(copied.data.secretKey, 'base64').toString()).toBe(ARTIFACT_KEY);
    // The state as stored by the backend (exportStack would decrypt it with --show-secrets).
    const state = readFileSync(
      join(fileURLToPath(world.env.PULUMI_BACKEND_URL), '.pulumi', 'stacks', 'argo-multicluster', 'argo.json'),
      'utf8',
    );
    expect(state).toContain(`default/${ARTIFACT_SECRET}`);
    expect(state).not.toContain(ARTIFACT_KEY);
    expect(state).not.toContain(Buffer.from(ARTIFACT_KEY).toString('base64'));
  });

  test("the executor's identity (impersonated) may not read the artifact Secret, nor any other", () => {
    const as = ['--as', 'system:serviceaccount:default:default'];
    expect(canI('cluster-1', 'get', `secret/${ARTIFACT_SECRET}`, '-n', 'default', ...as)).toBe('no');
    expect(canI('cluster-1', 'get', 'secret/argo.cluster-0.service-account-token', '-n', 'default', ...as)).toBe('no');
    expect(canI('cluster-1', 'list', 'secrets', '-n', 'default', ...as)).toBe('no');
    expect(canI('cluster-1', 'watch', 'secrets', '-n', 'default', ...as)).toBe('no');
    expect(canI('cluster-1', 'get', `secret/${ARTIFACT_SECRET}`, '-n', 'kube-system', ...as)).toBe('no');
    // What the executors validate refuses would call (workflow/executor/k8sapi/client.go, pns through it; kubelet):
    // the executor Role grants none of it, so only emissary can run a remote step.
    expect(canI('cluster-1', 'watch', 'pods', '-n', 'default', ...as)).toBe('no');
    expect(canI('cluster-1', 'get', 'pods', '--subresource', 'log', '-n', 'default', ...as)).toBe('no');
    expect(canI('cluster-1', 'get', 'nodes', '--subresource', 'proxy', ...as)).toBe('no');
  });

  test('with config.namespace, the controller may read Secrets in argo only: argo-role grants them, the ClusterRole none', () => {
    const as = ['--as', 'system:serviceaccount:argo:argo'];
    for (const verb of ['get', 'list', 'watch']) {
      expect([verb, canI('cluster-0', verb, 'secrets', '-n', 'argo', ...as)]).toEqual([verb, 'yes']);
      expect([verb, canI('cluster-0', verb, 'secrets', '-n', 'default', ...as)]).toEqual([verb, 'no']);
      expect([verb, canI('cluster-0', verb, 'secrets', '--all-namespaces', ...as)]).toEqual([verb, 'no']);
    }
    const clusterRole = JSON.parse(k('cluster-0', ['get', 'clusterrole', 'argo-cluster-role', '-o', 'json']));
    expect(clusterRole.rules.filter((r: any) => r.resources.includes('secrets'))).toEqual([]);
  });

  test('a workflow whose step runs in cluster-1/default succeeds, the artifact Secret mounted into its pod; its pod and task results are deleted there; nothing is forbidden', async () => {
    applyArgoCrds(world.planes.kubeconfigPath, 'cluster-0', world.binDir);
    const local = world.planes.clusters['cluster-0'];
    controller = await startController({
      binDir: world.binDir,
      dir: world.dir,
      adminKubeconfig: world.planes.kubeconfigPath,
      localContext: 'cluster-0',
      localServer: local.server,
      localCaData: local.caData,
      localObjects: objects(topology).get('cluster-0')!,
      servers: [local.server, world.planes.clusters['cluster-1'].server],
    });
    // The profile `up` wrote, as controller_profiles.go read it: workflow namespace argo, cluster-1, namespace default.
    await controller.waitForLog(/msg="Profile added" key=cluster-1 policyDef="argo,cluster-1,default"/);
    // config.namespace made argo its managed namespace: profiles are watched there, with argo-role's Secrets rule.
    expect(controller.log()).toMatch(/msg="Creating local profile" managedNamespace=argo/);

    k(
      'cluster-0',
      ['create', '-f', '-'],
      JSON.stringify(
        remoteWorkflow('one-ns', 'argo', [{ cluster: 'cluster-1', namespace: 'default', inputs: ARTIFACT_INPUTS }]),
      ),
    );
    const [pod] = await runRemotePods({
      kubeconfig: world.planes.kubeconfigPath,
      context: 'cluster-1',
      workflow: 'one-ns',
      namespaces: ['default'],
      expected: 1,
    });
    expect(pod.namespace).toBe('default');
    expect(pod.labels).toMatchObject({
      'workflows.argoproj.io/workflow': 'one-ns',
      'workflows.argoproj.io/cluster': 'cluster-0',
      'workflows.argoproj.io/completed': 'false',
    });
    // The controller runs every step with the one executor validate accepts (workflowpod.go, from
    // controller.go GetContainerRuntimeExecutor).
    const wait = pod.spec.containers.find((c: any) => c.name === 'wait');
    expect(wait.env).toContainEqual({ name: 'ARGO_CONTAINER_RUNTIME_EXECUTOR', value: 'emissary' });
    // The executor reads the credentials as files of a Secret volume (workflowpod.go createSecretVolumes, executor.go
    // GetSecret), which the kubelet mounts with its own rights: nothing of the pod reads them through the API.
    expect(pod.spec.volumes.filter((v: any) => v.secret)).toEqual([
      {
        name: ARTIFACT_SECRET,
        secret: {
          defaultMode: 420,
          secretName: ARTIFACT_SECRET,
          items: [
            { key: 'accessKey', path: 'accessKey' },
            { key: 'secretKey', path: 'secretKey' },
          ],
        },
      },
    ]);
    for (const name of ['init', 'wait']) {
      const containers = [...pod.spec.initContainers, ...pod.spec.containers];
      expect(containers.find((c: any) => c.name === name).volumeMounts).toContainEqual({
        name: ARTIFACT_SECRET,
        mountPath: `/argo/secret/${ARTIFACT_SECRET}`,
        readOnly: true,
      });
    }
    expect(workflowObjects(world.planes.kubeconfigPath, 'cluster-0', 'pods', 'one-ns')).toEqual([]);
    expect(
      workflowObjects(world.planes.kubeconfigPath, 'cluster-1', 'workflowtaskresults.argoproj.io', 'one-ns'),
    ).toHaveLength(1);

    await workflowSucceeded(world.planes.kubeconfigPath, 'cluster-0', 'argo', 'one-ns');
    await podsDeleted(world.planes.kubeconfigPath, 'cluster-1', 'one-ns');
    // operator.go deleteTaskResults: DeleteCollection in the profile's namespace, default.
    await waitFor(
      'the task results to be deleted in cluster-1',
      async () =>
        workflowObjects(world.planes.kubeconfigPath, 'cluster-1', 'workflowtaskresults.argoproj.io', 'one-ns')
          .length === 0,
      { timeoutMs: 60_000 },
    );
    expect(forbiddenRefusals(controller.log())).toEqual([]);
    expect(controller.log()).not.toMatch(/forbidden/i);
  });

  test('without pods delete in the remote Role, the controller and verify name the same rule', async () => {
    await withoutRight(
      world.planes.kubeconfigPath,
      'cluster-1',
      ['role', 'argo.cluster-0', '-n', 'default'],
      { resource: 'pods', verb: 'delete' },
      async () => {
        k(
          'cluster-0',
          ['create', '-f', '-'],
          JSON.stringify(remoteWorkflow('one-ns-2', 'argo', [{ cluster: 'cluster-1', namespace: 'default' }])),
        );
        await runRemotePods({
          kubeconfig: world.planes.kubeconfigPath,
          context: 'cluster-1',
          workflow: 'one-ns-2',
          namespaces: ['default'],
          expected: 1,
        });
        await workflowSucceeded(world.planes.kubeconfigPath, 'cluster-0', 'argo', 'one-ns-2');
        await controller!.waitForLog(/cannot delete resource/, 90_000);
        const refused = forbiddenRefusals(controller!.log());
        expect(refused[0]).toEqual({ verb: 'delete', resource: 'pods', group: '', namespace: 'default' });
        expect(new Set(refused.map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify(refused[0])]));
        expect(workflowObjects(world.planes.kubeconfigPath, 'cluster-1', 'pods', 'one-ns-2')).toHaveLength(1);

        const verify = await cli(['verify', '-f', world.topologyFile, '--kubeconfig', world.planes.kubeconfigPath]);
        expect(verify.code).toBe(1);
        expect(verifyMissing(verify.stdout)).toEqual([refused[0]]);
      },
    );
    expect((await cli(['verify', '-f', world.topologyFile, '--kubeconfig', world.planes.kubeconfigPath])).code).toBe(0);
  });

  // Last: it crashes the controller on purpose.
  test('an empty cluster label is refused in the profile namespace; without the policy, deleting such a Secret panics the controller', async () => {
    const emptyLabelled = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'empty-cluster', namespace: 'argo', labels: { 'workflows.argoproj.io/cluster': '' } },
    });
    const create = (): string | undefined => {
      try {
        k('cluster-0', ['create', '-f', '-'], emptyLabelled);
        return undefined;
      } catch (e: any) {
        return String(e.stderr);
      }
    };
    const policy = 'argo-multicluster.profiles.argo';
    expect(create()).toContain(
      `The workflows.argoproj.io/cluster label of a profile names its remote cluster and must not be empty: the controller takes "" for its local cluster and crashes when such a Secret is deleted (controller_profiles.go removeProfile) (policy ${policy})`,
    );
    expect(controller!.log()).not.toMatch(/panic/);

    // What the policy prevents (controller_profiles.go removeProfile: key "" is the local profile, whose done is nil).
    k('cluster-0', ['delete', 'validatingadmissionpolicybinding', policy]);
    await waitFor('the API server to drop the policy binding', async () => create() === undefined);
    k('cluster-0', ['delete', 'secret', 'empty-cluster', '-n', 'argo']);
    await waitFor(
      'the controller to panic',
      async () => /panic: runtime error: invalid memory address/.test(controller!.log()),
      {
        timeoutMs: 30_000,
      },
    );
    expect(controller!.log()).toMatch(/removeProfile/);
  });
});
