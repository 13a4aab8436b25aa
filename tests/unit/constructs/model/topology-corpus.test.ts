import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TopologyError, buildCharts, gitopsAppFiles, gitopsTree, validateTopology } from '../../../../constructs';
import { topologySchema } from '../../../../constructs/model/topology';
import { ROOT, exampleInput } from '../../support/helpers';

/**
 * A generated corpus of topologies, each the example (or a richer base) with a few fields replaced by values chosen
 * from pools of awkward ones, checks three promises at once:
 * - `topology.schema.json` and `validate` agree both ways on what the schema can express;
 * - what `validate` accepts, `synth` writes (no object or file clash, no construct refusing its props);
 * - neither ever throws anything but a TopologyError.
 *
 * Seeds are fixed so a failure reproduces; `CORPUS_SEEDS=7,8,9` (or `CORPUS_SEEDS=100` for seeds 1 to 100) runs others.
 */
const SEEDS = seedsFromEnvironment() ?? [1, 2, 3, 4, 5, 6];
const CASES_PER_SEED = 100;
// Thousands of validations and syntheses: a budget for a busy machine, not a speed requirement.
const BUDGET_MS = 300_000;

function seedsFromEnvironment(): number[] | undefined {
  const given = process.env.CORPUS_SEEDS;
  if (!given) return undefined;
  const list = given.split(',').map(Number);
  if (list.some((n) => !Number.isSafeInteger(n) || n < 1))
    throw new Error(`CORPUS_SEEDS=${given}: give positive integers, comma-separated`);
  return list.length === 1 ? Array.from({ length: list[0] }, (_, i) => i + 1) : list;
}

/** mulberry32: a small PRNG whose sequence is fixed by its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const long = (n: number) => 'a'.repeat(n);
const STRINGS = [
  '',
  ' ',
  'a',
  'A',
  'a_b',
  'a.b',
  'a-',
  '-a',
  'yes',
  '123',
  'cluster-9',
  'argo',
  'default',
  'argo.cluster-0',
  'argo.cluster-0.service-account-token',
  long(63),
  long(64),
  long(244),
  long(254),
  'x{{y}}',
  'é',
  'a/b',
  'example.com/key',
  'https://cluster-9.example.com:6443',
  'http://cluster-9.example.com',
  'https://user:pw@h:6443',
  '100m',
  '1.5Gi',
  '-1',
  '1h',
  'ghcr.io/example/x:v1',
  'quay.io/argoproj/workflow-controller:v3.4.0',
  '--qps=50',
  '--token=x',
  'Always',
  'OnPodSuccess',
];
const NUMBERS = [0, 1, -1, 1.5, 2, 10, 11, 999_999, 1_000_000, 1e21, Infinity, -Infinity, NaN];
const OTHERS: unknown[] = [true, false, null, [], {}, ['a'], { a: 'b' }, [{ name: 'regcred' }]];
const POOL: unknown[] = [...STRINGS, ...NUMBERS, ...OTHERS];

/** A base that sets fields the example leaves out, so that mutations reach their rules too. */
function richBase(): any {
  const t: any = exampleInput();
  t.local.controller.imagePullSecrets = [{ name: 'regcred' }];
  t.local.controller.nodeSelector = { 'example.com/pool': 'argo' };
  t.local.controller.podLabels = { team: 'platform' };
  t.local.controller.resources.limits = { memory: '256Mi' };
  t.local.controller.extraArgs = ['--qps=50'];
  t.local.controller.extraEnv = [{ name: 'GOMAXPROCS', value: '2' }];
  t.local.controller.config.executor = { resources: { requests: { cpu: '10m' } } };
  t.remotes.push({
    name: 'cluster-2',
    server: 'https://cluster-2.example.com:6443',
    namespaces: ['team-a', 'team-b'],
    executorServiceAccount: 'workflow',
    executorImagePullSecrets: [{ name: 'regcred' }],
    artifactSecrets: ['s3-credentials'],
    profilePerNamespace: true,
    tokenGeneration: 2,
  });
  t.secrets = { mode: 'plain' };
  return t;
}

type Path = (string | number)[];
interface Field {
  readonly path: Path;
  readonly node: any;
}

