import { parse } from 'yaml';
import { profileMetadata } from '../../../../constructs';
import { example, find, objects, topology } from '../../support/helpers';

describe('profile metadata', () => {
  test('label and both annotations per the facts', () => {
    const t = example();
    expect(profileMetadata(t, t.remotes[0])).toEqual({
      name: 'argo.cluster-1',
      namespace: 'argo',
      labels: {
        'app.kubernetes.io/managed-by': 'argo-multicluster',
        'app.kubernetes.io/part-of': 'argo-workflows',
        'workflows.argoproj.io/cluster': 'cluster-1',
      },
      annotations: { 'workflows.argoproj.io/workflow-namespace': 'argo', 'workflows.argoproj.io/namespace': 'default' },
    });
  });

  test('several remote namespaces or cluster access: the profile serves any namespace ("")', () => {
    for (const t of [
      topology((r) => (r.remotes[0].namespaces = ['a', 'b'])),
      topology((r) => (r.remotes[0].access = 'cluster')),
    ]) {
      expect(profileMetadata(t, t.remotes[0]).annotations['workflows.argoproj.io/namespace']).toBe('');
    }
  });

  test('workflowNamespace defaults to the local namespace; "" means any', () => {
    const t = topology((r) => delete r.remotes[0].workflowNamespace);
    expect(profileMetadata(t, t.remotes[0]).annotations['workflows.argoproj.io/workflow-namespace']).toBe('argo');
    const any = topology((r) => (r.remotes[0].workflowNamespace = ''));
    expect(profileMetadata(any, any.remotes[0]).annotations['workflows.argoproj.io/workflow-namespace']).toBe('');
  });
});

describe('secrets modes', () => {
  test('plain: an Opaque Secret argo.<remote> whose kubeconfig holds server, CA and token', () => {
    const t = topology((r) => (r.secrets.mode = 'plain'));
    const local = objects(t, { credentials: new Map([['cluster-1', { token: 'tok-123', caData: 'Q0FEQVRB' }]]) }).get(
      'cluster-0',
    )!;
    const secret = find(local, 'Secret', 'argo.cluster-1', 'argo');
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata.labels['workflows.argoproj.io/cluster']).toBe('cluster-1');
    expect(Object.keys(secret.data)).toEqual(['kubeconfig']);
    const kc = parse(Buffer.from(secret.data.kubeconfig, 'base64').toString());
    expect(kc.clusters[0].cluster).toEqual({
      server: 'https://cluster-1.example.com:6443',
      'certificate-authority-data': 'Q0FEQVRB',
    });
    expect(kc.users[0]).toEqual({ name: 'argo.cluster-0', user: { token: 'tok-123' } });
  });

  test('plain without credentials fails naming the remote', () => {
    expect(() => objects(topology((r) => (r.secrets.mode = 'plain')))).toThrow(
      /credentials of remote cluster "cluster-1"/,
    );
  });

  test('external: an ExternalSecret that renders the whole profile from the store key, no credential in it', () => {
    const t = topology((r) => (r.secrets = { store: { name: 'cluster-1-tokens' } }));
    expect(t.secrets.mode).toBe('external');
    const local = objects(t).get('cluster-0')!;
    expect(local.filter((o) => o.kind === 'Secret')).toEqual([]);
    const es = find(local, 'ExternalSecret', 'argo.cluster-1', 'argo');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'cluster-1-tokens' });
    expect(es.spec.data).toEqual([
      { secretKey: 'token', remoteRef: { key: 'argo.cluster-0.service-account-token', property: 'token' } },
      { secretKey: 'ca', remoteRef: { key: 'argo.cluster-0.service-account-token', property: 'ca.crt' } },
    ]);
    const target = es.spec.target;
    expect(target.name).toBe('argo.cluster-1');
    expect(target.template.engineVersion).toBe('v2');
    expect(target.template.metadata).toEqual({
      labels: {
        'app.kubernetes.io/managed-by': 'argo-multicluster',
        'app.kubernetes.io/part-of': 'argo-workflows',
        'workflows.argoproj.io/cluster': 'cluster-1',
      },
      annotations: { 'workflows.argoproj.io/workflow-namespace': 'argo', 'workflows.argoproj.io/namespace': 'default' },
    });
    const kc = parse(target.template.data.kubeconfig);
    expect(kc.users[0].user.token).toBe('{{ .token }}');
    expect(kc.clusters[0].cluster['certificate-authority-data']).toBe('{{ .ca | b64enc }}');
  });

  test('external with a per-remote store and {remote} in a shared key', () => {
    const t = topology((r) => {
      r.remotes.push({ ...r.remotes[0], name: 'cluster-2', context: 'cluster-2', server: 'https://c2:6443' });
      r.secrets = { store: { name: 'vault', kind: 'SecretStore', key: 'argo/{remote}' } };
    });
    const local = objects(t).get('cluster-0')!;
    expect(find(local, 'ExternalSecret', 'argo.cluster-2', 'argo').spec.data[0].remoteRef.key).toBe('argo/cluster-2');
  });
});
