import { InputTooLargeError, readInputFile } from '../model/input-file';
import { rememberCredentials } from '../model/redact';
import { RequestOptions, request } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';

/**
 * The CLI's Kubernetes REST client. Credentials of the user's own kubeconfigs go through @kubernetes/client-node, so
 * exec plugins and auth providers (how EKS, GKE, AKS and OIDC users log in) work as with kubectl. Kubeconfigs read
 * from a cluster (the profile Secrets `verify` reads) are untrusted: only their inline data is used, by this module
 * alone, so they can neither make the CLI read a local file nor start a process.
 */

/** A resolved connection to one API server. */
export interface KubeConnection {
  /** The context (or, for a profile, where the kubeconfig came from), for messages. */
  readonly context: string;
  /** The API server URL, without a trailing slash. */
  readonly server: string;
  /** Adds the TLS settings and credentials to the options of one request (may run an exec plugin). */
  authenticate(opts: RequestOptions): Promise<void>;
}

/** The kubeconfig paths in effect: `--kubeconfig`, else `$KUBECONFIG` (a list), else `~/.kube/config`. */
export function kubeconfigPaths(explicit?: string): string[] {
  if (explicit) return [explicit];
  const env = process.env.KUBECONFIG;
  if (env) return env.split(delimiter).filter(Boolean);
  return [join(homedir(), '.kube', 'config')];
}

