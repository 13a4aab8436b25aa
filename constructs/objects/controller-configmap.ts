import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-33';
import { ControllerConfig, DELETING_POD_GC_STRATEGIES } from '../model/controller-config-schema';
import { z } from 'zod';
import { CONTROLLER_CONFIGMAP } from '../model/names';
import { validateProps } from './props';
import { topologySchema } from '../model/topology';
import { libraryYaml, scalarText } from '../render/yaml-writer';

/** Props of {@link WorkflowControllerConfigMap}. */
export interface WorkflowControllerConfigMapProps {
  /** Local workflow namespace, where the controller runs. */
  readonly namespace: string;
  /** The local cluster's unique name, written as `data.cluster`; it must never change once set. */
  readonly clusterName: string;
  /**
   * Other controller config keys, one data key each.
   * @default {} (plus the podGC default below)
   */
  readonly config?: ControllerConfig;
}

/**
 * The controller config in the per-key form, which the `cluster` key requires: scalars as text, nested values as
 * YAML text with sorted keys so the bytes (and the controller's checksum) change only when the content does, quoted
 * wherever a YAML 1.1 reader (the controller) would take a string for something else.
 */
export function controllerConfigData(clusterName: string, config: ControllerConfig = {}): Record<string, string> {
  const withDefaults = { ...config, workflowDefaults: withPodGcDefault(config.workflowDefaults) };
  const data: Record<string, string> = { cluster: clusterName };
  for (const [key, value] of Object.entries(withDefaults)) {
    if (value === undefined) continue;
    // The controller joins the data back into `key: value` lines and parses them as YAML (1.1): a string such as
    // "#ff0000" or "yes" must stay quoted to stay a string.
    data[key] =
      typeof value === 'object' ? libraryYaml(value) : typeof value === 'string' ? scalarText(value) : String(value);
  }
  return data;
}

/**
 * Remote pods carry no owner reference, so Kubernetes never collects them: unless the user chose a strategy, delete
 * each pod once its workflow has completed.
 */
function withPodGcDefault(
  defaults: ControllerConfig['workflowDefaults'],
): NonNullable<ControllerConfig['workflowDefaults']> {
  const spec = (defaults?.spec ?? {}) as Record<string, unknown>;
  const podGC = (spec.podGC ?? {}) as Record<string, unknown>;
  if (podGC.strategy !== undefined) return defaults!;
  const strategy: (typeof DELETING_POD_GC_STRATEGIES)[number] = 'OnWorkflowCompletion';
  return { ...defaults, spec: { ...spec, podGC: { ...podGC, strategy } } };
}

/** The `workflow-controller-configmap` ConfigMap with `data.cluster` and the controller's other keys. */
const local = topologySchema.shape.local.shape;
/** The props, checked with the topology's own field rules. */
const propsSchema = z.strictObject({
  namespace: local.namespace.unwrap(),
  clusterName: local.name,
  config: local.controller.shape.config.unwrap().optional(),
});

export class WorkflowControllerConfigMap extends Construct {
  /** The ConfigMap's data, as written. */
  readonly data: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, given: WorkflowControllerConfigMapProps) {
    super(scope, id);
    const props = validateProps('WorkflowControllerConfigMap', propsSchema, given);
    this.data = controllerConfigData(props.clusterName, props.config);
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: CONTROLLER_CONFIGMAP, namespace: props.namespace },
      data: { ...this.data },
    });
  }
}
