import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Manifest, Topology } from '../../constructs';
import { TOPOLOGY_VARIANTS, VARIANT_CREDENTIALS } from '../unit/support/constructs';
import { objects, topology } from '../unit/support/helpers';
import { ControlPlanes, startControlPlanes } from './harness/controlPlane';
import { kubectl, kubectlCanI, toolchainBinDir } from './harness/toolchain';
import { cli } from './harness/world';

jest.setTimeout(600_000);

let planes: ControlPlanes;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'amc-pod-security-'));
  planes = await startControlPlanes({
    names: ['cluster-0'],
    binDir: toolchainBinDir(),
    workDir: join(dir, 'clusters'),
  });
});

afterAll(async () => {
  await planes?.stopAll();
});

const k = (args: string[], input?: string) => kubectl(planes.kubeconfigPath, 'cluster-0', args, input);

/** What the API server answers to a pod made from the topology's controller pod template, created in `namespace`. */
function createControllerPod(t: Topology, namespace: string): { ok: true } | { ok: false; message: string } {
  const local = objects(t, { credentials: VARIANT_CREDENTIALS }).get(t.local.name)!;
  // The pod names a PriorityClass only when the topology writes it (or names one of the cluster's).
  for (const pc of local.filter((m) => m.kind === 'PriorityClass'))
    k(['apply', '--server-side', '--field-manager', 'pod-security-test', '-f', '-'], JSON.stringify(pc));
  const template = (local.find((m) => m.kind === 'Deployment') as Manifest & { spec: any }).spec.template;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'workflow-controller', namespace, labels: template.metadata.labels },
    spec: template.spec,
  };
  try {
    k(['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
    return { ok: true };
  } catch (e: any) {
    return { ok: false, message: String(e.stderr) };
  }
}

/** A namespace whose pods must pass Pod Security `restricted`, with the controller's ServiceAccount. */
function restrictedNamespace(name: string): string {
  k(['create', 'namespace', name]);
  k(['label', 'namespace', name, 'pod-security.kubernetes.io/enforce=restricted']);
  k(['create', 'serviceaccount', 'argo', '-n', name]);
  return name;
}

describe('Pod Security restricted', () => {
  test.each(TOPOLOGY_VARIANTS.map(([name, t], i) => ({ name, t, i })))(
    '$name: the controller pod is admitted',
    ({ t, i }) => {
      expect(createControllerPod(t, restrictedNamespace(`restricted-${i}`))).toEqual({ ok: true });
    },
  );

  test('a pod a topology made non-compliant is refused with the Pod Security message', () => {
    const escalating = topology((r) => (r.local.controller.securityContext = { allowPrivilegeEscalation: true }));
    const answer = createControllerPod(escalating, restrictedNamespace('restricted-refused'));
    expect(answer).toEqual({
      ok: false,
      message: expect.stringMatching(
        /violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "workflow-controller" must set securityContext.allowPrivilegeEscalation=false\)/,
      ),
    });
  });
});

describe('a namespaced topology, applied by a namespace admin', () => {
  const USER = 'team-admin';
  const as = ['--as', USER];
  const synth = async (t: Topology, name: string) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(t));
    const out = join(dir, name);
    const run = await cli(['synth', '-f', file, '-o', out]);
    expect(run.stderr).toBe('');
    return join(out, t.local.name);
  };
  const apply = (folder: string) =>
    k(['apply', '--server-side', '--field-manager', 'namespace-admin', '-k', folder, ...as]);

  beforeAll(() => {
    // Everything in its namespace, nothing outside: a Role of every verb on every resource, bound in `argo`.
    k(['create', 'namespace', 'argo']);
    k(['create', 'role', 'namespace-admin', '-n', 'argo', '--verb=*', '--resource=*.*']);
    k(['create', 'rolebinding', 'namespace-admin', '-n', 'argo', '--role=namespace-admin', `--user=${USER}`]);
  });

  test('the user may do anything in the namespace and nothing cluster-wide', () => {
    expect(kubectlCanI(planes.kubeconfigPath, 'cluster-0', ['create', 'roles', '-n', 'argo', ...as])).toBe('yes');
    expect(kubectlCanI(planes.kubeconfigPath, 'cluster-0', ['create', 'clusterroles', ...as])).toBe('no');
    expect(kubectlCanI(planes.kubeconfigPath, 'cluster-0', ['patch', 'namespaces', ...as])).toBe('no');
  });

  test('the local folder of a cluster-wide controller is refused to that user', async () => {
    const folder = await synth(
      topology(() => undefined),
      'cluster-wide',
    );
    expect(() => apply(folder)).toThrow(/forbidden/);
  });

  test('the local folder of the namespaced variant applies, with every object it lists', async () => {
    const variant = TOPOLOGY_VARIANTS.find(([n]) => n === 'namespaced controller that a namespace admin can apply')!;
    const folder = await synth(variant[1], 'namespaced');
    apply(folder);
    const written = objects(variant[1]).get('cluster-0')!;
    const live = JSON.parse(
      k(['get', [...new Set(written.map((m) => m.kind.toLowerCase()))].join(','), '-n', 'argo', '-o', 'json', ...as]),
    );
    expect(live.items.map((o: any) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      expect.arrayContaining(written.map((m) => `${m.kind}/${m.metadata.name}`).sort()),
    );
  });
});
