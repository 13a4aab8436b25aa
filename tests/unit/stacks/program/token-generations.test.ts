import { ENGINE_BUDGET_MS } from '../../support/budgets';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { exampleInput, objectsWithProfiles, topologyFile } from '../../support/helpers';
import { mockEngine } from '../../support/pulumi-mocks';
import { asFleet, configure, profileKubeconfigOf, refusal, settled } from '../../support/stacks';

const { registered } = mockEngine({
  token: (_name, inputs) => ({ token: `token-of-${inputs.metadata.name}`, ca: 'CA' }),
});

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import { ArgoMultiCluster } from '../../../../stacks/component/component';
import { readStackSettings } from '../../../../stacks/program/config';
import { applyTokenGenerations } from '../../../../stacks/program/token-generations';

jest.setTimeout(60_000);

const KEY = 'argo-multicluster:tokenGenerations';
const file = topologyFile(mkdtempSync(join(tmpdir(), 'amc-stack-gen-')), 'topology', () => undefined);

function settings(config: Record<string, string>) {
  configure({ topology: file, ...config });
  return readStackSettings();
}

describe('applyTokenGenerations', () => {
  test(
    'without the key: nothing set',
    () => {
      const raw = exampleInput();
      expect(applyTokenGenerations(raw, undefined, KEY)).toEqual(new Map());
      expect(raw).toEqual(exampleInput());
    },
    ENGINE_BUDGET_MS,
  );

  test(
    "sets each remote's generation, a number given as text as the number, and returns the paths it set with their keys",
    () => {
      const raw: any = exampleInput();
      asFleet(raw);
      const set = applyTokenGenerations(raw, { 'cluster-3': 2, 'cluster-1': '3', 'cluster-2': '3x' }, KEY);
      expect(raw.remotes.map((r: any) => r.tokenGeneration)).toEqual([3, '3x', 2]);
      expect([...set]).toEqual([
        ['remotes[2].tokenGeneration', `${KEY}.cluster-3`],
        ['remotes[0].tokenGeneration', `${KEY}.cluster-1`],
        ['remotes[1].tokenGeneration', `${KEY}.cluster-2`],
      ]);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a cluster that is not a remote, or a value that is no object, is refused naming the key',
    () => {
      const refused = (value: unknown) => refusal(() => applyTokenGenerations(exampleInput(), value, KEY));
      expect(refused({ 'cluster-0': 1, 'cluster-1': 1 })).toEqual({
        error: 'TopologyError',
        message: `stack config is invalid:\n  - ${KEY}.cluster-0: "cluster-0" is not a remote of the topology; valid: cluster-1`,
      });
      for (const [value, shown] of [
        [[1], '[1]'],
        [null, 'null'],
        [5, '5'],
      ]) {
        expect(refused(value)).toEqual({
          error: 'TopologyError',
          message: `stack config is invalid:\n  - ${KEY}: ${shown} must be an object of remote cluster name to token generation`,
        });
      }
    },
    ENGINE_BUDGET_MS,
  );
});

describe('argo-multicluster:tokenGenerations: rotation as one config change', () => {
  test(
    'names the token Secret of that generation, builds the profile from its token, and matches the GitOps objects',
    async () => {
      const { topology: t } = settings({ tokenGenerations: JSON.stringify({ 'cluster-1': 2 }) });
      expect(t.remotes[0].tokenGeneration).toBe(2);
      registered.length = 0;
      const mc = new ArgoMultiCluster('amc', { topology: t });
      await settled(mc);
      expect(parse(await profileKubeconfigOf(mc, 'cluster-1')).users[0].user.token).toBe(
        'token-of-argo.cluster-0.service-account-token.2',
      );
      const tokens = registered
        .filter((r) => r.inputs?.type === 'kubernetes.io/service-account-token')
        .map((r) => r.name);
      expect(tokens).toEqual(['amc/cluster-1/Secret/default/argo.cluster-0.service-account-token.2']);
      const gitops = [...objectsWithProfiles(t)].flatMap(([cluster, list]) =>
        list.map((m) => ['amc', cluster, m.kind, m.metadata.namespace, m.metadata.name].filter(Boolean).join('/')),
      );
      const applied = registered
        .filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('pulumi:'))
        .map((r) => r.name);
      expect(applied.sort()).toEqual(gitops.sort());
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a generation given as text, as `pulumi config set --path` may store it, is taken as the number',
    () => {
      expect(
        settings({ tokenGenerations: JSON.stringify({ 'cluster-1': '3' }) }).topology.remotes[0].tokenGeneration,
      ).toBe(3);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'without the key, generation 0 and the token Secret name of old',
    () => {
      expect(settings({}).topology.remotes[0].tokenGeneration).toBe(0);
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a bad generation is refused naming the config key and the field it sets',
    () => {
      const refused = (generation: unknown) =>
        refusal(() => settings({ tokenGenerations: JSON.stringify({ 'cluster-1': generation }) }));
      expect(refused('3x')).toEqual({
        error: 'TopologyError',
        message: `${file} is invalid:\n  - ${KEY}.cluster-1 (remotes[0].tokenGeneration): "3x" has the wrong type: expected number`,
      });
      expect(refused(-1)).toEqual({
        error: 'TopologyError',
        message: `${file} is invalid:\n  - ${KEY}.cluster-1 (remotes[0].tokenGeneration): -1 is out of range; valid: an integer from 0 to 999999`,
      });
    },
    ENGINE_BUDGET_MS,
  );

  test(
    "refusals of the key itself are the stack's, under the config key",
    () => {
      for (const value of [{ 'cluster-0': 1 }, [1]]) {
        expect(refusal(() => settings({ tokenGenerations: JSON.stringify(value) }))).toEqual(
          refusal(() => applyTokenGenerations(exampleInput(), value, KEY)),
        );
      }
    },
    ENGINE_BUDGET_MS,
  );
});
