import { ARGO_CRDS, Topology } from '../../constructs';
import { objects } from '../unit/support/helpers';
import {
  ControllerHandle,
  forbiddenRefusals,
  remoteWorkflow,
  runRemotePods,
  startController,
  workflowSucceeded,
} from './harness/argoController';
import { kubectl } from './harness/toolchain';
import { CliStack } from './harness/pulumiCli';
import { World, editTopology, projectStack, startWorld } from './harness/world';

// local.crds.install under `pulumi up`: one `up` on control planes that serve no CRD is a complete install for the
// real controller, and `destroy` leaves the kept CRDs (Helm's crds.keep) while it removes everything else.
// Budget: control planes, `up`, the controller, a workflow and `destroy` in about three minutes; each wait below ends
// by its own deadline.
jest.setTimeout(600_000);

let world: World;
let stack: CliStack;
let topology: Topology;
let controller: ControllerHandle | undefined;

const k = (context: string, args: string[], input?: string) =>
  kubectl(world.planes.kubeconfigPath, context, args, input);
const crdNames = (context: string) =>
  k(context, ['get', 'crd', '-o', 'jsonpath={.items[*].metadata.name}']).split(/\s+/).filter(Boolean).sort();
const ALL = [...ARGO_CRDS.map((c) => c.metadata.name), 'workflowtaskresults.argoproj.io'].sort();

beforeAll(async () => {
  world = await startWorld('argo-crds-up');
  topology = editTopology(world, (raw) => (raw.local.crds = { install: true }));
  stack = await projectStack(world, 'crds');
});

afterAll(async () => {
  await controller?.stop();
  await world?.planes.stopAll();
});

describe('local.crds.install under `pulumi up`', () => {
  test('one up on empty clusters: the real controller runs a workflow in the remote to success', async () => {
    expect(crdNames('cluster-0')).toEqual([]);
    await stack.up();
    expect(crdNames('cluster-0')).toEqual(ALL);
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
    await controller.waitForLog(/msg="Profile added" key=cluster-1/);
    k(
      'cluster-0',
      ['create', '-f', '-'],
      JSON.stringify(remoteWorkflow('after-up', 'argo', [{ cluster: 'cluster-1', namespace: 'default' }])),
    );
    await runRemotePods({
      kubeconfig: world.planes.kubeconfigPath,
      context: 'cluster-1',
      workflow: 'after-up',
      namespaces: ['default'],
      expected: 1,
    });
    await workflowSucceeded(world.planes.kubeconfigPath, 'cluster-0', 'argo', 'after-up');
    expect(forbiddenRefusals(controller.log())).toEqual([]);
    expect(controller.log()).not.toMatch(/could not find the requested resource/);
    await controller.stop();
    controller = undefined;
  });

  test('destroy removes everything else but keeps the CRDs', async () => {
    await stack.destroy();
    expect(k('cluster-0', ['get', 'deployments', '-n', 'argo', '-o', 'name'])).toBe('');
    expect(crdNames('cluster-0')).toEqual(ALL);
    // The remote's task-result CRD is not one of local.crds: it goes with the rest.
    expect(crdNames('cluster-1')).toEqual([]);
  });
});
