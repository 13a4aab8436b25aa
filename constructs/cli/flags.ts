import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { nearest } from '../model/nearest';

export { nearest };

/** Bad flags: exit 2, like a bad topology. */
export class UsageError extends Error {}

/** One flag as `node:util` parseArgs takes it. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

/** How a flag is written in messages: `-f/--file` or `--kubeconfig`. */
function spelling(name: string, spec: FlagSpec): string {
  return spec.short ? `-${spec.short}/--${name}` : `--${name}`;
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

/**
 * What parseArgs accepts but would make a command silently wrong, explained, or undefined: a flag given twice (the
 * last would win unseen) and a string value that is empty or has white space at either end (`--kubeconfig ""` falls back to the default kubeconfig, `-o ''`
 * names the current folder, a trailing newline makes a look-alike folder).
 */
export function flagValueProblem(
  command: string,
  args: readonly string[],
  accepted: Readonly<Record<string, FlagSpec>>,
): string | undefined {
  const { tokens } = parseArgs({ args: [...args], options: accepted, strict: false, tokens: true });
  const seen = new Map<string, string>();
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    const spec = accepted[token.name];
    if (!spec) continue;
    const flag = spelling(token.name, spec);
    const value = spec.type === 'string' ? (token.value ?? '') : '';
    const shown = JSON.stringify(value);
    if (seen.has(token.name)) {
      const first = seen.get(token.name)!;
      const both = spec.type === 'string' ? ` (${JSON.stringify(first)} and ${shown})` : '';
      return `${command}: ${flag} is given twice${both}; give it once`;
    }
    seen.set(token.name, value);
    if (spec.type !== 'string') continue;
    if (value === '') return `${command}: ${flag} is empty; give a value (leave the flag out for its default)`;
    if (value.trim() !== value)
      return `${command}: ${flag} ${shown} has white space at its start or end, which would name another path or value; give it without`;
  }
  return undefined;
}

/**
 * A value joined to a short flag (`-fFILE`), explained, or undefined. parseArgs would read `-file` as the file "ile";
 * refused before {@link unknownFlag}, which would otherwise name a letter of the value as an unknown flag.
 */
export function joinedShortValue(
  command: string,
  args: readonly string[],
  accepted: Readonly<Record<string, FlagSpec>>,
): string | undefined {
  const takesValue = (arg: string) =>
    arg.startsWith('--')
      ? !arg.includes('=') && accepted[arg.slice(2)]?.type === 'string'
      : Object.values(accepted).some((spec) => spec.type === 'string' && arg === `-${spec.short}`);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') break;
    if (takesValue(arg)) {
      i++; // the next argument is this flag's value, whatever it looks like
      continue;
    }
    if (!/^-[^-]/.test(arg) || arg.length <= 2) continue;
    const entry = Object.entries(accepted).find(([, spec]) => spec.short === arg[1] && spec.type === 'string');
    if (entry)
      return `${command}: "${arg}" joins its value to -${arg[1]}; write -${arg[1]} ${JSON.stringify(arg.slice(2))} or --${entry[0]}=${arg.slice(2)}`;
  }
  return undefined;
}
