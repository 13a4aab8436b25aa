import { parse } from 'yaml';
import {
  ControllerHandle,
  forbiddenRefusals,
  podsDeleted,
  remoteWorkflow,
  runRemotePods,
  verifyMissing,
  workflowObjects,
  withoutRight,
  workflowSucceeded,
} from './harness/argoController';
import { kubectl } from './harness/toolchain';
import { Planes, cli, startGitopsController, startPlanes } from './harness/world';

// The real dev-mc controller with a remote that serves two namespaces, so its profile serves any namespace
// (workflows.argoproj.io/namespace: ""): written as GitOps YAML and applied, the profile printed by `profile`.
jest.setTimeout(600_000);

const NAMESPACES = ['team-a', 'team-b'];
let world: Planes;
let controller: ControllerHandle | undefined;

const k = (context: string, args: string[], input?: string) =>
  kubectl(world.planes.kubeconfigPath, context, args, input);

beforeAll(async () => {
  world = await startPlanes('argo-gitops', { namespaces: NAMESPACES });
});

afterAll(async () => {
  await controller?.stop();
  await world?.planes.stopAll();
});

describe('the real controller, GitOps output and a profile from `profile`, a remote serving two namespaces', () => {
  test('a workflow with a step in each remote namespace succeeds and its pods are cleaned up remotely; nothing is forbidden', async () => {
    let profiles: string;
    ({ controller, profiles } = await startGitopsController(world));
    expect(parse(profiles).metadata.annotations['workflows.argoproj.io/namespace']).toBe('');
    // As the Deployment says: its args, the leader-election identity from the pod name.
    expect(controller.argv.slice(1, 5)).toEqual([
      '--configmap',
      'workflow-controller-configmap',
      '--executor-image',
      world.topology.local.controller.executorImage,
    ]);
    expect(Object.keys(controller.deploymentEnv)).toEqual(['LEADER_ELECTION_IDENTITY']);
    // controller_profiles.go logs the policy as workflowNamespace,cluster,namespace: "" is any namespace.
    await controller.waitForLog(/msg="Profile added" key=cluster-1 policyDef="argo,cluster-1,"/);

    k(
      'cluster-0',
      ['create', '-f', '-'],
      JSON.stringify(
        remoteWorkflow(
          'two-ns',
          'argo',
          NAMESPACES.map((namespace) => ({ cluster: 'cluster-1', namespace })),
        ),
      ),
    );
    const pods = await runRemotePods({
      kubeconfig: world.planes.kubeconfigPath,
      context: 'cluster-1',
      workflow: 'two-ns',
      namespaces: NAMESPACES,
      expected: 2,
    });
    expect(pods.map((p) => p.namespace).sort()).toEqual(NAMESPACES);
    for (const pod of pods) {
      expect(pod.labels).toMatchObject({
        'workflows.argoproj.io/workflow': 'two-ns',
        'workflows.argoproj.io/cluster': 'cluster-0',
        'workflows.argoproj.io/completed': 'false',
      });
      expect(pod.serviceAccount).toBe(world.topology.remotes[0].executorServiceAccount);
    }
    expect(workflowObjects(world.planes.kubeconfigPath, 'cluster-0', 'pods', 'two-ns')).toEqual([]);

    await workflowSucceeded(world.planes.kubeconfigPath, 'cluster-0', 'argo', 'two-ns');
    await podsDeleted(world.planes.kubeconfigPath, 'cluster-1', 'two-ns');
    // operator.go deleteTaskResults: for a profile serving namespace "" it is one DeleteCollection at the cluster
    // scope. The ClusterRole grants it, so it is not refused (a refusal would end the loop over the profiles), but
    // the API server serves no cluster-scope deletecollection of a namespaced resource: 404, which the controller
    // ignores. So this build leaves an any-namespace remote's task results in place (README: Controller builds).
    // The loop is sequential, so the first DeleteCollection logged after that profile's line is its answer.
    const answer = await controller.waitForLog(
      /labelSelector="workflows.argoproj.io\/cluster=cluster-0,workflows.argoproj.io\/workflow=two-ns"[\s\S]*?msg="DeleteCollection workflowtaskresults (\d+)"/,
    );
    expect(answer[1]).toBe('404');
    expect(
      workflowObjects(world.planes.kubeconfigPath, 'cluster-1', 'workflowtaskresults.argoproj.io', 'two-ns').map(
        (r) => r.split('/')[0],
      ),
    ).toEqual(NAMESPACES);
    expect(() =>
      k('cluster-1', [
        'delete',
        '--raw',
        '/apis/argoproj.io/v1alpha1/workflowtaskresults?labelSelector=workflows.argoproj.io%2Fworkflow%3Dtwo-ns',
      ]),
    ).toThrow(/NotFound|not found/i);
    expect(forbiddenRefusals(controller.log())).toEqual([]);
    expect(controller.log()).not.toMatch(/forbidden/i);
  });

  test('without the cluster-wide deletecollection, the controller and verify name the same rule', async () => {
    await withoutRight(
      world.planes.kubeconfigPath,
      'cluster-1',
      ['clusterrole', 'argo.cluster-0'],
      { resource: 'workflowtaskresults', verb: 'deletecollection' },
      async () => {
        k(
          'cluster-0',
          ['create', '-f', '-'],
          JSON.stringify(remoteWorkflow('two-ns-2', 'argo', [{ cluster: 'cluster-1', namespace: 'team-b' }])),
        );
        await runRemotePods({
          kubeconfig: world.planes.kubeconfigPath,
          context: 'cluster-1',
          workflow: 'two-ns-2',
          namespaces: NAMESPACES,
          expected: 1,
        });
        await workflowSucceeded(world.planes.kubeconfigPath, 'cluster-0', 'argo', 'two-ns-2');
        await controller!.waitForLog(/failed to delete task-results.*forbidden/);
        const refused = forbiddenRefusals(controller!.log());
        expect(refused).toEqual([
          { verb: 'deletecollection', resource: 'workflowtaskresults', group: 'argoproj.io', namespace: '' },
        ]);
        // The results stay behind: the facts' measurement, reproduced.
        expect(
          workflowObjects(world.planes.kubeconfigPath, 'cluster-1', 'workflowtaskresults.argoproj.io', 'two-ns-2'),
        ).toHaveLength(1);

        const verify = await cli(['verify', '-f', world.topologyFile, '--kubeconfig', world.planes.kubeconfigPath]);
        expect(verify.code).toBe(1);
        expect(verifyMissing(verify.stdout)).toEqual(refused);
      },
    );
    expect((await cli(['verify', '-f', world.topologyFile, '--kubeconfig', world.planes.kubeconfigPath])).code).toBe(0);
  });
});
