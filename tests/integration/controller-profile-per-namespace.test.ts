import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
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
  workflowObjects,
  workflowSucceeded,
} from './harness/argoController';
import { ControlPlanes, startControlPlanes } from './harness/controlPlane';
import { waitFor } from './harness/process';
import { kubectl, toolchainBinDir } from './harness/toolchain';
import { cli } from './harness/world';

// The real dev-mc controller with a remote that serves two namespaces through a profile per namespace
// (remotes[].profilePerNamespace): GitOps output applied, the two profiles printed by `profile`.
jest.setTimeout(600_000);

const NAMESPACES = ['team-a', 'team-b'];
const IDENTITY = 'system:serviceaccount:team-a:argo.cluster-0';
let dir: string;
let binDir: string;
let planes: ControlPlanes;
let topologyFile: string;
let topology: Topology;
let controller: ControllerHandle | undefined;

const k = (context: string, args: string[], input?: string) => kubectl(planes.kubeconfigPath, context, args, input);
/** `kubectl auth can-i` in a cluster, as `yes` or `no`. */
const canI = (context: string, ...args: string[]) => {
  try {
    return k(context, ['auth', 'can-i', ...args]).trim();
  } catch (e: any) {
    if (e.status === 1) return String(e.stdout).trim();
    throw e;
  }
};

beforeAll(async () => {
  binDir = toolchainBinDir();
  dir = mkdtempSync(join(tmpdir(), 'amc-argo-per-ns-'));
  planes = await startControlPlanes({ names: ['cluster-0', 'cluster-1'], binDir, workDir: join(dir, 'clusters') });
  const raw = parse(readFileSync(exampleTopologyPath(), 'utf8'));
  Object.assign(raw.remotes[0], {
    server: planes.clusters['cluster-1'].server,
    namespaces: NAMESPACES,
    profilePerNamespace: true,
  });
  topologyFile = join(dir, 'topology.yaml');
  writeFileSync(topologyFile, stringify(raw));
  topology = validateTopology(raw);
});

afterAll(async () => {
  await controller?.stop();
  await planes?.stopAll();
});

describe('the real controller, a remote serving two namespaces through a profile per namespace', () => {
  test('both profiles load; a step in each namespace runs; pods and task results are deleted there; no ClusterRole', async () => {
    const out = join(dir, 'gitops');
    expect((await cli(['synth', '-f', topologyFile, '-o', out])).code).toBe(0);
    k('cluster-1', ['apply', '--server-side', '-k', join(out, 'cluster-1')]);
    k('cluster-0', ['apply', '--server-side', '-k', join(out, 'cluster-0')]);
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
    expect(
      parseAllDocuments(profile.stdout).map((d) => {
        const m = d.toJS().metadata;
        return [m.name, m.labels['workflows.argoproj.io/cluster'], m.annotations['workflows.argoproj.io/namespace']];
      }),
    ).toEqual(NAMESPACES.map((ns) => [`argo.cluster-1-${ns}`, `cluster-1-${ns}`, ns]));
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
      kubeconfig: planes.kubeconfigPath,
      context: 'cluster-1',
      workflow: 'per-ns',
      namespaces: NAMESPACES,
      expected: 2,
    });
    expect(pods.map((p) => p.namespace).sort()).toEqual(NAMESPACES);
    expect(
      workflowObjects(planes.kubeconfigPath, 'cluster-1', 'workflowtaskresults.argoproj.io', 'per-ns').map(
        (r) => r.split('/')[0],
      ),
    ).toEqual(NAMESPACES);
    expect(workflowObjects(planes.kubeconfigPath, 'cluster-0', 'pods', 'per-ns')).toEqual([]);

    await workflowSucceeded(planes.kubeconfigPath, 'cluster-0', 'argo', 'per-ns');
    await waitFor(
      'podGC to delete the remote pods',
      async () => workflowObjects(planes.kubeconfigPath, 'cluster-1', 'pods', 'per-ns').length === 0,
      { timeoutMs: 90_000 },
    );
    // operator.go deleteTaskResults: a DeleteCollection in each profile's own namespace, which the server serves.
    await waitFor(
      'the task results to be deleted in both namespaces',
      async () =>
        workflowObjects(planes.kubeconfigPath, 'cluster-1', 'workflowtaskresults.argoproj.io', 'per-ns').length === 0,
      { timeoutMs: 60_000 },
    );
    expect(forbiddenRefusals(controller.log())).toEqual([]);
    expect(controller.log()).not.toMatch(/forbidden/i);
    expect((await cli(['verify', '-f', topologyFile, '--kubeconfig', planes.kubeconfigPath])).code).toBe(0);
  });
});
