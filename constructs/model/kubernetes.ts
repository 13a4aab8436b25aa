import { z } from 'zod';

/**
 * What the Kubernetes API server itself enforces on the values the topology passes through to objects, so that a bad
 * value fails `validate`, not `kubectl apply`.
 */

/** A DNS-1123 label (namespaces, label values of at most 63 characters). */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain (most object names), at most 253 characters. */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name part of a qualified name (label and annotation keys), at most 63 characters. */
export const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A container's `imagePullPolicy`. */
export const imagePullPolicySchema = z.enum(['Always', 'IfNotPresent', 'Never']);
/** A container's `imagePullPolicy`. */
export type ImagePullPolicy = z.infer<typeof imagePullPolicySchema>;
