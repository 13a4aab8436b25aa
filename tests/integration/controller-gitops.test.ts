import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Topology, validateTopology } from '../../constructs';
import { exampleTopologyPath } from '../../constructs/model/example';
import { objects } from '../unit/support/helpers';
import {
  ControllerHandle,
  applyArgoCrds,
  forbiddenRefusals,
  remoteWorkflow,
  runRemotePods,
  startController,
  verifyMissing,
  workflowObjects,
  withoutRight,
  workflowSucceeded,
} from './harness/argoController';
import { ControlPlanes, startControlPlanes } from './harness/controlPlane';
import { waitFor } from './harness/process';
import { kubectl, toolchainBinDir } from './harness/toolchain';
import { cli } from './harness/world';

// The real dev-mc controller with a remote that serves two namespaces, so its profile serves any namespace
// (workflows.argoproj.io/namespace: ""): written as GitOps YAML and applied, the profile printed by `profile`.
jest.setTimeout(600_000);

const NAMESPACES = ['team-a', 'team-b'];
let dir: string;
let binDir: string;
let planes: ControlPlanes;
let topologyFile: string;
let topology: Topology;
let controller: ControllerHandle | undefined;

const k = (context: string, args: string[], input?: string) => kubectl(planes.kubeconfigPath, context, args, input);

beforeAll(async () => {
  binDir = toolchainBinDir();
  dir = mkdtempSync(join(tmpdir(), 'amc-argo-gitops-'));
  planes = await startControlPlanes({ names: ['cluster-0', 'cluster-1'], binDir, workDir: join(dir, 'clusters') });
  const raw = parse(readFileSync(exampleTopologyPath(), 'utf8'));
  Object.assign(raw.remotes[0], { server: planes.clusters['cluster-1'].server, namespaces: NAMESPACES });
  topologyFile = join(dir, 'topology.yaml');
  writeFileSync(topologyFile, stringify(raw));
  topology = validateTopology(raw);
});

afterAll(async () => {
  await controller?.stop();
  await planes?.stopAll();
});

describe('the real controller, GitOps output and a profile from `profile`, a remote serving two namespaces', () => {
  test('a workflow with a step in each remote namespace succeeds and its pods are cleaned up remotely; nothing is forbidden', async () => {
    const out = join(dir, 'gitops');
    expect((await cli(['synth', '-f', topologyFile, '-o', out])).code).toBe(0);
    k('cluster-1', ['apply', '--server-side', '-k', join(out, 'cluster-1')]);
    k('cluster-0', ['apply', '--server-side', '-k', join(out, 'cluster-0')]);
    await waitFor(
      'the token controller to fill the token',
      async () =>
        k('cluster-1', [
          'get',
          'secret',
          'argo.cluster-0.service-account-token',
          '-n',
          'team-a',
          '-o',
          'jsonpath={.data.token}',
        ]) !== '',
    );
    const profile = await cli([
      'profile',
      '-f',
      topologyFile,
      '--remote',
      'cluster-1',
      '--kubeconfig',
      planes.kubeconfigPath,
    ]);
    expect(profile.code).toBe(0);
    expect(parse(profile.stdout).metadata.annotations['workflows.argoproj.io/namespace']).toBe('');
    k('cluster-0', ['apply', '--server-side', '-f', '-'], profile.stdout);
    applyArgoCrds(planes.kubeconfigPath, 'cluster-0', binDir);

    const local = planes.clusters['cluster-0'];
    controller = await startController({
      binDir,
      dir,
      adminKubeconfig: planes.kubeconfigPath,
      localContext: 'cluster-0',
      localServer: local.server,
      localCaData: local.caData,
      localObjects: objects(topology).get('cluster-0')!,
      servers: [local.server, planes.clusters['cluster-1'].server],
    });
    // As the Deployment says: its args, the leader-election identity from the pod name.
    expect(controller.argv.slice(1, 5)).toEqual([
      '--configmap',
      'workflow-controller-configmap',
      '--executor-image',
      topology.local.controller.executorImage,
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
      kubeconfig: planes.kubeconfigPath,
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
      expect(pod.serviceAccount).toBe(topology.remotes[0].executorServiceAccount);
    }
    expect(workflowObjects(planes.kubeconfigPath, 'cluster-0', 'pods', 'two-ns')).toEqual([]);

    await workflowSucceeded(planes.kubeconfigPath, 'cluster-0', 'argo', 'two-ns');
    await waitFor(
      'podGC to delete the remote pods',
      async () => workflowObjects(planes.kubeconfigPath, 'cluster-1', 'pods', 'two-ns').length === 0,
      { timeoutMs: 90_000 },
    );
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
      workflowObjects(planes.kubeconfigPath, 'cluster-1', 'workflowtaskresults.argoproj.io', 'two-ns').map(
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
      planes.kubeconfigPath,
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
          kubeconfig: planes.kubeconfigPath,
          context: 'cluster-1',
          workflow: 'two-ns-2',
          namespaces: NAMESPACES,
          expected: 1,
        });
        await workflowSucceeded(planes.kubeconfigPath, 'cluster-0', 'argo', 'two-ns-2');
        await controller!.waitForLog(/failed to delete task-results.*forbidden/);
        const refused = forbiddenRefusals(controller!.log());
        expect(refused).toEqual([
          { verb: 'deletecollection', resource: 'workflowtaskresults', group: 'argoproj.io', namespace: '' },
        ]);
        // The results stay behind: the facts' measurement, reproduced.
        expect(
          workflowObjects(planes.kubeconfigPath, 'cluster-1', 'workflowtaskresults.argoproj.io', 'two-ns-2'),
        ).toHaveLength(1);

        const verify = await cli(['verify', '-f', topologyFile, '--kubeconfig', planes.kubeconfigPath]);
        expect(verify.code).toBe(1);
        expect(verifyMissing(verify.stdout)).toEqual(refused);
      },
    );
    expect((await cli(['verify', '-f', topologyFile, '--kubeconfig', planes.kubeconfigPath])).code).toBe(0);
  });
});