/** Every field the JSON Schema describes, with array items at index 0 and map entries under the key `k`. */
function schemaFields(node: any, at: Path = []): Field[] {
  const here: Field[] = at.length ? [{ path: at, node }] : [];
  const below = (child: any, path: Path) => schemaFields(child, path);
  if (node?.properties)
    return [...here, ...Object.entries(node.properties).flatMap(([k, child]) => below(child, [...at, k]))];
  if (node?.items) return [...here, ...below(node.items, [...at, 0])];
  if (node?.additionalProperties && typeof node.additionalProperties === 'object')
    return [...here, ...below(node.additionalProperties, [...at, 'k'])];
  if (node?.anyOf) return [...here, ...node.anyOf.flatMap((option: any) => below(option, at).slice(1))];
  return here;
}

/**
 * Values of the pools that fit what the schema says of a field (its type, enum, pattern and bounds), so that most
 * cases pass the field rules and reach the cross-field rules and synth; the rest are picked from all pools.
 */
function plausible(node: any): unknown[] {
  if (!node || typeof node !== 'object') return [];
  if (node.anyOf) return node.anyOf.flatMap(plausible);
  if (node.const !== undefined) return [node.const];
  if (node.enum) return node.enum;
  switch (node.type) {
    case 'string':
      return STRINGS.filter(
        (v) =>
          v.length >= (node.minLength ?? 0) &&
          v.length <= (node.maxLength ?? Infinity) &&
          (!node.pattern || new RegExp(node.pattern, 'u').test(v)),
      );
    case 'integer':
    case 'number':
      return NUMBERS.filter(
        (v) =>
          Number.isFinite(v) &&
          (node.type === 'number' || Number.isInteger(v)) &&
          v >= (node.minimum ?? -Infinity) &&
          v <= (node.maximum ?? Infinity),
      );
    case 'boolean':
      return [true, false];
    case 'array':
      return [[], ...plausible(node.items).map((v) => [v])];
    case 'object':
      return [{}];
    default:
      return [];
  }
}

