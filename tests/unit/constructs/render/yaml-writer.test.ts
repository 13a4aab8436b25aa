import { parse } from 'yaml';
import { libraryYaml, objectYaml } from '../../../../constructs/render/yaml-writer';
import { example, objects, topology } from '../../support/helpers';
import { TOPOLOGY_VARIANTS, VARIANT_CREDENTIALS } from '../../support/constructs';

const library = libraryYaml;

describe('the YAML writer writes what the yaml library writes', () => {
  test('for every object of several topologies', () => {
    const variants = [
      example(),
      topology((r) => {
        r.local.controller.namespaced = true;
        r.remotes[0].namespaces = ['team-a', 'team-b'];
        r.remotes.push({
          name: 'cluster-2',
          server: 'https://10.0.0.2:6443',
          access: 'cluster',
          insecureSkipTLSVerify: true,
        });
        r.secrets = { store: { name: 's', key: 'k/{remote}' } };
        r.local.controller.config = {
          links: [{ name: 'a: b', url: 'https://x/${metadata.name}' }],
          workflowDefaults: { spec: { arguments: { parameters: [] } } },
        };
      }),
      ...TOPOLOGY_VARIANTS.map(([, t]) => t),
    ];
    const kinds = new Set<string>();
    for (const t of variants) {
      for (const list of objects(t, { credentials: VARIANT_CREDENTIALS }).values()) {
        for (const m of list) {
          expect(objectYaml(m as any)).toBe(library(m));
          kinds.add(m.kind);
        }
      }
    }
    // The topologies reach every kind the package writes, each with its own shapes.
    expect([...kinds].sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'CustomResourceDefinition',
      'Deployment',
      'ExternalSecret',
      'Namespace',
      'PodDisruptionBudget',
      'PriorityClass',
      'Role',
      'RoleBinding',
      'Secret',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ]);
  });

  const awkward = [
    '',
    ' lead',
    'trail ',
    'true',
    'false',
    'null',
    '~',
    'yes',
    '20',
    '1e3',
    '0x1F',
    '.inf',
    '- x',
    '? x',
    'a: b',
    'a #b',
    '#c',
    '{{ .token }}',
    '[x]',
    '*alias',
    '&anchor',
    '!tag',
    '|',
    '>',
    "it's",
    'say "hi"',
    '%x',
    '@x',
    '`x`',
    'multi\nline',
    'trailing\n',
    'ünï',
    'a\tb',
    '-',
    ':',
    'x:',
  ];

  test.each(awkward.map((s) => [JSON.stringify(s), s]))(
    'string %s, as a value, a key and a sequence item',
    (_label, s) => {
      const object = {
        apiVersion: 'v1',
        kind: 'X',
        metadata: { name: 'n', annotations: { [s || 'empty']: s } },
        data: { list: [s, { [s || 'e']: s, k: [s] }], empty: {}, none: [] },
      };
      expect(objectYaml(object)).toBe(library(object));
    },
  );

  // Every scalar class a YAML 1.1 reader (kubectl, the controller's yaml.v2, PyYAML) takes for something else: booleans,
  // nulls, ints of every base with "_" and signs, sexagesimal numbers, floats, infinities and NaN, timestamps, and the
  // value and merge keys; and what YAML 1.2 readers (Argo CD, kustomize) take for numbers.
  test.each([
    ...['yes', 'Yes', 'YES', 'on', 'ON', 'Off', 'OFF', 'y', 'Y', 'n', 'N', 'no', 'NO', 'true', 'False'],
    ...['null', 'Null', 'NULL', '~'],
    ...['1_000', '+12', '-0b101', '0x_1F', '0777', '1_', '190:20:30', '-1:20'],
    ...['1.5', '.5', '+.5', '1e3', '6.8523015e+5', '685.230_15e+03', '190:20:30.15'],
    ...['.inf', '.Inf', '+.INF', '-.inf', '.nan', '.NaN', '.NAN'],
    ...['2020-01-01', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5'],
    ...['=', '<<'],
    '0o14',
  ])('%s reads back as a string in YAML 1.1 and 1.2', (s) => {
    const text = objectYaml({ value: s, list: [s], [s]: 'as a key' });
    // Quoted as a value, in a list and as a key, and read back as the same strings by both versions.
    expect(text.split('\n')).toEqual(expect.arrayContaining([`value: "${s}"`, `  - "${s}"`, `"${s}": as a key`]));
    for (const version of ['1.1', '1.2'] as const)
      expect(parse(text, { version, merge: false })).toEqual({ value: s, list: [s], [s]: 'as a key' });
  });

  test('numbers, booleans, null, empty maps and nested structures', () => {
    const object = {
      a: 1,
      b: 1.5,
      c: -0,
      d: true,
      e: null,
      f: {},
      g: [],
      h: [{}, [], [1, [2]], { x: { y: [{ z: 1 }] } }],
      i: { j: { k: 'v' } },
    };
    expect(objectYaml(object)).toBe(library(object));
  });
});
