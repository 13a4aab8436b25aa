import { TopologyError, unknownClusterIssues } from '../../constructs';

/**
 * Applies the stack config `tokenGenerations` (remote cluster name to token generation) to the raw topology, so that
 * rotating a remote's token is one config change: `pulumi config set --path 'argo-multicluster:tokenGenerations.<remote>' N`.
 * The engine then creates the new token Secret, rewrites the profile from it, rolls the controller (the checksum
 * covers the profile) and deletes the old token Secret last, as it deletes every resource a program no longer has.
 * @returns the topology paths set, each with the config key that set it (for error messages)
 * @throws TopologyError when the value is not an object of remote cluster names
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads raw input before (or after failing) validation
export function applyTokenGenerations(raw: any, value: unknown, key: string): Map<string, string> {
  const overridden = new Map<string, string>();
  if (value === undefined) return overridden;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TopologyError(
      [{ path: key, value, message: 'must be an object of remote cluster name to token generation' }],
      'stack config',
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads raw input before (or after failing) validation
  const remotes: any[] = Array.isArray(raw?.remotes) ? raw.remotes : [];
  const names = remotes.map((r) => r?.name);
  const unknown = Object.keys(value).flatMap((cluster) =>
    unknownClusterIssues(`${key}.${cluster}`, cluster, names, 'remote'),
  );
  if (unknown.length) throw new TopologyError(unknown, 'stack config');
  for (const [cluster, generation] of Object.entries(value)) {
    const i = names.indexOf(cluster);
    // `pulumi config set --path` may store a number as its text.
    remotes[i].tokenGeneration =
      typeof generation === 'string' && /^\d+$/.test(generation) ? Number(generation) : generation;
    overridden.set(`remotes[${i}].tokenGeneration`, `${key}.${cluster}`);
  }
  return overridden;
}
