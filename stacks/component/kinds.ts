import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { Manifest } from '../../constructs';

// Each class takes its own args type; what a manifest holds is the constructs' to get right and the API server's to check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * The typed @pulumi/kubernetes class of each kind the constructs write. Typed resources get the provider's await
 * logic (a token Secret is waited on until the token controller fills it) and its secret handling of Secret data.
 */
const KINDS: Record<string, Ctor> = {
  'v1/Namespace': k8s.core.v1.Namespace,
  'v1/ServiceAccount': k8s.core.v1.ServiceAccount,
  'v1/Secret': k8s.core.v1.Secret,
  'v1/ConfigMap': k8s.core.v1.ConfigMap,
  'v1/Service': k8s.core.v1.Service,
  'policy/v1/PodDisruptionBudget': k8s.policy.v1.PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': k8s.rbac.v1.Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': k8s.rbac.v1.RoleBinding,
  'rbac.authorization.k8s.io/v1/ClusterRole': k8s.rbac.v1.ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': k8s.rbac.v1.ClusterRoleBinding,
  'apps/v1/Deployment': k8s.apps.v1.Deployment,
  'scheduling.k8s.io/v1/PriorityClass': k8s.scheduling.v1.PriorityClass,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': k8s.apiextensions.v1.CustomResourceDefinition,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': k8s.admissionregistration.v1.ValidatingAdmissionPolicy,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding':
    k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding,
};

/** Registers one object with its typed class, or as a CustomResource for kinds Kubernetes does not define. */
export function registerManifest(
  name: string,
  manifest: Manifest,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
  const Kind = KINDS[`${manifest.apiVersion}/${manifest.kind}`];
  if (Kind) return new Kind(name, manifest, opts);
  return new k8s.apiextensions.CustomResource(name, manifest as k8s.apiextensions.CustomResourceArgs, opts);
}

/** Logical name of an object: readable in previews and stable, so renaming nothing replaces nothing. */
export function logicalName(cluster: string, m: Manifest): string {
  return [cluster, m.kind, m.metadata.namespace, m.metadata.name].filter(Boolean).join('/');
}
