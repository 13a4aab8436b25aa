/**
 * The Pulumi project (the `name` in Pulumi.yaml), which is also the namespace of the program's config keys. Here, free
 * of Pulumi imports, so that the CLI can name stacks and config keys without loading the optional Pulumi packages.
 */
export const PROJECT = 'argo-multicluster';

/** A config key of the program, as `pulumi config` names it: `argo-multicluster:<key>`. */
export function configKey(key: string): string {
  return `${PROJECT}:${key}`;
}

/**
 * The stack of a remote part by the naming convention: the local part's stack name, a dash, the remote's name
 * (local stack `prod`, remote stacks `prod-cluster-1`, `prod-cluster-2`, ...).
 */
export function remoteStackName(localStack: string, remote: string): string {
  return `${localStack}-${remote}`;
}

/**
 * The part a stack applied, read from its last outputs: `remote:<name>` (it exports `cluster`), `local` (it exports
 * `missingProfiles`), `all` (only `profiles`), or undefined for a stack that never completed an `up`.
 */
export function partOfOutputs(outputs: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof outputs.cluster === 'string') return `remote:${outputs.cluster}`;
  if ('missingProfiles' in outputs) return 'local';
  if ('profiles' in outputs) return 'all';
  return undefined;
}
