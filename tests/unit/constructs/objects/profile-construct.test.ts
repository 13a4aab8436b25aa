import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { Profile } from '../../../../constructs';
import { constructIssues } from '../../support/helpers';

const chart = () => new Chart(new App(), 'c');
const local = { name: 'cluster-0' };
const remote = { name: 'cluster-1', server: 'https://10.0.1.10:6443' };

const issuesOf = (props: unknown) => constructIssues(Profile, props);

describe('Profile used on its own', () => {
  test('from credentials: the profile Secret with its label, annotations and kubeconfig, defaults as in a topology', () => {
    const c = chart();
    const profile = new Profile(c, 'p', { local, remote, credentials: { token: 'T', caData: 'Q0E=' } });
    const [secret] = c.toJson() as any[];
    expect(secret).toEqual(profile.manifest);
    expect(secret.metadata).toEqual({
      name: 'argo.cluster-1',
      namespace: 'argo',
      labels: {
        'app.kubernetes.io/managed-by': 'argo-multicluster',
        'app.kubernetes.io/part-of': 'argo-workflows',
        'workflows.argoproj.io/cluster': 'cluster-1',
      },
      annotations: { 'workflows.argoproj.io/workflow-namespace': 'argo', 'workflows.argoproj.io/namespace': 'default' },
    });
    const kubeconfig = parse(Buffer.from(secret.data.kubeconfig, 'base64').toString());
    expect(kubeconfig.users).toEqual([{ name: 'argo.cluster-0', user: { token: 'T' } }]);
    expect(kubeconfig.clusters[0].cluster).toEqual({
      server: 'https://10.0.1.10:6443',
      'certificate-authority-data': 'Q0E=',
    });
  });

  test('from a store: the ExternalSecret', () => {
    const c = chart();
    new Profile(c, 'p', {
      local: { name: 'cluster-0', namespace: 'wf' },
      remote,
      store: { name: 'vault', key: 'argo/{remote}' },
    });
    const [es] = c.toJson() as any[];
    expect(es).toMatchObject({
      kind: 'ExternalSecret',
      metadata: { name: 'argo.cluster-1', namespace: 'wf' },
      spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' } },
    });
    expect(es.spec.data[0].remoteRef).toEqual({ key: 'argo/cluster-1', property: 'token' });
  });

  test('names each bad prop with its value and what is valid', () => {
    expect(
      issuesOf({
        local: { name: 'Cluster 0' },
        remote: { name: 'cluster-1', server: 'http://x' },
        credentials: { token: '' },
      }),
    ).toEqual([
      ['local.name', 'Cluster 0', expect.stringMatching(/DNS-1123 label/)],
      ['remote.server', 'http://x', expect.stringMatching(/https:\/\//)],
      ['credentials.token', '', 'must not be empty'],
      ['credentials.caData', undefined, 'is required unless remote.insecureSkipTLSVerify is true'],
    ]);
  });

  test('needs exactly one of credentials and store', () => {
    expect(issuesOf({ local, remote })).toEqual([
      ['', expect.anything(), 'needs exactly one of credentials (a Secret) or store (an ExternalSecret)'],
    ]);
    expect(
      issuesOf({ local, remote, credentials: { token: 'T', caData: 'Q0E=' }, store: { name: 'vault' } })[0][2],
    ).toMatch(/exactly one/);
  });

  test('refuses a manifest where props are expected', () => {
    const issues = issuesOf({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'argo.cluster-1' } });
    expect(issues.map(([path]) => path)).toEqual(
      expect.arrayContaining(['local', 'remote', 'apiVersion', 'kind', 'metadata']),
    );
  });
});
