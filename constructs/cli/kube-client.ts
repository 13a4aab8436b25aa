import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/**
 * A minimal Kubernetes REST client over a kubeconfig context: the CLI needs a handful of GETs and POSTs, and the one
 * CommonJS release of @kubernetes/client-node still depends on the deprecated `request` package.
 * Supports CA data or file, client certificates (data or file), bearer tokens (inline or file) and
 * insecure-skip-tls-verify; exec and auth-provider plugins are refused with a clear message.
 */


interface KubeconfigFile {
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  'current-context'?: string;
}

/** A resolved connection to one API server. */
export interface KubeConnection {
  readonly context: string;
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
  readonly insecure: boolean;
}

/** The kubeconfig paths in effect: `--kubeconfig`, else `$KUBECONFIG` (a list), else `~/.kube/config`. */
export function kubeconfigPaths(explicit?: string): string[] {
  if (explicit) return [explicit];
  const env = process.env.KUBECONFIG;
  if (env) return env.split(delimiter).filter(Boolean);
  return [join(homedir(), '.kube', 'config')];
}

/** A parsed kubeconfig and the folder its relative file paths are relative to. */
interface LoadedKubeconfig {
  readonly doc: KubeconfigFile;
  readonly base: string;
}

/** Resolves a context to a connection, merging kubeconfig files as kubectl does (the first definition wins). */
export function connect(context: string, explicitKubeconfig?: string): KubeConnection {
  const files = kubeconfigPaths(explicitKubeconfig);
  const loaded = files.map((path): LoadedKubeconfig => {
    try {
      return { doc: (parse(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile, base: dirname(path) };
    } catch (e) {
      throw new Error(`cannot read kubeconfig ${path}: ${(e as Error).message}`);
    }
  });
  return resolveContext(loaded, context, files.join(', '));
}

/** A connection from kubeconfig text (a profile's), with its current context unless one is named. */
export function connectWithKubeconfigText(text: string, source: string, context?: string): KubeConnection {
  const doc = (parse(text) ?? {}) as KubeconfigFile;
  const name = context ?? doc['current-context'];
  if (!name) throw new Error(`${source}: the kubeconfig has no current-context`);
  return resolveContext([{ doc, base: process.cwd() }], name, source);
}

function resolveContext(loaded: readonly LoadedKubeconfig[], context: string, source: string): KubeConnection {
  const clusters = new Map<string, { base: string; v: Record<string, unknown> }>();
  const users = new Map<string, { base: string; v: Record<string, unknown> }>();
  const contexts = new Map<string, { cluster: string; user: string }>();
  for (const { doc, base } of loaded) {
    for (const c of doc.clusters ?? []) if (!clusters.has(c.name)) clusters.set(c.name, { base, v: c.cluster ?? {} });
    for (const u of doc.users ?? []) if (!users.has(u.name)) users.set(u.name, { base, v: u.user ?? {} });
    for (const c of doc.contexts ?? []) if (!contexts.has(c.name)) contexts.set(c.name, c.context);
  }
  const ctx = contexts.get(context);
  if (!ctx) throw new Error(`kube context "${context}" is not in ${source} (known: ${[...contexts.keys()].join(', ') || 'none'})`);
  const cluster = clusters.get(ctx.cluster);
  const user = users.get(ctx.user);
  if (!cluster) throw new Error(`kube context "${context}" names cluster "${ctx.cluster}", which is not defined`);
  if (!user) throw new Error(`kube context "${context}" names user "${ctx.user}", which is not defined`);
  const u = user.v;
  if (u.exec || u['auth-provider']) throw new Error(`kube context "${context}": exec and auth-provider credentials are not supported; use a token or client certificate`);
  const file = (base: string, f: string) => readFileSync(isAbsolute(f) ? f : join(base, f));
  const fileOrData = (base: string, v: Record<string, unknown>, fileKey: string, dataKey: string): Buffer | undefined => {
    if (typeof v[dataKey] === 'string') return Buffer.from(v[dataKey] as string, 'base64');
    if (typeof v[fileKey] === 'string') return file(base, v[fileKey] as string);
    return undefined;
  };
  const tokenFile = typeof u.tokenFile === 'string' ? file(user.base, u.tokenFile).toString('utf8').trim() : undefined;
  return {
    context,
    server: String(cluster.v.server ?? '').replace(/\/+$/, ''),
    ca: fileOrData(cluster.base, cluster.v, 'certificate-authority', 'certificate-authority-data'),
    cert: fileOrData(user.base, u, 'client-certificate', 'client-certificate-data'),
    key: fileOrData(user.base, u, 'client-key', 'client-key-data'),
    token: typeof u.token === 'string' ? u.token : tokenFile,
    insecure: cluster.v['insecure-skip-tls-verify'] === true,
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

/** Sends one JSON request and returns the parsed body. */
export function kubeRequest<T>(conn: KubeConnection, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<T>((resolvePromise, reject) => {
    const req = request(
      `${conn.server}${path}`,
      {
        method,
        ca: conn.ca,
        cert: conn.cert,
        key: conn.key,
        rejectUnauthorized: !conn.insecure,
        timeout: timeoutMs,
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(conn.token ? { authorization: `Bearer ${conn.token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) {
            let reason = text;
            try {
              reason = (JSON.parse(text) as { message?: string }).message ?? text;
            } catch {
              /* not a Status object: keep the raw text */
            }
            reject(new KubeApiError(`${method} ${path} on ${conn.context}: ${res.statusCode} ${reason}`, res.statusCode));
            return;
          }
          resolvePromise(JSON.parse(text) as T);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (e) => reject(new KubeApiError(`${conn.context} (${conn.server}) is unreachable: ${e.message}`)));
    req.end(payload);
  });
}
