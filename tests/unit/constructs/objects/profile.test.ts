import { parse } from 'yaml';
import { Profile, profileMetadata, profileTargets } from '../../../../constructs';
import { MANAGED_LABELS, localObjects, synthesized } from '../../support/constructs';
import { constructIssues, example, find, objects, topology } from '../../support/helpers';

const PROFILE_LABELS = { ...MANAGED_LABELS, 'workflows.argoproj.io/cluster': 'cluster-1' };
/** The annotations of the example's profile: workflows of namespace argo, pods in namespace default. */
const ANNOTATIONS = {
  'workflows.argoproj.io/workflow-namespace': 'argo',
  'workflows.argoproj.io/namespace': 'default',
};

/** The kubeconfig of a profile of remote `cluster-1` for the identity of `cluster-0`. */
function kubeconfig(server: string, caData: string, token: string) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cluster-1', cluster: { server, 'certificate-authority-data': caData } }],
    users: [{ name: 'argo.cluster-0', user: { token } }],
    contexts: [{ name: 'cluster-1', context: { cluster: 'cluster-1', user: 'argo.cluster-0' } }],
    'current-context': 'cluster-1',
  };
}

const decoded = (secret: any) => parse(Buffer.from(secret.data.kubeconfig, 'base64').toString());

describe('profile metadata', () => {
  test('label and both annotations per the facts', () => {
    const t = example();
    expect(profileMetadata(t, t.remotes[0], profileTargets(t.remotes[0])[0])).toEqual({
      name: 'argo.cluster-1',
      namespace: 'argo',
      labels: PROFILE_LABELS,
      annotations: ANNOTATIONS,
    });
  });

  test('several remote namespaces or cluster access: the profile serves any namespace ("")', () => {
    for (const t of [
      topology((r) => (r.remotes[0].namespaces = ['a', 'b'])),
      topology((r) => (r.remotes[0].access = 'cluster')),
    ]) {
      expect(profileMetadata(t, t.remotes[0], profileTargets(t.remotes[0])[0]).annotations).toEqual({
        'workflows.argoproj.io/workflow-namespace': 'argo',
        'workflows.argoproj.io/namespace': '',
      });
    }
  });

  test('workflowNamespace defaults to the local namespace; "" means any', () => {
    const t = topology((r) => {
      r.local.namespace = 'wf';
      delete r.remotes[0].workflowNamespace;
    });
    expect(
      profileMetadata(t, t.remotes[0], profileTargets(t.remotes[0])[0]).annotations[
        'workflows.argoproj.io/workflow-namespace'
      ],
    ).toBe('wf');
    const any = topology((r) => (r.remotes[0].workflowNamespace = ''));
    expect(
      profileMetadata(any, any.remotes[0], profileTargets(any.remotes[0])[0]).annotations[
        'workflows.argoproj.io/workflow-namespace'
      ],
    ).toBe('');
  });
});

describe('a profile per namespace (profilePerNamespace)', () => {
  const perNamespace = (mode: 'plain' | 'external') =>
    topology((r) => {
      Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], profilePerNamespace: true });
      r.secrets = mode === 'plain' ? { mode } : { store: { name: 'cluster-1-tokens' } };
    });

  test('one Secret per namespace, cluster name <remote>-<namespace>, each serving its namespace, one token', () => {
    const t = perNamespace('plain');
    const local = objects(t, { credentials: new Map([['cluster-1', { token: 'tok-123', caData: 'Q0FEQVRB' }]]) }).get(
      'cluster-0',
    )!;
    expect(local.filter((o) => o.kind === 'Secret').map((o) => o.metadata)).toEqual(
      ['team-a', 'team-b'].map((ns) => ({
        name: `argo.cluster-1-${ns}`,
        namespace: 'argo',
        labels: { ...MANAGED_LABELS, 'workflows.argoproj.io/cluster': `cluster-1-${ns}` },
        annotations: { 'workflows.argoproj.io/workflow-namespace': 'argo', 'workflows.argoproj.io/namespace': ns },
      })),
    );
    for (const ns of ['team-a', 'team-b']) {
      expect(decoded(find(local, 'Secret', `argo.cluster-1-${ns}`, 'argo'))).toEqual(
        kubeconfig('https://cluster-1.example.com:6443', 'Q0FEQVRB', 'tok-123'),
      );
    }
  });

  test('external: an ExternalSecret per namespace, with the same label and annotations', () => {
    const local = localObjects(perNamespace('external'));
    expect(
      local
        .filter((o) => o.kind === 'ExternalSecret')
        .map((o: any) => [o.metadata.name, o.spec.target.template.metadata.labels['workflows.argoproj.io/cluster']]),
    ).toEqual([
      ['argo.cluster-1-team-a', 'cluster-1-team-a'],
      ['argo.cluster-1-team-b', 'cluster-1-team-b'],
    ]);
  });

  test('profileTargets: the default remote has one, named after it', () => {
    expect(profileTargets(topology((r) => (r.remotes[0].namespaces = ['a', 'b'])).remotes[0])).toEqual([
      { cluster: 'cluster-1', namespace: '' },
    ]);
    expect(profileTargets(perNamespace('plain').remotes[0])).toEqual([
      { cluster: 'cluster-1-team-a', namespace: 'team-a' },
      { cluster: 'cluster-1-team-b', namespace: 'team-b' },
    ]);
  });
});

