import { parse } from 'yaml';
import { buildProfileKubeconfig } from '../../../../constructs';

describe('profile kubeconfig builder', () => {
  test('one cluster, user and context named as the facts say; current-context set', () => {
    const kc = parse(
      buildProfileKubeconfig({
        cluster: 'cluster-1',
        server: 'https://c1:6443',
        user: 'argo.cluster-0',
        token: 'T',
        caData: 'Q0E=',
      }),
    );
    expect(kc).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'cluster-1', cluster: { server: 'https://c1:6443', 'certificate-authority-data': 'Q0E=' } }],
      users: [{ name: 'argo.cluster-0', user: { token: 'T' } }],
      contexts: [{ name: 'cluster-1', context: { cluster: 'cluster-1', user: 'argo.cluster-0' } }],
      'current-context': 'cluster-1',
    });
  });

  test('skips TLS verification only when asked, then without a CA even when one is given', () => {
    for (const caData of [undefined, 'Q0E=']) {
      const kc = parse(
        buildProfileKubeconfig({
          cluster: 'c',
          server: 'https://c',
          user: 'u',
          token: 'T',
          caData,
          insecureSkipTLSVerify: true,
        }),
      );
      expect(kc.clusters[0].cluster).toEqual({ server: 'https://c', 'insecure-skip-tls-verify': true });
    }
  });

  test('refuses to trust nothing: a CA is required unless TLS verification is skipped', () => {
    for (const insecureSkipTLSVerify of [undefined, false]) {
      expect(() =>
        buildProfileKubeconfig({ cluster: 'c', server: 'https://c', user: 'u', token: 'T', insecureSkipTLSVerify }),
      ).toThrow(new Error('kubeconfig for c: caData is required unless insecureSkipTLSVerify is set'));
    }
  });
});
