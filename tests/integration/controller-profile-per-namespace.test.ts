import { parseAllDocuments } from 'yaml';
import {
  ControllerHandle,
  forbiddenRefusals,
  podsDeleted,
  remoteWorkflow,
  runRemotePods,
  workflowObjects,
  workflowSucceeded,
} from './harness/argoController';
import { waitFor } from './harness/process';
import { kubectl, kubectlCanI } from './harness/toolchain';
import { Planes, cli, startGitopsController, startPlanes } from './harness/world';

// The real dev-mc controller with a remote that serves two namespaces through a profile per namespace
// (remotes[].profilePerNamespace): GitOps output applied, the two profiles printed by `profile`.
jest.setTimeout(600_000);

const NAMESPACES = ['team-a', 'team-b'];
const IDENTITY = 'system:serviceaccount:team-a:argo.cluster-0';
let world: Planes;
let controller: ControllerHandle | undefined;

const k = (context: string, args: string[], input?: string) =>
  kubectl(world.planes.kubeconfigPath, context, args, input);
const canI = (context: string, ...args: string[]) => kubectlCanI(world.planes.kubeconfigPath, context, args);

beforeAll(async () => {
  world = await startPlanes('argo-per-ns', { namespaces: NAMESPACES, profilePerNamespace: true });
});

afterAll(async () => {
  await controller?.stop();
  await world?.planes.stopAll();
});

describe('the real controller, a remote serving two namespaces through a profile per namespace', () => {
  test('both profiles load; a step in each namespace runs; pods and task results are deleted there; no ClusterRole', async () => {
    let profiles: string;
    ({ controller, profiles } = await startGitopsController(world));
    // Nothing of the identity is cluster-wide in that remote.
    const bound = (kind: string) =>
      JSON.parse(k('cluster-1', ['get', kind, '-o', 'json'])).items.filter((b: any) =>
        (b.subjects ?? []).some((s: any) => s.name === 'argo.cluster-0'),
      );
    expect(bound('clusterrolebindings')).toEqual([]);
    expect(() => k('cluster-1', ['get', 'clusterrole', 'argo.cluster-0'])).toThrow(/NotFound|not found/i);
    expect(canI('cluster-1', 'list', 'pods', '--all-namespaces', '--as', IDENTITY)).toBe('no');
    for (const ns of NAMESPACES) {
      expect([
        ns,
        canI('cluster-1', 'deletecollection', 'workflowtaskresults.argoproj.io', '-n', ns, '--as', IDENTITY),
      ]).toEqual([ns, 'yes']);
    }
    // `profile --remote cluster-1` printed both profiles as one stream.
    expect(
      parseAllDocuments(profiles).map((d) => {
        const m = d.toJS().metadata;
        return [m.name, m.labels['workflows.argoproj.io/cluster'], m.annotations['workflows.argoproj.io/namespace']];
      }),
    ).toEqual(NAMESPACES.map((ns) => [`argo.cluster-1-${ns}`, `cluster-1-${ns}`, ns]));
    // controller_profiles.go logs the policy as workflowNamespace,cluster,namespace: one profile per namespace.
    for (const ns of NAMESPACES) {
      await controller.waitForLog(
        new RegExp(`msg="Profile added" key=cluster-1-${ns} policyDef="argo,cluster-1-${ns},${ns}"`),
      );
    }

    k(
      'cluster-0',
      ['create', '-f', '-'],
      JSON.stringify(
        remoteWorkflow(
          'per-ns',
          'argo',
          NAMESPACES.map((namespace) => ({ cluster: `cluster-1-${namespace}`, namespace })),
        ),
      ),
    );
    const pods = await runRemotePods({
      kubeconfig: world.planes.kubeconfigPath,
      context: 'cluster-1',
      workflow: 'per-ns',
      namespaces: NAMESPACES,
      expected: 2,
    });
    expect(pods.map((p) => p.namespace).sort()).toEqual(NAMESPACES);
    expect(
      workflowObjects(world.planes.kubeconfigPath, 'cluster-1', 'workflowtaskresults.argoproj.io', 'per-ns').map(
        (r) => r.split('/')[0],
      ),
    ).toEqual(NAMESPACES);
    expect(workflowObjects(world.planes.kubeconfigPath, 'cluster-0', 'pods', 'per-ns')).toEqual([]);

    await workflowSucceeded(world.planes.kubeconfigPath, 'cluster-0', 'argo', 'per-ns');
    await podsDeleted(world.planes.kubeconfigPath, 'cluster-1', 'per-ns');
    // operator.go deleteTaskResults: a DeleteCollection in each profile's own namespace, which the server serves.
    await waitFor(
      'the task results to be deleted in both namespaces',
      async () =>
        workflowObjects(world.planes.kubeconfigPath, 'cluster-1', 'workflowtaskresults.argoproj.io', 'per-ns')
          .length === 0,
      { timeoutMs: 60_000 },
    );
    expect(forbiddenRefusals(controller.log())).toEqual([]);
    expect(controller.log()).not.toMatch(/forbidden/i);
    expect((await cli(['verify', '-f', world.topologyFile, '--kubeconfig', world.planes.kubeconfigPath])).code).toBe(0);
  });
});
