import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFolderError, buildCharts, gitopsTree, writeTreeAtomically } from '../../../../constructs';
import { example } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { listTree, sh } from '../../support/output-helpers';

/**
 * Every wait for the lock `.<name>.amc-lock` ends, naming the lock file: a path that is not a regular file is refused
 * at once without being opened (a dangling symlink spun for ever, a FIFO blocked the open), and a held lock is waited
 * for at most the timeout (60 s by default; short here, so that no test waits on the clock).
 */
const work = mkdtempSync(join(tmpdir(), 'amc-lock-'));
const tree = gitopsTree(example(), buildCharts(example()));

let n = 0;
async function synthesized(): Promise<{ out: string; lock: string }> {
  const parent = join(work, `case-${n++}`);
  mkdirSync(parent);
  const out = join(parent, 'out');
  expect((await runCli(['synth', '--example', '-o', out])).code).toBe(0);
  return { out, lock: join(parent, '.out.amc-lock') };
}

const notAFile = (lock: string, kind: string) =>
  `error: the lock file ${lock} is ${kind}, not a file synth writes; remove it if no synth is running; nothing was changed\n`;

const refused: [string, (lock: string) => void, string][] = [
  ['a dangling symlink', (lock) => symlinkSync(join(work, 'nowhere'), lock), 'a symlink'],
  [
    'a symlink to a file',
    (lock) => {
      writeFileSync(`${lock}.target`, '');
      symlinkSync(`${lock}.target`, lock);
    },
    'a symlink',
  ],
  ['a FIFO', (lock) => sh('mkfifo', [lock]), 'a FIFO'],
  ['a folder', (lock) => mkdirSync(lock), 'a folder'],
];

describe('a lock path that is not a regular file is refused at once, by path, and nothing changes', () => {
  test.each(refused)(
    '%s',
    async (_name, plant, kind) => {
      const { out, lock } = await synthesized();
      plant(lock);
      const before = listTree(out);
      const lockBefore = lstatSync(lock);
      expect(await runCli(['synth', '--example', '-o', out])).toEqual({
        code: 1,
        stdout: '',
        stderr: notAFile(lock, kind),
      });
      expect(listTree(out)).toEqual(before);
      expect(lstatSync(lock).ino).toBe(lockBefore.ino);
    },
    10_000,
  );
});

/** The start time of this process, as the lock records it. */
function myStart(): string {
  const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

const held: [string, () => string, string][] = [
  [
    'held by a live run',
    () => JSON.stringify({ pid: process.pid, host: hostname(), start: myStart(), nonce: 'x' }),
    `pid ${process.pid} on ${hostname()}`,
  ],
  ['being written by a run that is starting (empty)', () => '', 'a run that is starting'],
  [
    'held from another machine',
    () => JSON.stringify({ pid: 1, host: 'elsewhere.example', nonce: 'x' }),
    'pid 1 on elsewhere.example',
  ],
];

describe('a held lock is waited for at most the timeout; the message names the lock file', () => {
  test.each(held)('%s', async (_name, content, who) => {
    const { out, lock } = await synthesized();
    writeFileSync(lock, content());
    const before = listTree(out);
    let error: unknown;
    const waits: string[] = [];
    try {
      writeTreeAtomically(out, new Map([...tree, ['cluster-0/extra_x.yaml', 'x: 1\n']]), {
        lockTimeoutMs: 300,
        onWait: (m) => waits.push(m),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutputFolderError);
    expect((error as Error).message).toBe(
      `another argo-multicluster synth (${who}) is writing ${out}; waited 0.3 s for the lock file ${lock}. If that run is gone (another machine), remove ${lock}`,
    );
    expect(waits).toEqual([
      `another argo-multicluster synth (${who}) is writing ${out}; waiting up to 0.3 s for the lock file ${lock}`,
    ]);
    expect(listTree(out)).toEqual(before);
    expect(readFileSync(lock, 'utf8')).toBe(content());
  });
});
