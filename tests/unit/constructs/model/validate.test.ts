import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  MAX_SHOWN_ISSUES,
  TopologyError,
  loadTopologyFile,
  parseTopologyYaml,
  unknownClusterIssues,
  validateTopology,
} from '../../../../constructs';
import { topologyIssues } from '../../support/constructs';
import { exampleInput, topology } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';

const DNS_LABEL = 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric';
const HTTPS = 'must use https:// (the token is a bearer credential)';

/** The message of the error `validateTopology` throws for the example with `patch` applied. */
function errorMessage(patch: (t: any) => void, source?: string): string {
  const raw: any = exampleInput();
  patch(raw);
  try {
    validateTopology(raw, source);
  } catch (e) {
    if (e instanceof TopologyError) return e.message;
    throw e;
  }
  throw new Error('the topology was accepted');
}

describe('every problem is reported in one run', () => {
  test('schema problems in several fields', () => {
    expect(
      topologyIssues((t) => {
        t.local.name = 'Cluster_0';
        t.remotes[0].server = 'http://x';
        t.remotes[0].access = 'admin';
      }),
    ).toEqual([
      { path: 'local.name', value: 'Cluster_0', message: DNS_LABEL },
      { path: 'remotes[0].server', value: 'http://x', message: HTTPS },
      { path: 'remotes[0].access', value: 'admin', message: 'Invalid option: expected one of "namespaced"|"cluster"' },
    ]);
  });

  test('rules that relate fields are reported with the schema problems', () => {
    expect(
      topologyIssues((t) => {
        t.remotes[0].server = 'http://x';
        t.remotes.push({ ...t.remotes[0], context: 'c2', server: 'https://ok', namespaces: ['a', 'a'] });
      }),
    ).toEqual([
      { path: 'remotes[0].server', value: 'http://x', message: HTTPS },
      {
        path: 'remotes[1].name',
        value: 'cluster-1',
        message: 'is already used by remotes[0].name; cluster names must be unique',
      },
      { path: 'remotes[1].namespaces[1]', value: 'a', message: 'is listed twice' },
    ]);
  });

  test('a field the schema refused is not reported again by a rule that relates it to others', () => {
    expect(
      topologyIssues((t) => {
        t.remotes[0].name = 'Bad_Name';
        t.remotes.push({ ...t.remotes[0], context: 'c2', server: 'https://c2' });
      }),
    ).toEqual([
      { path: 'remotes[0].name', value: 'Bad_Name', message: DNS_LABEL },
      { path: 'remotes[1].name', value: 'Bad_Name', message: DNS_LABEL },
    ]);
  });

  test('an unknown field lists the valid ones', () => {
    expect(topologyIssues((t) => (t.remotes[0].namespace = 'x'))).toEqual([
      {
        path: 'remotes[0].namespace',
        value: 'x',
        message:
          'is not a known field; valid fields here: name, context, server, namespaces, workflowNamespace, executorServiceAccount, executorImagePullSecrets, executorServiceAccountAnnotations, access, insecureSkipTLSVerify, createNamespaces, tokenGeneration, secretStore, artifactSecrets, artifactConfigMaps, manageSharedObjects, profilePerNamespace',
      },
    ]);
  });
});

