import { closeSync, existsSync, lstatSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { packageFile } from '../model/example';
import { PROJECT } from '../../stacks/program/stack-names';

/**
 * What a user's project needs installed to run the program with `pulumi`: the package's peers, and what Pulumi
 * type-checks `index.ts` with (typescript and ts-node; without the latter Pulumi falls back to the ts-node 7.0.1 it
 * vendors, of 2018, which no test here covers).
 */
export const PULUMI_PROJECT_PACKAGES = {
  dependencies: ['argo-multicluster', '@pulumi/pulumi', '@pulumi/kubernetes', 'cdk8s', 'cdk8s-plus-33', 'constructs'],
  devDependencies: ['typescript', 'ts-node', '@types/node'],
} as const;

// `main` names the file: for a folder, Pulumi would run whatever package.json's entry point is.
const PULUMI_YAML = `name: ${PROJECT}
description: Argo Workflows multi-cluster setup (the argo-multicluster program; Pulumi.example.yaml documents its config)
runtime:
  name: nodejs
  options:
    typescript: true
main: index.ts
`;

const INDEX_TS = `// The argo-multicluster program, as its own repository's Pulumi.yaml runs it: it reads this stack's
// argo-multicluster:* config keys, each documented in Pulumi.example.yaml.
import { argoMultiClusterProgram } from 'argo-multicluster/stacks/program';

export = argoMultiClusterProgram;
`;

const TSCONFIG = `${JSON.stringify(
  {
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
  },
  null,
  2,
)}\n`;

/** Refused input of `init-pulumi`: exit 2. */
export class InitInputError extends Error {}

/** What `init-pulumi` did: the files written, and the packages the folder's package.json still lacks. */
export interface InitResult {
  readonly written: string[];
  readonly missing: { dependencies: string[]; devDependencies: string[] };
}

/**
 * Writes a Pulumi TypeScript project into `dir` that runs the package's own program. Every file is created new, never
 * replaced: when one exists (or a symlink stands at its name), nothing is written and the error names them all; a
 * write that fails removes what this run wrote.
 * @throws InitInputError when `dir` is not a folder or a file to write exists.
 */
export function initPulumi(dir: string): InitResult {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // missing: reported below
  }
  if (!isDir)
    throw new InitInputError(
      `init-pulumi: -o "${dir}" is not a folder; give the project folder, where argo-multicluster is installed`,
    );
  const contents: Record<string, string> = {
    'Pulumi.yaml': PULUMI_YAML,
    'index.ts': INDEX_TS,
    'Pulumi.example.yaml': readFileSync(packageFile('Pulumi.example.yaml', 'the documented stack config'), 'utf8'),
  };
  // The user's own compiler settings win; ours are only a start for a folder that has none.
  if (!existsSync(join(dir, 'tsconfig.json'))) contents['tsconfig.json'] = TSCONFIG;
  // lstat: a symlink is there even when it dangles, and writing through it would land elsewhere.
  const present = Object.keys(contents).filter((f) => lstatSync(join(dir, f), { throwIfNoEntry: false }) !== undefined);
  if (present.length)
    throw new InitInputError(
      `init-pulumi: ${present.map((f) => join(dir, f)).join(', ')} already exist(s); init-pulumi never replaces a file: move ${present.length > 1 ? 'them' : 'it'} away, or give another folder with -o`,
    );
  const written: string[] = [];
  try {
    for (const [file, text] of Object.entries(contents)) {
      const fd = openSync(join(dir, file), 'wx', 0o644);
      written.push(file);
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    }
  } catch (e) {
    for (const file of written) unlinkSync(join(dir, file));
    throw e;
  }
  return { written, missing: missingPackages(dir) };
}

/** The packages of {@link PULUMI_PROJECT_PACKAGES} that `dir/package.json` does not list (all of them when it has none). */
function missingPackages(dir: string): InitResult['missing'] {
  let pkg: { dependencies?: object; devDependencies?: object } = {};
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    // no readable package.json: every package is missing
  }
  const listed = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
  return {
    dependencies: PULUMI_PROJECT_PACKAGES.dependencies.filter((p) => !listed.has(p)),
    devDependencies: PULUMI_PROJECT_PACKAGES.devDependencies.filter((p) => !listed.has(p)),
  };
}
