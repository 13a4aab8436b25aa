import { stringify } from 'yaml';

/** What a profile's kubeconfig needs to reach a remote API server as the controller's ServiceAccount. */
export interface ProfileKubeconfigProps {
  /** The remote cluster's name: the kubeconfig's cluster and context are named after it. */
  readonly cluster: string;
  /** The API server URL as the controller pod reaches it. */
  readonly server: string;
  /** The ServiceAccount the token belongs to: the kubeconfig's user is named after it. */
  readonly user: string;
  /** The bearer token (or a template placeholder for it). */
  readonly token: string;
  /**
   * Base64 of the CA bundle that signed the server's certificate (or a template placeholder for it).
   * Required unless `insecureSkipTLSVerify` is true.
   */
  readonly caData?: string;
  /**
   * Skip TLS verification instead of trusting `caData`.
   * @default false
   */
  readonly insecureSkipTLSVerify?: boolean;
}

/**
 * Builds the kubeconfig a profile Secret carries: one cluster, one user, one context, and `current-context` set to
 * it, because the controller always uses the current context. The one builder for synth, `profile` and the stack.
 */
export function buildProfileKubeconfig(props: ProfileKubeconfigProps): string {
  const cluster: Record<string, unknown> = { server: props.server };
  if (props.insecureSkipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  else if (props.caData) cluster['certificate-authority-data'] = props.caData;
  else throw new Error(`kubeconfig for ${props.cluster}: caData is required unless insecureSkipTLSVerify is set`);
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: props.cluster, cluster }],
      users: [{ name: props.user, user: { token: props.token } }],
      contexts: [{ name: props.cluster, context: { cluster: props.cluster, user: props.user } }],
      'current-context': props.cluster,
    },
    { lineWidth: 0 },
  );
}
