import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { exampleTopologyPath } from '../../../constructs/model/example';
import { ROOT, exampleInput } from '../support/helpers';

// The generator reads the compiled schema from lib/ (npm test builds first) and the TSDoc from the source.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain Node.js script, loaded as npm runs it
const { topologyJsonSchema, SCHEMA_FILE } = require('../../../tools/topology-schema.js');

const schema = JSON.parse(readFileSync(join(ROOT, 'topology.schema.json'), 'utf8'));
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

describe('topology.schema.json', () => {
  test('is what the zod schema and the documented interfaces generate (run "npm run schema" after changing either)', () => {
    expect(SCHEMA_FILE).toBe(join(ROOT, 'topology.schema.json'));
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(topologyJsonSchema());
  });

  test('is named by the example, by a path that reaches it in the repository and in the package', () => {
    const first = readFileSync(exampleTopologyPath(), 'utf8').split('\n')[0];
    const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(match).not.toBeNull();
    expect(resolve(dirname(exampleTopologyPath()), match![1])).toBe(SCHEMA_FILE);
  });

  test('is shipped in the package and exported', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('topology.schema.json');
    expect(pkg.exports['./topology.schema.json']).toBe('./topology.schema.json');
  });

  test('accepts the example', () => {
    expect(validate(parse(readFileSync(exampleTopologyPath(), 'utf8')))).toBe(true);
  });

  test('carries the documentation of every field, the new pod settings included', () => {
    const controller = schema.properties.local.properties.controller.properties;
    for (const field of [
      'imagePullSecrets',
      'nodeSelector',
      'tolerations',
      'affinity',
      'podAnnotations',
      'podLabels',
      'extraArgs',
      'extraEnv',
      'logging',
    ]) {
      expect(controller[field]?.description).toEqual(expect.any(String));
    }
    const remote = schema.properties.remotes.items.properties;
    for (const field of ['executorImagePullSecrets', 'manageSharedObjects', 'server', 'namespaces'])
      expect(remote[field]?.description).toEqual(expect.any(String));
    expect(controller.logging.properties.level).toMatchObject({
      enum: ['debug', 'info', 'warn', 'error'],
      description: expect.stringMatching(/--loglevel/),
    });
  });

  test('every topology field is in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const fields = (node: any): string[] =>
      Object.entries(node?.properties ?? {}).flatMap(([name, child]: [string, any]) => [
        name,
        ...(name === 'config' ? [] : fields(child.type === 'array' ? child.items : child)),
      ]);
    const missing = [...new Set(fields(schema))].filter((name) => !new RegExp(`\\b${name}\\b`).test(readme));
    expect(missing).toEqual([]);
  });

  test.each([
    ['an unknown field', (t: any) => (t.local.controller.imagePullSecret = [{ name: 'x' }]), 'additionalProperties'],
    ['a bad enum', (t: any) => (t.local.controller.logging = { level: 'loud' }), 'enum'],
    ['a missing required field', (t: any) => delete t.remotes[0].server, 'required'],
    ['a cluster name that is not a DNS label', (t: any) => (t.local.name = 'Cluster_0'), 'pattern'],
  ])('refuses %s, as the validator does', (_, patch, keyword) => {
    const raw: any = exampleInput();
    patch(raw);
    expect(validate(raw)).toBe(false);
    expect(validate.errors!.map((e) => e.keyword)).toContain(keyword);
  });
});
