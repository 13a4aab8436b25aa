import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './paths';

export { topologyFile } from './helpers';

/** Every entry under `dir`: file content, `-> target` for a symlink, `/` for a folder. */
export function listTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, path));
      if (st.isSymbolicLink()) out[path] = `-> ${readlinkSync(join(dir, path))}`;
      else if (st.isDirectory()) {
        out[path] = '/';
        walk(path);
      } else out[path] = readFileSync(join(dir, path), 'utf8');
    }
  };
  walk('');
  return out;
}

/** Runs a shell command, throwing with its output when it fails. */
export function sh(command: string, args: string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.error?.message}): ${r.stderr}`);
}

export const isRoot = process.getuid?.() === 0;

/**
 * A CLI run as a child process that the test may kill. `stderrHas(text)` resolves once its stderr holds `text`, and
 * rejects with what it printed if it ends first: a test learns what state the run reached from the run itself.
 */
export function startCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: (() => void)[] = [];
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of watchers) w();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })),
  );
  const stderrHas = (text: string) =>
    new Promise<void>((res, rej) => {
      const check = () => stderr.includes(text) && res();
      watchers.push(check);
      check();
      void done.then((r) =>
        rej(new Error(`the run ended before printing ${JSON.stringify(text)}: ${JSON.stringify(r)}`)),
      );
    });
  return { child, done, stderrHas };
}

/**
 * Output folders for one test file, each absent and alone in a parent of its own (where a run puts its lock and its
 * leftovers), under a temporary folder named `prefix`.
 */
export function outputFolders(prefix: string): (name?: string) => { parent: string; out: string } {
  const work = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return (name = 'out') => {
    const parent = join(work, String(n++));
    mkdirSync(parent);
    return { parent, out: join(parent, name) };
  };
}

/** The error `f` throws; a test that expects one fails when there is none. */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('no error was thrown');
}
