import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  Topology,
  TopologyError,
  TopologyInput,
  TopologyIssue,
  exampleTopologyPath,
  unknownClusterIssues,
  validateTopology,
} from '../../constructs';
import type { ClusterConnection } from '../component/cluster';
import { PROJECT, configKey } from './stack-names';
import { applyTokenGenerations } from './token-generations';

/** Everything the program takes from `pulumi config`, validated. */
export interface StackSettings {
  /** Where the topology came from. */
  readonly topologyFile: string;
  /** The topology with the config overrides applied, validated. */
  readonly topology: Topology;
  /** Per-cluster context and kubeconfig overrides. */
  readonly connections: Record<string, Partial<ClusterConnection>>;
  /** Skip waiting for the controller to become ready. */
  readonly skipAwait: boolean;
  /** Let `up` change the local cluster's name although the stack applied another. */
  readonly allowClusterRename: boolean;
  /** Let `up` switch the stack to another part although it applied one. */
  readonly allowPartChange: boolean;
  /** Which clusters this stack applies (`argo-multicluster:part`). */
  readonly part: StackPart;
  /** Stack names of remote parts given in `argo-multicluster:remoteStacks`, by remote name. */
  readonly remoteStacks: Readonly<Record<string, string>>;
}

/**
 * Which clusters a stack applies: `all` (one stack for the fleet), one remote (`remote:<name>`), or the local cluster
 * with the profiles built from the remote stacks' outputs (`local`).
 */
export type StackPart =
  { readonly kind: 'all' } | { readonly kind: 'remote'; readonly remote: string } | { readonly kind: 'local' };

/** Parses `argo-multicluster:part`; undefined is `all`. */
export function parsePart(value: string | undefined, topology: Topology): StackPart {
  const remotes = topology.remotes.map((r) => r.name);
  if (value === undefined || value === 'all') return { kind: 'all' };
  if (value === 'local') return { kind: 'local' };
  if (value.startsWith('remote:') && remotes.includes(value.slice('remote:'.length)))
    return { kind: 'remote', remote: value.slice('remote:'.length) };
  const valid = ['all', 'local', ...remotes.map((r) => `remote:${r}`)];
  throw new TopologyError(
    [
      {
        path: configKey('part'),
        value,
        message: `is not a part of this topology; valid: ${valid.join(', ')}`,
      },
    ],
    'stack config',
  );
}

/** Which config key overrides which topology field, so errors name the key the user actually set. */
const OVERRIDES = {
  controllerImage: 'local.controller.image',
  executorImage: 'local.controller.executorImage',
} as const;

/**
 * A path from the stack config, as the user wrote it: relative to the project folder (where Pulumi.yaml is), like every
 * path in a Pulumi project. `pulumi` runs the program in the folder of Pulumi.yaml's `main` (here `stacks/`), not in
 * that folder. The engine always gives an absolute root; an inline program (the Automation API, Pulumi's mocks) gets
 * none (the SDK then answers a placeholder word), and runs in its work dir, which is then the project folder.
 */
function fromProjectFolder(path: string): string {
  const root = pulumi.getRootDirectory();
  return resolve(isAbsolute(root) ? root : process.cwd(), path);
}

/**
 * Reads and validates the stack config: `topology` (a file path; the built-in example when unset), `controllerImage`,
 * `executorImage`, `contexts` and `kubeconfigs` (secret; per cluster, contents or path), `skipAwait`,
 * `allowClusterRename`, `tokenGenerations` (per remote), `part` (`all`, `local` or `remote:<name>`), `allowPartChange` and
 * `remoteStacks` (per remote, the stack of its part).
 * @throws TopologyError naming each invalid field or config key.
 */
