import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topologyIssues } from '../../support/constructs';
import { find, objects, topology } from '../../support/helpers';

/**
 * The ServiceMonitor CRD's schema (tests/unit/support/servicemonitor-v1.schema.json), made strict: the API server
 * prunes a field a structural schema does not name, so a misspelt one would be dropped without a word; here it fails.
 */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, strict(v)]));
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields'])
    out.additionalProperties = false;
  return out;
}
const SCHEMA = strict(JSON.parse(readFileSync(join(__dirname, '../../support/servicemonitor-v1.schema.json'), 'utf8')));
const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(SCHEMA);

const withMetrics = (patch: (r: any) => void = () => undefined) =>
  objects(
    topology((r) => {
      r.local.controller.metricsConfig = { enabled: true };
      r.local.controller.serviceMonitor = { enabled: true, additionalLabels: { release: 'prom' } };
      patch(r);
    }),
  ).get('cluster-0')!;

describe('metrics Service and ServiceMonitor', () => {
  test('none unless asked', () => {
    const local = objects(topology(() => undefined)).get('cluster-0')!;
    expect(local.filter((m) => m.kind === 'Service' || m.kind === 'ServiceMonitor')).toEqual([]);
  });

  test("the Service targets the port the controller's ConfigMap sets, and the container declares that port", () => {
    const local = withMetrics((r) => (r.local.controller.config = { metricsConfig: { port: 9191, path: '/m' } }));
    const service = find(local, 'Service', 'workflow-controller', 'argo');
    expect(service.spec).toEqual({
      type: 'ClusterIP',
      selector: { app: 'workflow-controller' },
      ports: [{ name: 'metrics', port: 8080, protocol: 'TCP', targetPort: 9191 }],
    });
    const container = find(local, 'Deployment', 'workflow-controller', 'argo').spec.template.spec.containers[0];
    expect(container.ports[0]).toEqual({ name: 'metrics', containerPort: 9191 });
    const config = find(local, 'ConfigMap', 'workflow-controller-configmap', 'argo');
    expect(config.data.metricsConfig).toBe('path: /m\nport: 9191\n');
    const endpoint = find(local, 'ServiceMonitor', 'workflow-controller', 'argo').spec.endpoints[0];
    expect(endpoint).toEqual({ port: 'metrics', path: '/m', scheme: 'http' });
  });

  test('unset, the controller defaults: port 9090, path /metrics', () => {
    const local = withMetrics();
    expect(find(local, 'Service', 'workflow-controller', 'argo').spec.ports[0].targetPort).toBe(9090);
    expect(find(local, 'ServiceMonitor', 'workflow-controller', 'argo').spec.endpoints[0].path).toBe('/metrics');
  });

  test('with secure metrics the ServiceMonitor scrapes https, trusting the self-signed certificate', () => {
    const local = withMetrics((r) => (r.local.controller.config = { metricsConfig: { secure: true } }));
    expect(find(local, 'ServiceMonitor', 'workflow-controller', 'argo').spec.endpoints[0]).toMatchObject({
      scheme: 'https',
      tlsConfig: { insecureSkipVerify: true },
    });
  });

  test('the ServiceMonitor is valid against the CRD schema, selects the Service and carries the extra labels', () => {
    const local = withMetrics((r) => (r.local.controller.metricsConfig.interval = '15s'));
    const monitor = find(local, 'ServiceMonitor', 'workflow-controller', 'argo');
    const service = find(local, 'Service', 'workflow-controller', 'argo');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(validate(monitor)).toBe(true);
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['argo'] });
    expect(monitor.spec.endpoints[0].port).toBe(service.spec.ports[0].name);
    expect(monitor.metadata.labels).toMatchObject({ release: 'prom', 'app.kubernetes.io/name': 'workflow-controller' });
    // The strict schema does refuse a field the CRD does not have.
    expect(validate({ ...monitor, spec: { ...monitor.spec, endpoints: [{ port: 'metrics', intervall: '1m' }] } })).toBe(
      false,
    );
  });

  test('refused: a ServiceMonitor without the Service, a Service for metrics the config turns off', () => {
    expect(topologyIssues((r) => (r.local.controller.serviceMonitor = { enabled: true }))).toEqual([
      {
        path: 'local.controller.serviceMonitor.enabled',
        value: true,
        message: 'needs metricsConfig.enabled: true (it scrapes the metrics Service)',
      },
    ]);
    expect(
      topologyIssues((r) => {
        r.local.controller.metricsConfig = { enabled: true };
        r.local.controller.config = { metricsConfig: { enabled: false } };
      }),
    ).toEqual([
      {
        path: 'local.controller.metricsConfig.enabled',
        value: true,
        message: 'needs the controller to serve metrics, which config.metricsConfig.enabled: false turns off',
      },
    ]);
    expect(topologyIssues((r) => (r.local.controller.config = { metricsConfig: { port: 70000 } }))).toEqual([
      expect.objectContaining({ path: 'local.controller.config.metricsConfig.port', value: 70000 }),
    ]);
  });
});
