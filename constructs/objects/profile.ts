import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { buildProfileKubeconfig } from '../render/kubeconfig';
import {
  CLUSTER_LABEL,
  COMMON_LABELS,
  KUBECONFIG_KEY,
  NAMESPACE_ANNOTATION,
  WORKFLOW_NAMESPACE_ANNOTATION,
  controllerIdentityName,
  namespaceProfileCluster,
  profileSecretName,
  tokenSecretName,
} from '../model/names';
import { validateProps } from './props';
import { type LocalCluster, type RemoteCluster, type StoreRef, topologySchema } from '../model/topology';
import type { RemoteClusterSpec, SecretStoreRefSpec } from '../model/topology-types';

/** What the profile builders need of a topology: the local cluster's name and workflow namespace. */
export interface ProfileScope {
  readonly local: Pick<LocalCluster, 'name' | 'namespace'>;
}

/** Name, namespace, label and annotations of a profile Secret: what the controller selects and obeys. */
export interface ProfileMetadata {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** A remote ServiceAccount token and the CA of its API server, as read from the token Secret. */
export interface RemoteCredentials {
  /** The bearer token (`data.token`, decoded). */
  readonly token: string;
  /** Base64 of the CA bundle (`data.ca.crt` as stored). Not needed with `insecureSkipTLSVerify`. */
  readonly caData?: string;
}

/**
 * The remote namespace a profile serves: the one named, or `""` (any) when the remote has several or cluster access,
 * since one profile per remote cluster is all the controller reads.
 */
export function profileRemoteNamespace(remote: RemoteCluster): string {
  return remote.access === 'namespaced' && remote.namespaces.length === 1 ? remote.namespaces[0] : '';
}

/** One profile of a remote: the cluster name the controller knows it by, and the remote namespace it serves. */
export interface ProfileTarget {
  readonly cluster: string;
  readonly namespace: string;
}

/**
 * The profiles of a remote: one named after it, serving its namespace or any; or, with `profilePerNamespace`, one per
 * namespace, each named `<remote>-<namespace>` (the controller keys profiles by cluster name alone, profile_key.go).
 */
export function profileTargets(remote: RemoteCluster): ProfileTarget[] {
  if (!remote.profilePerNamespace) return [{ cluster: remote.name, namespace: profileRemoteNamespace(remote) }];
  return remote.namespaces.map((namespace) => ({
    cluster: namespaceProfileCluster(remote.name, namespace),
    namespace,
  }));
}

/** Metadata of one profile Secret of a remote, in the local workflow namespace. */
export function profileMetadata(topology: ProfileScope, remote: RemoteCluster, target: ProfileTarget): ProfileMetadata {
  return {
    name: profileSecretName(target.cluster),
    namespace: topology.local.namespace,
    labels: { ...COMMON_LABELS, [CLUSTER_LABEL]: target.cluster },
    annotations: {
      [WORKFLOW_NAMESPACE_ANNOTATION]: remote.workflowNamespace,
      [NAMESPACE_ANNOTATION]: target.namespace,
    },
  };
}

/** Every profile of a topology, in order: each remote's {@link profileTargets}, with its remote and metadata. */
export function allProfiles(
  topology: ProfileScope & { readonly remotes: readonly RemoteCluster[] },
): { remote: RemoteCluster; target: ProfileTarget; metadata: ProfileMetadata }[] {
  return topology.remotes.flatMap((remote) =>
    profileTargets(remote).map((target) => ({ remote, target, metadata: profileMetadata(topology, remote, target) })),
  );
}

/** The profile's kubeconfig for one remote, from its credentials (or template placeholders for them). */
export function profileKubeconfig(
  topology: ProfileScope,
  remote: RemoteCluster,
  credentials: RemoteCredentials,
): string {
  return buildProfileKubeconfig({
    cluster: remote.name,
    server: remote.server,
    user: controllerIdentityName(topology.local.name),
    token: credentials.token,
    caData: credentials.caData,
    insecureSkipTLSVerify: remote.insecureSkipTLSVerify,
  });
}

/**
 * The profile Secret as a plain object; without a kubeconfig it carries no data (the form the checksum covers when
 * credentials are managed outside git).
 */
export function profileSecretManifest(metadata: ProfileMetadata, kubeconfig?: string): Record<string, unknown> {
  const manifest: Record<string, unknown> = { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque' };
  if (kubeconfig !== undefined) manifest.data = { [KUBECONFIG_KEY]: Buffer.from(kubeconfig).toString('base64') };
  return manifest;
}

/**
 * The ExternalSecret that renders a profile Secret on the local cluster from a store key holding the remote token
 * (and CA), so no credential is in git. The labels and annotations are in the template: ESO writes them with the
 * Secret in one create, which a running controller requires.
 */
export function externalProfileManifest(
  topology: ProfileScope,
  remote: RemoteCluster,
  store: StoreRef,
  target: ProfileTarget,
): Record<string, unknown> {
  const metadata = profileMetadata(topology, remote, target);
  const key = (store.key ?? tokenSecretName(topology.local.name, remote.tokenGeneration)).replace(
    /\{remote\}/g,
    remote.name,
  );
  const data = [{ secretKey: 'token', remoteRef: { key, property: 'token' } }];
  if (!remote.insecureSkipTLSVerify) data.push({ secretKey: 'ca', remoteRef: { key, property: 'ca.crt' } });
  const kubeconfig = profileKubeconfig(topology, remote, { token: '{{ .token }}', caData: '{{ .ca | b64enc }}' });
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: metadata.name, namespace: metadata.namespace },
    spec: {
      refreshInterval: store.refreshInterval,
      secretStoreRef: { kind: store.kind, name: store.name },
      target: {
        name: metadata.name,
        creationPolicy: 'Owner',
        template: {
          engineVersion: 'v2',
          type: 'Opaque',
          metadata: { labels: metadata.labels, annotations: metadata.annotations },
          data: { [KUBECONFIG_KEY]: kubeconfig },
        },
      },
      data,
    },
  };
}