/** The part of @kubernetes/client-node this module uses. */
interface ClientNode {
  KubeConfig: new () => KubeConfigLike;
}
interface NamedEntry {
  readonly name: string;
  readonly [key: string]: unknown;
}
interface KubeConfigLike {
  clusters: NamedEntry[];
  users: NamedEntry[];
  contexts: (NamedEntry & { cluster: string; user: string })[];
  loadFromString(text: string): void;
  loadFromOptions(options: {
    clusters: NamedEntry[];
    users: NamedEntry[];
    contexts: NamedEntry[];
    currentContext: string;
  }): void;
  makePathsAbsolute(root: string): void;
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

// @kubernetes/client-node 1.x is an ES module, which a CommonJS `require` cannot load on Node 20, and TypeScript's
// CommonJS output turns `import()` into `require`; a function body keeps the real `import()`.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

let clientNode: Promise<ClientNode> | undefined;
function loadClientNode(): Promise<ClientNode> {
  clientNode ??= importModule('@kubernetes/client-node') as Promise<ClientNode>;
  return clientNode;
}

/**
 * Parses kubeconfig YAML. A syntax error is reported by position only: the library's message quotes the offending
 * line, which may hold a token or a private key.
 */
function parseKubeconfig(text: string, source: string): Record<string, unknown> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new Error(
      `${source} is not valid YAML (${error.code} at line ${line}, column ${col}); its text is not shown because it may hold credentials`,
    );
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${source} is not a kubeconfig: expected a mapping with clusters, users and contexts`);
  return value as Record<string, unknown>;
}

/** Every string under `users`: whatever a library says about a kubeconfig is cleaned of them before it is shown. */
function userSecrets(doc: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 4) found.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(doc.users);
  return found.sort((a, b) => b.length - a.length);
}

/** The credential values of a kubeconfig user (as the file or the library names them), for redaction. */
function credentialStrings(user: Readonly<Record<string, unknown>>): string[] {
  const fields = ['token', 'password', 'client-key-data', 'keyData', 'client-certificate-data', 'certData'];
  return fields.map((f) => user[f]).filter((v): v is string => typeof v === 'string');
}

/**
 * What one request's options carry that identifies the caller: the Authorization header whole and without its scheme,
 * basic-auth user information and its base64 form, a key or its passphrase. Remembered for redaction, as an exec
 * plugin's or auth provider's token is known only once the request is authenticated.
 */
function sentCredentials(opts: RequestOptions): string[] {
  const found: string[] = [];
  const headers = (opts.headers ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'authorization' || typeof value !== 'string') continue;
    found.push(value, value.replace(/^\S+\s+/, ''));
  }
  if (typeof opts.auth === 'string') {
    found.push(opts.auth, opts.auth.slice(opts.auth.indexOf(':') + 1), Buffer.from(opts.auth).toString('base64'));
  }
  const { key, passphrase } = opts as { key?: unknown; passphrase?: unknown };
  for (const v of [key, passphrase]) {
    if (typeof v === 'string') found.push(v);
    else if (Buffer.isBuffer(v)) found.push(v.toString('utf8'));
  }
  return found;
}

function redact(message: string, secrets: readonly string[]): string {
  return secrets.reduce((m, s) => m.split(s).join('(redacted)'), message);
}

/** Resolves a context to a connection, merging kubeconfig files as kubectl does (the first definition wins). */
export async function connect(context: string, explicitKubeconfig?: string): Promise<KubeConnection> {
  const files = kubeconfigPaths(explicitKubeconfig).map((path) => {
    let text: string;
    try {
      text = readInputFile(path, 'kubeconfig').toString('utf8');
    } catch (e) {
      if (e instanceof InputTooLargeError) throw new Error(`kubeconfig ${path} ${e.message}`);
      throw new Error(`cannot read kubeconfig ${path}: ${(e as Error).message}`);
    }
    return { path, text, doc: parseKubeconfig(text, `kubeconfig ${path}`) };
  });
  const { KubeConfig } = await loadClientNode();
  const clusters = new Map<string, NamedEntry>();
  const users = new Map<string, { entry: NamedEntry; doc: Record<string, unknown>; base: string }>();
  const contexts = new Map<string, NamedEntry & { cluster: string; user: string }>();
  for (const { path, text, doc } of files) {
    const kc = new KubeConfig();
    try {
      kc.loadFromString(text);
    } catch (e) {
      // The library's YAML reader quotes the offending line, possibly cut short, which redaction would not catch.
      const { name, mark } = e as { name?: string; mark?: { line: number; column: number } };
      if (name === 'YAMLException') {
        throw new Error(
          `kubeconfig ${path} is not valid YAML (at line ${(mark?.line ?? 0) + 1}, column ${(mark?.column ?? 0) + 1}); its text is not shown because it may hold credentials`,
        );
      }
      throw new Error(`kubeconfig ${path} is invalid: ${redact((e as Error).message, userSecrets(doc))}`);
    }
    kc.makePathsAbsolute(dirname(path));
    for (const c of kc.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.users) if (!users.has(u.name)) users.set(u.name, { entry: u, doc, base: dirname(path) });
    for (const c of kc.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
  }
  const source = files.map((f) => f.path).join(', ');
  const ctx = contexts.get(context);
  if (!ctx)
    throw new Error(
      `kube context "${context}" is not in ${source} (known: ${[...contexts.keys()].join(', ') || 'none'})`,
    );
  if (!clusters.has(ctx.cluster))
    throw new Error(`kube context "${context}" names cluster "${ctx.cluster}", which is not defined`);
  const user = users.get(ctx.user);
  if (!user) throw new Error(`kube context "${context}" names user "${ctx.user}", which is not defined`);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [clusters.get(ctx.cluster)!],
    users: [withTokenFile(user.entry, user.doc, user.base)],
    contexts: [ctx],
    currentContext: context,
  });
  const secrets = files.flatMap((f) => userSecrets(f.doc));
  rememberCredentials(credentialStrings(user.entry));
  return {
    context,
    server: kc.getCurrentCluster()!.server.replace(/\/+$/, ''),
    async authenticate(opts) {
      try {
        await kc.applyToHTTPSOptions(opts);
      } catch (e) {
        throw new Error(`kube context "${context}": cannot get credentials: ${redact((e as Error).message, secrets)}`);
      }
    },
  };
}

/**
 * kubectl's `tokenFile` (read when there is no `token`), which the library does not know; relative paths are
 * relative to the kubeconfig file, as for kubectl.
 */
function withTokenFile(user: NamedEntry, doc: Record<string, unknown>, base: string): NamedEntry {
  const raw = (doc.users as { name?: unknown; user?: Record<string, unknown> }[] | undefined)?.find(
    (u) => u?.name === user.name,
  )?.user;
  const tokenFile = raw?.tokenFile;
  if (user.token || typeof tokenFile !== 'string') return user;
  const path = isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile);
  try {
    return { ...user, token: readInputFile(path, 'tokenFile').toString('utf8').trim() };
  } catch (e) {
    const why =
      e instanceof InputTooLargeError
        ? `its tokenFile ${path} ${e.message}`
        : `cannot read its tokenFile ${path}: ${(e as Error).message}`;
    throw new Error(`kubeconfig user "${user.name}": ${why}`);
  }
}

/** What a kubeconfig read from a cluster may hold: inline data only. */
const INLINE_CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'extensions',
]);
const INLINE_USER_FIELDS = new Set(['token', 'client-certificate-data', 'client-key-data', 'extensions']);
const REFUSED_FIELDS: Record<string, string> = {
  'certificate-authority': 'a file reference',
  'client-certificate': 'a file reference',
  'client-key': 'a file reference',
  tokenFile: 'a file reference',
  exec: 'an exec plugin',
  'auth-provider': 'an auth provider',
};

/**
 * A connection from a kubeconfig read from a cluster (a profile's), with its current context. Only inline data is
 * used; file references, exec plugins, auth providers and anything else are refused, naming the field, before
 * anything is read or started.
 */
export function connectWithKubeconfigText(text: string, source: string): KubeConnection {
  const doc = parseKubeconfig(text, source);
  const list = (key: string) =>
    Array.isArray(doc[key]) ? (doc[key] as { name?: unknown; [k: string]: unknown }[]) : [];
  const name = doc['current-context'];
  if (typeof name !== 'string' || !name) throw new Error(`${source}: the kubeconfig has no current-context`);
  const contextAt = list('contexts').findIndex((c) => c?.name === name);
  if (contextAt < 0) throw new Error(`${source}: current-context "${name}" is not among its contexts`);
  const ctx = (list('contexts')[contextAt].context ?? {}) as Record<string, unknown>;
  const find = (key: 'clusters' | 'users', inner: 'cluster' | 'user', wanted: unknown) => {
    const at = list(key).findIndex((e) => e?.name === wanted);
    if (at < 0)
      throw new Error(`${source}: contexts[${contextAt}].context.${inner} "${String(wanted)}" is not among its ${key}`);
    const value = list(key)[at][inner];
    return {
      path: `${key}[${at}].${inner}`,
      value: (value && typeof value === 'object' ? value : {}) as Record<string, unknown>,
    };
  };
  const cluster = find('clusters', 'cluster', ctx.cluster);
  const user = find('users', 'user', ctx.user);
  const problems: string[] = [];
  for (const [entry, allowed] of [
    [cluster, INLINE_CLUSTER_FIELDS],
    [user, INLINE_USER_FIELDS],
  ] as const) {
    for (const key of Object.keys(entry.value)) {
      if (allowed.has(key)) continue;
      const what = REFUSED_FIELDS[key];
      problems.push(`${entry.path}.${key} is ${what ?? 'not supported'}`);
    }
  }
  if (problems.length) {
    throw new Error(
      `${source}: ${problems.join('; ')}. A kubeconfig read from a cluster is used with its inline data only ` +
        `(server, certificate-authority-data, insecure-skip-tls-verify, tls-server-name, token, client-certificate-data, client-key-data): ` +
        'files it names are never read and plugins never run',
    );
  }
  const c = cluster.value;
  const u = user.value;
  const server = c.server;
  if (typeof server !== 'string' || !server.startsWith('https://'))
    throw new Error(`${source}: ${cluster.path}.server must be an https:// URL`);
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64') : undefined);
  const ca = bytes(c['certificate-authority-data']);
  const cert = bytes(u['client-certificate-data']);
  const key = bytes(u['client-key-data']);
  const token = typeof u.token === 'string' ? u.token : undefined;
  rememberCredentials(credentialStrings(u));
  const servername = typeof c['tls-server-name'] === 'string' ? c['tls-server-name'] : undefined;
  const insecure = c['insecure-skip-tls-verify'] === true;
  return {
    context: source,
    server: server.replace(/\/+$/, ''),
    async authenticate(opts) {
      Object.assign(opts, { ca, cert, key, servername, rejectUnauthorized: !insecure });
      if (token) opts.headers = { ...opts.headers, authorization: `Bearer ${token}` };
    },
  };
}

