import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { ROOT } from './paths';

/** The machine and checkout a result was measured on, so that two results can be told comparable or not. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
  loadAverage: number[];
  commit: string | undefined;
  dirty: boolean;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The 1, 5 and 15 minute load averages, to two decimals. */
export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** The machine this process runs on, its load now and the checkout's commit. */
export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0] ? cpus[0].model.trim() : 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    // Load at the start: other work on the machine inflates every timing, so two results are comparable only if
    // their loads are.
    loadAverage: loadAverage(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain', '--', 'constructs', 'stacks', 'package.json', 'package-lock.json'])
      ? true
      : false,
  };
}