function setAt(root: any, path: Path, value: unknown): void {
  let cur = root;
  for (const [i, k] of path.slice(0, -1).entries()) {
    if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = typeof path[i + 1] === 'number' ? [] : {};
    cur = cur[k];
  }
  const last = path[path.length - 1];
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

const schema = JSON.parse(readFileSync(join(ROOT, 'topology.schema.json'), 'utf8'));
// JSON has no non-finite numbers (RFC 8259), so a validator that follows its data model, as ajv does by default
// (strictNumbers), refuses YAML's .inf and .nan where the schema wants a number: the schema's answer for them.
const schemaAccepts = new Ajv({ strict: false, strictNumbers: true, allErrors: true }).compile(schema);
const FIELDS = schemaFields(schema).map((f) => ({ ...f, values: plausible(f.node) }));

/**
 * Whether zod's answer holds a problem the JSON Schema can express: a type, pattern, bound, enum, a required or
 * unknown field. Refinements (`custom`) are code the schema cannot carry, so there the schema may accept more.
 */
function expressibleIssues(raw: unknown): z.core.$ZodIssue[] {
  const result = topologySchema.safeParse(raw);
  return result.success ? [] : result.error.issues.filter((i) => i.code !== 'custom');
}

interface Case {
  readonly name: string;
  readonly raw: unknown;
}

function corpus(seed: number): Case[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  return Array.from({ length: CASES_PER_SEED }, (_, n) => {
    const rich = next() < 0.5;
    const raw = rich ? BASES.rich() : BASES.example();
    const changes = 1 + Math.floor(next() * 3);
    const done: string[] = [];
    for (let i = 0; i < changes; i++) {
      const { path, values } = pick(FIELDS);
      const roll = next();
      const value = roll < 0.1 ? undefined : roll < 0.7 && values.length ? pick(values) : pick(POOL);
      setAt(raw, path, value);
      done.push(`${path.join('.')}=${shown(value)}`);
    }
    return { name: `seed ${seed} case ${n} (${rich ? 'rich' : 'example'}): ${done.join(', ')}`, raw };
  });
}

// Parsed once: each case changes a copy.
const EXAMPLE = exampleInput();
const RICH = richBase();
const BASES = { example: () => structuredClone(EXAMPLE) as any, rich: () => structuredClone(RICH) };
const shown = (value: unknown) => (value === undefined ? '(removed)' : String(JSON.stringify(value)).slice(0, 40));

/**
 * Every field of a base set to every value of the pools (and removed), one field at a time; `shallow` leaves out what
 * lies below a controller setting (its config, affinity, env...), which shapes one object's content but never a name.
 */
function singleFieldCases(base: keyof typeof BASES, shallow = false): Case[] {
  const fields = shallow ? FIELDS.filter(({ path }) => path[1] !== 'controller' || path.length <= 3) : FIELDS;
  return fields.flatMap(({ path }) =>
    [...new Set([undefined, ...POOL])].map((value) => {
      const raw = BASES[base]();
      setAt(raw, path, value);
      return { name: `${base} with ${path.join('.')}=${shown(value)}`, raw };
    }),
  );
}

function plainCredentials(t: ReturnType<typeof validateTopology>) {
  return new Map(t.remotes.map((r) => [r.name, { token: 'corpus-token', caData: 'Y29ycHVz' }]));
}

/** The cases where the JSON Schema and validate disagree on a rule the schema can express. */
function disagreements(cases: readonly Case[]): string[] {
  const found: string[] = [];
  for (const c of cases) {
    const bySchema = schemaAccepts(c.raw);
    const expressible = expressibleIssues(c.raw);
    if (bySchema && expressible.length)
      found.push(`${c.name}: schema accepts, validate refuses at ${JSON.stringify(expressible[0].path)}`);
    if (!bySchema && !expressible.length)
      found.push(
        `${c.name}: schema refuses (${JSON.stringify(schemaAccepts.errors?.[0])}), validate's field rules accept`,
      );
  }
  return found;
}

/**
 * The cases where validate and synth disagree: validate accepts and synth (the charts, the GitOps tree with its file
 * names, the Argo CD and Flux files) fails, or validate fails with anything but a TopologyError naming fields.
 */
function synthProblems(cases: readonly Case[]): { problems: string[]; accepted: number } {
  const problems: string[] = [];
  let accepted = 0;
  for (const c of cases) {
    let t;
    try {
      t = validateTopology(c.raw);
    } catch (e) {
      if (!(e instanceof TopologyError)) problems.push(`${c.name}: validate threw ${String(e)}`);
      else if (!e.issues.length || e.issues.some((i) => typeof i.path !== 'string' || !i.message))
        problems.push(`${c.name}: an issue without a path or a message`);
      continue;
    }
    accepted++;
    try {
      const credentials = t.secrets.mode === 'plain' ? plainCredentials(t) : undefined;
      const tree = gitopsTree(t, buildCharts(t, { credentials }));
      gitopsAppFiles(t, {
        argocd: 'applications',
        flux: true,
        repoURL: 'https://git.example.com/fleet.git',
        path: 'dist',
      });
      if (!tree.size) problems.push(`${c.name}: synth wrote nothing`);
    } catch (e) {
      problems.push(`${c.name}: validate accepts, synth fails: ${(e as Error).message.slice(0, 300)}`);
    }
  }
  return { problems, accepted };
}

describe('every field, one at a time', () => {
  test.each(Object.keys(BASES) as (keyof typeof BASES)[])(
    'the JSON Schema and validate agree on every value of the pools, from the %s base',
    (base) => {
      expect(disagreements(singleFieldCases(base))).toEqual([]);
    },
    BUDGET_MS,
  );

  test(
    'what validate accepts, synth writes, for every value of every field that can name an object, from the rich base',
    () => {
      const { problems, accepted } = synthProblems(singleFieldCases('rich', true));
      expect(problems).toEqual([]);
      // A corpus the validator refuses whole would prove nothing about synth.
      expect(accepted).toBeGreaterThan(100);
    },
    BUDGET_MS,
  );
});

describe.each(SEEDS)('a few fields at once, seed %i', (seed) => {
  const cases = corpus(seed);

  test(
    'the JSON Schema and validate agree on every field rule the schema can express',
    () => {
      expect(disagreements(cases)).toEqual([]);
    },
    BUDGET_MS,
  );

  test(
    'what validate accepts, synth writes; what it refuses is a TopologyError naming fields',
    () => {
      const { problems, accepted } = synthProblems(cases);
      expect(problems).toEqual([]);
      expect(accepted).toBeGreaterThan(0);
    },
    BUDGET_MS,
  );
});
