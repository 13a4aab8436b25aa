import { PROCESS_BUDGET_MS } from '../../support/budgets';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import {
  ClusterCharts,
  Topology,
  buildCharts,
  clusterManifests,
  gitopsTree,
  manifestFileName,
} from '../../../../constructs';
import { ROOT, example, topology } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { TOPOLOGY_VARIANTS, VARIANT_CREDENTIALS } from '../../support/constructs';

describe('the GitOps output of every variant', () => {
  test('no token or kubeconfig lands in output outside plain mode', () => {
    const text = (t: Topology) =>
      [...gitopsTree(t, buildCharts(t, { credentials: VARIANT_CREDENTIALS })).values()].join('\n');
    for (const [, t] of TOPOLOGY_VARIANTS.filter(([n]) => n !== 'plain secrets')) {
      expect(text(t)).not.toContain('token-1');
      expect(text(t)).not.toMatch(/^\s*kubeconfig: [A-Za-z0-9+/=]{20,}$/m);
    }
    // What the checks look for is there in plain mode, so they would find it elsewhere.
    const plain = TOPOLOGY_VARIANTS.find(([n]) => n === 'plain secrets')![1];
    expect(text(plain)).toMatch(/^\s*kubeconfig: [A-Za-z0-9+/=]{20,}$/m);
  });
});

