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

const QUANTITY = /^[+]?(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|([numkMGTPE]|[KMGTPE]i))?$/;
const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * The value of a resource quantity (`100m`, `128Mi`, `1e3`, or a number), to compare two of them; undefined when it is
 * not one. A double is precise enough to order the quantities a container is given.
 */
export function quantityValue(quantity: unknown): number | undefined {
  if (typeof quantity === 'number') return Number.isFinite(quantity) ? quantity : undefined;
  if (typeof quantity !== 'string') return undefined;
  const m = QUANTITY.exec(quantity);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] !== undefined ? 10 ** Number(m[2]) : m[3] !== undefined ? SUFFIX[m[3]] : 1);
}
