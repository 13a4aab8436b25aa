import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MAX_SHOWN_ISSUES, TopologyError, validateTopology } from '../../../../constructs';
import { CLI, cli, exampleInput } from '../../support/helpers';
import { listTree } from '../../support/output-helpers';

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm test", which builds the CLI first`);
});

const work = mkdtempSync(join(tmpdir(), 'amc-input-'));
const out = join(work, 'out');
const example = stringify(exampleInput());

function bomb(levels: number): string {
  let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < levels; i++)
    text += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  return text;
}

// Each: a hostile or careless file, the field path its error must name, and a fragment of the reason.
const HOSTILE: [string, string | Buffer, string, RegExp][] = [
  ['an alias bomb', bomb(12), 'a5[0][5][2][5][2][4]', /expand to more than 200000 values through aliases/],
  [
    'an alias inside its own anchor',
    'local: &l\n  name: x\n  self: *l\n',
    'local.self',
    /refers to a value that contains it \(a cycle\)/,
  ],
  ['an alias that names no anchor', 'local: *nowhere\n', 'local', /is the alias \*nowhere, which names no anchor/],
  [
    'a duplicate key, nested',
    `${example}remotes:\n  - name: a\n`,
    'remotes',
    /is given twice \(line \d+, column 1 and line \d+, column 1\)/,
  ],
  [
    'a duplicate key in a list item',
    'local: {}\nremotes:\n  - name: a\n    name: b\n',
    'remotes[0].name',
    /is given twice/,
  ],
  [
    'bytes that are not UTF-8',
    Buffer.concat([Buffer.from('local:\n  name: '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]),
    '(file)',
    /is not UTF-8: byte 15 \(0xff, line 2, column 9\)/,
  ],
  [
    'a lone UTF-16 surrogate encoded in UTF-8',
    Buffer.concat([Buffer.from('local: '), Buffer.from([0xed, 0xa0, 0x80])]),
    '(file)',
    /is not UTF-8: byte 7/,
  ],
  [
    'two documents',
    `${example}---\n${example}`,
    '(yaml)',
    /holds 2 YAML documents \(the second starts at line \d+, column 1\); a topology file holds one/,
  ],
  [
    'a custom tag',
    `${example.replace('local:', 'local: !include other.yaml\nx:')}`,
    'local',
    /has the YAML tag "!include"/,
  ],
  ['a binary value', 'local: !!binary aGVsbG8=\n', 'local', /has the YAML tag "tag:yaml.org,2002:binary"/],
  ['a set', 'remotes: !!set {a, b}\n', 'remotes', /has the YAML tag "tag:yaml.org,2002:set"/],
  [
    'nesting deeper than any topology',
    `local: ${'['.repeat(100)}${']'.repeat(100)}\n`,
    `local${'[0]'.repeat(64)}`,
    /is nested deeper than 64 levels/,
  ],
  [
    'nesting that exhausts the parser',
    `local: ${'['.repeat(20000)}${']'.repeat(20000)}\n`,
    'local[0]',
    /is not valid YAML at line 1, column \d+: nested deeper than the YAML parser can follow/,
  ],
  [
    'a key that is a mapping',
    'local:\n  ? {a: 1}\n  : x\n',
    'local',
    /has a key at line 2, column 5 that is a list or mapping/,
  ],
  [
    'a __proto__ key',
    `${example.replace('local:', 'local:\n  __proto__: {polluted: 1}')}`,
    'local.__proto__',
    /is not a known field/,
  ],
  [
    'a syntax error inside a field',
    example.replace('namespaces:\n      - default', 'namespaces: [default'),
    'remotes[0]',
    /is not valid YAML at line \d+, column \d+/,
  ],
  ['an empty file', '', '(top level)', /has the wrong type: expected object/],
  ['a scalar', 'hello\n', '(top level)', /has the wrong type: expected object/],
  [
    'a number too big for any field',
    example.replace('replicas: 1', `replicas: 1${'0'.repeat(400)}`),
    'local.controller.replicas',
    /Infinity|expected number|too big/i,
  ],
];

/** An error line: a field path (names, [index], ["quoted key"]) or the top level, then the problem. */
const FIELD_LINE =
  /^ {2}(- (\(top level\)|\(file\)|\(yaml\)|(?:[A-Za-z_$<][\w$<>-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\]|\.[A-Za-z_$<][\w$<>-]*)+): .+|\.\.\. and \d+ more problem\(s\), not shown: fix these first)$/;

describe('every parse failure exits 2, naming a field path, and changes nothing', () => {
  let before: Record<string, string>;
  beforeAll(() => {
    expect(cli(['synth', '-o', out]).code).toBe(0);
    before = listTree(out);
  });

  test.each(HOSTILE)('%s', (name, content, path, reason) => {
    const file = join(work, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, content);
    for (const args of [
      ['validate', '-f', file],
      ['synth', '-f', file, '-o', out],
    ]) {
      const r = cli(args);
      expect([args[0], r.code, r.stdout]).toEqual([args[0], 2, '']);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe(`error: ${file} is invalid:`);
      // Every line names a field path (or says how many more there are).
      for (const line of lines.slice(1)) expect(line).toMatch(FIELD_LINE);
      const found = lines.find((l) => l.startsWith(`  - ${path}`));
      expect([r.stderr, found]).toEqual([r.stderr, expect.stringMatching(reason)]);
    }
    expect(listTree(out)).toEqual(before);
  });

  test(`thousands of problems: the first ${MAX_SHOWN_ISSUES} are shown, and how many more there are`, () => {
    const raw: any = exampleInput();
    raw.remotes = Array.from({ length: 3000 }, (_, i) => ({ name: `Bad_${i}`, server: 'ftp://x' }));
    const file = join(work, 'many.yaml');
    writeFileSync(file, stringify(raw));
    const r = cli(['validate', '-f', file]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + MAX_SHOWN_ISSUES + 1);
    expect(lines[1]).toMatch(/^ {2}- remotes\[0\]\.name: "Bad_0" must be a DNS-1123 label/);
    expect(lines.at(-1)).toBe(`  ... and ${6000 - MAX_SHOWN_ISSUES} more problem(s), not shown: fix these first`);
  });
});

function refused(patch: (t: any) => void): string[] {
  const raw: any = exampleInput();
  patch(raw);
  try {
    validateTopology(raw);
    return [];
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('server URLs are checked as client-go parses them', () => {
  const ACCEPTED = [
    'https://cluster-1.example.com:6443',
    'https://10.0.1.10',
    'https://[fd00::1]:6443',
    'https://rancher.example.com/k8s/clusters/c-m-1',
    'https://api.example.com.',
  ];
  const REFUSED: [string, RegExp][] = [
    ['https://cluster-1\n.example.com', /control character or a space at position 17/],
    ['https://cluster-1.example.com:6443\t', /control character or a space/],
    [' https://cluster-1', /control character or a space at position 0/],
    ['https://cluster 1', /control character or a space/],
    ['https://', /has no host/],
    ['https://:6443', /has no host/],
    ['https://h:0', /port "0"/],
    ['https://h:65536', /port "65536"/],
    ['https://h:', /port ""/],
    ['https://h:https', /port "https"/],
    ['https://ex{a}mple.com', /is not a DNS name/],
    ['https://[fd00::1', /is not a DNS name/],
    ['https://exämple.com', /not ASCII.*xn--/],
    ['https://h/a%zz', /bad %-escape/],
    ['https:\\\\h', /is not a URL/],
    ['https:h', /is not a URL/],
    ['//h:6443', /is not a URL/],
    ['http://h', /must use https/],
    ['https://admin@h', /must not carry credentials/],
    ['https://h/?watch=1', /must not carry credentials, a query or a fragment/],
    ['https://h#x', /must not carry credentials, a query or a fragment/],
  ];
  test.each(ACCEPTED)('accepted: %s', (server) => {
    expect(refused((t) => (t.remotes[0].server = server))).toEqual([]);
  });
  test.each(REFUSED)('refused: %j', (server, reason) => {
    expect(refused((t) => (t.remotes[0].server = server))).toEqual([
      expect.stringMatching(new RegExp(`^remotes\\[0\\]\\.server: .*${reason.source}`)),
    ]);
  });
});

describe("objects over the API server's limits are refused by validate", () => {
  test('the controller ConfigMap over 1 MiB of data, named by the key that makes it big', () => {
    const issues = refused(
      (t) =>
        (t.local.controller.config.links = [
          { name: 'x', scope: 'workflow', url: `https://logs/${'a'.repeat(1024 * 1024)}` },
        ]),
    );
    expect(issues).toEqual([
      expect.stringMatching(
        /^local\.controller\.config\.links: makes \d+ of the \d+ bytes of ConfigMap workflow-controller-configmap's data; the API server takes at most 1048576 bytes/,
      ),
    ]);
  });

  test('just under 1 MiB passes', () => {
    expect(
      refused(
        (t) =>
          (t.local.controller.config.links = [
            { name: 'x', scope: 'workflow', url: `https://logs/${'a'.repeat(1000 * 1000)}` },
          ]),
      ),
    ).toEqual([]);
  });

  test("a plain config value on several lines, which would break the controller's `key: value` lines", () => {
    expect(refused((t) => (t.local.controller.config.instanceID = 'a\nb'))).toEqual([
      expect.stringMatching(/^local\.controller\.config\.instanceID: spans lines/),
    ]);
  });

  test('a secret store name over 253 characters', () => {
    expect(refused((t) => (t.secrets.store = { name: `${'a'.repeat(250)}.abcd` }))).toEqual([
      expect.stringMatching(/^secrets\.store\.name: must be at most 253 characters/),
    ]);
  });
});
