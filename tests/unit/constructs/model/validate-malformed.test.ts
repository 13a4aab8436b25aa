import type { TopologyIssue } from '../../../../constructs/model/validate';
import { topologyIssues } from '../../support/constructs';
import { topology } from '../../support/helpers';

/**
 * The rules that relate fields run on the raw input when the schema refused it, so that one run reports every
 * problem: on a topology broken in any way they must report what the schema said and nothing else, never fail on a
 * field that is missing or of the wrong type.
 */

const HTTPS = 'must use https:// (the token is a bearer credential)';
const insecureServer = (t: any) => (t.remotes[0].server = 'http://x');
const serverIssue: TopologyIssue = { path: 'remotes[0].server', value: 'http://x', message: HTTPS };

describe('a topology the schema refused is reported as the schema saw it', () => {
  test.each<[string, (t: any) => void, TopologyIssue[]]>([
    ['a remote that is null', (t) => (t.remotes = [null]), [wrongType('remotes[0]', null, 'object')]],
    [
      // The secrets mode follows from the remotes' stores: a remote that is no object has none to read.
      'a remote that is null, and no secrets mode',
      (t) => {
        t.remotes = [null];
        delete t.secrets.mode;
      },
      [wrongType('remotes[0]', null, 'object')],
    ],
    ['a server that is a number', (t) => (t.remotes[0].server = 5), [wrongType('remotes[0].server', 5, 'string')]],
    [
      'no controller',
      (t) => delete t.local.controller,
      [{ path: 'local.controller', value: undefined, message: 'is required (object)' }],
    ],
    [
      'a controller without config, and an insecure server',
      (t) => {
        delete t.local.controller.config;
        insecureServer(t);
      },
      [serverIssue],
    ],
    [
      'no secrets block, and an insecure server',
      (t) => {
        delete t.secrets;
        insecureServer(t);
      },
      [serverIssue],
    ],
    [
      'profilePerNamespace without namespaces, and an insecure server',
      (t) => {
        t.remotes[0].profilePerNamespace = true;
        delete t.remotes[0].namespaces;
        insecureServer(t);
      },
      [serverIssue],
    ],
    [
      'a local namespace that is a number, with a namespaced controller',
      (t) => {
        t.local.namespace = 5;
        t.local.controller.namespaced = true;
      },
      [wrongType('local.namespace', 5, 'string')],
    ],
    [
      // Its profile cluster name ("<name>-<namespace>") would be too long if the list were read as text.
      'a long remote name given as a list, with profilePerNamespace',
      (t) => {
        t.remotes[0].name = ['x'.repeat(60)];
        t.remotes[0].profilePerNamespace = true;
      },
      [wrongType('remotes[0].name', ['x'.repeat(60)], 'string')],
    ],
    [
      // Two remotes share it, with no key to check for "{remote}".
      'a shared store without a key, in secrets.mode "external", and an insecure server',
      (t) => {
        t.remotes.push({ name: 'cluster-2', server: 'https://c2.example.com' });
        t.secrets = { mode: 'external', store: { name: 'vault' } };
        insecureServer(t);
      },
      [serverIssue],
    ],
    [
      // Read as a map, the list's "0" would be checked against limits."0".
      'requests written as a list',
      (t) => (t.local.controller.resources = { requests: ['100m'], limits: { '0': '50m' } }),
      [
        wrongType('local.controller.resources.requests', ['100m'], 'record'),
        {
          path: 'local.controller.resources.limits["0"]',
          value: '50m',
          message: expect.stringMatching(/^key is not a container resource; valid: cpu, /),
        },
      ],
    ],
  ])('%s', (_what, patch, issues) => {
    expect(topologyIssues(patch)).toEqual(issues);
  });
});

