import { App, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as scheduling from 'kubernetes-models/scheduling.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as apiextensions from 'kubernetes-models/apiextensions.k8s.io/v1';
import * as admissionregistration from 'kubernetes-models/admissionregistration.k8s.io/v1';
import {
  BuildOptions,
  Manifest,
  Topology,
  TopologyError,
  TopologyInput,
  buildCharts,
  clusterManifests,
  validateTopology,
} from '../../../constructs';
import { exampleTopologyPath } from '../../../constructs/model/example';
import { loadTopologyFile } from '../../../constructs/model/validate';
import { CLI } from './paths';

export { CLI, ROOT } from './paths';

/** The built-in example as a raw object, for tests that change one field. */
export function exampleInput(): TopologyInput {
  return parse(readFileSync(exampleTopologyPath(), 'utf8')) as TopologyInput;
}

export function example(): Topology {
  return loadTopologyFile(exampleTopologyPath());
}

/** A valid topology with `patch` applied to the example's raw object. */
export function topology(patch: (t: any) => void): Topology {
  const raw = exampleInput();
  patch(raw);
  return validateTopology(raw);
}

/** Objects per cluster name, in apply order. */
export function objects(t: Topology, options?: BuildOptions): Map<string, Manifest[]> {
  return clusterManifests(buildCharts(t, options));
}

/** Objects per cluster with the profiles as plain Secrets (placeholder credentials): what `pulumi up` applies. */
export function objectsWithProfiles(t: Topology): Map<string, Manifest[]> {
  const credentials = new Map(t.remotes.map((r) => [r.name, { token: 'placeholder', caData: 'cGxhY2Vob2xkZXI=' }]));
  return objects({ ...t, secrets: { mode: 'plain' } }, { credentials });
}

export function find(list: Manifest[], kind: string, name: string, namespace?: string): any {
  const m = list.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
  if (!m)
    throw new Error(
      `no ${kind} ${namespace ?? ''}/${name} in [${list.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).join(', ')}]`,
    );
  return m;
}

/** Runs the compiled CLI as a user would. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MODELS: Record<string, Record<string, any>> = {
  v1: core,
  'apps/v1': apps,
  'rbac.authorization.k8s.io/v1': rbac,
  'scheduling.k8s.io/v1': scheduling,
  'policy/v1': policy,
  'apiextensions.k8s.io/v1': apiextensions,
  'admissionregistration.k8s.io/v1': admissionregistration,
};

/** Validates an object against the Kubernetes OpenAPI schema of its kind; throws naming the object. */
export function validateAgainstKubernetesSchema(m: Manifest): void {
  const Model = MODELS[m.apiVersion]?.[m.kind];
  if (!Model) throw new Error(`no Kubernetes schema for ${m.apiVersion} ${m.kind}`);
  try {
    new Model(m).validate();
  } catch (e) {
    throw new Error(`${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}: ${(e as Error).message}`);
  }
}

/**
 * The problems a construct reports for `props` when used on its own, as [path, value, message]; fails the test when
 * the props are accepted or the error is headed by another construct's name.
 */
export function constructIssues(
  construct: new (scope: Construct, id: string, props: any) => Construct,
  props: unknown,
): [string, unknown, string][] {
  try {
    new construct(new Chart(new App(), 'c'), 'x', props);
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    // The heading names the construct, so a user of several constructs knows which one refused.
    if (e.source !== `${construct.name} props`)
      throw new Error(`the error's subject is "${e.source}", not "${construct.name} props"`);
    return e.issues.map((i) => [i.path, i.value, i.message]);
  }
  throw new Error('the props were accepted');
}

/** Writes the example topology with `patch` applied into `dir`, and returns its path. */
export function topologyFile(dir: string, name: string, patch: (t: any) => void): string {
  const raw: any = exampleInput();
  patch(raw);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(raw));
  return file;
}
