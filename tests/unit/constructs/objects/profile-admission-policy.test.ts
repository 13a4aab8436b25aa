import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCharts, gitopsTree, isTokenSecretName, tokenSecretName } from '../../../../constructs';
import { formatReports } from '../../../../constructs/cli/verify';
import { cli, example, find, objects, topology, topologyFile } from '../../support/helpers';

describe('the profile admission policy', () => {
  test('is in the local cluster by default and refuses labelled Secrets outside the profile namespace', () => {
    const t = topology((r) => (r.local.namespace = 'wf'));
    const local = objects(t).get('cluster-0')!;
    const policy = find(local, 'ValidatingAdmissionPolicy', 'argo-multicluster.profiles.wf');
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec.matchConstraints).toEqual({
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['secrets'] }],
      objectSelector: { matchExpressions: [{ key: 'workflows.argoproj.io/cluster', operator: 'Exists' }] },
    });
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.validations).toHaveLength(1);
    expect(policy.spec.validations[0].expression).toBe(
      "object.metadata.namespace == 'wf' || !has(object.metadata.labels) || !('workflows.argoproj.io/cluster' in object.metadata.labels)",
    );
    const binding = find(local, 'ValidatingAdmissionPolicyBinding', 'argo-multicluster.profiles.wf');
    expect(binding.spec).toEqual({ policyName: 'argo-multicluster.profiles.wf', validationActions: ['Deny'] });
    for (const [cluster, list] of objects(t)) {
      if (cluster !== 'cluster-0') expect(list.filter((m) => m.apiVersion.startsWith('admissionregistration'))).toEqual([]);
    }
  });

  test('local.profileAdmissionPolicy: false leaves it out', () => {
    const t = topology((r) => ((r.local as any).profileAdmissionPolicy = false));
    expect(objects(t).get('cluster-0')!.filter((m) => m.apiVersion.startsWith('admissionregistration'))).toEqual([]);
  });

  test('GitOps files of the cluster-scoped policy and binding are named <kind>_<name>.yaml', () => {
    const t = example();
    const files = [...gitopsTree(t, buildCharts(t)).keys()].filter((f) => f.includes('admissionpolic'));
    expect(files).toEqual([
      'cluster-0/validatingadmissionpolicy_argo-multicluster.profiles.argo.yaml',
      'cluster-0/validatingadmissionpolicybinding_argo-multicluster.profiles.argo.yaml',
    ]);
  });

  test('a non-boolean profileAdmissionPolicy is refused naming the field', () => {
    expect(() => topology((r) => ((r.local as any).profileAdmissionPolicy = 'yes'))).toThrow(/local\.profileAdmissionPolicy: "yes" has the wrong type: expected boolean/);
  });
});

describe('token Secret generations', () => {
  test('generation 0 keeps the name the token Secret always had; later ones get their own', () => {
    expect(tokenSecretName('cluster-0')).toBe('argo.cluster-0.service-account-token');
    expect(tokenSecretName('cluster-0', 0)).toBe('argo.cluster-0.service-account-token');
    expect(tokenSecretName('cluster-0', 3)).toBe('argo.cluster-0.service-account-token.3');
    expect(isTokenSecretName('cluster-0', 'argo.cluster-0.service-account-token')).toBe(true);
    expect(isTokenSecretName('cluster-0', 'argo.cluster-0.service-account-token.12')).toBe(true);
    for (const other of ['argo.cluster-0.service-account-token.', 'argo.cluster-0.service-account-token.01', 'argo.cluster-0.service-account-token.x', 'argo.cluster-00.service-account-token', 'argo.cluster-0']) {
      expect([other, isTokenSecretName('cluster-0', other)]).toEqual([other, false]);
    }
  });

  test('tokenGeneration names the token Secret of the remote, the ExternalSecret key and the profile notes alike', () => {
    const t = topology((r) => ((r.remotes[0] as any).tokenGeneration = 2));
    const remote = objects(t).get('cluster-1')!;
    const token = find(remote, 'Secret', 'argo.cluster-0.service-account-token.2', 'default');
    expect(token.type).toBe('kubernetes.io/service-account-token');
    expect(token.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'argo.cluster-0' });
    expect(remote.filter((m) => m.kind === 'Secret').map((m) => m.metadata.name)).toEqual(['argo.cluster-0.service-account-token.2']);
    expect(gitopsTree(t, buildCharts(t)).get('cluster-0/PROFILES.md')).toContain('`argo.cluster-0.service-account-token.2`');
    const external = topology((r) => {
      (r.remotes[0] as any).tokenGeneration = 2;
      r.secrets = { store: { name: 'store' } };
    });
    const es = find(objects(external).get('cluster-0')!, 'ExternalSecret', 'argo.cluster-1', 'argo');
    expect(es.spec.data.map((d: any) => d.remoteRef.key)).toEqual(['argo.cluster-0.service-account-token.2', 'argo.cluster-0.service-account-token.2']);
  });

  test('tokenGeneration must be a whole number from 0', () => {
    for (const bad of [-1, 1.5, '1']) {
      expect(() => topology((r) => ((r.remotes[0] as any).tokenGeneration = bad))).toThrow(/remotes\[0\]\.tokenGeneration: /);
    }
  });
});

