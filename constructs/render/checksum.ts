import { createHash } from 'node:crypto';

/** What the controller's pod-template checksum covers, besides the profiles. */
export interface RolloutInputs {
  /** The controller ConfigMap's data. */
  readonly config: Readonly<Record<string, string>>;
  /** The controller and executor images. */
  readonly images: { readonly controller: string; readonly executor: string };
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * SHA-256 over the controller's config, images and profiles. A running controller reads its ConfigMap and profiles
 * only at start, so this value sits on the pod template: any change to them rolls the controller. The stack calls it
 * again with the real kubeconfigs, so a rotated token rolls it too.
 */
export function controllerChecksum(inputs: RolloutInputs, profiles: readonly unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify(sorted({ ...inputs, profiles })))
    .digest('hex');
}
