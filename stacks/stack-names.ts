/**
 * The stack of a remote part by the naming convention: the local part's stack name, a dash, the remote's name
 * (local stack `prod`, remote stacks `prod-cluster-1`, `prod-cluster-2`, ...). Free of Pulumi imports, so the CLI
 * can name stacks without loading the optional Pulumi packages.
 */
export function remoteStackName(localStack: string, remote: string): string {
  return `${localStack}-${remote}`;
}