describe('secrets modes', () => {
  test('plain: an Opaque Secret argo.<remote> whose kubeconfig holds server, CA and token', () => {
    const t = topology((r) => (r.secrets.mode = 'plain'));
    const local = objects(t, { credentials: new Map([['cluster-1', { token: 'tok-123', caData: 'Q0FEQVRB' }]]) }).get(
      'cluster-0',
    )!;
    const secret = find(local, 'Secret', 'argo.cluster-1', 'argo');
    expect({ ...secret, data: Object.keys(secret.data) }).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: 'argo.cluster-1', namespace: 'argo', labels: PROFILE_LABELS, annotations: ANNOTATIONS },
      data: ['kubeconfig'],
    });
    expect(decoded(secret)).toEqual(kubeconfig('https://cluster-1.example.com:6443', 'Q0FEQVRB', 'tok-123'));
  });

  test('external: an ExternalSecret that renders the whole profile from the store key, no credential in it', () => {
    const t = topology((r) => (r.secrets = { store: { name: 'cluster-1-tokens' } }));
    expect(t.secrets.mode).toBe('external');
    const local = localObjects(t);
    expect(local.filter((o) => o.kind === 'Secret')).toEqual([]);
    const es = find(local, 'ExternalSecret', 'argo.cluster-1', 'argo');
    const { kubeconfig: template, ...data } = es.spec.target.template.data;
    expect({
      ...es,
      spec: { ...es.spec, target: { ...es.spec.target, template: { ...es.spec.target.template, data } } },
    }).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'argo.cluster-1', namespace: 'argo', labels: MANAGED_LABELS },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'cluster-1-tokens' },
        target: {
          name: 'argo.cluster-1',
          creationPolicy: 'Owner',
          template: {
            engineVersion: 'v2',
            type: 'Opaque',
            metadata: {
              labels: PROFILE_LABELS,
              annotations: ANNOTATIONS,
            },
            data: {},
          },
        },
        data: [
          { secretKey: 'token', remoteRef: { key: 'argo.cluster-0.service-account-token', property: 'token' } },
          { secretKey: 'ca', remoteRef: { key: 'argo.cluster-0.service-account-token', property: 'ca.crt' } },
        ],
      },
    });
    expect(parse(template)).toEqual(
      kubeconfig('https://cluster-1.example.com:6443', '{{ .ca | b64enc }}', '{{ .token }}'),
    );
  });

  test('external with a per-remote store and {remote} in a shared key', () => {
    const t = topology((r) => {
      r.remotes.push({ ...r.remotes[0], name: 'cluster-2', context: 'cluster-2', server: 'https://c2:6443' });
      r.remotes.push({
        ...r.remotes[0],
        name: 'cluster-3',
        context: 'cluster-3',
        server: 'https://c3:6443',
        secretStore: { name: 'own' },
      });
      r.secrets = { store: { name: 'vault', kind: 'SecretStore', key: 'argo/{remote}' } };
    });
    const stores = localObjects(t)
      .filter((o) => o.kind === 'ExternalSecret')
      .map((o: any) => [o.metadata.name, o.spec.secretStoreRef, o.spec.data.map((d: any) => d.remoteRef.key)]);
    expect(stores).toEqual([
      ['argo.cluster-1', { kind: 'SecretStore', name: 'vault' }, ['argo/cluster-1', 'argo/cluster-1']],
      ['argo.cluster-2', { kind: 'SecretStore', name: 'vault' }, ['argo/cluster-2', 'argo/cluster-2']],
      [
        'argo.cluster-3',
        { kind: 'ClusterSecretStore', name: 'own' },
        ['argo.cluster-0.service-account-token', 'argo.cluster-0.service-account-token'],
      ],
    ]);
  });
});

