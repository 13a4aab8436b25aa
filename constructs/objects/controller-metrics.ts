import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { z } from 'zod';
import { CONTROLLER_NAME } from '../model/names';
import {
  CONTROLLER_SELECTOR,
  DEFAULT_METRICS_SERVICE_PORT,
  METRICS_PORT_NAME,
  controllerLabels,
  controllerObjectsIssues,
  controllerObjectsShape,
  metricsEndpoint,
} from '../model/controller-objects';
import { topologySchema } from '../model/topology';
import { validateProps } from './props';

/**
 * Where the controller serves metrics, read from the ConfigMap data it is given (the `metricsConfig` key, YAML text),
 * so that the container port, the Service's target and the ServiceMonitor's path have the controller's own config as
 * their one source.
 */
export function metricsEndpointOfData(config: Readonly<Record<string, string>>): ReturnType<typeof metricsEndpoint> {
  return metricsEndpoint({
    metricsConfig: config.metricsConfig === undefined ? undefined : parse(config.metricsConfig),
  });
}

/** Props of {@link ControllerMetrics}. */
export interface ControllerMetricsProps {
  /** Local workflow namespace, where the controller runs. */
  readonly namespace: string;
  /** The data of the controller's ConfigMap: its `metricsConfig` says where the controller serves metrics. */
  readonly config: Readonly<Record<string, string>>;
  /** The controller image, whose tag the `app.kubernetes.io/version` label carries. */
  readonly image: string;
  /**
   * The `app.kubernetes.io/instance` label: the local cluster's name.
   * @default no such label
   */
  readonly instance?: string;
  /**
   * The metrics Service (`controller.metricsConfig` of the Helm chart): `enabled`, `servicePort` (default 8080),
   * `servicePortName` (default `metrics`) and the ServiceMonitor's scrape `interval`.
   * @default no Service
   */
  readonly metricsConfig?: {
    readonly enabled?: boolean;
    readonly servicePort?: number;
    readonly servicePortName?: string;
    readonly interval?: string;
  };
  /**
   * A prometheus-operator ServiceMonitor for the metrics Service: `enabled`, `additionalLabels` (for a Prometheus
   * whose `serviceMonitorSelector` wants them).
   * @default none
   */
  readonly serviceMonitor?: {
    readonly enabled?: boolean;
    readonly additionalLabels?: Readonly<Record<string, string>>;
  };
}

const propsSchema = z
  .strictObject({
    namespace: topologySchema.shape.local.shape.namespace.unwrap(),
    config: z.record(z.string(), z.string()),
    image: topologySchema.shape.local.shape.controller.shape.image,
    instance: topologySchema.shape.local.shape.name.optional(),
    metricsConfig: controllerObjectsShape.metricsConfig,
    serviceMonitor: controllerObjectsShape.serviceMonitor,
  })
  .superRefine((p, ctx) => {
    const metricsConfig = p.config.metricsConfig === undefined ? undefined : parse(p.config.metricsConfig);
    for (const [path, message] of controllerObjectsIssues({ ...p, config: { metricsConfig } }))
      ctx.addIssue({ code: 'custom', path, message });
  });

/** The controller's metrics Service and, on request, a ServiceMonitor that scrapes it. */
export class ControllerMetrics extends Construct {
  constructor(scope: Construct, id: string, given: ControllerMetricsProps) {
    super(scope, id);
    const props = validateProps('ControllerMetrics', propsSchema, given);
    if (!props.metricsConfig?.enabled) return;
    const endpoint = metricsEndpointOfData(props.config);
    const labels = { ...controllerLabels(props.image, props.instance), ...CONTROLLER_SELECTOR };
    const portName = props.metricsConfig.servicePortName ?? METRICS_PORT_NAME;
    new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: CONTROLLER_NAME, namespace: props.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: CONTROLLER_SELECTOR,
        ports: [
          {
            name: portName,
            port: props.metricsConfig.servicePort ?? DEFAULT_METRICS_SERVICE_PORT,
            protocol: 'TCP',
            targetPort: endpoint.port,
          },
        ],
      },
    });
    if (!props.serviceMonitor?.enabled) return;
    new ApiObject(this, 'ServiceMonitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: CONTROLLER_NAME,
        namespace: props.namespace,
        labels: { ...props.serviceMonitor.additionalLabels, ...labels },
      },
      spec: {
        selector: { matchLabels: CONTROLLER_SELECTOR },
        namespaceSelector: { matchNames: [props.namespace] },
        endpoints: [
          {
            port: portName,
            path: endpoint.path,
            scheme: endpoint.scheme,
            interval: props.metricsConfig.interval,
            // With `secure`, the controller serves a self-signed certificate it makes at start (metrics/server.go).
            tlsConfig: endpoint.scheme === 'https' ? { insecureSkipVerify: true } : undefined,
          },
        ],
      },
    });
  }
}
