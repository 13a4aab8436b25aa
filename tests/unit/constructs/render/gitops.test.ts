import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCharts, gitopsTree, manifestYaml } from '../../../../constructs';
import { ROOT, cli, example, objects, topology, validateAgainstKubernetesSchema } from '../../support/helpers';

const credentials = new Map([
  ['cluster-1', { token: 'token-1', caData: 'Q0E=' }],
  ['cluster-2', { token: 'token-2' }],
]);

const VARIANTS: [string, ReturnType<typeof example>][] = [
  ['example', example()],
  [
    'namespaced controller, two remotes, several namespaces',
    topology((r) => {
      r.local.controller.namespaced = true;
      r.remotes[0].namespaces = ['team-a', 'team-b'];
      r.remotes[0].executorServiceAccount = 'workflow';
      r.remotes.push({
        name: 'cluster-2',
        server: 'https://10.0.0.2:6443',
        access: 'cluster',
        insecureSkipTLSVerify: true,
      });
    }),
  ],
  [
    'plain secrets',
    topology((r) => {
      r.secrets.mode = 'plain';
      r.remotes.push({ name: 'cluster-2', server: 'https://10.0.0.2:6443', insecureSkipTLSVerify: true });
    }),
  ],
  [
    'external secrets, full controller config',
    topology((r) => {
      r.secrets = { store: { name: 'remote-tokens', key: 'argo-{remote}' } };
      r.local.controller.config = {
        executor: { imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu: '10m' } } },
        workflowDefaults: { spec: { serviceAccountName: 'workflow' } },
        retentionPolicy: { completed: 10 },
        links: [{ name: 'logs', scope: 'workflow', url: 'https://logs/${metadata.name}' }],
        instanceID: 'mc',
      };
    }),
  ],
];

describe('every synthesized object', () => {
  test.each(VARIANTS)('%s: passes the Kubernetes schema of its kind', (_name, t) => {
    for (const list of objects(t, { credentials }).values()) {
      for (const m of list) {
        if (m.kind === 'ExternalSecret') continue; // not a Kubernetes kind: its shape is asserted in profile.test.ts
        validateAgainstKubernetesSchema(m);
      }
    }
  });

  test.each(VARIANTS)('%s: every name is set (no cdk8s generated names) and unique per cluster', (_name, t) => {
    for (const list of objects(t, { credentials }).values()) {
      const keys = list.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const m of list) expect(m.metadata.name).not.toMatch(/-c8[0-9a-f]{6,}$/);
    }
  });

  test('no token or kubeconfig lands in output outside plain mode', () => {
    for (const [, t] of VARIANTS.filter(([n]) => n !== 'plain secrets')) {
      const text = [...gitopsTree(t, buildCharts(t, { credentials })).values()].join('\n');
      expect(text).not.toContain('token-1');
      expect(text).not.toMatch(/^\s*kubeconfig: [A-Za-z0-9+/=]{20,}$/m);
    }
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

  test('objects keep apiVersion, kind, metadata first and sort the rest by code point', () => {
    const yaml = manifestYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: { b: '1', B: '2', a: '3' },
    });
    expect(yaml).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  B: "2"\n  a: "3"\n  b: "1"\n');
  });

  test('plain mode notes: none; none mode: PROFILES.md tells how to make each profile', () => {
    const t = example();
    const notes = gitopsTree(t, buildCharts(t)).get('cluster-0/PROFILES.md')!;
    expect(notes).toContain('argo-multicluster profile -f TOPOLOGY --remote cluster-1 | kubeseal');
    const plain = VARIANTS[2][1];
    expect(gitopsTree(plain, buildCharts(plain, { credentials })).has('cluster-0/PROFILES.md')).toBe(false);
    expect(notes).not.toMatch(/Artifact credentials|never deletes its task results/);
  });

  test('PROFILES.md names the artifact Secrets to create, and the task results an any-namespace profile leaves behind', () => {
    const t = topology((r) =>
      Object.assign(r.remotes[0], { namespaces: ['team-a', 'team-b'], artifactSecrets: ['s3-creds'] }),
    );
    const notes = gitopsTree(t, buildCharts(t)).get('cluster-0/PROFILES.md')!;
    expect(notes).toContain('create `s3-creds` in `team-a`, `team-b` of `cluster-1`');
    expect(notes).toMatch(
      /serves any namespace, and the controller build this package targets never deletes its task results/,
    );
  });
});

describe('cdk8s synth', () => {
  test('`cdk8s synth` (cdk8s.yaml) writes exactly what `npm run synth` writes', () => {
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
    expect(cli(['synth', '-o', viaCli]).code).toBe(0);
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
  });
});
