import { validateTopology } from '../../../../constructs';
import { REMOTE_DEFAULTS, topologyIssues } from '../../support/constructs';
import { exampleInput } from '../../support/helpers';

describe('topology defaults', () => {
  test('a minimal topology gets every documented default', () => {
    const t = validateTopology({
      local: { name: 'c0', controller: { image: 'ghcr.io/me/wc:v1', executorImage: 'ghcr.io/me/exec:v1' } },
      remotes: [{ name: 'c1', server: 'https://c1:6443' }],
    });
    expect(t.local).toEqual({
      name: 'c0',
      context: 'c0',
      namespace: 'argo',
      createNamespace: true,
      profileAdmissionPolicy: true,
      crds: { install: false, keep: true },
      controller: {
        image: 'ghcr.io/me/wc:v1',
        executorImage: 'ghcr.io/me/exec:v1',
        replicas: 1,
        namespaced: false,
        config: {},
      },
    });
    expect(t.remotes[0]).toEqual({
      name: 'c1',
      context: 'c1',
      server: 'https://c1:6443',
      ...REMOTE_DEFAULTS,
    });
    expect(t.secrets).toEqual({ mode: 'none', store: undefined });
  });
});

describe('field rules', () => {
  test.each(['yes', 'on', 'n', '123'])(
    'cluster name %s, which YAML would read as a boolean or number, is refused',
    (name) => {
      expect(topologyIssues((t) => (t.local.name = name))).toEqual([
        {
          path: 'local.name',
          value: name,
          message:
            'is read by YAML as a boolean or a number, and the controller parses `cluster: <name>` as YAML; choose a name with a letter that is not yes/no/on/off/y/n/true/false',
        },
      ]);
    },
  );

  test('an executor ServiceAccount must leave room for the "-executor" of its RoleBinding', () => {
    expect(topologyIssues((t) => (t.remotes[0].executorServiceAccount = 'a'.repeat(245)))).toEqual([
      {
        path: 'remotes[0].executorServiceAccount',
        value: 'a'.repeat(245),
        message: 'must be at most 244 characters (the executor RoleBinding adds "-executor")',
      },
    ]);
    expect(topologyIssues((t) => (t.remotes[0].executorServiceAccount = 'a'.repeat(244)))).toEqual([]);
  });

  test.each([
    ['artifactSecrets', 'Secret'],
    ['artifactConfigMaps', 'ConfigMap'],
  ])('%s must be %s names, each once', (field, kind) => {
    expect(topologyIssues((t) => (t.remotes[0][field] = ['Bad_Name']))).toEqual([
      { path: `remotes[0].${field}[0]`, value: 'Bad_Name', message: `must be a ${kind} name (DNS-1123 subdomain)` },
    ]);
    expect(topologyIssues((t) => (t.remotes[0][field] = ['a', 'a']))).toEqual([
      { path: `remotes[0].${field}`, value: ['a', 'a'], message: `must not list a ${kind} twice` },
    ]);
  });

  test('a released upstream controller image is refused with the reason; a digest is not', () => {
    expect(topologyIssues((t) => (t.local.controller.image = 'quay.io/argoproj/workflow-controller:v3.5.8'))).toEqual([
      {
        path: 'local.controller.image',
        value: 'quay.io/argoproj/workflow-controller:v3.5.8',
        message:
          'is a released upstream controller, which exits on the `cluster` ConfigMap key (multi-cluster never shipped in a release); use your own multi-cluster build (another repository, or pin it by @sha256: digest)',
      },
    ]);
    const digest = `quay.io/argoproj/workflow-controller:v3.5.8@sha256:${'0'.repeat(64)}`;
    expect(
      validateTopology({
        ...exampleInput(),
        local: { ...exampleInput().local, controller: { ...exampleInput().local.controller, image: digest } },
      }).local.controller.image,
    ).toBe(digest);
  });

  test('a secret store name over 253 characters', () => {
    const name = `${'a'.repeat(250)}.abcd`;
    expect(topologyIssues((t) => (t.secrets.store = { name }))).toEqual([
      { path: 'secrets.store.name', value: name, message: 'must be at most 253 characters' },
    ]);
  });
});