/** Props of {@link Profile}: the clusters it connects, and either the credentials or the store that holds them. */
export interface ProfileProps {
  /** The local cluster: its name (the controller identity's) and workflow namespace (where the profile lives). */
  readonly local: { readonly name: string; readonly namespace?: string };
  /** The remote cluster, as a topology file gives it. */
  readonly remote: RemoteClusterSpec;
  /** The remote token and CA: the profile is a Secret holding the kubeconfig (in clear: encrypt it before git). */
  readonly credentials?: RemoteCredentials;
  /** The external-secrets.io store holding the token and CA: the profile is an ExternalSecret. */
  readonly store?: SecretStoreRefSpec;
  /**
   * With `remote.profilePerNamespace` (required then, refused otherwise): the one namespace of `remote.namespaces`
   * this profile serves; its cluster name is `<remote>-<namespace>`.
   */
  readonly servedNamespace?: string;
}

const local = topologySchema.shape.local.shape;
const remoteSchema = topologySchema.shape.remotes.element;
/** The props, checked with the topology's own field rules. */
const propsSchema = z
  .strictObject({
    local: z.strictObject({ name: local.name, namespace: local.namespace }),
    remote: remoteSchema,
    credentials: z
      .strictObject({
        token: z.string().min(1, 'must not be empty'),
        caData: z
          .string()
          .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 (data.ca.crt of the token Secret as stored)')
          .optional(),
      })
      .optional(),
    store: remoteSchema.shape.secretStore.unwrap().optional(),
    servedNamespace: z.string().optional(),
  })
  .superRefine((p, ctx) => {
    if (
      p.remote.profilePerNamespace &&
      (p.servedNamespace === undefined || !p.remote.namespaces.includes(p.servedNamespace))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['servedNamespace'],
        message: `must be one of remote.namespaces (${p.remote.namespaces.join(', ')}) with remote.profilePerNamespace`,
      });
    }
    if (!p.remote.profilePerNamespace && p.servedNamespace !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['servedNamespace'],
        message:
          'is only for a remote with profilePerNamespace: true (otherwise the one profile serves its namespaces)',
      });
    }
    if ((p.credentials === undefined) === (p.store === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'needs exactly one of credentials (a Secret) or store (an ExternalSecret)',
      });
    }
    if (p.credentials && !p.credentials.caData && !p.remote.insecureSkipTLSVerify) {
      ctx.addIssue({
        code: 'custom',
        path: ['credentials', 'caData'],
        message: 'is required unless remote.insecureSkipTLSVerify is true',
      });
    }
  });

/**
 * A profile object in a chart: the Secret (from credentials) or ExternalSecret (from a store) for one remote, or for
 * one of its namespaces with `profilePerNamespace`.
 */
export class Profile extends Construct {
  /** The object as written, for the controller's checksum. */
  readonly manifest: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: ProfileProps) {
    super(scope, id);
    const p = validateProps('Profile', propsSchema, props);
    const topology: ProfileScope = { local: p.local };
    const remote: RemoteCluster = {
      ...p.remote,
      context: p.remote.context ?? p.remote.name,
      workflowNamespace: p.remote.workflowNamespace ?? p.local.namespace,
    };
    const target = profileTargets(remote).find(
      (t) => !remote.profilePerNamespace || t.namespace === p.servedNamespace,
    )!;
    this.manifest = p.store
      ? externalProfileManifest(topology, remote, p.store, target)
      : profileSecretManifest(
          profileMetadata(topology, remote, target),
          profileKubeconfig(topology, remote, p.credentials!),
        );
    const { apiVersion, kind, metadata, ...rest } = this.manifest as {
      apiVersion: string;
      kind: string;
      metadata: ProfileMetadata;
    };
    new ApiObject(this, 'Resource', { apiVersion, kind, metadata, ...rest });
  }
}
