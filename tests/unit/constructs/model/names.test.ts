import { isTokenSecretName, tokenSecretName } from '../../../../constructs';

describe('token Secret names', () => {
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
});
