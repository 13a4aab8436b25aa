/**
 * A user's own project with the packed tarball installed, as a user installs it: npm reaches only the registry (its
 * cache preferred), and `npm pack` runs the prepack build, as publishing does.
 *
 * @packageDocumentation
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../unit/support/helpers';

/** This repository's package.json. */
export const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** The pinned versions of this repository's dev dependencies, for a user project that wants the same ones. */
export function pinned(...names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, PACKAGE.devDependencies[n] as string]));
}

/** `npm ARGS` in `cwd`, offline-first, without the update notifier; returns stdout. */
export function npm(cwd: string, args: string[]): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

/** Packs this repository into `dir`; returns the tarball's path and the files it holds. */
export function packTarball(dir: string): { tarball: string; files: string[] } {
  const out = JSON.parse(npm(ROOT, ['pack', '--json', '--pack-destination', dir]));
  return { tarball: join(dir, out[0].filename), files: out[0].files.map((f: { path: string }) => f.path) };
}

/**
 * A fresh project folder `parent/name` with a package.json of `dependencies` and the given files, its dependencies
 * installed, then the tarball; returns the folder.
 */
export function userProject(
  parent: string,
  name: string,
  tarball: string,
  dependencies: Record<string, string>,
  files: Record<string, string>,
): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', private: true, dependencies }, null, 2),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  npm(dir, ['install']);
  npm(dir, ['install', tarball]);
  return dir;
}
