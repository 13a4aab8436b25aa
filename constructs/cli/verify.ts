import type { k8s } from 'cdk8s-plus-33';
import { byCodePoint } from '../render/order';
import { CLUSTER_LABEL, KUBECONFIG_KEY, NAMESPACE_ANNOTATION } from '../model/names';
import { REMOTE_RULES, REMOTE_WATCH_RULES, REMOTE_WRITE_RULES } from '../objects/rbac-rules';
import type { Topology } from '../model/topology';
import { KubeConnection, connect, connectWithKubeconfigText, kubeRequest } from './kube-client';

/** One access Argo needs: a verb on a resource in a namespace (`''` = cluster-wide). */
interface Need {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace: string;
}

/** The outcome for one remote cluster. */
export interface RemoteReport {
  readonly cluster: string;
  readonly server: string;
  readonly profile: string;
  /** Each need and whether the remote server allows it; absent when the remote could not be asked. */
  readonly checks?: readonly (Need & { readonly allowed: boolean })[];
  /** Why the remote could not be asked. */
  readonly error?: string;
  /** What could not be checked, and how to check it. */
  readonly unchecked?: string;
}

interface SecretList {
  items: {
    metadata: {
      name: string;
      namespace?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    data?: Record<string, string>;
  }[];
}

const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json';

/** What `verify` found among the labelled Secrets of the whole local cluster. */
export interface ProfileAudit {
  /** Labelled Secrets outside the profile namespace (`namespace/name` and the cluster they claim). */
  readonly outside: readonly { readonly secret: string; readonly cluster: string }[];
  /** Cluster names claimed by more than one labelled Secret, with those Secrets (`namespace/name`). */
  readonly duplicates: readonly { readonly cluster: string; readonly secrets: readonly string[] }[];
  /** Why the cluster could not be searched (e.g. no right to list Secrets in all namespaces). */
  readonly error?: string;
}

/** The outcome of `verify`: one report per profile, and the audit of every labelled Secret. */
export interface VerifyResult {
  readonly remotes: readonly RemoteReport[];
  readonly audit: ProfileAudit;
}

function needs(rules: readonly k8s.PolicyRule[], namespace: string): Need[] {
  return rules.flatMap((r) =>
    r.resources!.flatMap((resource) => r.verbs.map((verb) => ({ verb, group: r.apiGroups![0], resource, namespace }))),
  );
}

/**
 * What the controller needs through a profile: the same rules the constructs grant, so a check can never drift
 * from what is provisioned. A profile that serves one namespace needs everything there; one that serves any namespace
 * needs list and watch cluster-wide and the writes in each namespace workflows use, which only the topology names.
 */
function profileNeeds(servedNamespace: string, namespaces: readonly string[] | undefined): Need[] {
  if (servedNamespace !== '') return needs(REMOTE_RULES, servedNamespace);
  return [...needs(REMOTE_WATCH_RULES, ''), ...(namespaces ?? []).flatMap((ns) => needs(REMOTE_WRITE_RULES, ns))];
}

/**
 * Finds every Secret labelled as a profile in the whole local cluster: a controller without `--namespaced` reads them
 * from every namespace, and the first one per cluster name wins, so one outside the profile namespace or a second one
 * for a cluster name can redirect workflow pods.
 */
async function auditProfileSecrets(local: KubeConnection, namespace: string): Promise<ProfileAudit> {
  let all: SecretList;
  try {
    // Metadata only: the data of Secrets in other namespaces is none of verify's business.
    all = await kubeRequest<SecretList>(
      local,
      'GET',
      `/api/v1/secrets?labelSelector=${encodeURIComponent(CLUSTER_LABEL)}`,
      undefined,
      10_000,
      METADATA_ONLY,
    );
  } catch (e) {
    return { outside: [], duplicates: [], error: (e as Error).message };
  }
  const key = (m: SecretList['items'][number]['metadata']) => `${m.namespace ?? ''}/${m.name}`;
  const items = all.items.map((i) => i.metadata).sort((a, b) => byCodePoint(key(a), key(b)));
  const byCluster = new Map<string, string[]>();
  for (const m of items) {
    const cluster = m.labels?.[CLUSTER_LABEL] ?? '';
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), key(m)]);
  }
  return {
    outside: items
      .filter((m) => m.namespace !== namespace)
      .map((m) => ({ secret: key(m), cluster: m.labels?.[CLUSTER_LABEL] ?? '' })),
    duplicates: [...byCluster]
      .filter(([, secrets]) => secrets.length > 1)
      .map(([cluster, secrets]) => ({ cluster, secrets })),
  };
}

async function allowed(conn: KubeConnection, need: Need): Promise<boolean> {
  const [resource, subresource] = need.resource.split('/');
  const review = await kubeRequest<{ status?: { allowed?: boolean } }>(
    conn,
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          namespace: need.namespace || undefined,
          verb: need.verb,
          group: need.group,
          resource,
          subresource,
        },
      },
    },
  );
  return review.status?.allowed === true;
}