describe('two remotes that are one cluster are refused: both would own its objects', () => {
  const ONE = 'two remotes that are one cluster would both own its objects; list it once, with all its namespaces';
  const SERVER = 'https://cluster-1.example.com:6443';
  // Each: the second remote's fields (the first is the example's: context cluster-1, server SERVER), the issues.
  test.each<[string, Record<string, unknown>, { path: string; value: unknown; message: string }[]]>([
    [
      'the same server',
      { server: SERVER },
      [{ path: 'remotes[1].server', value: SERVER, message: `names the API server of remotes[0] (${SERVER}): ${ONE}` }],
    ],
    [
      'the same server spelt otherwise',
      { server: 'HTTPS://Cluster-1.Example.com.:6443/' },
      [
        {
          path: 'remotes[1].server',
          value: 'HTTPS://Cluster-1.Example.com.:6443/',
          message: `names the API server of remotes[0] (${SERVER}): ${ONE}`,
        },
      ],
    ],
    ['the default port written out', { server: 'https://cluster-2.example.com:443' }, []],
    [
      'the same context',
      { context: 'cluster-1' },
      [
        {
          path: 'remotes[1].context',
          value: 'cluster-1',
          message: `is the kube context of remotes[0] too (its context, or its name when it has none): ${ONE}`,
        },
      ],
    ],
    [
      'a name that is the context of another, without a context of its own',
      { name: 'cluster-1x', context: undefined },
      [],
    ],
    ['another server and context', {}, []],
  ])('%s', (_what, fields, issues) => {
    expect(
      topologyIssues((t) => {
        t.remotes.push({ name: 'cluster-2', context: 'cluster-2', server: 'https://cluster-2.example.com', ...fields });
        if (fields.server === 'https://cluster-2.example.com:443')
          t.remotes.push({ name: 'cluster-3', server: 'https://cluster-2.example.com' });
      }),
    ).toEqual(
      fields.server === 'https://cluster-2.example.com:443'
        ? [
            {
              path: 'remotes[2].server',
              value: 'https://cluster-2.example.com',
              message: `names the API server of remotes[1] (https://cluster-2.example.com:443): ${ONE}`,
            },
          ]
        : issues,
    );
  });

  test('a remote named like the context of another (without a context of its own) is that cluster', () => {
    expect(
      topologyIssues((t) => {
        t.remotes[0].context = 'prod';
        t.remotes.push({ name: 'prod', server: 'https://cluster-2.example.com' });
      }),
    ).toEqual([
      {
        path: 'remotes[1].name',
        value: 'prod',
        message: `is the kube context of remotes[0] too (its context, or its name when it has none): ${ONE}`,
      },
    ]);
  });
});

describe('a request above its limit is refused, as the API server would', () => {
  test.each<[string, (t: any, r: unknown) => void, string]>([
    ['the controller', (t, r) => (t.local.controller.resources = r), 'local.controller.resources'],
    [
      'the executor',
      (t, r) => (t.local.controller.config = { executor: { resources: r } }),
      'local.controller.config.executor.resources',
    ],
    [
      'the main container',
      (t, r) => (t.local.controller.config = { mainContainer: { resources: r } }),
      'local.controller.config.mainContainer.resources',
    ],
  ])('of %s', (_what, set, path) => {
    const resources = {
      requests: { cpu: '1500m', memory: '1Gi', 'nvidia.com/gpu': 2 },
      limits: { cpu: 1, memory: '1024Mi', 'nvidia.com/gpu': '1' },
    };
    expect(topologyIssues((t) => set(t, resources))).toEqual([
      {
        path: `${path}.requests.cpu`,
        value: '1500m',
        message: 'is above limits.cpu (1); the API server refuses a request above its limit',
      },
      {
        path: `${path}.requests["nvidia.com/gpu"]`,
        value: 2,
        message: 'is above limits.nvidia.com/gpu ("1"); the API server refuses a request above its limit',
      },
    ]);
  });
});

describe('resource names and the resources that cannot be overcommitted, as the API server takes them', () => {
  const VALID =
    'valid: cpu, memory, ephemeral-storage, hugepages-<size> (hugepages-2Mi) or an extended resource <domain>/<name> (nvidia.com/gpu)';
  test.each<[string, Record<string, unknown>, [string, string][]]>([
    [
      'standard, huge pages and extended names with equal requests and limits',
      {
        requests: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi', 'hugepages-2Mi': '4Mi', 'nvidia.com/gpu': 1 },
        limits: { cpu: '2', 'hugepages-2Mi': '4Mi', 'nvidia.com/gpu': '1' },
      },
      [],
    ],
    [
      'a name that is no container resource, under requests and limits',
      { requests: { gpu: 1 }, limits: { 'CPU ': '1', 'hugepages-huge': '2Mi' } },
      [
        ['local.controller.resources.requests.gpu', `key is not a container resource; ${VALID}`],
        ['local.controller.resources.limits["CPU "]', `key is not a container resource; ${VALID}`],
        ['local.controller.resources.limits.hugepages-huge', `key is not a container resource; ${VALID}`],
      ],
    ],
    [
      'an extended name that is no qualified name',
      { limits: { 'example.com/-gpu': 1 } },
      [
        [
          'local.controller.resources.limits["example.com/-gpu"]',
          `key is not a qualified name: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric, with an optional "<dns-subdomain>/" prefix; ${VALID}`,
        ],
      ],
    ],
    [
      'huge pages and extended resources requested below their limit, or without one',
      { requests: { 'hugepages-1Gi': '1Gi', 'nvidia.com/gpu': 1, cpu: '1' }, limits: { 'hugepages-1Gi': '2Gi' } },
      [
        [
          'local.controller.resources.requests.hugepages-1Gi',
          'needs limits.hugepages-1Gi set to the same quantity (hugepages-1Gi cannot be overcommitted; the API server refuses a request without an equal limit)',
        ],
        [
          'local.controller.resources.requests["nvidia.com/gpu"]',
          'needs limits.nvidia.com/gpu set to the same quantity (nvidia.com/gpu cannot be overcommitted; the API server refuses a request without an equal limit)',
        ],
      ],
    ],
  ])('%s', (_what, resources, expected) => {
    expect(topologyIssues((t) => (t.local.controller.resources = resources)).map((i) => [i.path, i.message])).toEqual(
      expected,
    );
  });
});

