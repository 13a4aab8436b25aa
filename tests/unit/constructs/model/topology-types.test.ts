import type { z } from 'zod';
import type { topologySchema } from '../../../../constructs/model/topology';
import type * as T from '../../../../constructs/model/topology-types';
import { validateTopology } from '../../../../constructs';
import { example, exampleInput } from '../../support/helpers';

// Compile-time checks: ts-jest type-checks this file, so a field added to the zod schema and not to the documented
// interfaces (or the other way round, or with another type) fails the unit tests.
type Input = z.input<typeof topologySchema>;
type Controller = Input['local']['controller'];
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SameKeys<A, B> = Mutual<keyof A, keyof B>;
/** Same fields (required and optional alike) and mutually assignable types. */
type Same<A, B> = SameKeys<A, B> extends true ? Mutual<A, B> : false;
const checks: Record<string, true> = {
  topology: true as Same<T.TopologyFile, Input>,
  local: true as Same<T.LocalClusterSpec, Input['local']>,
  crds: true as Same<T.CrdsSpec, NonNullable<Input['local']['crds']>>,
  controller: true as Same<T.ControllerSpec, Input['local']['controller']>,
  resources: true as Same<T.ResourceRequirementsSpec, NonNullable<Input['local']['controller']['resources']>>,
  toleration: true as Same<T.TolerationSpec, NonNullable<Input['local']['controller']['tolerations']>[number]>,
  affinity: true as Same<T.AffinitySpec, NonNullable<Input['local']['controller']['affinity']>>,
  env: true as Same<T.EnvVarSpec, NonNullable<Input['local']['controller']['extraEnv']>[number]>,
  logging: true as Same<T.LoggingSpec, NonNullable<Input['local']['controller']['logging']>>,
  pullSecret: true as Same<
    T.LocalObjectReferenceSpec,
    NonNullable<Input['local']['controller']['imagePullSecrets']>[number]
  >,
  podSecurityContext: true as Same<T.PodSecurityContextSpec, NonNullable<Controller['podSecurityContext']>>,
  securityContext: true as Same<T.ContainerSecurityContextSpec, NonNullable<Controller['securityContext']>>,
  volume: true as Same<T.VolumeSpec, NonNullable<Controller['volumes']>[number]>,
  volumeMount: true as Same<T.VolumeMountSpec, NonNullable<Controller['volumeMounts']>[number]>,
  pdb: true as Same<T.PodDisruptionBudgetSpec, NonNullable<Controller['pdb']>>,
  metricsConfig: true as Same<T.MetricsServiceSpec, NonNullable<Controller['metricsConfig']>>,
  serviceMonitor: true as Same<T.ServiceMonitorSpec, NonNullable<Controller['serviceMonitor']>>,
  spread: true as Same<T.TopologySpreadConstraintSpec, NonNullable<Controller['topologySpreadConstraints']>[number]>,
  remote: true as Same<T.RemoteClusterSpec, Input['remotes'][number]>,
  secrets: true as Same<T.SecretsSpec, NonNullable<Input['secrets']>>,
  store: true as Same<T.SecretStoreRefSpec, NonNullable<NonNullable<Input['secrets']>['store']>>,
};

test('the documented interfaces match the schema (checked by the compiler; this runs the file)', () => {
  expect(Object.values(checks).every((v) => v === true)).toBe(true);
});

test('a topology typed with the interfaces is accepted by the validator', () => {
  const file: T.TopologyFile = exampleInput() as T.TopologyFile;
  expect(validateTopology(file)).toEqual(example());
});
