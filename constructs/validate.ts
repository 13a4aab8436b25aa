import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { explainUnknownConfigKey } from './controller-config-schema';
import { RemoteCluster, SecretsMode, StoreRef, Topology, topologySchema } from './topology';

/** One problem in a topology: where, what was there, and what would be valid. */
export interface TopologyIssue {
  /** Field path, e.g. `remotes[0].server`. */
  readonly path: string;
  /** The value found there (`undefined` when the field is missing). */
  readonly value: unknown;
  /** Why it is refused and what is valid. */
  readonly message: string;
}

/** Every problem found in a topology, reported together so that one run shows the user all of them. */
export class TopologyError extends Error {
  constructor(
    readonly issues: readonly TopologyIssue[],
    readonly source = 'topology',
  ) {
    super(`${source} is invalid:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'TopologyError';
  }
}

function formatIssue(issue: TopologyIssue): string {
  const shown = issue.value === undefined ? '(missing)' : JSON.stringify(issue.value);
  const value = shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
  return `  - ${issue.path || '(top level)'}: ${value} ${issue.message}`;
}

type PathKey = PropertyKey;

function formatPath(path: readonly PathKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** The field names an object at `path` of the schema accepts, to list them when a key is unknown. */
function fieldsAt(path: readonly PathKey[]): string[] {
  let s = topologySchema as unknown as { _zod: { def: Record<string, unknown> } };
  const unwrap = () => {
    while (s._zod.def.innerType) s = s._zod.def.innerType as typeof s;
  };
  for (const k of path) {
    unwrap();
    const def = s._zod.def;
    s = (typeof k === 'number' ? def.element : (def.shape as Record<string, unknown>)[String(k)]) as typeof s;
  }
  unwrap();
  return Object.keys((s._zod.def.shape as object) ?? {});
}

function fromZod(issue: z.core.$ZodIssue, raw: unknown): TopologyIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const inConfig = formatPath(issue.path) === 'local.controller.config';
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      value: valueAt(raw, [...issue.path, key]),
      message: inConfig ? explainUnknownConfigKey(key) : `is not a known field; valid fields here: ${fieldsAt(issue.path).join(', ')}`,
    }));
  }
  const value = valueAt(raw, issue.path);
  let message = issue.message;
  if (issue.code === 'invalid_type' && value === undefined) message = `is required (${issue.expected})`;
  else if (issue.code === 'invalid_type') message = `has the wrong type: expected ${issue.expected}`;
  return [{ path: formatPath(issue.path), value, message }];
}

/**
 * Validates a topology object (as parsed from YAML) and applies its defaults.
 * @throws TopologyError naming every invalid field.
 */
export function validateTopology(raw: unknown, source = 'topology'): Topology {
  const result = topologySchema.safeParse(raw);
  if (!result.success) throw new TopologyError(result.error.issues.flatMap((i) => fromZod(i, raw)), source);
  const t = result.data;
  const issues: TopologyIssue[] = [];
  const problem = (path: string, value: unknown, message: string) => issues.push({ path, value, message });

  const seen = new Map<string, string>([[t.local.name, 'local.name']]);
  t.remotes.forEach((r, i) => {
    const first = seen.get(r.name);
    if (first) problem(`remotes[${i}].name`, r.name, `is already used by ${first}; cluster names must be unique`);
    else seen.set(r.name, `remotes[${i}].name`);
    r.namespaces.forEach((ns, j) => {
      if (r.namespaces.indexOf(ns) !== j) problem(`remotes[${i}].namespaces[${j}]`, ns, 'is listed twice');
    });
    const wfns = r.workflowNamespace;
    if (t.local.controller.namespaced && wfns !== undefined && wfns !== '' && wfns !== t.local.namespace) {
      problem(`remotes[${i}].workflowNamespace`, wfns, `must be "${t.local.namespace}" or "" with a namespaced controller (it manages only local.namespace)`);
    }
  });
  if (t.local.controller.config.executor?.image !== undefined) {
    problem('local.controller.config.executor.image', t.local.controller.config.executor.image, 'conflicts with local.controller.executorImage; set the executor image there only');
  }

  const mode = resolveSecretsMode(t.secrets.mode, t.secrets.store, t.remotes);
  if (mode === 'external') {
    const sharing = t.remotes.filter((r) => !r.secretStore);
    t.remotes.forEach((r, i) => {
      if (!r.secretStore && !t.secrets.store) {
        problem(`remotes[${i}].secretStore`, undefined, 'is required with secrets.mode "external" (or set secrets.store for all remotes)');
      }
    });
    const key = t.secrets.store?.key;
    if (t.secrets.store && sharing.length > 1 && key !== undefined && !key.includes('{remote}')) {
      problem('secrets.store.key', key, 'is shared by several remotes, so it must contain "{remote}" to tell their tokens apart');
    }
  }
  if (issues.length) throw new TopologyError(issues, source);

  return {
    local: { ...t.local, context: t.local.context ?? t.local.name },
    remotes: t.remotes.map(
      (r): RemoteCluster => ({ ...r, context: r.context ?? r.name, workflowNamespace: r.workflowNamespace ?? t.local.namespace }),
    ),
    secrets: { mode, store: t.secrets.store },
  };
}

/** `external` when a store is configured for every remote, `none` otherwise, unless the user chose. */
function resolveSecretsMode(mode: SecretsMode | undefined, store: StoreRef | undefined, remotes: readonly { secretStore?: StoreRef }[]): SecretsMode {
  if (mode) return mode;
  return store || remotes.every((r) => r.secretStore) ? 'external' : 'none';
}

/**
 * Reads and validates a topology YAML file.
 * @throws TopologyError for unreadable files, YAML syntax errors and invalid fields.
 */
export function loadTopologyFile(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TopologyError([{ path: '(file)', value: file, message: `cannot be read: ${(e as Error).message}` }], file);
  }
  return parseTopologyYaml(text, file);
}

/** Parses topology YAML text and validates it. */
export function parseTopologyYaml(text: string, source = 'topology'): Topology {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    throw new TopologyError(
      doc.errors.map((e) => ({ path: '(yaml)', value: undefined, message: `is not valid YAML: ${e.message.split('\n')[0]}` })),
      source,
    );
  }
  return validateTopology(doc.toJS(), source);
}