export function readStackSettings(config = new pulumi.Config(PROJECT)): StackSettings {
  const topologyFile = config.get('topology') ?? exampleTopologyPath();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads raw input before (or after failing) validation
  let raw: any;
  try {
    raw = parse(readFileSync(fromProjectFolder(topologyFile), 'utf8'));
  } catch (e) {
    throw new TopologyError(
      [
        {
          path: configKey('topology'),
          value: topologyFile,
          message: `cannot be read as YAML: ${(e as Error).message.split('\n')[0]}`,
        },
      ],
      topologyFile,
    );
  }
  const overridden = new Map<string, string>();
  for (const [name, path] of Object.entries(OVERRIDES)) {
    const value = config.get(name);
    if (value === undefined) continue;
    if (raw?.local?.controller) raw.local.controller[path.split('.').pop()!] = value;
    overridden.set(path, configKey(name));
  }
  for (const [path, name] of applyTokenGenerations(
    raw,
    config.getObject('tokenGenerations'),
    configKey('tokenGenerations'),
  ))
    overridden.set(path, name);
  let topology: Topology;
  try {
    topology = validateTopology(raw as TopologyInput, topologyFile);
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    throw new TopologyError(
      e.issues.map((i): TopologyIssue =>
        overridden.has(i.path) ? { ...i, path: `${overridden.get(i.path)} (${i.path})` } : i,
      ),
      topologyFile,
    );
  }

  const names = [topology.local.name, ...topology.remotes.map((r) => r.name)];
  const issues: TopologyIssue[] = [];
  const perCluster = (name: string, value: Record<string, unknown> | undefined) => {
    for (const [cluster, v] of Object.entries(value ?? {})) {
      const unknown = unknownClusterIssues(`${configKey(name)}.${cluster}`, cluster, names, 'cluster');
      issues.push(...unknown);
      if (!unknown.length && (typeof v !== 'string' || !v))
        issues.push({
          path: `${configKey(name)}.${cluster}`,
          value: name === 'kubeconfigs' ? '(secret)' : v,
          message: 'must be a non-empty string',
        });
    }
  };
  const contexts = config.getObject<Record<string, string>>('contexts');
  perCluster('contexts', contexts);
  const part = parsePart(config.get('part'), topology);
  const remoteStacks = config.getObject<Record<string, string>>('remoteStacks') ?? {};
  if (remoteStacks === null || typeof remoteStacks !== 'object' || Array.isArray(remoteStacks)) {
    throw new TopologyError(
      [
        {
          path: configKey('remoteStacks'),
          value: JSON.stringify(remoteStacks),
          message: 'must be an object of remote name to stack name',
        },
      ],
      'stack config',
    );
  }
  const remoteNames = topology.remotes.map((r) => r.name);
  for (const [remote, stack] of Object.entries(remoteStacks)) {
    const at = `${configKey('remoteStacks')}.${remote}`;
    const unknown = unknownClusterIssues(at, remote, remoteNames, 'remote');
    issues.push(...unknown);
    if ((!unknown.length && typeof stack !== 'string') || !/^([^/\s]+\/){0,2}[^/\s]+$/.test(stack))
      issues.push({
        path: at,
        value: stack,
        message: 'must be a stack name: <stack>, <project>/<stack> or <org>/<project>/<stack>',
      });
  }
  if (issues.length) throw new TopologyError(issues, 'stack config');
  // The cluster names of `kubeconfigs` are read from the raw config, so that they are checked now and only clusters
  // that have one get a kubeconfig; the values are taken as secret Outputs and never leave them.
  const rawKubeconfigs = pulumi.runtime.getConfig(configKey('kubeconfigs'));
  let kubeconfigClusters: string[] = [];
  if (rawKubeconfigs !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawKubeconfigs);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new TopologyError(
        [
          {
            path: configKey('kubeconfigs'),
            value: '(secret)',
            message:
              "must be an object of cluster name to kubeconfig (pulumi config set --secret --path 'argo-multicluster:kubeconfigs.<cluster>' ...)",
          },
        ],
        'stack config',
      );
    }
    perCluster('kubeconfigs', parsed as Record<string, unknown>);
    if (issues.length) throw new TopologyError(issues, 'stack config');
    kubeconfigClusters = Object.keys(parsed);
  }
  const kubeconfigs = config.getSecretObject<Record<string, string>>('kubeconfigs');

  const connections: Record<string, Partial<ClusterConnection>> = {};
  for (const cluster of names) {
    const c: { context?: string; kubeconfig?: pulumi.Input<string> } = {};
    if (contexts?.[cluster]) c.context = contexts[cluster];
    if (kubeconfigs && kubeconfigClusters.includes(cluster)) c.kubeconfig = kubeconfigs.apply((k) => k[cluster]);
    if (Object.keys(c).length) connections[cluster] = c;
  }
  return {
    topologyFile,
    topology,
    connections,
    skipAwait: config.getBoolean('skipAwait') ?? false,
    allowClusterRename: config.getBoolean('allowClusterRename') ?? false,
    allowPartChange: config.getBoolean('allowPartChange') ?? false,
    part,
    remoteStacks,
  };
}
