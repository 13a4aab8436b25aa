import { join } from 'node:path';
import { exampleTopologyPath, packageFile } from '../../../../constructs/model/example';
import { CLI, ROOT, example } from '../../support/helpers';
import { REMOTE_DEFAULTS } from '../../support/constructs';

type ExampleModule = typeof import('../../../../constructs/model/example');

const EXAMPLE = join(ROOT, 'constructs', 'examples', 'topology.yaml');

describe('the built-in example', () => {
  test('is found from the sources and from the build under lib/', async () => {
    expect(exampleTopologyPath()).toBe(EXAMPLE);
    // The compiled module, next to the CLI that `npm test` builds.
    const compiled: ExampleModule = await import(join(CLI, '..', '..', 'model', 'example.js'));
    expect(compiled.exampleTopologyPath()).toBe(EXAMPLE);
  });

  test('packageFile finds any shipped file from the package root, and names a missing one', () => {
    expect(packageFile('Pulumi.example.yaml', 'the documented stack config')).toBe(join(ROOT, 'Pulumi.example.yaml'));
    expect(() => packageFile('no-such-file.yaml', 'the thing')).toThrow(
      new Error('the thing no-such-file.yaml is missing from the package'),
    );
  });

  test('a package without it says so', async () => {
    await jest.isolateModulesAsync(async () => {
      jest.doMock('node:fs', () => ({ ...jest.requireActual('node:fs'), existsSync: () => false }));
      try {
        const isolated: ExampleModule = await import('../../../../constructs/model/example');
        expect(() => isolated.exampleTopologyPath()).toThrow(
          new Error(
            `the built-in example ${join('constructs', 'examples', 'topology.yaml')} is missing from the package`,
          ),
        );
      } finally {
        jest.dontMock('node:fs');
      }
    });
  });

  test('is valid: the controller in cluster-0 runs workflow pods in cluster-1', () => {
    expect(example()).toEqual({
      local: {
        name: 'cluster-0',
        context: 'cluster-0',
        namespace: 'argo',
        createNamespace: true,
        profileAdmissionPolicy: true,
        crds: { install: false, keep: true },
        controller: {
          image: 'ghcr.io/example/argo-workflow-controller:v3.4-multicluster',
          executorImage: 'ghcr.io/example/argoexec:v3.4-multicluster',
          replicas: 1,
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
          namespaced: false,
          config: { parallelism: 20, podGCGracePeriodSeconds: 30 },
        },
      },
      remotes: [
        {
          name: 'cluster-1',
          context: 'cluster-1',
          server: 'https://cluster-1.example.com:6443',
          ...REMOTE_DEFAULTS,
        },
      ],
      secrets: { mode: 'none' },
    });
  });
});
