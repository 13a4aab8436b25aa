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

/**
 * Why `name` is not a namespace name, or undefined: what the API server and a request path take (a DNS-1123 label of at
 * most 63 characters), with what would be valid.
 */
export function namespaceNameProblem(name: string): string | undefined {
  return name.length <= 63 && DNS1123_LABEL.test(name)
    ? undefined
    : 'is not a namespace name; valid: a DNS-1123 label (lower-case letters, digits and "-", starting and ending alphanumeric, at most 63 characters)';
}

/** A container's `imagePullPolicy`. */
export const imagePullPolicySchema = z.enum(['Always', 'IfNotPresent', 'Never']);
/** A container's `imagePullPolicy`. */
export type ImagePullPolicy = z.infer<typeof imagePullPolicySchema>;

/** A resource quantity as the API server parses it: a decimal, then an exponent or an SI or binary suffix. */
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

/** Why `key` is not a Kubernetes qualified name (`[prefix/]name`, as label and annotation keys are), or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return 'has a prefix that is not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", at most 253 characters)';
  }
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return 'is not a qualified name: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric, with an optional "<dns-subdomain>/" prefix';
  }
  return undefined;
}

/** A qualified name (a label key, a toleration key). */
export const qualifiedNameSchema = z.string().superRefine((key, ctx) => {
  const problem = qualifiedNameProblem(key);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A label value of at most 63 characters: empty, or alphanumeric at both ends. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A label value. */
export const labelValueSchema = z
  .string()
  .max(63, 'must be at most 63 characters (it is a label value)')
  .regex(
    LABEL_VALUE,
    'must be a label value: empty, or letters, digits, "-", "_" and ".", starting and ending alphanumeric',
  );

/** A map whose keys are qualified names (labels, annotations); checked here so the message says what is wrong. */
export function qualifiedKeyMap<V extends z.ZodType>(value: V) {
  return z.record(z.string(), value).superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      const problem = qualifiedNameProblem(key);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: `key ${problem}` });
    }
  });
}

/** The API server's limit on an object's annotations, keys and values together (TotalAnnotationSizeLimitB). */
export const MAX_ANNOTATION_BYTES = 256 * 1024;

/** The bytes annotations take against {@link MAX_ANNOTATION_BYTES}: keys and values together. */
export function annotationBytes(annotations: Readonly<Record<string, string>>): number {
  return Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

/** A map of label keys to label values, as `nodeSelector` and `podLabels` take. */
export const labelsSchema = qualifiedKeyMap(labelValueSchema);

/** An object's annotations: qualified keys, and no more bytes than the API server takes. */
export const annotationsSchema = qualifiedKeyMap(z.string()).refine((a) => annotationBytes(a) <= MAX_ANNOTATION_BYTES, {
  message: `must be at most ${MAX_ANNOTATION_BYTES} bytes (256 KiB), keys and values together, as the API server takes`,
});

/** A Kubernetes resource quantity such as `100m`, `128Mi` or `1.5`. */
export const quantitySchema = z.union([
  z.string().regex(QUANTITY, 'must be a Kubernetes quantity such as 100m, 128Mi or 2'),
  z.number().nonnegative(),
]);

/** The resources a container may request without a domain prefix (`ValidateResourceName` of the core API). */
const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

/**
 * Why `name` is not a resource a container may request or be limited to, or undefined: the standard ones, huge pages
 * (`hugepages-2Mi`) and extended resources with a domain (`nvidia.com/gpu`), as the API server takes them.
 */
export function resourceNameProblem(name: string): string | undefined {
  const valid = `valid: ${STANDARD_CONTAINER_RESOURCES.join(', ')}, hugepages-<size> (hugepages-2Mi) or an extended resource <domain>/<name> (nvidia.com/gpu)`;
  if (name.includes('/')) {
    const problem = qualifiedNameProblem(name);
    return problem ? `${problem}; ${valid}` : undefined;
  }
  if (STANDARD_CONTAINER_RESOURCES.includes(name)) return undefined;
  if (name.startsWith('hugepages-') && QUANTITY.test(name.slice('hugepages-'.length))) return undefined;
  return `is not a container resource; ${valid}`;
}

/**
 * Whether a container may request less of `resource` than its limit: the API server's `IsOvercommitAllowed`, true for
 * the native resources but huge pages; extended resources (`nvidia.com/gpu`) and huge pages need request = limit.
 */
export function isOvercommittable(resource: string): boolean {
  const native = !resource.includes('/') || resource.includes('kubernetes.io/');
  return native && !resource.startsWith('hugepages-');
}
