import { buildCharts, gitopsTree, isTokenSecretName, tokenSecretName } from '../../../../constructs';
import { find, objects, topology } from '../../support/helpers';

describe('token Secret generations', () => {
  test('generation 0 keeps the name the token Secret always had; later ones get their own', () => {
    expect(tokenSecretName('cluster-0')).toBe('argo.cluster-0.service-account-token');
    expect(tokenSecretName('cluster-0', 0)).toBe('argo.cluster-0.service-account-token');
    expect(tokenSecretName('cluster-0', 3)).toBe('argo.cluster-0.service-account-token.3');
    expect(isTokenSecretName('cluster-0', 'argo.cluster-0.service-account-token')).toBe(true);
    expect(isTokenSecretName('cluster-0', 'argo.cluster-0.service-account-token.12')).toBe(true);
    for (const other of [
      'argo.cluster-0.service-account-token.',
      'argo.cluster-0.service-account-token.01',
      'argo.cluster-0.service-account-token.x',
      'argo.cluster-00.service-account-token',
      'argo.cluster-0',
    ]) {
      expect([other, isTokenSecretName('cluster-0', other)]).toEqual([other, false]);
    }
  });

  test('tokenGeneration names the token Secret of the remote, the ExternalSecret key and the profile notes alike', () => {
    const t = topology((r) => ((r.remotes[0] as any).tokenGeneration = 2));
    const remote = objects(t).get('cluster-1')!;
    const token = find(remote, 'Secret', 'argo.cluster-0.service-account-token.2', 'default');
    expect(token.type).toBe('kubernetes.io/service-account-token');
    expect(token.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'argo.cluster-0' });
    expect(remote.filter((m) => m.kind === 'Secret').map((m) => m.metadata.name)).toEqual([
      'argo.cluster-0.service-account-token.2',
    ]);
    expect(gitopsTree(t, buildCharts(t)).get('cluster-0/PROFILES.md')).toContain(
      '`argo.cluster-0.service-account-token.2`',
    );
    const external = topology((r) => {
      (r.remotes[0] as any).tokenGeneration = 2;
      r.secrets = { store: { name: 'store' } };
    });
    const es = find(objects(external).get('cluster-0')!, 'ExternalSecret', 'argo.cluster-1', 'argo');
    expect(es.spec.data.map((d: any) => d.remoteRef.key)).toEqual([
      'argo.cluster-0.service-account-token.2',
      'argo.cluster-0.service-account-token.2',
    ]);
  });

  test('tokenGeneration must be a whole number from 0', () => {
    for (const bad of [-1, 1.5, '1']) {
      expect(() => topology((r) => ((r.remotes[0] as any).tokenGeneration = bad))).toThrow(
        /remotes\[0\]\.tokenGeneration: /,
      );
    }
  });
});