describe('the rules that relate fields, at their edges', () => {
  test('two remotes of one name, without contexts: reported once, as the name', () => {
    expect(
      topologyIssues((t) => {
        delete t.remotes[0].context;
        t.remotes.push({ ...t.remotes[0], server: 'https://other.example.com' });
      }),
    ).toEqual([
      {
        path: 'remotes[1].name',
        value: 'cluster-1',
        message: 'is already used by remotes[0].name; cluster names must be unique',
      },
    ]);
  });

  test('two remotes of one kube context are reported whatever was found before them', () => {
    expect(
      topologyIssues((t) => {
        t.remotes[0].namespaces = ['a', 'a'];
        t.remotes.push({ name: 'cluster-2', context: 'cluster-1', server: 'https://c2.example.com' });
      }),
    ).toEqual([
      { path: 'remotes[0].namespaces[1]', value: 'a', message: 'is listed twice' },
      {
        path: 'remotes[1].context',
        value: 'cluster-1',
        message:
          'is the kube context of remotes[0] too (its context, or its name when it has none): two remotes that are one cluster would both own its objects; list it once, with all its namespaces',
      },
    ]);
  });

  // Read raw (another field is refused), a missing executorServiceAccount is the default one all the same.
  test('image pull secrets and ServiceAccount annotations need an executorServiceAccount: when none is given too', () => {
    const needs = (what: string) =>
      `needs an executorServiceAccount other than "default": the ${what} go on a ServiceAccount this package creates, and it never takes over "default"`;
    expect(
      topologyIssues((t) => {
        delete t.remotes[0].executorServiceAccount;
        t.remotes[0].executorImagePullSecrets = [{ name: 'regcred' }];
        t.remotes[0].executorServiceAccountAnnotations = { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/r' };
        insecureServer(t);
      }),
    ).toEqual([
      serverIssue,
      { path: 'remotes[0].executorImagePullSecrets', value: [{ name: 'regcred' }], message: needs('pull secrets') },
      {
        path: 'remotes[0].executorServiceAccountAnnotations',
        value: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/r' },
        message: needs('annotations'),
      },
    ]);
  });

  test('empty annotations and lists are no setting: accepted where the shared objects belong to another topology', () => {
    expect(
      topologyIssues((t) =>
        Object.assign(t.remotes[0], {
          executorServiceAccount: 'workflows',
          executorServiceAccountAnnotations: {},
          executorImagePullSecrets: [],
          artifactConfigMaps: [],
          manageSharedObjects: false,
        }),
      ),
    ).toEqual([]);
  });

  test('profilePerNamespace with a namespace listed twice: reported once, as listed twice', () => {
    expect(
      topologyIssues((t) => Object.assign(t.remotes[0], { namespaces: ['a', 'a'], profilePerNamespace: true })),
    ).toEqual([{ path: 'remotes[0].namespaces[1]', value: 'a', message: 'is listed twice' }]);
  });

  test('a profile cluster name of exactly 63 characters is accepted', () => {
    const namespace = 'n'.repeat(63 - 'cluster-1-'.length);
    expect(
      topologyIssues((t) => Object.assign(t.remotes[0], { namespaces: [namespace], profilePerNamespace: true })),
    ).toEqual([]);
  });

  test('a namespaced controller in a namespace of its own serves workflows of that namespace', () => {
    expect(
      topologyIssues((t) => {
        t.local.namespace = 'workflows';
        t.local.controller.namespaced = true;
        t.remotes[0].workflowNamespace = 'workflows';
      }),
    ).toEqual([]);
  });

  test('a request at or below its limit is accepted; one that cannot be overcommitted, at its limit', () => {
    expect(
      topologyIssues(
        (t) =>
          (t.local.controller.resources = {
            requests: { cpu: '100m', memory: '128Mi', 'nvidia.com/gpu': 1 },
            limits: { cpu: '200m', memory: '128Mi', 'nvidia.com/gpu': '1' },
          }),
      ),
    ).toEqual([]);
  });

  test("the controller config's rules are part of the topology's", () => {
    expect(topologyIssues((t) => (t.local.controller.config.namespace = 'other'))).toEqual([
      {
        path: 'local.controller.config.namespace',
        value: 'other',
        message:
          'is where a cluster-wide controller watches workflows and profiles, and the profiles are written to local.namespace, so it would never see them; set it to "argo" or remove it',
      },
    ]);
  });

  test('the profile admission policy is on by default for a cluster-wide controller, off for a namespaced one', () => {
    expect([
      topology(() => undefined).local.profileAdmissionPolicy,
      topology((t) => (t.local.controller.namespaced = true)).local.profileAdmissionPolicy,
      topology((t) => (t.local.profileAdmissionPolicy = false)).local.profileAdmissionPolicy,
    ]).toEqual([true, false, false]);
  });
});

function wrongType(path: string, value: unknown, expected: string): TopologyIssue {
  return { path, value, message: `has the wrong type: expected ${expected}` };
}