/** An API error with the HTTP status, so callers can tell "not found" and "forbidden" from "unreachable". */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The HTTP methods the CLI uses; PATCH sends a JSON merge patch. */
export type KubeMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How long one request may take in all: connecting, TLS, the answer's headers and its whole body. A socket timeout
 * alone is restarted by every byte, so a server that trickles one byte every few seconds held a command for hours.
 */
export const REQUEST_DEADLINE_MS = 10_000;
/** How long all the cluster requests of one command may take together: `rotate` waits up to 5 minutes for a rollout. */
export const COMMAND_DEADLINE_MS = 15 * 60_000;
/** The most of one answer kept in memory: a list of every Secret's metadata of a large cluster is far less. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

let command = { ends: Number.POSITIVE_INFINITY, ms: Number.POSITIVE_INFINITY };

/**
 * Starts the overall deadline of one command's cluster requests (default {@link COMMAND_DEADLINE_MS}): a request sent
 * later gets what is left of it, and none is sent once it has passed.
 */
export function startCommandDeadline(ms = COMMAND_DEADLINE_MS): void {
  command = { ends: Date.now() + ms, ms };
}

/**
 * Sends one JSON request and returns the parsed body. `accept` may ask for another representation, e.g. a
 * PartialObjectMetadataList, so that a list carries no Secret data. The whole request ends within `timeoutMs` (and
 * within the command's deadline, see {@link startCommandDeadline}), and an answer above {@link MAX_RESPONSE_BYTES} is
 * refused.
 */
