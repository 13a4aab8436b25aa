import { ENGINE_BUDGET_MS } from '../../support/budgets';
import type { Manifest } from '../../../../constructs';
import { objectsWithProfiles, topology } from '../../support/helpers';
import { mockEngine } from '../../support/pulumi-mocks';
import { asFleet, secretWire, value } from '../../support/stacks';

const { registered } = mockEngine({ token: () => ({ token: 't', ca: 'c' }) });

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import * as k8s from '@pulumi/kubernetes';
import { logicalName, registerManifest } from '../../../../stacks/component/kinds';

const manifest = (apiVersion: string, kind: string, extra: Record<string, unknown> = {}): Manifest => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'ns' },
  ...extra,
});

/** Registers `m` and returns the resource and the type the engine saw. */
async function register(m: Manifest) {
  registered.length = 0;
  const resource = registerManifest('amc/x', m, {});
  await value(resource.urn);
  return { resource, type: registered.map((r) => r.type) };
}

describe('logicalName', () => {
  test(
    'cluster, kind, namespace and name; a cluster-scoped object has no namespace part',
    () => {
      expect(logicalName('cluster-1', manifest('v1', 'Secret'))).toBe('cluster-1/Secret/ns/x');
      expect(logicalName('cluster-1', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } })).toBe(
        'cluster-1/Namespace/team-a',
      );
    },
    ENGINE_BUDGET_MS,
  );
});

describe('registerManifest', () => {
  // Every kind of object the component applies for a fleet: the constructs' objects, profiles as plain Secrets.
  const written = new Map(
    [...objectsWithProfiles(topology(asFleet)).values()].flat().map((m) => [`${m.apiVersion}/${m.kind}`, m]),
  );
  // Pulumi's type token of a typed class: the core group is named `core`.
  const typedToken = (m: Manifest) => `kubernetes:${m.apiVersion === 'v1' ? 'core/v1' : m.apiVersion}:${m.kind}`;

  test.each([...written.keys()])(
    "%s: its typed class, for the provider's await logic and Secret handling",
    async (key) => {
      const m = written.get(key)!;
      const registration = await register(m);
      expect(registration.resource).not.toBeInstanceOf(k8s.apiextensions.CustomResource);
      expect(registration.type).toEqual([typedToken(m)]);
    },
    ENGINE_BUDGET_MS,
  );

  test.each([
    ['a kind Kubernetes does not define', 'external-secrets.io/v1', 'ExternalSecret'],
    ['a known kind at a version the constructs do not write', 'apps/v1beta1', 'Deployment'],
  ])(
    '%s: a CustomResource',
    async (_case, apiVersion, kind) => {
      const registration = await register(manifest(apiVersion, kind, { spec: { a: 1 } }));
      expect(registration.resource).toBeInstanceOf(k8s.apiextensions.CustomResource);
      expect(registration.type).toEqual([`kubernetes:${apiVersion}:${kind}`]);
      expect(registered[0].inputs).toEqual({
        apiVersion,
        kind,
        metadata: { name: 'x', namespace: 'ns' },
        spec: { a: 1 },
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    "a Secret's data reaches the engine as a secret, which only its typed class makes it",
    async () => {
      await register(manifest('v1', 'Secret', { data: { token: 'dA==' } }));
      expect(registered[0].inputs.data).toEqual(secretWire({ token: 'dA==' }));
    },
    ENGINE_BUDGET_MS,
  );
});
