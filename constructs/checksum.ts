import { createHash } from 'node:crypto';

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/**
 * SHA-256 over the controller's config and its profiles. A running controller reads profiles only when they appear,
 * so this value sits on the pod template: any change to either rolls the controller. The stack calls it again with
 * the real kubeconfigs, so a rotated token rolls it too.
 */
export function controllerChecksum(configData: Readonly<Record<string, string>>, profiles: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(sorted({ config: configData, profiles }))).digest('hex');
}