/**
 * Reads the profile Secrets from the local cluster and asks each remote, with the profile's own credentials, whether
 * every access Argo needs is granted; and audits the labelled Secrets of the whole local cluster.
 */
export async function verifyProfiles(opts: {
  context: string;
  kubeconfig?: string;
  namespace: string;
  topology?: Topology;
}): Promise<VerifyResult> {
  const local = await connect(opts.context, opts.kubeconfig);
  const audit = await auditProfileSecrets(local, opts.namespace);
  const selector = encodeURIComponent(CLUSTER_LABEL);
  const secrets = await kubeRequest<SecretList>(
    local,
    'GET',
    `/api/v1/namespaces/${opts.namespace}/secrets?labelSelector=${selector}`,
  );
  const reports: RemoteReport[] = [];
  for (const secret of secrets.items.sort((a, b) => byCodePoint(a.metadata.name, b.metadata.name))) {
    const cluster = secret.metadata.labels?.[CLUSTER_LABEL] ?? '';
    const profile = `${opts.namespace}/${secret.metadata.name}`;
    const text = secret.data?.[KUBECONFIG_KEY];
    if (!text) {
      reports.push({ cluster, server: '', profile, error: `profile ${profile} has no data.${KUBECONFIG_KEY}` });
      continue;
    }
    let conn: KubeConnection;
    try {
      conn = connectWithKubeconfigText(Buffer.from(text, 'base64').toString('utf8'), `profile ${profile}`);
    } catch (e) {
      reports.push({ cluster, server: '', profile, error: (e as Error).message });
      continue;
    }
    const served = secret.metadata.annotations?.[NAMESPACE_ANNOTATION] ?? opts.namespace;
    const remote = opts.topology?.remotes.find((r) => r.name === cluster);
    try {
      const list = profileNeeds(served, remote?.namespaces);
      const results = await Promise.all(list.map(async (n) => ({ ...n, allowed: await allowed(conn, n) })));
      const unchecked =
        served === '' && !remote
          ? `the profile serves any namespace; pass -f TOPOLOGY naming ${cluster} to check the writes in its namespaces`
          : undefined;
      reports.push({ cluster, server: conn.server, profile, checks: results, unchecked });
    } catch (e) {
      reports.push({ cluster, server: conn.server, profile, error: (e as Error).message });
    }
  }
  return { remotes: reports, audit };
}

/** What the audit found, as lines, and whether it found nothing wrong. */
function formatAudit(audit: ProfileAudit, namespace: string): { lines: string[]; ok: boolean } {
  if (audit.error)
    return { lines: [`labelled Secrets in other namespaces: not checked (${audit.error})`, ''], ok: true };
  const lines: string[] = [];
  for (const o of audit.outside) {
    lines.push(
      `ROGUE PROFILE: ${o.secret} claims cluster ${o.cluster} outside namespace ${namespace}; a controller without --namespaced may use it`,
    );
  }
  for (const d of audit.duplicates) {
    lines.push(
      `DUPLICATE PROFILES for cluster ${d.cluster}: ${d.secrets.join(', ')}; the controller uses whichever it sees first`,
    );
  }
  if (lines.length) lines.push('');
  return { lines, ok: lines.length === 0 };
}

/** A table per remote, the audit's findings, and whether every need of every remote is met and nothing was flagged. */
export function formatReports(result: VerifyResult, namespace: string): { text: string; ok: boolean } {
  const reports = result.remotes;
  const audit = formatAudit(result.audit, namespace);
  if (!reports.length)
    return {
      text: `${[...audit.lines, `no profile Secrets (label ${CLUSTER_LABEL}) in namespace ${namespace}`].join('\n')}\n`,
      ok: false,
    };
  let ok = true;
  const lines: string[] = [...audit.lines];
  for (const r of reports) {
    lines.push(`${r.cluster} (${r.server || 'server unknown'}) via profile ${r.profile}`);
    if (r.error) {
      ok = false;
      lines.push(`  UNREACHABLE: ${r.error}`, '');
      continue;
    }
    const rows = r.checks!.map((c) => [
      c.allowed ? 'ok' : 'MISSING',
      c.verb,
      c.group ? `${c.resource}.${c.group}` : c.resource,
      c.namespace || '(all namespaces)',
    ]);
    const widths = [0, 1, 2].map((i) =>
      Math.max(...rows.map((row) => row[i].length), ['NEED', 'VERB', 'RESOURCE'][i].length),
    );
    // The last column is not padded: no trailing blanks.
    const fmt = (row: string[]) => `  ${[...widths.map((width, i) => row[i].padEnd(width)), row[3]].join('  ')}`;
    lines.push(fmt(['NEED', 'VERB', 'RESOURCE', 'NAMESPACE']), ...rows.map(fmt));
    if (r.unchecked) lines.push(`  not checked: ${r.unchecked}`);
    lines.push('');
    if (r.checks!.some((c) => !c.allowed)) ok = false;
  }
  lines.push(ok ? 'all needs met' : 'some needs are not met');
  if (!audit.ok) lines.push('some labelled Secrets are flagged (see above)');
  return { text: `${lines.join('\n')}\n`, ok: ok && audit.ok };
}
