import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { ARGO_CRDS, validateTopology } from '../../constructs';
import {
  ControllerHandle,
  forbiddenRefusals,
  remoteWorkflow,
  runRemotePods,
  workflowSucceeded,
} from './harness/argoController';
import { kubectl } from './harness/toolchain';
import { Planes, startGitopsController, startPlanes } from './harness/world';

// local.crds.install on clusters where nothing else was installed: what synth wrote (and the profile `profile`
// printed) is all the real controller gets, and a workflow still runs through a template to success.
// Budget: control planes and the controller start in about a minute; each wait below ends by its own deadline.
jest.setTimeout(600_000);

let world: Planes;
let controller: ControllerHandle | undefined;

const k = (context: string, args: string[], input?: string) =>
  kubectl(world.planes.kubeconfigPath, context, args, input);
const crdNames = (context: string) =>
  k(context, ['get', 'crd', '-o', 'jsonpath={.items[*].metadata.name}']).split(/\s+/).filter(Boolean).sort();

beforeAll(async () => {
  const planes = await startPlanes('argo-crds');
  const raw = parse(readFileSync(planes.topologyFile, 'utf8'));
  raw.local.crds = { install: true };
  writeFileSync(planes.topologyFile, stringify(raw));
  world = { ...planes, topology: validateTopology(raw) };
});

afterAll(async () => {
  await controller?.stop();
  await world?.planes.stopAll();
});

describe('local.crds.install: the CRDs of the controller commit from synth alone', () => {
  test('empty clusters, synth output and the profile: a workflow from a WorkflowTemplate succeeds in the remote', async () => {
    // Nothing installed before: the API servers serve no CRD at all.
    expect(crdNames('cluster-0')).toEqual([]);
    expect(crdNames('cluster-1')).toEqual([]);

    ({ controller } = await startGitopsController(world, { argoCrds: false }));
    const expected = [...ARGO_CRDS.map((c) => c.metadata.name), 'workflowtaskresults.argoproj.io'].sort();
    expect(crdNames('cluster-0')).toEqual(expected);
    expect(crdNames('cluster-1')).toEqual(['workflowtaskresults.argoproj.io']);
    k('cluster-0', ['wait', '--for', 'condition=Established', '--timeout', '60s', ...expected.map((n) => `crd/${n}`)]);
    // Kept, as Helm's crds.keep: neither Argo CD nor Flux deletes them.
    const annotations = JSON.parse(
      k('cluster-0', ['get', 'crd', 'workflows.argoproj.io', '-o', 'jsonpath={.metadata.annotations}']),
    );
    expect(annotations).toMatchObject({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
    await controller.waitForLog(/msg="Profile added" key=cluster-1/);

    // The remote step comes from a WorkflowTemplate, so the controller reads a second kind of this install.
    const template = remoteWorkflow('remote-step', 'argo', [{ cluster: 'cluster-1', namespace: 'default' }]);
    k('cluster-0', ['create', '-f', '-'], JSON.stringify({ ...template, kind: 'WorkflowTemplate' }));
    k(
      'cluster-0',
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { name: 'from-template', namespace: 'argo' },
        spec: { workflowTemplateRef: { name: 'remote-step' } },
      }),
    );
    const pods = await runRemotePods({
      kubeconfig: world.planes.kubeconfigPath,
      context: 'cluster-1',
      workflow: 'from-template',
      namespaces: ['default'],
      expected: 1,
    });
    expect(pods[0].labels).toMatchObject({ 'workflows.argoproj.io/cluster': 'cluster-0' });
    await workflowSucceeded(world.planes.kubeconfigPath, 'cluster-0', 'argo', 'from-template');

    const log = controller.log();
    expect(forbiddenRefusals(log)).toEqual([]);
    // A kind the controller watches without its CRD would be logged by client-go's reflector.
    expect(log).not.toMatch(/could not find the requested resource/);
  });
});
