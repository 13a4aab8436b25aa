import { PROCESS_BUDGET_MS } from '../../support/budgets';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TopologyError, parseTopologyYaml } from '../../../../constructs';
import { CLI, cli, exampleInput } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { listTree } from '../../support/output-helpers';

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

const TAG_REFUSED = 'which a topology does not use; write a plain value without a tag';

// Each: a hostile or careless file, and the problems listed under the first line of its error (`  - <path>: <why>`).
const HOSTILE: [string, string | Buffer, string[]][] = [
  [
    'an alias bomb',
    bomb(12),
    [
      'a5[0][5][2][5][2][4]: makes the file expand to more than 200000 values through aliases (*name); a topology needs far fewer',
    ],
  ],
  [
    'an alias inside its own anchor',
    'local: &l\n  name: x\n  self: *l\n',
    ['local.self: is the alias *l, which refers to a value that contains it (a cycle)'],
  ],
  [
    'an alias that names no anchor',
    'local: *nowhere\n',
    ['local: is the alias *nowhere, which names no anchor (&nowhere) before it'],
  ],
  [
    'a duplicate key, nested',
    `${example}remotes:\n  - name: a\n`,
    ['remotes: is given twice (line 16, column 1 and line 27, column 1); give each key once'],
  ],
  [
    'a duplicate key in a list item',
    'local: {}\nremotes:\n  - name: a\n    name: b\n',
    ['remotes[0].name: is given twice (line 3, column 5 and line 4, column 5); give each key once'],
  ],
  [
    'bytes that are not UTF-8',
    Buffer.concat([Buffer.from('local:\n  name: '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]),
    ['(file): is not UTF-8: byte 15 (0xff, line 2, column 9) is not part of a UTF-8 character; save the file as UTF-8'],
  ],
  [
    'a lone UTF-16 surrogate encoded in UTF-8',
    Buffer.concat([Buffer.from('local: '), Buffer.from([0xed, 0xa0, 0x80])]),
    ['(file): is not UTF-8: byte 7 (0xed, line 1, column 8) is not part of a UTF-8 character; save the file as UTF-8'],
  ],
  [
    'two documents',
    `${example}---\n${example}`,
    ['(yaml): holds 2 YAML documents (the second starts at line 27, column 1); a topology file holds one'],
  ],
  [
    'a custom tag',
    `${example.replace('local:', 'local: !include other.yaml\nx:')}`,
    [`local: has the YAML tag "!include", ${TAG_REFUSED}`],
  ],
  [
    'a binary value',
    'local: !!binary aGVsbG8=\n',
    [`local: has the YAML tag "tag:yaml.org,2002:binary", ${TAG_REFUSED}`],
  ],
  ['a set', 'remotes: !!set {a, b}\n', [`remotes: has the YAML tag "tag:yaml.org,2002:set", ${TAG_REFUSED}`]],
  [
    'nesting deeper than any topology',
    `local: ${'['.repeat(100)}${']'.repeat(100)}\n`,
    [`local${'[0]'.repeat(64)}: is nested deeper than 64 levels`],
  ],
  [
    'a key that is a mapping',
    'local:\n  ? {a: 1}\n  : x\n',
    ['local: has a key at line 2, column 5 that is a list or mapping; keys are plain names'],
  ],
  [
    'a __proto__ key',
    `${example.replace('local:', 'local:\n  __proto__: {polluted: 1}')}`,
    [
      'local.__proto__: {"polluted":1} is not a known field; valid fields here: name, context, namespace, createNamespace, profileAdmissionPolicy, crds, controller',
    ],
  ],
  [
    'a syntax error inside a field',
    example.replace('namespaces:\n      - default', 'namespaces: [default'),
    [
      '(yaml): is not valid YAML at line 21, column 5: Flow sequence in block collection must be sufficiently indented and end with a ] (the first problem; fix it and run again)',
    ],
  ],
  // Indentation mistakes: the parser's first problem, at its line and column, and nothing it guessed after it.
  [
    'a key indented one space too far',
    example.replace('\n    executorImage:', '\n     executorImage:'),
    [
      '(yaml): is not valid YAML at line 6, column 12: Nested mappings are not allowed in compact mappings (the first problem; fix it and run again)',
    ],
  ],
  [
    'a block indented one space too far',
    example.replace('\n  controller:', '\n   controller:'),
    [
      '(yaml): is not valid YAML at line 4, column 14: Nested mappings are not allowed in compact mappings (the first problem; fix it and run again)',
    ],
  ],
  [
    'a list item key indented one space too few',
    example.replace('  - name: cluster-1\n', '  - name: cluster-1\n   oops: 1\n'),
    [
      '(yaml): is not valid YAML at line 18, column 1: Sequence item without - indicator (the first problem; fix it and run again)',
    ],
  ],
  [
    'a list item key indented as the list',
    example.replace('\n    server:', '\n  server:'),
    [
      '(yaml): is not valid YAML at line 19, column 1: All mapping items must start at the same column (the first problem; fix it and run again)',
    ],
  ],
  ['an empty file', '', ['(top level): null has the wrong type: expected object']],
  ['a scalar', 'hello\n', ['(top level): "hello" has the wrong type: expected object']],
  [
    'a number too big for any field',
    example.replace('replicas: 1', `replicas: 1${'0'.repeat(400)}`),
    [
      "local.controller.replicas: .inf is not a finite number (YAML's .inf and .nan are none); valid: an integer from 1 to 10",
    ],
  ],
];

describe('every parse failure exits 2, naming a field path, and changes nothing', () => {
  let before: Record<string, string>;
  beforeAll(async () => {
    expect((await runCli(['synth', '--example', '-o', out])).code).toBe(0);
    before = listTree(out);
  });

  test.each(HOSTILE)('%s', async (name, content, problems) => {
    const file = join(work, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, content);
    const stderr = [`error: ${file} is invalid:`, ...problems.map((p) => `  - ${p}`), ''].join('\n');
    for (const args of [
      ['validate', '-f', file],
      ['synth', '-f', file, '-o', out],
    ]) {
      expect([args[0], await runCli(args)]).toEqual([args[0], { code: 2, stdout: '', stderr }]);
    }
    expect(listTree(out)).toEqual(before);
  });

  // The one case run as a process: where the YAML parser runs out of stack depends on how much stack is left to it.
  // In a test worker that varies from run to run (with the callers' frames and with what V8 has optimised): the file is
  // reported once, twice, or V8 aborts. The built CLI starts from its own stack, as users run it.
  test(
    'nesting that exhausts the parser, in the built CLI',
    () => {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm test", which builds the CLI first`);
      const file = join(work, 'nesting-that-exhausts-the-parser.yaml');
      writeFileSync(file, `local: ${'['.repeat(20000)}${']'.repeat(20000)}\n`);
      const header = `error: ${file} is invalid:\n`;
      for (const args of [
        ['validate', '-f', file],
        ['synth', '-f', file, '-o', out],
      ]) {
        const r = cli(args);
        expect([args[0], r.code, r.stdout, r.stderr.slice(0, header.length), r.stderr.slice(header.length)]).toEqual([
          args[0],
          2,
          '',
          header,
          // One problem, at its line: the column where the stack ran out varies from run to run. The path stops at
          // the depth no topology reaches.
          `  - local${'[0]'.repeat(63)}: is not valid YAML at line 1: nested deeper than the YAML parser can follow\n`,
        ]);
      }
      expect(listTree(out)).toEqual(before);
    },
    PROCESS_BUDGET_MS,
  );
});

describe('YAML syntax errors and duplicate keys are input errors too', () => {
  test.each([
    [
      'local: [',
      'is not valid YAML at line 1, column 9: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    ['local: {}\nlocal: {}\n', 'is given twice (line 1, column 1 and line 2, column 1); give each key once'],
  ])('%j', (text, message) => {
    expect(() => parseTopologyYaml(text)).toThrow(TopologyError);
    // Given an error object, toThrow compares the whole message.
    expect(() => parseTopologyYaml(text)).toThrow(
      new TopologyError([
        { path: message.startsWith('is not valid') ? '(yaml)' : 'local', value: undefined, noValue: true, message },
      ]),
    );
  });
});
