import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { editDistance } from '../model/controller-config-schema';

/** One flag as `node:util` parseArgs takes it. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

/** How a flag is written in messages: `-f/--file` or `--kubeconfig`. */
function spelling(name: string, spec: FlagSpec): string {
  return spec.short ? `-${spec.short}/--${name}` : `--${name}`;
}

/** The nearest of `candidates` to `word`, when it is close enough to be a slip of the keyboard. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    // Never close when the lengths differ by more than two edits: no distance of a megabyte-long word is computed.
    if (Math.abs(word.length - candidate.length) > 2) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  // Up to two edits (one swap of neighbours is two), fewer for short words: `--fiel` finds `--file`, `--x` nothing.
  return best && best.distance <= Math.max(1, Math.min(2, Math.floor(word.length / 2))) ? best.candidate : undefined;
}

/**
 * The first flag in `args` that `accepted` does not take, explained: the nearest accepted flag when one is close, or
 * the commands that do take it (`takenBy`, asked with the long name of any flag in `all`). `undefined` when every
 * flag is known. Runs before parseArgs, whose own message names the flag but not what was meant.
 */
export function unknownFlag(
  command: string,
  args: readonly string[],
  accepted: Readonly<Record<string, FlagSpec>>,
  all: Readonly<Record<string, FlagSpec>>,
  takenBy: (flag: string) => readonly string[],
): string | undefined {
  const { tokens } = parseArgs({ args: [...args], strict: false, allowPositionals: true, tokens: true });
  const shorts = new Map(Object.entries(accepted).flatMap(([name, spec]) => (spec.short ? [[spec.short, name]] : [])));
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    const known = token.rawName.startsWith('--') ? token.name in accepted : shorts.has(token.name);
    if (known) continue;
    const valid = Object.entries(accepted).map(([name, spec]) => spelling(name, spec));
    const near = token.rawName.startsWith('--') ? nearest(token.name, Object.keys(accepted)) : undefined;
    const long = token.rawName.startsWith('--')
      ? token.name
      : Object.keys(all).find((name) => all[name].short === token.name);
    const elsewhere = long ? takenBy(long).filter((c) => c !== command) : [];
    const hint = near
      ? ` (did you mean --${near}?)`
      : elsewhere.length
        ? ` (it is a flag of ${elsewhere.join(', ')})`
        : '';
    return `${command}: unknown flag "${token.rawName}"${hint}; valid flags: ${valid.join(', ')}`;
  }
  return undefined;
}

/** The package's version, from its package.json (found walking up: the CLI runs from source in tests and from lib/). */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'argo-multicluster' && pkg.version) return pkg.version;
    } catch {
      // no package.json at this level: keep walking up
    }
    if (dirname(dir) === dir) throw new Error('the package.json of argo-multicluster is missing from the package');
  }
}
