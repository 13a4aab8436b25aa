import {
  controllerLabels,
  controllerObjectsIssues,
  metricsEndpoint,
  pdbEnabled,
} from '../../../../constructs/model/controller-objects';

describe('controller objects', () => {
  test('labels: the version is a tag that is a label value, never a digest', () => {
    expect(controllerLabels('ghcr.io/me/wc:v3.4-mc', 'cluster-0')).toEqual({
      'app.kubernetes.io/name': 'workflow-controller',
      'app.kubernetes.io/component': 'workflow-controller',
      'app.kubernetes.io/instance': 'cluster-0',
      'app.kubernetes.io/version': 'v3.4-mc',
    });
    expect(controllerLabels(`ghcr.io/me/wc@sha256:${'c'.repeat(64)}`, undefined)).toEqual({
      'app.kubernetes.io/name': 'workflow-controller',
      'app.kubernetes.io/component': 'workflow-controller',
    });
    expect(controllerLabels(`ghcr.io/me/wc:${'v'.repeat(64)}`, 'c')).not.toHaveProperty(['app.kubernetes.io/version']);
  });

  test("the metrics endpoint is the controller's: its config, else port 9090 and /metrics over http", () => {
    expect(metricsEndpoint({})).toEqual({ port: 9090, path: '/metrics', scheme: 'http' });
    expect(metricsEndpoint({ metricsConfig: { port: 1, path: '/p', secure: true } })).toEqual({
      port: 1,
      path: '/p',
      scheme: 'https',
    });
  });

  test('a budget by default with more than one replica, or as asked', () => {
    expect(pdbEnabled({})).toBe(false);
    expect(pdbEnabled({ replicas: 2 })).toBe(true);
    expect(pdbEnabled({ replicas: 2, pdb: { enabled: false } })).toBe(false);
    expect(pdbEnabled({ pdb: { enabled: true } })).toBe(true);
  });

  test('the rules between the fields', () => {
    expect(controllerObjectsIssues({ replicas: 3, pdb: { minAvailable: 2 } })).toEqual([]);
    expect(controllerObjectsIssues({ replicas: 3, pdb: { minAvailable: '90%' } })).toEqual([]);
    expect(controllerObjectsIssues({ replicas: 3, pdb: { minAvailable: 3 } }).map(([p]) => p)).toEqual([
      ['pdb', 'minAvailable'],
    ]);
    // A budget that is not written bounds nothing.
    expect(controllerObjectsIssues({ replicas: 1, pdb: { minAvailable: 1 } })).toEqual([]);
    expect(controllerObjectsIssues({ metricsConfig: { enabled: true }, serviceMonitor: { enabled: true } })).toEqual(
      [],
    );
  });
});
