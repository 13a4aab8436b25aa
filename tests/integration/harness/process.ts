/**
 * Child processes of the integration tests and the waiting around them: each process writes to a log file, stops
 * within a bounded grace, and is killed when Node exits, so none outlives a crashed or aborted test run.
 *
 * @packageDocumentation
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';

/** Options of {@link ManagedProcess}. */
export interface ProcessOptions {
  /** The executable and its arguments. */
  readonly argv: readonly string[];
  /** The file that receives stdout and stderr; appended to, so a restarted process keeps its earlier log. */
  readonly logFile: string;
  /** Its environment. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Whether it leads a process group of its own that is signalled as a whole: for a wrapper whose descendants must
   * not outlive it.
   */
  readonly group?: boolean;
}

// 'exit' handlers must be synchronous, so what is still alive then gets SIGKILL; a process leaves the set when it
// has exited, a group only when stop() has killed the rest of it.
const live = new Set<() => void>();
let exitHookInstalled = false;

/** A started child process. */
export class ManagedProcess {
  /** Resolves once the process has exited, or failed to start. */
  readonly exited: Promise<void>;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly group: boolean;
  private readonly killNow = (): void => this.signal('SIGKILL');
  private exitInfo: string | undefined;

  constructor(opts: ProcessOptions) {
    const [file, ...args] = opts.argv;
    if (file === undefined) throw new Error('ManagedProcess: empty argv');
    this.logFile = opts.logFile;
    this.group = opts.group ?? false;
    // A file rather than a pipe, so nothing has to drain the output.
    const fd = openSync(opts.logFile, 'a');
    try {
      this.child = spawn(file, args, {
        stdio: ['ignore', fd, fd],
        env: opts.env ?? process.env,
        detached: this.group,
      });
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise<void>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
        if (!this.group) live.delete(this.killNow);
        resolve();
      });
      this.child.once('error', (err) => {
        this.exitInfo = `spawn error: ${err.message}`;
        resolve();
      });
    });
    if (this.child.pid !== undefined) {
      live.add(this.killNow);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', () => live.forEach((kill) => kill()));
      }
    }
  }

  /** Why the process has exited, or undefined while it runs. */
  get exitReason(): string | undefined {
    return this.exitInfo;
  }

  /**
   * Sends SIGTERM, and SIGKILL if the process has not exited after `graceMs`; resolves once it has exited. A group
   * then gets SIGKILL in any case, for members that outlived its leader. No-op on a process that has exited.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.exitInfo === undefined && this.child.pid !== undefined) {
      this.signal('SIGTERM');
      // A kube-apiserver, for one, can still be draining long after SIGTERM; tests need a bounded stop.
      if (!(await settlesWithin(this.exited, graceMs))) {
        this.signal('SIGKILL');
        await this.exited;
      }
    }
    if (this.group) this.signal('SIGKILL');
    live.delete(this.killNow);
  }

  /** The last lines of the log, for error messages. */
  async logTail(lines = 20): Promise<string> {
    try {
      const text = await fs.readFile(this.logFile, 'utf8');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    if (!this.group) {
      this.child.kill(signal);
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch {
      // The whole group is gone.
    }
  }
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** How long to wait, in ms. Default 60 000. */
  readonly timeoutMs?: number;
  /** The pause between two checks, in ms. Default 500. */
  readonly intervalMs?: number;
  /** A process the awaited state depends on: its exit ends the wait at once, and its log tail goes into the error. */
  readonly process?: ManagedProcess;
}

/**
 * Runs `check` until it returns a truthy value, and returns that value. Throws, naming `what`, once the timeout has
 * passed or the given process has exited; an error of `check` ends the wait too. `check` runs at least once.
 * `what` may be a function, to say how far the wait got when it fails.
 *
 * @example
 * ```ts
 * await waitFor('the namespace to be gone', async () => (await readObject(client, ns)) === undefined, { timeoutMs: 90_000 });
 * ```
 */
export async function waitFor<T>(
  what: string | (() => string),
  check: () => T | Promise<T>,
  opts: WaitOptions = {},
): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const proc = opts.process;
  const fail = async (why: string): Promise<never> => {
    const description = typeof what === 'string' ? what : what();
    const log = proc ? `; ${proc.logFile} ends with:\n${await proc.logTail()}` : '';
    throw new Error(`${why} waiting for ${description}${log}`);
  };
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | 0 | '' | null | undefined>;
    if (proc?.exitReason !== undefined) return fail(`the process exited (${proc.exitReason}) while`);
    if (Date.now() > deadline) return fail('timed out');
    await sleep(opts.intervalMs ?? 500);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `p` settles within `ms` milliseconds. */
function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