export async function kubeRequest<T>(
  conn: KubeConnection,
  method: KubeMethod,
  path: string,
  body?: unknown,
  timeoutMs = REQUEST_DEADLINE_MS,
  accept = 'application/json',
): Promise<T> {
  const what = `${method} ${path} on ${conn.context} (${conn.server})`;
  const left = command.ends - Date.now();
  const overall = `the command's overall deadline of ${command.ms / 1000} s (all its cluster requests together)`;
  if (left <= 0) throw new KubeApiError(`${what}: not sent, ${overall} has passed`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const options: RequestOptions = {
    method,
    headers: {
      accept,
      ...(payload ? { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' } : {}),
    },
  };
  await conn.authenticate(options);
  rememberCredentials(sentCredentials(options));
  return new Promise<T>((resolvePromise, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        reject(error);
        req.destroy();
      } else resolvePromise(value as T);
    };
    const req = request(`${conn.server}${path}`, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES)
          settle(
            new KubeApiError(`${what}: the answer is larger than ${MAX_RESPONSE_BYTES / 2 ** 20} MiB, the most read`),
          );
        else chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 500) >= 300) {
          let reason = text;
          try {
            reason = (JSON.parse(text) as { message?: string }).message ?? text;
          } catch {
            /* not a Status object: keep the raw text */
          }
          settle(new KubeApiError(`${method} ${path} on ${conn.context}: ${res.statusCode} ${reason}`, res.statusCode));
          return;
        }
        try {
          settle(undefined, JSON.parse(text) as T);
        } catch {
          settle(new KubeApiError(`${method} ${path} on ${conn.context}: the response is not JSON`, res.statusCode));
        }
      });
      res.on('error', (e) => settle(new KubeApiError(`${what}: the answer broke off: ${e.message}`)));
    });
    const timer = setTimeout(
      () =>
        settle(
          new KubeApiError(
            left < timeoutMs
              ? `${what}: ${overall} passed before the answer was complete`
              : `${what}: no complete answer within ${timeoutMs / 1000} s (connection, TLS, headers and body together)`,
          ),
        ),
      Math.min(timeoutMs, left),
    );
    req.on('error', (e) => settle(new KubeApiError(`${conn.context} (${conn.server}) is unreachable: ${e.message}`)));
    req.end(payload);
  });
}
