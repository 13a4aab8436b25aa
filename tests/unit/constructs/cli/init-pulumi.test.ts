import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';

const work = mkdtempSync(join(tmpdir(), 'amc-init-'));
let n = 0;
/** A fresh project folder with the given files. */
function folder(files: Record<string, string> = {}): string {
  const dir = join(work, `p${++n}`);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

const NEXT = `then:
  pulumi stack init dev
  pulumi config set argo-multicluster:topology my-topology.yaml   # unset: the built-in example
  pulumi up
`;

describe('init-pulumi', () => {
  test('writes the project: Pulumi.yaml runs index.ts, which is the package program; the example config is the shipped one', async () => {
    const dir = folder();
    expect(await runCli(['init-pulumi', '-o', dir])).toEqual({
      code: 0,
      stdout: `wrote Pulumi.yaml, index.ts, Pulumi.example.yaml, tsconfig.json in ${dir}
package.json lacks what \`pulumi up\` needs:
  npm install argo-multicluster @pulumi/pulumi @pulumi/kubernetes cdk8s cdk8s-plus-33 constructs
  npm install --save-dev typescript ts-node @types/node
${NEXT}`,
      stderr: '',
    });
    expect(readdirSync(dir).sort()).toEqual(['Pulumi.example.yaml', 'Pulumi.yaml', 'index.ts', 'tsconfig.json']);
    // The project name is the config keys' namespace, as in the package's own Pulumi.yaml.
    expect(parse(readFileSync(join(dir, 'Pulumi.yaml'), 'utf8'))).toEqual({
      name: parse(readFileSync(join(ROOT, 'Pulumi.yaml'), 'utf8')).name,
      description:
        'Argo Workflows multi-cluster setup (the argo-multicluster program; Pulumi.example.yaml documents its config)',
      runtime: { name: 'nodejs', options: { typescript: true } },
      main: 'index.ts',
    });
    expect(readFileSync(join(dir, 'index.ts'), 'utf8')).toMatch(
      /^import \{ argoMultiClusterProgram \} from 'argo-multicluster\/stacks\/program';\n\nexport = argoMultiClusterProgram;\n$/m,
    );
    expect(readFileSync(join(dir, 'Pulumi.example.yaml'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'Pulumi.example.yaml'), 'utf8'),
    );
    expect(JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'))).toEqual({
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node',
        esModuleInterop: true,
        skipLibCheck: true,
        types: ['node'],
      },
      files: ['index.ts'],
    });
  });

  test("keeps the user's tsconfig.json and names only the packages package.json lacks", async () => {
    const dir = folder({
      'tsconfig.json': '{"compilerOptions":{"strict":true}}',
      'package.json': JSON.stringify({
        dependencies: { 'argo-multicluster': '^0.1.0', '@pulumi/pulumi': '^3', cdk8s: '^2', constructs: '^10' },
        devDependencies: { typescript: '^5', '@types/node': '^22' },
      }),
    });
    expect(await runCli(['init-pulumi', '-o', dir])).toEqual({
      code: 0,
      stdout: `wrote Pulumi.yaml, index.ts, Pulumi.example.yaml in ${dir}
package.json lacks what \`pulumi up\` needs:
  npm install @pulumi/kubernetes cdk8s-plus-33
  npm install --save-dev ts-node
${NEXT}`,
      stderr: '',
    });
    expect(readFileSync(join(dir, 'tsconfig.json'), 'utf8')).toBe('{"compilerOptions":{"strict":true}}');
  });

  test('with every package listed it prints only the next steps', async () => {
    const all = [
      'argo-multicluster',
      '@pulumi/pulumi',
      '@pulumi/kubernetes',
      'cdk8s',
      'cdk8s-plus-33',
      'constructs',
      'typescript',
      'ts-node',
      '@types/node',
    ];
    const dir = folder({
      'package.json': JSON.stringify({ dependencies: Object.fromEntries(all.map((p) => [p, '*'])) }),
    });
    expect((await runCli(['init-pulumi', '-o', dir])).stdout).toBe(
      `wrote Pulumi.yaml, index.ts, Pulumi.example.yaml, tsconfig.json in ${dir}\n${NEXT}`,
    );
  });

  test.each([
    ['a file', { 'index.ts': 'mine' }, ['index.ts']],
    ['two files', { 'Pulumi.yaml': 'mine', 'Pulumi.example.yaml': 'mine' }, ['Pulumi.yaml', 'Pulumi.example.yaml']],
  ])('refuses %s that exists, names it and writes nothing (exit 2)', async (_, files, named) => {
    const dir = folder(files);
    const before = readdirSync(dir).sort();
    expect(await runCli(['init-pulumi', '-o', dir])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: init-pulumi: ${named.map((f) => join(dir, f)).join(', ')} already exist(s); init-pulumi never replaces a file: move ${named.length > 1 ? 'them' : 'it'} away, or give another folder with -o\n`,
    });
    expect(readdirSync(dir).sort()).toEqual(before);
    for (const [f, text] of Object.entries(files)) expect(readFileSync(join(dir, f), 'utf8')).toBe(text);
  });

  test('a dangling symlink at a name counts as a file: nothing is written through it', async () => {
    const dir = folder();
    const target = join(work, `elsewhere-${n}`);
    symlinkSync(target, join(dir, 'index.ts'));
    expect((await runCli(['init-pulumi', '-o', dir])).code).toBe(2);
    expect(readdirSync(dir)).toEqual(['index.ts']);
    expect(readdirSync(work)).not.toContain(`elsewhere-${n}`);
  });

  test.each([
    ['a missing folder', () => join(work, 'missing')],
    ['a file', () => join(folder({ f: 'x' }), 'f')],
  ])('refuses %s as -o (exit 2, naming it)', async (_, dir) => {
    const d = dir();
    expect(await runCli(['init-pulumi', '-o', d])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: init-pulumi: -o "${d}" is not a folder; give the project folder, where argo-multicluster is installed\n`,
    });
  });

  test('a write that fails leaves nothing of the run behind (exit 1)', async () => {
    const dir = folder();
    const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
    const real = fs.writeSync;
    let calls = 0;
    // The disk fills up at the third file.
    const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof real>) => {
      if (++calls === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return real(...args);
    }) as typeof real);
    try {
      expect(await runCli(['init-pulumi', '-o', dir])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'error: ENOSPC: no space left on device, write\n',
      });
    } finally {
      spy.mockRestore();
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
