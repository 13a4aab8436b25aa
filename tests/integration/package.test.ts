import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../unit/support/helpers';
import { PACKAGE as pkg, packTarball, pinned, userProject } from './harness/userProject';

// The packed tarball, installed as a user installs it into projects that already have their own cdk8s, constructs
// and @pulumi/* (other versions than this repository's dev pins where the registry has them), type-checked with
// TypeScript strict in CommonJS and ES module files, and run. npm reaches only the registry (the cache is preferred).
jest.setTimeout(600_000);

const work = mkdtempSync(join(tmpdir(), 'amc-package-'));
let tarball: string;

function run(cwd: string, file: string): string {
  return execFileSync(process.execPath, [file], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    outDir: 'out',
    types: ['node'],
    skipLibCheck: false,
  },
};

/** A fresh project with the user's own dependencies, a strict tsconfig for `files`, and our tarball. */
function project(name: string, dependencies: Record<string, string>, files: Record<string, string>): string {
  return userProject(work, name, tarball, dependencies, {
    ...files,
    'tsconfig.json': JSON.stringify({ ...TSCONFIG, include: Object.keys(files) }, null, 2),
  });
}

/** Every copy of a package under node_modules (a second copy of cdk8s or constructs is the bug this guards). */
function copies(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = join(d, e.name);
      if (e.name === name && p.endsWith(join('node_modules', name)))
        found.push(JSON.parse(readFileSync(join(p, 'package.json'), 'utf8')).version);
      if (e.name === 'node_modules' || e.name.startsWith('@') || d.endsWith('node_modules')) walk(p);
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

const COMMON = pinned('typescript', '@types/node');

beforeAll(() => {
  const packed = packTarball(work);
  tarball = packed.tarball;
  const files = packed.files;
  expect(files).toEqual(
    expect.arrayContaining([
      'LICENSE',
      'README.md',
      'package.json',
      'topology.schema.json',
      'lib/constructs/index.js',
      'lib/constructs/index.d.ts',
      // Argo's CRDs for local.crds.install, which the constructs import at load time.
      'lib/constructs/objects/argo-crds.generated.json',
      'lib/stacks/component/component.js',
      'lib/constructs/cli/main.js',
      'constructs/examples/topology.yaml',
      'Pulumi.example.yaml',
      'lib/stacks/program/program.js',
      'lib/stacks/program/program.d.ts',
    ]),
  );
  expect(files.filter((f) => f.startsWith('tests/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
});

describe('the packed tarball in a user project', () => {
  test('has a license, peer ranges for cdk8s and constructs, and no pinned copy of them', () => {
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(
      /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/,
    );
    expect(pkg.dependencies).not.toHaveProperty('cdk8s');
    expect(pkg.dependencies).not.toHaveProperty('constructs');
    expect(pkg.peerDependencies).toMatchObject({
      cdk8s: expect.stringMatching(/^\^/),
      constructs: expect.stringMatching(/^\^/),
    });
  });

  test('a cdk8s project with its own cdk8s and constructs type-checks, synthesizes (CommonJS and ESM) and runs the CLI', () => {
    const source = (importLine: string) => `${importLine}
const app = new App({ outdir: 'dist' });
const topology: Topology = loadTopologyFile(exampleTopologyPath());
const charts = buildCharts(topology, { app });
// The user's own chart with one of our constructs: one copy of constructs, or this throws.
const mine = new Chart(app, 'mine');
new ControllerDeployment(mine, 'controller', { namespace: 'argo', image: 'ghcr.io/me/wc:v1', executorImage: 'ghcr.io/me/exec:v1', config: { cluster: 'c0' }, profiles: [], logging: { level: 'debug' } });
const file: TopologyFile = { local: { name: 'c0', controller: { image: 'ghcr.io/me/wc:v1', executorImage: 'ghcr.io/me/exec:v1' } }, remotes: [{ name: 'c1', server: 'https://c1:6443' }] };
validateTopology(file);
app.synth();
console.log(JSON.stringify({ charts: app.charts.length, local: charts.local.toJson().length }));
`;
    const dir = project(
      'cdk8s-user',
      { ...COMMON, cdk8s: '2.70.106', constructs: '10.8.1' },
      {
        'main.cts': source(
          "import { App, Chart } from 'cdk8s';\nimport { ControllerDeployment, Topology, TopologyFile, buildCharts, exampleTopologyPath, loadTopologyFile, validateTopology } from 'argo-multicluster';",
        ),
        'main.mts': source(
          "import { App, Chart } from 'cdk8s';\nimport { ControllerDeployment, type Topology, type TopologyFile, buildCharts, exampleTopologyPath, loadTopologyFile, validateTopology } from 'argo-multicluster';",
        ),
      },
    );
    expect(copies(dir, 'cdk8s')).toEqual(['2.70.106']);
    expect(copies(dir, 'constructs')).toEqual(['10.8.1']);
    execFileSync(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
      encoding: 'utf8',
    });
    for (const file of ['out/main.cjs', 'out/main.mjs'])
      expect(JSON.parse(run(dir, file))).toEqual({ charts: 3, local: expect.any(Number) });
    expect(readdirSync(join(dir, 'dist')).sort()).toEqual([
      'cluster-0.k8s.yaml',
      'cluster-1.k8s.yaml',
      'mine.k8s.yaml',
    ]);
    const bin = join(dir, 'node_modules', '.bin', 'argo-multicluster');
    expect(execFileSync(bin, ['--help'], { encoding: 'utf8' })).toMatch(/^argo-multicluster: /);
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' })).toBe(`${pkg.version}\n`);
    expect(execFileSync(bin, ['synth', '--example', '-o', join(dir, 'gitops')], { encoding: 'utf8' })).toMatch(
      /^wrote \d+ files for 2 clusters/,
    );
  });

  test('a Pulumi project with its own @pulumi/* type-checks and builds the component under mocks (CommonJS and ESM)', () => {
    const source = (imports: string) => `${imports}
pulumi.runtime.setMocks(
  {
    newResource: (a) => ({ id: a.name + '-id', state: a.type === 'kubernetes:core/v1:Secret' && a.inputs.type === 'kubernetes.io/service-account-token' ? { ...a.inputs, data: { token: 'dA==', 'ca.crt': 'Y2E=' } } : a.inputs }),
    call: (a) => a.inputs,
  },
  'user-project',
  'dev',
  false,
);
async function main(): Promise<void> {
  const { ArgoMultiCluster } = await import('argo-multicluster/stacks');
  const remote = new k8s.Provider('remote', { context: 'remote-admin', clusterIdentifier: 'remote' });
  const server: pulumi.Output<string> = pulumi.output('https://10.1.0.10:6443');
  const argo = new ArgoMultiCluster('argo', {
    topology: {
      local: { name: 'prod-eu', controller: { image: 'ghcr.io/me/wc@sha256:' + 'a'.repeat(64), executorImage: 'ghcr.io/me/exec:v1', logging: { format: 'json' } } },
      remotes: [{ name: 'gpu-1', server, namespaces: ['training'] }],
    },
    connections: { 'gpu-1': { provider: remote } },
  });
  const profiles = await new Promise((resolve) => argo.profiles.apply(resolve));
  console.log(JSON.stringify({ clusters: [...argo.clusters.keys()], profiles }));
}
main();
`;
    const dir = project(
      'pulumi-user',
      {
        ...COMMON,
        ...pinned('@pulumi/pulumi', '@pulumi/kubernetes'),
      },
      {
        'index.cts': source("import * as pulumi from '@pulumi/pulumi';\nimport * as k8s from '@pulumi/kubernetes';"),
        'index.mts': source("import * as pulumi from '@pulumi/pulumi';\nimport * as k8s from '@pulumi/kubernetes';"),
      },
    );
    expect(copies(dir, 'constructs')).toHaveLength(1);
    execFileSync(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
      encoding: 'utf8',
    });
    for (const file of ['out/index.cjs', 'out/index.mjs']) {
      expect(JSON.parse(run(dir, file))).toEqual({
        clusters: ['gpu-1', 'prod-eu'],
        profiles: { 'gpu-1': { name: 'argo.gpu-1', namespace: 'argo' } },
      });
    }
  });
});