describe("workflowDefaults' labels and annotations, which the controller writes onto every Workflow", () => {
  test.each<[string, Record<string, unknown>, [string, string][]]>([
    ['valid ones', { labels: { 'team.example.com/owner': 'data' }, annotations: { note: 'x'.repeat(1000) } }, []],
    [
      'a label value with a space and an annotation key with two slashes',
      { labels: { owner: 'data team' }, annotations: { 'a/b/c': 'x' } },
      [
        [
          'local.controller.config.workflowDefaults.metadata.labels.owner',
          'must be a label value: empty, or letters, digits, "-", "_" and ".", starting and ending alphanumeric',
        ],
        [
          'local.controller.config.workflowDefaults.metadata.annotations["a/b/c"]',
          'key is not a qualified name: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric, with an optional "<dns-subdomain>/" prefix',
        ],
      ],
    ],
    [
      "annotations above the API server's 256 KiB",
      { annotations: { big: 'x'.repeat(256 * 1024) } },
      [
        [
          'local.controller.config.workflowDefaults.metadata.annotations',
          'must be at most 262144 bytes (256 KiB), keys and values together, as the API server takes',
        ],
      ],
    ],
  ])('%s', (_what, metadata, expected) => {
    expect(
      topologyIssues((t) => (t.local.controller.config = { workflowDefaults: { metadata } })).map((i) => [
        i.path,
        i.message,
      ]),
    ).toEqual(expected);
  });
});

describe('Secret names the API server would refuse', () => {
  test.each<[string, string, string | undefined]>([
    ['artifactSecrets', 'a'.repeat(253), undefined],
    ['artifactSecrets', 'a'.repeat(254), 'must be at most 253 characters (a Secret name)'],
    ['artifactSecrets', 'S3', 'must be a Secret name (DNS-1123 subdomain)'],
    ['executorImagePullSecrets', 'a'.repeat(254), 'is too long; valid: at most 253 characters'],
  ])('%s %s', (field, name, message) => {
    const issues = topologyIssues((t) => {
      t.remotes[0].executorServiceAccount = 'wf';
      t.remotes[0][field] = field === 'artifactSecrets' ? [name] : [{ name }];
    });
    expect(issues.map((i) => [i.path, i.message])).toEqual(
      message ? [[`remotes[0].${field}[0]${field === 'artifactSecrets' ? '' : '.name'}`, message]] : [],
    );
  });
});

describe('the workflow pods never run as a controller identity', () => {
  const IDENTITY =
    'is a controller identity\'s ServiceAccount, which this package writes (argo.cluster-0 for this topology): workflow pods would act with the controller\'s rights; name a ServiceAccount of your own, or "default"';
  test.each<[string, string[]]>([
    ['argo.cluster-0', [IDENTITY]], // this topology's identity in the remote
    ['argo.other-local', [IDENTITY]], // another topology's, on a remote both share
    ['argo', []], // the local controller's own name is not a remote identity
    ['argo.a.b', []], // a cluster name has no dot: no identity is named so
    ['workflows', []],
  ])('executorServiceAccount %j', (name, messages) => {
    expect(topologyIssues((t) => (t.remotes[0].executorServiceAccount = name))).toEqual(
      messages.map((message) => ({ path: 'remotes[0].executorServiceAccount', value: name, message })),
    );
  });
});