describe('the GitOps tree', () => {
  test('the example, as committed users will see it', () => {
    const t = example();
    const tree = gitopsTree(t, buildCharts(t));
    expect(Object.fromEntries(tree)).toMatchSnapshot();
  });

  test('the same topology gives the same bytes, whatever the order of its fields', () => {
    const t = example();
    const reordered = topology((r) => {
      const { controller, ...rest } = r.local;
      r.local = {
        controller: { ...controller, config: Object.fromEntries(Object.entries(controller.config).reverse()) },
        ...rest,
      };
    });
    expect(Object.fromEntries(gitopsTree(reordered, buildCharts(reordered)))).toEqual(
      Object.fromEntries(gitopsTree(t, buildCharts(t))),
    );
  });

  /** The part of PROFILES.md about cluster-1 (what precedes it is in the snapshot). */
  const profileSection = (t: Topology) => {
    const notes = gitopsTree(t, buildCharts(t)).get('cluster-0/PROFILES.md')!;
    return notes.slice(notes.indexOf('- `argo.cluster-1'));
  };
  const MAKE_PROFILE = (namespace: string, cluster = 'cluster-1') => [
    `- \`argo.${cluster}\` in namespace \`argo\`, from the token Secret`,
    `  \`argo.cluster-0.service-account-token\` of \`argo.cluster-0\` in \`cluster-1\`/\`${namespace}\`:`,
    '',
    '  ```sh',
    `  argo-multicluster profile -f TOPOLOGY --remote ${cluster} | kubeseal -o yaml > argo.${cluster}.sealed.yaml`,
    '  ```',
    '',
  ];

  test('none mode: PROFILES.md tells how to make each profile; the modes that write profiles list only what the topology names', () => {
    expect(profileSection(example())).toBe(MAKE_PROFILE('default').join('\n'));
    for (const [name, t] of TOPOLOGY_VARIANTS.filter(([, v]) => v.secrets.mode !== 'none')) {
      const notes = gitopsTree(t, buildCharts(t, { credentials: VARIANT_CREDENTIALS })).get('cluster-0/PROFILES.md');
      const names =
        (t.local.controller.imagePullSecrets ?? []).length +
        t.remotes.reduce((n, r) => n + (r.executorImagePullSecrets ?? []).length + r.artifactSecrets.length, 0);
      expect([name, notes === undefined]).toEqual([name, names === 0]);
      expect([name, notes?.includes('## Profiles') ?? false]).toEqual([name, false]);
    }
  });

  /** PROFILES.md's list of the Secrets the topology names. */
  const namedSection = (t: Topology) => {
    const notes = gitopsTree(t, buildCharts(t, { credentials: VARIANT_CREDENTIALS })).get('cluster-0/PROFILES.md');
    const at = notes?.indexOf('## Secrets the topology names') ?? -1;
    return at < 0 ? undefined : notes!.slice(at);
  };
  const NAMED_HEADER = [
    '## Secrets the topology names',
    '',
    'Credentials, so never written here: create each one (and commit it encrypted, e.g. sealed, in an overlay).',
    '',
  ];
  test.each([
    ['none', (r: any) => r, undefined],
    [
      'controller imagePullSecrets',
      (r: any) => (r.local.controller.imagePullSecrets = [{ name: 'ghcr-pull' }, { name: 'quay-pull' }]),
      [
        '- image pull Secrets (type `kubernetes.io/dockerconfigjson`) of the controller, `local.controller.imagePullSecrets`:',
        '  `ghcr-pull`, `quay-pull` in namespace `argo` of `cluster-0`',
      ],
    ],
    [
      'executor imagePullSecrets and artifactSecrets, several namespaces, external mode',
      (r: any) => {
        Object.assign(r.remotes[0], {
          namespaces: ['team-a', 'team-b'],
          executorServiceAccount: 'workflow',
          executorImagePullSecrets: [{ name: 'regcred' }],
          artifactSecrets: ['s3-creds'],
          secretStore: { name: 'vault', kind: 'ClusterSecretStore' },
        });
        r.secrets = { mode: 'external' };
      },
      [
        '- image pull Secrets (type `kubernetes.io/dockerconfigjson`) of the executor, `remotes[0].executorImagePullSecrets`:',
        '  `regcred` in namespaces `team-a`, `team-b` of `cluster-1`',
        '- artifact repository Secrets, `remotes[0].artifactSecrets` (the controller mounts them into the workflow pods',
        '  there; no identity reads them through the API): `s3-creds` in namespaces `team-a`, `team-b` of `cluster-1`',
      ],
    ],
  ])('PROFILES.md lists every Secret the topology names and no output holds: %s', (_name, patch, expected) => {
    const t = topology(patch);
    expect(namedSection(t)).toBe(expected === undefined ? undefined : [...NAMED_HEADER, ...expected, ''].join('\n'));
  });

  test('PROFILES.md names the task results an any-namespace profile leaves behind', () => {
    const t = topology((r) => Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'] }));
    expect(profileSection(t)).toBe(
      [
        ...MAKE_PROFILE('team-a'),
        '  This profile serves any namespace, and the controller build this package targets never deletes its task results',
        '  (README, "Controller builds"): delete them yourself now and then.',
        '',
      ].join('\n'),
    );
  });

  test("profilePerNamespace: PROFILES.md tells how to make each namespace's profile; its task results are deleted", () => {
    const t = topology((r) =>
      Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], profilePerNamespace: true }),
    );
    expect(profileSection(t)).toBe(
      [...MAKE_PROFILE('team-a', 'cluster-1-team-a'), ...MAKE_PROFILE('team-a', 'cluster-1-team-b')].join('\n'),
    );
  });

  test.each(TOPOLOGY_VARIANTS)(
    "%s: each cluster's kustomization.yaml lists every other object file of its folder, in apply order",
    (_name, t) => {
      const charts = buildCharts(t, { credentials: VARIANT_CREDENTIALS });
      const tree = gitopsTree(t, charts);
      for (const [cluster, manifests] of clusterManifests(charts)) {
        const listed: string[] = parse(tree.get(`${cluster}/kustomization.yaml`)!).resources;
        const inFolder = [...tree.keys()]
          .filter((p) => p.startsWith(`${cluster}/`) && p.endsWith('.yaml') && p !== `${cluster}/kustomization.yaml`)
          .map((p) => p.slice(cluster.length + 1));
        expect([cluster, [...listed].sort()]).toEqual([cluster, inFolder.sort()]);
        expect([cluster, listed]).toEqual([cluster, manifests.map(manifestFileName)]);
      }
    },
  );

  test('two objects that would share a file are refused, naming both', () => {
    const chart = new Chart(new App(), 'cluster-x');
    new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'a', name: 'b_c' } });
    new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'a_b', name: 'c' } });
    expect(() => gitopsTree(example(), { local: chart, remotes: [] } as unknown as ClusterCharts)).toThrow(
      new Error('cluster-x: v1/ConfigMap/a_b/c and v1/ConfigMap/a/b_c would share the file configmap_a_b_c.yaml'),
    );
  });
});

describe('cdk8s synth', () => {
  test(
    '`cdk8s synth` (cdk8s.yaml) writes exactly what `npm run synth` writes',
    async () => {
      const work = mkdtempSync(join(tmpdir(), 'amc-cdk8s-'));
      const viaCdk8s = join(work, 'cdk8s');
      const r = spawnSync(
        process.execPath,
        [join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--output', viaCdk8s],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(r.stderr).not.toMatch(/ERROR|No manifests/);
      expect(r.status).toBe(0);
      const viaCli = join(work, 'cli');
      expect((await runCli(['synth', '--example', '-o', viaCli])).code).toBe(0);
      const read = (dir: string) =>
        Object.fromEntries(
          readdirSync(dir, { recursive: true, withFileTypes: true })
            .filter((e) => e.isFile())
            .map((e) => [
              join(e.parentPath ?? e.path, e.name).slice(dir.length),
              readFileSync(join(e.parentPath ?? e.path, e.name), 'utf8'),
            ]),
        );
      expect(read(viaCdk8s)).toEqual(read(viaCli));
    },
    PROCESS_BUDGET_MS,
  );
});