describe('rotate on the command line', () => {
  const work = mkdtempSync(join(tmpdir(), 'amc-rotate-'));
  const file = (name: string, patch: (t: any) => void) => topologyFile(work, name, patch);

  test('--remote is required and must be a remote of the topology (exit 2)', () => {
    expect(cli(['rotate'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/rotate: --remote is required; valid values: cluster-1/) });
    expect(cli(['rotate', '--remote', 'x'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/rotate: --remote "x" is not in the topology/) });
    expect(cli(['rotate', '--remote', 'cluster-1', '--context', 'c'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/rotate: .*--context/) });
  });

  test('secrets.mode external is refused before any cluster is contacted (exit 2)', () => {
    const f = file('external', (t) => (t.secrets = { store: { name: 's' } }));
    const r = cli(['rotate', '-f', f, '--remote', 'cluster-1', '--kubeconfig', join(work, 'no-such-kubeconfig')]);
    expect(r.stderr).toMatch(/secrets\.mode "external" renders the profile of cluster-1 through external-secrets\.io/);
    expect(r.code).toBe(2);
  });

  test('is listed in the help', () => {
    expect(cli(['--help']).stdout).toMatch(/rotate {5}move one remote's profile to a new token/);
    expect(cli(['rotate', '--help']).stdout).toMatch(/only then deletes the token Secrets of other generations/);
  });
});

describe('verify flags labelled Secrets outside the profile namespace and duplicate cluster names', () => {
  const remote = { cluster: 'cluster-1', server: 'https://c1', profile: 'argo/argo.cluster-1', checks: [{ verb: 'get', group: '', resource: 'pods', namespace: 'default', allowed: true }] };

  test('a clean audit leaves the verdict to the needs', () => {
    const r = formatReports({ remotes: [remote], audit: { outside: [], duplicates: [] } }, 'argo');
    expect(r).toEqual({ text: expect.stringContaining('all needs met'), ok: true });
    expect(r.text).not.toMatch(/ROGUE|DUPLICATE/);
  });

  test('a Secret elsewhere and a second one for a cluster fail verify, each named', () => {
    const r = formatReports(
      {
        remotes: [remote],
        audit: { outside: [{ secret: 'default/evil', cluster: 'cluster-1' }], duplicates: [{ cluster: 'cluster-1', secrets: ['argo/argo.cluster-1', 'default/evil'] }] },
      },
      'argo',
    );
    expect(r.ok).toBe(false);
    expect(r.text).toContain('ROGUE PROFILE: default/evil claims cluster cluster-1 outside namespace argo');
    expect(r.text).toContain('DUPLICATE PROFILES for cluster cluster-1: argo/argo.cluster-1, default/evil');
    expect(r.text).toContain('some labelled Secrets are flagged');
  });

  test('an audit that could not run is reported, not passed over in silence', () => {
    const r = formatReports({ remotes: [remote], audit: { outside: [], duplicates: [], error: 'GET /api/v1/secrets: 403 forbidden' } }, 'argo');
    expect(r.text).toContain('labelled Secrets in other namespaces: not checked (GET /api/v1/secrets: 403 forbidden)');
    expect(r.ok).toBe(true);
  });
});
