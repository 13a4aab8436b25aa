import { z } from 'zod';
import { controllerConfigIssues, explainUnknownConfigKey } from './controller-config-schema';
import { apiLimitIssues } from './limits';
import { InputTooLargeError, readInputFile } from './input-file';
import { formatFieldPath, shownValue } from './redact';
import { decodeTopology, parseTopologyText } from './topology-yaml';
import { RemoteCluster, SecretsMode, StoreRef, Topology, topologySchema } from './topology';
import {
  DEFAULT_LOCAL_NAMESPACE,
  controllerIdentityName,
  isAnyControllerIdentityName,
  isAnyTokenSecretName,
  namespaceProfileCluster,
  tokenSecretName,
} from './names';
import { serverIdentity } from './server-url';
import { isOvercommittable, quantityValue } from './kubernetes';

/** One problem in a topology: where, what was there, and what would be valid. */
export interface TopologyIssue {
  /** Field path, e.g. `remotes[0].server`. */
  readonly path: string;
  /** The value found there (`undefined` when the field is missing). */
  readonly value: unknown;
  /** Why it is refused and what is valid. */
  readonly message: string;
  /** The problem is not about a value (a YAML syntax error, a file that is not UTF-8): none is shown. */
  readonly noValue?: boolean;
}

/**
 * The issue for a name given where one of the topology's clusters is expected (a key of per-cluster settings,
 * a component's or a stack's part), or none when it is one.
 * @param valid the names that are: every cluster's, or the remotes' alone
 * @param role what the names are, for the message: `cluster` or `remote`
 */
export function unknownClusterIssues(
  path: string,
  name: string,
  valid: readonly string[],
  role: 'cluster' | 'remote',
): TopologyIssue[] {
  if (valid.includes(name)) return [];
  return [{ path, value: name, message: `is not a ${role} of the topology; valid: ${valid.join(', ')}` }];
}

/** Problems shown in one message: a file with thousands is reported by its first ones and a count. */
export const MAX_SHOWN_ISSUES = 50;

/** Every problem found in a topology, reported together so that one run shows the user all of them. */
export class TopologyError extends Error {
  /** Each problem once: zod reports an integer beyond the safe range twice (its own bound and the field's). */
  readonly issues: readonly TopologyIssue[];