describe('Profile used on its own', () => {
  const local = { name: 'cluster-0' };
  const remote = { name: 'cluster-1', server: 'https://10.0.1.10:6443' };

  test('from credentials: the profile Secret with its label, annotations and kubeconfig, defaults as in a topology', () => {
    let profile: Profile | undefined;
    const [secret] = synthesized(
      (c) => (profile = new Profile(c, 'p', { local, remote, credentials: { token: 'T', caData: 'Q0E=' } })),
    );
    expect(secret).toEqual(profile!.manifest);
    expect(secret.metadata).toEqual({
      name: 'argo.cluster-1',
      namespace: 'argo',
      labels: PROFILE_LABELS,
      annotations: ANNOTATIONS,
    });
    expect(decoded(secret)).toEqual(kubeconfig('https://10.0.1.10:6443', 'Q0E=', 'T'));
  });

  test('from a store: the ExternalSecret', () => {
    const [es] = synthesized(
      (c) =>
        new Profile(c, 'p', {
          local: { name: 'cluster-0', namespace: 'wf' },
          remote,
          store: { name: 'vault', key: 'argo/{remote}' },
        }),
    );
    expect([es.kind, es.metadata, es.spec.secretStoreRef, es.spec.data]).toEqual([
      'ExternalSecret',
      { name: 'argo.cluster-1', namespace: 'wf' },
      { kind: 'ClusterSecretStore', name: 'vault' },
      [
        { secretKey: 'token', remoteRef: { key: 'argo/cluster-1', property: 'token' } },
        { secretKey: 'ca', remoteRef: { key: 'argo/cluster-1', property: 'ca.crt' } },
      ],
    ]);
  });

  // The kubeconfig then has no CA to template in, and the store may hold none.
  test('from a store, for a remote that skips TLS verification: the ExternalSecret reads the token only', () => {
    const [es] = synthesized(
      (c) =>
        new Profile(c, 'p', {
          local: { name: 'cluster-0', namespace: 'wf' },
          remote: { ...remote, insecureSkipTLSVerify: true },
          store: { name: 'vault', key: 'argo/{remote}' },
        }),
    );
    expect(es.spec.data).toEqual([{ secretKey: 'token', remoteRef: { key: 'argo/cluster-1', property: 'token' } }]);
  });

  test.each([
    ['Q0E=', undefined],
    ['Q0E', undefined],
    ['not base64', 'must be base64 (data.ca.crt of the token Secret as stored)'],
    ['!Q0E=', 'must be base64 (data.ca.crt of the token Secret as stored)'],
    ['Q0E=!', 'must be base64 (data.ca.crt of the token Secret as stored)'],
  ])('credentials.caData %j: %s', (caData, message) => {
    const props = { local, remote, credentials: { token: 'T', caData } };
    if (message === undefined) expect(synthesized((c) => new Profile(c, 'p', props))).toHaveLength(1);
    else expect(constructIssues(Profile, props)).toEqual([['credentials.caData', caData, message]]);
  });

  test('names each bad prop with its value and what is valid', () => {
    expect(
      constructIssues(Profile, {
        local: { name: 'Cluster 0' },
        remote: { name: 'cluster-1', server: 'http://x' },
        credentials: { token: '' },
      }),
    ).toEqual([
      [
        'local.name',
        'Cluster 0',
        'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric',
      ],
      ['remote.server', 'http://x', 'must use https:// (the token is a bearer credential)'],
      ['credentials.token', '', 'must not be empty'],
      ['credentials.caData', undefined, 'is required unless remote.insecureSkipTLSVerify is true'],
    ]);
  });

  test('needs exactly one of credentials and store', () => {
    const message = 'needs exactly one of credentials (a Secret) or store (an ExternalSecret)';
    expect(constructIssues(Profile, { local, remote })).toEqual([['', { local, remote }, message]]);
    const both = { local, remote, credentials: { token: 'T', caData: 'Q0E=' }, store: { name: 'vault' } };
    expect(constructIssues(Profile, both)).toEqual([['', both, message]]);
  });

  test('servedNamespace: one of the namespaces with profilePerNamespace, and only then', () => {
    const credentials = { token: 'T', caData: 'Q0E=' };
    const perNamespace = { ...remote, namespaces: ['team-a', 'team-b'], profilePerNamespace: true };
    expect(constructIssues(Profile, { local, remote: perNamespace, credentials, servedNamespace: 'team-c' })).toEqual([
      [
        'servedNamespace',
        'team-c',
        'must be one of remote.namespaces (team-a, team-b) with remote.profilePerNamespace',
      ],
    ]);
    expect(constructIssues(Profile, { local, remote: perNamespace, credentials })).toEqual([
      [
        'servedNamespace',
        undefined,
        'must be one of remote.namespaces (team-a, team-b) with remote.profilePerNamespace',
      ],
    ]);
    expect(constructIssues(Profile, { local, remote, credentials, servedNamespace: 'default' })).toEqual([
      [
        'servedNamespace',
        'default',
        'is only for a remote with profilePerNamespace: true (otherwise the one profile serves its namespaces)',
      ],
    ]);
    const written = synthesized(
      (c) => new Profile(c, 'p', { local, remote: perNamespace, credentials, servedNamespace: 'team-b' }),
    );
    expect(written.map((o) => [o.metadata.name, o.metadata.annotations])).toEqual([
      [
        'argo.cluster-1-team-b',
        { 'workflows.argoproj.io/workflow-namespace': 'argo', 'workflows.argoproj.io/namespace': 'team-b' },
      ],
    ]);
  });

  test('refuses a manifest where props are expected', () => {
    expect(
      constructIssues(Profile, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'argo.cluster-1' } }),
    ).toEqual([
      ['local', undefined, 'is required (object)'],
      ['remote', undefined, 'is required (object)'],
      ['apiVersion', 'v1', 'is not a prop of this construct'],
      ['kind', 'Secret', 'is not a prop of this construct'],
      ['metadata', { name: 'argo.cluster-1' }, 'is not a prop of this construct'],
    ]);
  });
});