describe('rules that relate fields', () => {
  test('executor image pull secrets are refused with the default ServiceAccount, which this package never takes over', () => {
    expect(topologyIssues((t) => (t.remotes[0].executorImagePullSecrets = [{ name: 'regcred' }]))).toEqual([
      {
        path: 'remotes[0].executorImagePullSecrets',
        value: [{ name: 'regcred' }],
        message:
          'needs an executorServiceAccount other than "default": the pull secrets go on a ServiceAccount this package creates, and it never takes over "default"',
      },
    ]);
  });

  test('executor image pull secrets are refused where this topology does not write the shared objects', () => {
    expect(
      topologyIssues((t) =>
        Object.assign(t.remotes[0], {
          executorServiceAccount: 'wf',
          executorImagePullSecrets: [{ name: 'r' }],
          manageSharedObjects: false,
        }),
      ),
    ).toEqual([
      {
        path: 'remotes[0].executorImagePullSecrets',
        value: [{ name: 'r' }],
        message:
          'has no effect with manageSharedObjects: false; set it in the topology that owns the shared objects of this remote',
      },
    ]);
  });

  test('artifact ConfigMaps are refused where this topology does not write the executor Role', () => {
    expect(
      topologyIssues((t) =>
        Object.assign(t.remotes[0], { artifactConfigMaps: ['krb5-conf'], manageSharedObjects: false }),
      ),
    ).toEqual([
      {
        path: 'remotes[0].artifactConfigMaps',
        value: ['krb5-conf'],
        message:
          'has no effect with manageSharedObjects: false; set it in the topology that owns the shared objects of this remote',
      },
    ]);
  });

  test('executor ServiceAccount annotations need a ServiceAccount this package writes, and the shared objects', () => {
    const annotations = { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/wf' };
    expect(topologyIssues((t) => (t.remotes[0].executorServiceAccountAnnotations = annotations))).toEqual([
      {
        path: 'remotes[0].executorServiceAccountAnnotations',
        value: annotations,
        message:
          'needs an executorServiceAccount other than "default": the annotations go on a ServiceAccount this package creates, and it never takes over "default"',
      },
    ]);
    expect(
      topologyIssues((t) =>
        Object.assign(t.remotes[0], { executorServiceAccount: 'wf', executorServiceAccountAnnotations: annotations }),
      ),
    ).toEqual([]);
    expect(
      topologyIssues((t) =>
        Object.assign(t.remotes[0], {
          executorServiceAccount: 'wf',
          executorServiceAccountAnnotations: annotations,
          manageSharedObjects: false,
        }),
      ),
    ).toEqual([
      {
        path: 'remotes[0].executorServiceAccountAnnotations',
        value: annotations,
        message:
          'has no effect with manageSharedObjects: false; set it in the topology that owns the shared objects of this remote',
      },
    ]);
  });

  test("artifact Secrets: not where this topology does not write the executor Role, never a controller identity's token", () => {
    expect(
      topologyIssues((t) => Object.assign(t.remotes[0], { artifactSecrets: ['s3-creds'], manageSharedObjects: false })),
    ).toEqual([
      {
        path: 'remotes[0].artifactSecrets',
        value: ['s3-creds'],
        message:
          'has no effect with manageSharedObjects: false; set it in the topology that owns the shared objects of this remote',
      },
    ]);
    const stolen = (local: string) =>
      `is a controller identity's token Secret, which this package writes (${local} and its generations): every workflow pod would get the controller's token; name an artifact repository Secret of your own`;
    expect(
      topologyIssues(
        (t) =>
          (t.remotes[0].artifactSecrets = [
            's3-creds',
            'argo.cluster-0.service-account-token.2',
            'argo.other.service-account-token',
          ]),
      ),
    ).toEqual([
      {
        path: 'remotes[0].artifactSecrets[1]',
        value: 'argo.cluster-0.service-account-token.2',
        message: stolen('argo.cluster-0.service-account-token'),
      },
      {
        path: 'remotes[0].artifactSecrets[2]',
        value: 'argo.other.service-account-token',
        message: stolen('argo.cluster-0.service-account-token'),
      },
    ]);
    // A local without a name still gets the rule, its own name shown as a placeholder.
    const issues = topologyIssues((t) => {
      delete t.local.name;
      t.remotes[0].artifactSecrets = ['argo.x.service-account-token'];
    });
    expect(issues.find((i) => i.path === 'remotes[0].artifactSecrets[0]')?.message).toBe(
      stolen('argo.<local>.service-account-token'),
    );
  });

  test("the workflow pods' ServiceAccount is never a controller identity, of this topology or another", () => {
    const identity = (local: string) =>
      `is a controller identity's ServiceAccount, which this package writes (${local} for this topology): workflow pods would act with the controller's rights; name a ServiceAccount of your own, or "default"`;
    for (const account of ['argo.cluster-0', 'argo.other'])
      expect(topologyIssues((t) => (t.remotes[0].executorServiceAccount = account))).toEqual([
        { path: 'remotes[0].executorServiceAccount', value: account, message: identity('argo.cluster-0') },
      ]);
    const issues = topologyIssues((t) => {
      delete t.local.name;
      t.remotes[0].executorServiceAccount = 'argo.x';
    });
    expect(issues.find((i) => i.path === 'remotes[0].executorServiceAccount')?.message).toBe(identity('argo.<local>'));
  });

  test('a namespace profile whose cluster name an earlier remote already has is refused, naming that remote', () => {
    expect(
      topologyIssues((t) => {
        t.remotes.unshift({ name: 'cluster-1-team-a', server: 'https://c2.example.com' });
        Object.assign(t.remotes[1], { namespaces: ['team-a'], profilePerNamespace: true });
      }),
    ).toEqual([
      {
        path: 'remotes[1].namespaces[0]',
        value: 'team-a',
        message:
          'makes the profile cluster name "cluster-1-team-a" (profilePerNamespace), already used by remotes[0].name',
      },
    ]);
  });

  test('profilePerNamespace: not with access: cluster; each <remote>-<namespace> a new cluster name of at most 63', () => {
    expect(
      topologyIssues((t) => {
        Object.assign(t.remotes[0], {
          namespaces: ['team-a', 'x'.repeat(60)],
          profilePerNamespace: true,
          access: 'cluster',
        });
        t.remotes.push({ name: 'cluster-1-team-a', server: 'https://c2.example.com' });
      }),
    ).toEqual([
      {
        path: 'remotes[0].profilePerNamespace',
        value: true,
        message:
          'cannot be combined with access: cluster, whose profile serves any namespace through a ClusterRole; choose one',
      },
      {
        path: 'remotes[0].namespaces[1]',
        value: 'x'.repeat(60),
        message: `makes the profile cluster name "cluster-1-${'x'.repeat(60)}" (profilePerNamespace), longer than 63 characters (it is a label value)`,
      },
      {
        path: 'remotes[1].name',
        value: 'cluster-1-team-a',
        message:
          'is already used by remotes[0].namespaces[0] (profile cluster cluster-1-team-a); cluster names must be unique',
      },
    ]);
  });

  test("an unknown key of the controller's config is explained as one, not as an unknown field", () => {
    const [issue] = topologyIssues((t) => (t.local.controller.config.parallelizm = 1));
    expect(issue.path).toBe('local.controller.config.parallelizm');
    expect(issue.message).toMatch(/^is not a controller config key .*; did you mean "parallelism"\? known keys: /);
  });

  test('a namespaced controller serves only its own namespace, or any ("")', () => {
    // A controller of the whole cluster serves any workflow namespace.
    expect(topologyIssues((t) => (t.remotes[0].workflowNamespace = 'other'))).toEqual([]);
    expect(
      topologyIssues((t) => {
        t.local.controller.namespaced = true;
        t.remotes[0].workflowNamespace = 'other';
      }),
    ).toEqual([
      {
        path: 'remotes[0].workflowNamespace',
        value: 'other',
        message: 'must be "argo" or "" with a namespaced controller (it manages only local.namespace)',
      },
    ]);
    expect(
      topologyIssues((t) => {
        t.local.controller.namespaced = true;
        t.remotes[0].workflowNamespace = '';
      }),
    ).toEqual([]);
  });

  test('the executor image is set in one place', () => {
    expect(topologyIssues((t) => (t.local.controller.config.executor = { image: 'x:1' }))).toEqual([
      {
        path: 'local.controller.config.executor.image',
        value: 'x:1',
        message: 'conflicts with local.controller.executorImage; set the executor image there only',
      },
    ]);
  });

  test('secrets.mode "external" needs a store for every remote, and a shared store key must name the remote', () => {
    expect(topologyIssues((t) => (t.secrets.mode = 'external'))).toEqual([
      {
        path: 'remotes[0].secretStore',
        value: undefined,
        message: 'is required with secrets.mode "external" (or set secrets.store for all remotes)',
      },
    ]);
    expect(
      topologyIssues((t) => {
        t.remotes.push({ ...t.remotes[0], name: 'cluster-2', context: 'cluster-2', server: 'https://c2' });
        t.secrets = { store: { name: 's', key: 'shared' } };
      }),
    ).toEqual([
      {
        path: 'secrets.store.key',
        value: 'shared',
        message: 'is shared by several remotes, so it must contain "{remote}" to tell their tokens apart',
      },
    ]);
    // One remote on the store, the other with a store of its own: nothing is shared.
    expect(topologyIssues((t) => (t.secrets = { store: { name: 's', key: 'one' } }))).toEqual([]);
    expect(
      topologyIssues((t) => {
        t.remotes.push({ ...t.remotes[0], name: 'cluster-2', context: 'cluster-2', server: 'https://c2' });
        t.remotes[1].secretStore = { name: 'own' };
        t.secrets = { store: { name: 's', key: 'one' } };
      }),
    ).toEqual([]);
  });

  test('secrets.mode defaults to "external" when every remote has a store, and to "none" otherwise', () => {
    const mode = (patch: (t: any) => void) => topology(patch).secrets.mode;
    expect([
      mode((t) => (t.secrets = {})),
      mode((t) => (t.secrets = { store: { name: 's' } })),
      mode((t) => {
        t.secrets = {};
        t.remotes[0].secretStore = { name: 'r' };
      }),
      mode((t) => {
        t.secrets = {};
        t.remotes[0].secretStore = { name: 'r' };
        t.remotes.push({
          ...t.remotes[0],
          name: 'cluster-2',
          context: 'cluster-2',
          server: 'https://c2',
          secretStore: undefined,
        });
      }),
      mode((t) => (t.secrets = { mode: 'none', store: { name: 's' } })),
    ]).toEqual(['none', 'external', 'external', 'none', 'none']);
  });
});

describe('the error message', () => {
  // Each: a value set at a path, and the line shown: never zod's bare "Invalid input", never null for .inf.
  test.each<[string, (t: any) => void, string]>([
    [
      '.inf replicas',
      (t) => (t.local.controller.replicas = Infinity),
      `local.controller.replicas: .inf is not a finite number (YAML's .inf and .nan are none); valid: an integer from 1 to 10`,
    ],
    [
      '.nan tokenGeneration',
      (t) => (t.remotes[0].tokenGeneration = NaN),
      `remotes[0].tokenGeneration: .nan is not a finite number (YAML's .inf and .nan are none); valid: an integer from 0 to 999999`,
    ],
    [
      '-.inf in a quantity (a union of a string and a number)',
      (t) => (t.local.controller.resources = { requests: { cpu: -Infinity } }),
      `local.controller.resources.requests.cpu: -.inf is not a finite number (YAML's .inf and .nan are none); valid: a string, or a finite number`,
    ],
    [
      '.inf where only a lower bound is set',
      (t) => (t.local.controller.revisionHistoryLimit = Infinity),
      `local.controller.revisionHistoryLimit: .inf is not a finite number (YAML's .inf and .nan are none); valid: an integer of at least 0`,
    ],
    [
      '.inf where any integer is valid (its safe range is no bound to show)',
      (t) =>
        (t.local.controller.tolerations = [
          { key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: Infinity },
        ]),
      `local.controller.tolerations[0].tolerationSeconds: .inf is not a finite number (YAML's .inf and .nan are none); valid: an integer`,
    ],
    [
      '.inf for a choice of words',
      (t) => (t.remotes[0].access = Infinity),
      `remotes[0].access: .inf is not a finite number (YAML's .inf and .nan are none); valid: "namespaced" or "cluster"`,
    ],
    [
      'a number above its range',
      (t) => (t.local.controller.replicas = 11),
      'local.controller.replicas: 11 is out of range; valid: an integer from 1 to 10',
    ],
    [
      'a number below a lower bound alone',
      (t) => (t.local.controller.config.parallelism = -1),
      'local.controller.config.parallelism: -1 is out of range; valid: an integer of at least 0',
    ],
    [
      'a fraction where an integer is expected',
      (t) => (t.local.controller.replicas = 1.5),
      'local.controller.replicas: 1.5 is not an integer; valid: an integer from 1 to 10',
    ],
    [
      'a negative number where an integer or a percentage is expected',
      (t) => (t.local.controller.pdb = { minAvailable: -1 }),
      'local.controller.pdb.minAvailable: -1 is out of range; valid: a number of at least 0',
    ],
    [
      'a fraction where an integer or a percentage is expected',
      (t) => (t.local.controller.pdb = { minAvailable: 1.5 }),
      'local.controller.pdb.minAvailable: 1.5 is not valid; valid: an integer, or a string',
    ],
    [
      'an empty list where one item is the least',
      (t) =>
        (t.local.controller.affinity = {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
        }),
      'local.controller.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: [] is too short; valid: at least 1 item',
    ],
    [
      'a text too long, with a message of its own',
      (t) => (t.remotes[0].executorServiceAccount = `${'workflows-'.repeat(24)}workflows`),
      `remotes[0].executorServiceAccount: ${JSON.stringify(`${'workflows-'.repeat(24)}workflows`).slice(0, 77)}... must be at most 244 characters (the executor RoleBinding adds "-executor")`,
    ],
    [
      'a list as a quantity',
      (t) => (t.local.controller.resources = { requests: { cpu: [1] } }),
      'local.controller.resources.requests.cpu: [1] is not valid; valid: a string, or a finite number',
    ],
    [
      'a number as workflowNamespace',
      (t) => (t.remotes[0].workflowNamespace = 5),
      'remotes[0].workflowNamespace: 5 must be "" (any local namespace) or a namespace name: a DNS-1123 label',
    ],
  ])('%s', (_what, patch, line) => {
    const message = errorMessage(patch);
    expect(message).toBe(`topology is invalid:\n  - ${line}`);
    expect(message).not.toContain('Invalid input');
  });

  test('lists each issue on its own line: the field path, the value found, and what is valid', () => {
    expect(errorMessage((t) => (t.remotes[0].name = 'cluster-0'), 'topo.yaml')).toBe(
      'topo.yaml is invalid:\n  - remotes[0].name: "cluster-0" is already used by local.name; cluster names must be unique',
    );
  });

  test('says "(missing)" for a missing field and "(top level)" for the whole file', () => {
    expect(errorMessage((t) => delete t.local.controller.image)).toBe(
      'topology is invalid:\n  - local.controller.image: (missing) is required (string)',
    );
    expect(() => validateTopology(null)).toThrow(
      new TopologyError([{ path: '', value: null, message: 'has the wrong type: expected object' }]),
    );
  });

  test('cuts a long value to 80 characters and shows none for a problem that is not about a value', () => {
    const long = `ftp://${'h'.repeat(100)}`;
    expect(errorMessage((t) => (t.remotes[0].server = long))).toBe(
      `topology is invalid:\n  - remotes[0].server: ${JSON.stringify(long).slice(0, 77)}... ${HTTPS}`,
    );
    expect(new TopologyError([{ path: '(yaml)', value: undefined, noValue: true, message: 'm' }], 'f').message).toBe(
      'f is invalid:\n  - (yaml): m',
    );
  });

  test(`thousands of problems: the first ${MAX_SHOWN_ISSUES} are shown, and how many more there are`, async () => {
    const raw: any = exampleInput();
    raw.remotes = Array.from({ length: 3000 }, (_, i) => ({ name: `Bad_${i}`, server: 'ftp://x' }));
    const file = join(mkdtempSync(join(tmpdir(), 'amc-validate-')), 'many.yaml');
    writeFileSync(file, stringify(raw));
    const shown = Array.from({ length: MAX_SHOWN_ISSUES / 2 }, (_, i) => [
      `  - remotes[${i}].name: "Bad_${i}" ${DNS_LABEL}`,
      `  - remotes[${i}].server: "ftp://x" ${HTTPS}`,
    ]).flat();
    expect(await runCli(['validate', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: [
        `error: ${file} is invalid:`,
        ...shown,
        `  ... and ${6000 - MAX_SHOWN_ISSUES} more problem(s), not shown: fix these first`,
        '',
      ].join('\n'),
    });
  });

  test(`exactly ${MAX_SHOWN_ISSUES} problems are all shown, with no count of more; the error is a TopologyError by name`, () => {
    const issues = Array.from({ length: MAX_SHOWN_ISSUES }, (_, i) => ({ path: `p${i}`, value: i, message: 'm' }));
    const error = new TopologyError(issues);
    expect(error.message.split('\n')).toEqual(['topology is invalid:', ...issues.map((_, i) => `  - p${i}: ${i} m`)]);
    expect(error.name).toBe('TopologyError');
  });

  test('a value problem of the whole file says "(top level)"; a value of exactly 80 characters is shown whole', () => {
    expect(() => validateTopology(null)).toThrow('topology is invalid:\n  - (top level): null has the wrong type');
    const eighty = 'v'.repeat(78);
    expect(new TopologyError([{ path: 'a.b', value: eighty, message: 'm' }]).message).toBe(
      `topology is invalid:\n  - a.b: ${JSON.stringify(eighty)} m`,
    );
  });
});

describe('topology files', () => {
  test('an unreadable file is an input error naming the file', () => {
    const file = join(tmpdir(), 'amc-no-such-dir', 'topology.yaml');
    expect(() => loadTopologyFile(file)).toThrow(
      new TopologyError(
        [{ path: '(file)', value: file, message: `cannot be read: ENOENT: no such file or directory, open '${file}'` }],
        file,
      ),
    );
  });

  test('a device that never ends is read as far as the limit, and named as a topology file', () => {
    expect(() => loadTopologyFile('/dev/zero')).toThrow(
      '/dev/zero is invalid:\n  - (file): "/dev/zero" is larger than 16 MiB (16777216 bytes), the most read from a topology file',
    );
  });

  test('a file that is not UTF-8 is named by the byte, not by its content', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'amc-validate-')), 'latin1.yaml');
    writeFileSync(file, Buffer.from('local: caf\xe9\n', 'latin1'));
    expect(() => loadTopologyFile(file)).toThrow(
      `${file} is invalid:\n  - (file): is not UTF-8: byte 10 (0xe9, line 1, column 11) is not part of a UTF-8 character; save the file as UTF-8`,
    );
  });

  test('YAML text: a syntax error is reported as one, from "topology" unless a source is named', () => {
    expect(() => parseTopologyYaml('local: [')).toThrow(
      /^topology is invalid:\n {2}- \(yaml\): is not valid YAML at line 1/,
    );
    expect(() => parseTopologyYaml('local: [', 'x.yaml')).toThrow(/^x\.yaml is invalid:\n/);
  });
});

describe('a name where a cluster of the topology is expected', () => {
  test('is no issue when it is one of the names given as valid', () => {
    expect(unknownClusterIssues('connections.cluster-1', 'cluster-1', ['cluster-0', 'cluster-1'], 'cluster')).toEqual(
      [],
    );
  });

  test('is named with its path, and every valid name is listed', () => {
    expect(unknownClusterIssues('part.remote', 'cluster-0', ['cluster-1', 'cluster-2'], 'remote')).toEqual([
      {
        path: 'part.remote',
        value: 'cluster-0',
        message: 'is not a remote of the topology; valid: cluster-1, cluster-2',
      },
    ]);
    expect(unknownClusterIssues('contexts.c9', 'c9', ['cluster-0', 'cluster-1'], 'cluster')).toEqual([
      { path: 'contexts.c9', value: 'c9', message: 'is not a cluster of the topology; valid: cluster-0, cluster-1' },
    ]);
  });
});