  constructor(
    reported: readonly TopologyIssue[],
    readonly source = 'topology',
  ) {
    const seen = new Set<string>();
    const issues = reported.filter((i) => {
      const key = `${i.path}\n${i.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const more = issues.length - MAX_SHOWN_ISSUES;
    const shown = issues.slice(0, MAX_SHOWN_ISSUES).map(formatIssue);
    if (more > 0) shown.push(`  ... and ${more} more problem(s), not shown: fix these first`);
    super(`${source} is invalid:\n${shown.join('\n')}`);
    this.issues = issues;
    this.name = 'TopologyError';
  }
}

function formatIssue(issue: TopologyIssue): string {
  if (issue.noValue) return `  - ${issue.path || '(top level)'}: ${issue.message}`;
  const field = /([^.[\]]+)\]?$/.exec(issue.path)?.[1];
  const shown = issue.value === undefined ? '(missing)' : shownValue(issue.value, field);
  const value = shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
  return `  - ${issue.path || '(top level)'}: ${value} ${issue.message}`;
}

type PathKey = PropertyKey;

/** The value at `path` in `root`, or undefined. */
export function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

type SchemaNode = { _zod: { def: Record<string, unknown> } };

/** The schema of the field at `path` (defaults and optionals unwrapped), or undefined where the path leaves it. */
function schemaAt(root: z.ZodType, path: readonly PathKey[]): SchemaNode | undefined {
  let s: SchemaNode | undefined = root as unknown as SchemaNode;
  const unwrap = () => {
    while (s?._zod.def.innerType) s = s._zod.def.innerType as SchemaNode;
  };
  for (const k of path) {
    unwrap();
    const def: Record<string, unknown> | undefined = s?._zod.def;
    if (!def) return undefined;
    s = (
      typeof k === 'number' || def.type === 'record'
        ? (def.element ?? def.valueType)
        : (def.shape as Record<string, unknown> | undefined)?.[String(k)]
    ) as SchemaNode | undefined;
  }
  unwrap();
  return s;
}

/** The field names an object at `path` of the schema accepts, to list them when a key is unknown. */
function fieldsAt(path: readonly PathKey[]): string[] {
  return Object.keys((schemaAt(topologySchema, path)?._zod.def.shape as object) ?? {});
}

/** A number field's range as its schema states it ("an integer from 1 to 10"), or undefined. */
function numberRangeAt(root: z.ZodType, path: readonly PathKey[]): string | undefined {
  const schema = schemaAt(root, path);
  // zod's integers are number schemas with a format: one type for both.
  if (schema?._zod.def.type !== 'number') return undefined;
  const json = z.toJSONSchema(schema as unknown as z.ZodType) as { type?: string; minimum?: number; maximum?: number };
  const what = json.type === 'integer' ? 'an integer' : 'a finite number';
  // zod bounds every integer by the safe range: that is no bound the user chose, and not worth 16 digits.
  const [min, max] = [json.minimum, json.maximum].map((n) =>
    Math.abs(n ?? 0) === Number.MAX_SAFE_INTEGER ? undefined : n,
  );
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  if (min !== undefined) return `${what} of at least ${min}`;
  return max === undefined ? what : `${what} of at most ${max}`;
}

/** zod's names of types that read wrongly after "a": a number must be finite, and `int` is a word to programmers. */
const EXPECTED_TYPES: Record<string, string | undefined> = { number: 'a finite number', int: 'an integer' };

/** The unit of a text's or a list's length, for a message. */
const LENGTH_UNITS: Record<string, string | undefined> = { string: 'character', array: 'item' };

/** What zod's "Too small"/"Too big" means for a number, a text or a list, said as what is valid. */
function sizeProblem(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, root: z.ZodType): string | undefined {
  const small = issue.code === 'too_small';
  const limit = small ? issue.minimum : issue.maximum;
  const bound = `${small ? 'at least' : 'at most'} ${limit}`;
  if (issue.origin === 'number' || issue.origin === 'int')
    return `is out of range; valid: ${numberRangeAt(root, issue.path) ?? `a number of ${bound}`}`;
  const units = LENGTH_UNITS[issue.origin];
  return units && `is too ${small ? 'short' : 'long'}; valid: ${bound} ${units}${Number(limit) === 1 ? '' : 's'}`;
}

/**
 * What is wrong with `value` and what would be valid, for an issue zod raised on it under `root` (the topology's schema,
 * or a construct's props): zod's own wording where it says that already, ours where it speaks of types and bounds.
 */
export function issueMessage(issue: z.core.$ZodIssue, value: unknown, root: z.ZodType): string {
  let message = issue.message;
  if (typeof value === 'number' && !Number.isFinite(value))
    // YAML's .inf and .nan are numbers to a YAML reader, but not to JSON, Kubernetes or zod's "number".
    message = `is not a finite number (YAML's .inf and .nan are none); valid: ${numberRangeAt(root, issue.path) ?? validHere(issue)}`;
  else if (issue.code === 'invalid_type' && value === undefined) message = `is required (${issue.expected})`;
  // zod's integer check runs on numbers only: anything else fails as "expected number" first.
  else if (issue.code === 'invalid_type' && issue.expected === 'int')
    message = `is not an integer; valid: ${numberRangeAt(root, issue.path) ?? 'an integer'}`;
  else if (issue.code === 'invalid_type') message = `has the wrong type: expected ${issue.expected}`;
  // Only zod's own wording: a schema's message of its own ("must list at least one remote cluster") says more.
  else if ((issue.code === 'too_small' || issue.code === 'too_big') && /^Too (small|big):/.test(message))
    message = sizeProblem(issue, root) ?? message;
  else if (issue.code === 'invalid_union' && message === 'Invalid input')
    message = `is not valid; valid: ${validHere(issue)}`;
  return message;
}

function fromZod(issue: z.core.$ZodIssue, raw: unknown): TopologyIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const inConfig = formatFieldPath(issue.path) === 'local.controller.config';
    return issue.keys.map((key) => ({
      path: formatFieldPath([...issue.path, key]),
      value: valueAt(raw, [...issue.path, key]),
      message: inConfig
        ? explainUnknownConfigKey(key)
        : `is not a known field; valid fields here: ${fieldsAt(issue.path).join(', ')}`,
    }));
  }
  const value = valueAt(raw, issue.path);
  return [{ path: formatFieldPath(issue.path), value, message: issueMessage(issue, value, topologySchema) }];
}

/**
 * What a field takes, from the issue its value raised: each alternative of a union (zod reports a bare "Invalid
 * input" for one no alternative took), the type expected, or zod's own message.
 */
function validHere(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union') {
    const options = issue.errors.map((branch) => (branch[0] ? validHere(branch[0]) : 'anything'));
    return [...new Set(options)].join(', or ');
  }
  if (issue.code === 'invalid_type')
    return EXPECTED_TYPES[issue.expected] ?? `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' or ');
  // No field of the topology gets here (a union of a string and a number fails each by its type): zod's words, then.
  return issue.message;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads raw input before (or after failing) validation
const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Rules that relate fields. They read the input defensively, so that they also run on a topology the schema refused
 * and one run reports every problem.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads raw input before (or after failing) validation
function crossFieldIssues(t: any): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  const problem = (path: string, value: unknown, message: string) => issues.push({ path, value, message });
  const local = isObject(t?.local) ? t.local : {};
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads raw input before (or after failing) validation
  const remotes: any[] = Array.isArray(t?.remotes) ? t.remotes : [];
  const localNamespace = typeof local.namespace === 'string' ? local.namespace : DEFAULT_LOCAL_NAMESPACE;

  const seen = new Map<string, string>(typeof local.name === 'string' ? [[local.name, 'local.name']] : []);
  // Two remotes that are one cluster would both own its objects (the controller identity, its token Secrets, the
  // executor RBAC), each topology run undoing the other's: one server, or one kube context, is one remote.
  const servers = new Map<string, number>();
  const contexts = new Map<string, number>();
  const oneCluster =
    'two remotes that are one cluster would both own its objects; list it once, with all its namespaces';
  remotes.forEach((r, i) => {
    if (!isObject(r)) return;
    if (typeof r.name === 'string') {
      const first = seen.get(r.name);
      if (first) problem(`remotes[${i}].name`, r.name, `is already used by ${first}; cluster names must be unique`);
      else seen.set(r.name, `remotes[${i}].name`);
    }
    const server = typeof r.server === 'string' ? serverIdentity(r.server) : undefined;
    if (server !== undefined) {
      const first = servers.get(server);
      if (first !== undefined)
        problem(
          `remotes[${i}].server`,
          r.server,
          `names the API server of remotes[${first}] (${remotes[first].server}): ${oneCluster}`,
        );
      else servers.set(server, i);
    }
    const context = typeof r.context === 'string' ? r.context : typeof r.name === 'string' ? r.name : undefined;
    if (context !== undefined) {
      const first = contexts.get(context);
      const field = typeof r.context === 'string' ? 'context' : 'name';
      // A name given twice is reported as such, not again as a context.
      if (first === undefined) contexts.set(context, i);
      else if (!issues.some((x) => x.path === `remotes[${i}].${field}`))
        problem(
          `remotes[${i}].${field}`,
          r[field],
          `is the kube context of remotes[${first}] too (its context, or its name when it has none): ${oneCluster}`,
        );
    }
    // The workflow pods' ServiceAccount must not be a controller identity (of this local or of another topology
    // sharing the remote): every workflow would act with the controller's rights in the remote.
    if (typeof r.executorServiceAccount === 'string' && isAnyControllerIdentityName(r.executorServiceAccount))
      problem(
        `remotes[${i}].executorServiceAccount`,
        r.executorServiceAccount,
        `is a controller identity's ServiceAccount, which this package writes (${controllerIdentityName(typeof local.name === 'string' ? local.name : '<local>')} for this topology): workflow pods would act with the controller's rights; name a ServiceAccount of your own, or "default"`,
      );
    if (Array.isArray(r.namespaces)) {
      r.namespaces.forEach((ns: unknown, j: number) => {
        if (r.namespaces.indexOf(ns) !== j) problem(`remotes[${i}].namespaces[${j}]`, ns, 'is listed twice');
      });
    }
    if (
      Array.isArray(r.executorImagePullSecrets) &&
      r.executorImagePullSecrets.length &&
      (r.executorServiceAccount ?? 'default') === 'default'
    ) {
      problem(
        `remotes[${i}].executorImagePullSecrets`,
        r.executorImagePullSecrets,
        'needs an executorServiceAccount other than "default": the pull secrets go on a ServiceAccount this package creates, and it never takes over "default"',
      );
    }
    // Annotations (a cloud identity such as EKS IRSA or GKE Workload Identity) go on the ServiceAccount this package
    // writes; "default" it never takes over.
    const annotations = r.executorServiceAccountAnnotations;
    if (
      isObject(annotations) &&
      Object.keys(annotations).length &&
      (r.executorServiceAccount ?? 'default') === 'default'
    )
      problem(
        `remotes[${i}].executorServiceAccountAnnotations`,
        annotations,
        'needs an executorServiceAccount other than "default": the annotations go on a ServiceAccount this package creates, and it never takes over "default"',
      );
    // These go on the executor's ServiceAccount and Role, which only the owner of the shared objects writes.
    for (const field of ['executorImagePullSecrets', 'artifactConfigMaps', 'executorServiceAccountAnnotations']) {
      const given = Array.isArray(r[field])
        ? r[field].length > 0
        : isObject(r[field]) && Object.keys(r[field]).length > 0;
      if (given && r.manageSharedObjects === false) {
        problem(
          `remotes[${i}].${field}`,
          r[field],
          'has no effect with manageSharedObjects: false; set it in the topology that owns the shared objects of this remote',
        );
      }
    }
    if (r.profilePerNamespace === true) {
      if (r.access === 'cluster') {
        problem(
          `remotes[${i}].profilePerNamespace`,
          true,
          'cannot be combined with access: cluster, whose profile serves any namespace through a ClusterRole; choose one',
        );
      }
      // Each namespace's profile is a cluster of its own to the controller: its name must be one, and unique.
      (Array.isArray(r.namespaces) ? r.namespaces : []).forEach((ns: unknown, j: number) => {
        // A namespace listed twice is reported as such above.
        if (typeof r.name !== 'string' || typeof ns !== 'string' || r.namespaces.indexOf(ns) !== j) return;
        const cluster = namespaceProfileCluster(r.name, ns);
        const path = `remotes[${i}].namespaces[${j}]`;
        const first = seen.get(cluster);
        if (cluster.length > 63) {
          problem(
            path,
            ns,
            `makes the profile cluster name "${cluster}" (profilePerNamespace), longer than 63 characters (it is a label value)`,
          );
        } else if (first) {
          problem(
            path,
            ns,
            `makes the profile cluster name "${cluster}" (profilePerNamespace), already used by ${first}`,
          );
        } else seen.set(cluster, `${path} (profile cluster ${cluster})`);
      });
    }
    if (Array.isArray(r.artifactSecrets)) {
      if (r.artifactSecrets.length && r.manageSharedObjects === false)
        problem(
          `remotes[${i}].artifactSecrets`,
          r.artifactSecrets,
          'has no effect with manageSharedObjects: false; set it in the topology that owns the shared objects of this remote',
        );
      r.artifactSecrets.forEach((name: unknown, j: number) => {
        // Any local's identity: a remote shared by several topologies holds each one's token Secret.
        if (typeof name === 'string' && isAnyTokenSecretName(name))
          problem(
            `remotes[${i}].artifactSecrets[${j}]`,
            name,
            `is a controller identity's token Secret, which this package writes (${tokenSecretName(typeof local.name === 'string' ? local.name : '<local>')} and its generations): every workflow pod would get the controller's token; name an artifact repository Secret of your own`,
          );
      });
    }
    const wfns = r.workflowNamespace;
    if (local.controller?.namespaced === true && typeof wfns === 'string' && wfns !== '' && wfns !== localNamespace) {
      problem(
        `remotes[${i}].workflowNamespace`,
        wfns,
        `must be "${localNamespace}" or "" with a namespaced controller (it manages only local.namespace)`,
      );
    }
  });
  // The API server refuses a container (the controller's, and through the controller every workflow pod's executor
  // and main container) whose request of a resource exceeds its limit.
  for (const [path, resources] of [
    ['local.controller.resources', local.controller?.resources],
    ['local.controller.config.executor.resources', local.controller?.config?.executor?.resources],
    ['local.controller.config.mainContainer.resources', local.controller?.config?.mainContainer?.resources],
  ] as const) {
    if (!isObject(resources) || !isObject(resources.requests)) continue;
    const limits = isObject(resources.limits) ? resources.limits : {};
    for (const [name, request] of Object.entries(resources.requests)) {
      const [want, max] = [quantityValue(request), quantityValue(limits[name])];
      const at = `${path}.requests${formatFieldPath([name]).replace(/^(?!\[)/, '.')}`;
      if (want !== undefined && max !== undefined && want > max)
        problem(
          at,
          request,
          `is above limits.${name} (${JSON.stringify(limits[name])}); the API server refuses a request above its limit`,
        );
      // Huge pages and extended resources cannot be overcommitted: the API server wants the limit, and the same value.
      else if (want !== undefined && !isOvercommittable(name) && want !== max)
        problem(
          at,
          request,
          `needs limits.${name} set to the same quantity (${name} cannot be overcommitted; the API server refuses a request without an equal limit)`,
        );
    }
  }
  const executorImage = local.controller?.config?.executor?.image;
  if (executorImage !== undefined) {
    problem(
      'local.controller.config.executor.image',
      executorImage,
      'conflicts with local.controller.executorImage; set the executor image there only',
    );
  }
  issues.push(...controllerConfigIssues(local, localNamespace));

  const store = isObject(t?.secrets?.store) ? t.secrets.store : undefined;
  const mode =
    typeof t?.secrets?.mode === 'string'
      ? t.secrets.mode
      : resolveSecretsMode(undefined, store, remotes.filter(isObject));
  if (mode === 'external') {
    remotes.forEach((r, i) => {
      if (isObject(r) && !r.secretStore && !store) {
        problem(
          `remotes[${i}].secretStore`,
          undefined,
          'is required with secrets.mode "external" (or set secrets.store for all remotes)',
        );
      }
    });
    const sharing = remotes.filter((r) => isObject(r) && !r.secretStore);
    if (store && sharing.length > 1 && typeof store.key === 'string' && !store.key.includes('{remote}')) {
      problem(
        'secrets.store.key',
        store.key,
        'is shared by several remotes, so it must contain "{remote}" to tell their tokens apart',
      );
    }
  }
  return issues;
}

/**
 * Validates a topology object (as parsed from YAML) and applies its defaults.
 * @throws TopologyError naming every invalid field.
 */
export function validateTopology(raw: unknown, source = 'topology'): Topology {
  const result = topologySchema.safeParse(raw);
  const issues = result.success ? [] : result.error.issues.flatMap((i) => fromZod(i, raw));
  const reported = new Set(issues.map((i) => i.path));
  issues.push(...crossFieldIssues(result.success ? result.data : raw).filter((i) => !reported.has(i.path)));
  if (result.success) issues.push(...apiLimitIssues(result.data.local));
  if (issues.length || !result.success) throw new TopologyError(issues, source);
  const t = result.data;
  return {
    local: {
      ...t.local,
      context: t.local.context ?? t.local.name,
      profileAdmissionPolicy: t.local.profileAdmissionPolicy ?? !t.local.controller.namespaced,
    },
    remotes: t.remotes.map((r): RemoteCluster => ({
      ...r,
      context: r.context ?? r.name,
      workflowNamespace: r.workflowNamespace ?? t.local.namespace,
    })),
    secrets: { mode: resolveSecretsMode(t.secrets.mode, t.secrets.store, t.remotes), store: t.secrets.store },
  };
}

/** `external` when a store is configured for every remote, `none` otherwise, unless the user chose. */
function resolveSecretsMode(
  mode: SecretsMode | undefined,
  store: StoreRef | undefined,
  remotes: readonly { secretStore?: StoreRef }[],
): SecretsMode {
  if (mode) return mode;
  return store || remotes.every((r) => r.secretStore) ? 'external' : 'none';
}

/**
 * Reads and validates a topology YAML file.
 * @throws TopologyError for unreadable files, YAML syntax errors and invalid fields.
 */
export function loadTopologyFile(file: string): Topology {
  let bytes: Buffer;
  try {
    bytes = readInputFile(file, 'topology file');
  } catch (e) {
    const message = e instanceof InputTooLargeError ? e.message : `cannot be read: ${(e as Error).message}`;
    throw new TopologyError([{ path: '(file)', value: file, message }], file);
  }
  const decoded = decodeTopology(bytes);
  if ('issue' in decoded) throw new TopologyError([decoded.issue], file);
  return parseTopologyYaml(decoded.text, file);
}

/** Parses topology YAML text and validates it. */
export function parseTopologyYaml(text: string, source = 'topology'): Topology {
  const { value, issues } = parseTopologyText(text);
  if (issues.length) throw new TopologyError(issues, source);
  return validateTopology(value, source);
}
