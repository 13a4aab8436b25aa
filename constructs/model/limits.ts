import type { ControllerConfig } from './controller-config-schema';
import { controllerConfigData } from '../objects/controller-configmap';
import { CONTROLLER_CONFIGMAP } from './names';
import type { TopologyIssue } from './validate';

/**
 * The API server's size limits, checked on the topology so that `validate` refuses what the server would. The
 * controller ConfigMap is the one object whose size the user controls beyond what the schema bounds (every name and
 * label, and the pod annotations' 256 KiB in pod-settings.ts); a ConfigMap's data may hold at most 1 MiB, which also
 * keeps it under etcd's 1.5 MiB request limit.
 */

/** The most data a ConfigMap may hold: the API server's `MaxSecretSize`, which it applies to ConfigMaps too. */
export const MAX_CONFIGMAP_DATA_BYTES = 1024 * 1024;

/** Problems with the size of what the topology makes, named by the field that makes it too big. */
export function apiLimitIssues(local: {
  readonly name: string;
  readonly controller: { readonly config: ControllerConfig };
}): TopologyIssue[] {
  // The controller joins the data into `key: value` lines and parses them as YAML: a plain value must stay on one line.
  const multiLine = Object.entries(local.controller.config).filter(
    ([, v]) => typeof v === 'string' && /[\n\r]/.test(v),
  );
  if (multiLine.length) {
    return multiLine.map(([key, value]) => ({
      path: `local.controller.config.${key}`,
      value,
      message:
        'spans lines; the controller reads each key of its ConfigMap as one `key: value` line, so this value must be one line',
    }));
  }
  const data = controllerConfigData(local.name, local.controller.config);
  const sizes = Object.entries(data).map(([key, value]) => [key, Buffer.byteLength(value)] as const);
  const total = sizes.reduce((sum, [, n]) => sum + n, 0);
  if (total <= MAX_CONFIGMAP_DATA_BYTES) return [];
  const [largest, bytes] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
  return [
    {
      path: `local.controller.config.${largest}`,
      value: undefined,
      noValue: true,
      message:
        `makes ${bytes} of the ${total} bytes of ConfigMap ${CONTROLLER_CONFIGMAP}'s data; ` +
        `the API server takes at most ${MAX_CONFIGMAP_DATA_BYTES} bytes (1 MiB) in one ConfigMap`,
    },
  ];
}
