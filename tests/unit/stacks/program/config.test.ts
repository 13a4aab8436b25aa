import { ENGINE_BUDGET_MS } from '../../support/budgets';
import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleTopologyPath } from '../../../../constructs';
import { parsePart, readStackSettings } from '../../../../stacks/program/config';
import { example, topology, topologyFile } from '../../support/helpers';
import { asFleet, configure, refusal, value } from '../../support/stacks';

const dir = mkdtempSync(join(tmpdir(), 'amc-config-'));
const exampleFile = topologyFile(dir, 'example', () => undefined);
const fleetFile = topologyFile(dir, 'fleet', asFleet);

/** The stack settings read from `config` (keys without the namespace). */
function settings(config: Record<string, string>, secretKeys: string[] = []) {
  configure(config, secretKeys);
  return readStackSettings();
}

/** What reading the stack settings from `config` throws. */
const refused = (config: Record<string, string>, secretKeys: string[] = []) =>
  refusal(() => settings(config, secretKeys));

const stackConfigError = (message: string) => ({
  error: 'TopologyError',
  message: `stack config is invalid:\n${message}`,
});

describe('readStackSettings', () => {
  test(
    'without config: the built-in example, every cluster, nothing overridden or allowed',
    () => {
      expect(settings({})).toEqual({
        topologyFile: exampleTopologyPath(),
        topology: example(),
        connections: {},
        skipAwait: false,
        allowClusterRename: false,
        allowPartChange: false,
        part: { kind: 'all' },
        remoteStacks: {},
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'every setting but the kubeconfigs, as given',
    () => {
      expect(
        settings({
          topology: fleetFile,
          controllerImage: 'ghcr.io/me/wc:v9',
          executorImage: 'ghcr.io/me/exec:v9',
          contexts: JSON.stringify({ 'cluster-1': 'kind-remote', 'cluster-0': 'kind-local' }),
          skipAwait: 'true',
          allowClusterRename: 'true',
          allowPartChange: 'true',
          part: 'remote:cluster-2',
          remoteStacks: JSON.stringify({ 'cluster-1': 'a', 'cluster-2': 'p/b', 'cluster-3': 'o/p/c' }),
        }),
      ).toEqual({
        topologyFile: fleetFile,
        topology: topology((r) => {
          asFleet(r);
          r.local.controller.image = 'ghcr.io/me/wc:v9';
          r.local.controller.executorImage = 'ghcr.io/me/exec:v9';
        }),
        connections: { 'cluster-0': { context: 'kind-local' }, 'cluster-1': { context: 'kind-remote' } },
        skipAwait: true,
        allowClusterRename: true,
        allowPartChange: true,
        part: { kind: 'remote', remote: 'cluster-2' },
        remoteStacks: { 'cluster-1': 'a', 'cluster-2': 'p/b', 'cluster-3': 'o/p/c' },
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a relative topology path of an inline program (no project root from the engine) is read from its work dir',
    () => {
      // Under `pulumi` the engine gives the project root instead; the integration tests run that with a relative path.
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        expect(settings({ topology: 'fleet.yaml' })).toMatchObject({
          topologyFile: 'fleet.yaml',
          topology: topology(asFleet),
        });
      } finally {
        process.chdir(cwd);
      }
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a kubeconfig is a secret output, for the clusters that have one only',
    async () => {
      const { connections } = settings(
        {
          topology: exampleFile,
          contexts: JSON.stringify({ 'cluster-1': 'kind-remote' }),
          kubeconfigs: JSON.stringify({ 'cluster-1': '/etc/kube/remote.yaml' }),
        },
        ['kubeconfigs'],
      );
      expect(Object.keys(connections)).toEqual(['cluster-1']);
      const { kubeconfig, ...rest } = connections['cluster-1'];
      expect(rest).toEqual({ context: 'kind-remote' });
      const output = kubeconfig as pulumi.Output<string>;
      expect(await pulumi.isSecret(output)).toBe(true);
      expect(await value(output)).toBe('/etc/kube/remote.yaml');
    },
    ENGINE_BUDGET_MS,
  );
});

describe('readStackSettings refusals name the config key, the value and what is valid', () => {
  test(
    'a topology file that cannot be read',
    () => {
      expect(refused({ topology: '/nonexistent/t.yaml' })).toEqual({
        error: 'TopologyError',
        message:
          '/nonexistent/t.yaml is invalid:\n  - argo-multicluster:topology: "/nonexistent/t.yaml" cannot be read as YAML: ENOENT: no such file or directory, open \'/nonexistent/t.yaml\'',
      });
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'a: [\n');
      expect(refused({ topology: bad })).toEqual({
        error: 'TopologyError',
        message: `${bad} is invalid:\n  - argo-multicluster:topology: "${bad}" cannot be read as YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:`,
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a released controller image gets the CLI error, naming the config key with the field it sets',
    () => {
      expect(
        refused({ topology: exampleFile, controllerImage: 'quay.io/argoproj/workflow-controller:v3.5.0' }),
      ).toEqual({
        error: 'TopologyError',
        message: `${exampleFile} is invalid:\n  - argo-multicluster:controllerImage (local.controller.image): "quay.io/argoproj/workflow-controller:v3.5.0" is a released upstream controller, which exits on the \`cluster\` ConfigMap key (multi-cluster never shipped in a release); use your own multi-cluster build (another repository, or pin it by @sha256: digest)`,
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'contexts: a cluster the topology does not have, an empty context',
    () => {
      expect(
        refused({ topology: exampleFile, contexts: JSON.stringify({ 'cluster-9': 'x', 'cluster-1': '' }) }),
      ).toEqual(
        stackConfigError(
          '  - argo-multicluster:contexts.cluster-9: "cluster-9" is not a cluster of the topology; valid: cluster-0, cluster-1\n' +
            '  - argo-multicluster:contexts.cluster-1: "" must be a non-empty string',
        ),
      );
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'kubeconfigs: an unknown cluster, a value that is no kubeconfig, config that is no object; never showing a value',
    () => {
      const kubeconfigs = JSON.stringify({ 'cluster-7': 'apiVersion: v1', 'cluster-1': 5 });
      expect(refused({ topology: exampleFile, kubeconfigs }, ['kubeconfigs'])).toEqual(
        stackConfigError(
          '  - argo-multicluster:kubeconfigs.cluster-7: "cluster-7" is not a cluster of the topology; valid: cluster-0, cluster-1\n' +
            '  - argo-multicluster:kubeconfigs.cluster-1: "(secret)" must be a non-empty string',
        ),
      );
      const notAnObject =
        '  - argo-multicluster:kubeconfigs: "(secret)" must be an object of cluster name to kubeconfig ' +
        "(pulumi config set --secret --path 'argo-multicluster:kubeconfigs.<cluster>' ...)";
      for (const given of ['not json', '["apiVersion: v1"]']) {
        expect(refused({ topology: exampleFile, kubeconfigs: given }, ['kubeconfigs'])).toEqual(
          stackConfigError(notAnObject),
        );
      }
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'remoteStacks: a cluster that is not a remote, a malformed stack name, config that is no object',
    () => {
      const remoteStacks = JSON.stringify({ 'cluster-0': 'x', 'cluster-2': 'a/b/c/d', 'cluster-3': 5 });
      const stackName = 'must be a stack name: <stack>, <project>/<stack> or <org>/<project>/<stack>';
      expect(refused({ topology: fleetFile, remoteStacks })).toEqual(
        stackConfigError(
          '  - argo-multicluster:remoteStacks.cluster-0: "cluster-0" is not a remote of the topology; valid: cluster-1, cluster-2, cluster-3\n' +
            `  - argo-multicluster:remoteStacks.cluster-2: "a/b/c/d" ${stackName}\n` +
            `  - argo-multicluster:remoteStacks.cluster-3: 5 ${stackName}`,
        ),
      );
      expect(refused({ topology: fleetFile, remoteStacks: '[1]' })).toEqual(
        stackConfigError('  - argo-multicluster:remoteStacks: "[1]" must be an object of remote name to stack name'),
      );
    },
    ENGINE_BUDGET_MS,
  );

  test.each([['remote:cluster-9'], ['remote:'], ['locals'], ['ALL']])(
    'part %p, with the valid parts',
    (part) => {
      expect(refused({ topology: fleetFile, part })).toEqual(
        stackConfigError(
          `  - argo-multicluster:part: "${part}" is not a part of this topology; valid: all, local, remote:cluster-1, remote:cluster-2, remote:cluster-3`,
        ),
      );
    },
    ENGINE_BUDGET_MS,
  );
});

describe('parsePart', () => {
  const fleet = topology(asFleet);

  test(
    'unset or "all": every cluster; "local"; "remote:<name>" of a remote of the topology',
    () => {
      expect(
        [undefined, 'all', 'local', 'remote:cluster-1', 'remote:cluster-3'].map((part) => parsePart(part, fleet)),
      ).toEqual([
        { kind: 'all' },
        { kind: 'all' },
        { kind: 'local' },
        { kind: 'remote', remote: 'cluster-1' },
        { kind: 'remote', remote: 'cluster-3' },
      ]);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'the local cluster is no remote part',
    () => {
      expect(refusal(() => parsePart('remote:cluster-0', fleet))).toEqual(
        stackConfigError(
          '  - argo-multicluster:part: "remote:cluster-0" is not a part of this topology; valid: all, local, remote:cluster-1, remote:cluster-2, remote:cluster-3',
        ),
      );
    },
    ENGINE_BUDGET_MS,
  );
});
