import { PROCESS_BUDGET_MS } from '../../support/budgets';
import fs, {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUTPUT_MARKER, OutputFolderError, writeTreeAtomically } from '../../../../constructs/render/output-folder';
import { isRoot, listTree, sh } from '../../support/output-helpers';

/**
 * The lock `.<name>.amc-lock` beside the output folder, met in every state a run can find it in: who holds it is asked
 * of the process itself, a half-written one is judged by its age, one of another machine is never broken, and the
 * short-lived `.break` file lets only one run break a dead lock. Waits are made to end at once (a timeout of 0, or the
 * holder going away during the run's sleep), so no test waits on the clock.
 */
const work = mkdtempSync(join(tmpdir(), 'amc-of-lock-'));
const HOST = hostname();
/** Above Linux's PID_MAX_LIMIT (2^22): no process has it. */
const NO_SUCH_PID = 2 ** 22 + 1;
const TREE = new Map([['c/a.yaml', 'a']]);

let n = 0;
/** An absent output folder alone in its parent, and its lock path. */
function fresh(): { out: string; lock: string; breaker: string } {
  const parent = join(work, String(n++));
  mkdirSync(parent);
  return {
    out: join(parent, 'out'),
    lock: join(parent, '.out.amc-lock'),
    breaker: join(parent, '.out.amc-lock.break'),
  };
}

/** A minute ago: older than any half-written lock or `.break` file. */
function makeOld(path: string): void {
  const then = Date.now() / 1000 - 60;
  utimesSync(path, then, then);
}

let sleeps: jest.SpyInstance;
beforeEach(() => {
  sleeps = jest.spyOn(Atomics, 'wait');
});
afterEach(() => jest.restoreAllMocks());

/** A run with `lockTimeoutMs`, its waits collected; its outcome, or its error's message. */
function run(out: string, lockTimeoutMs: number) {
  const waits: string[] = [];
  try {
    return { changed: writeTreeAtomically(out, TREE, { lockTimeoutMs, onWait: (m) => waits.push(m) }), waits };
  } catch (e) {
    if (!(e instanceof OutputFolderError)) throw e;
    return { error: e.message, waits };
  }
}

const waiting = (who: string, out: string, lock: string, s = 0) =>
  `another argo-multicluster synth (${who}) is writing ${out}; waiting up to ${s} s for the lock file ${lock}`;
const timedOut = (who: string, out: string, lock: string) =>
  `another argo-multicluster synth (${who}) is writing ${out}; waited 0 s for the lock file ${lock}. If that run is gone (another machine), remove ${lock}`;
const written = { [OUTPUT_MARKER]: expect.any(String), c: '/', 'c/a.yaml': 'a' };

describe('a lock path that is not a regular file is refused, named by kind', () => {
  const refused = (lock: string, kind: string) =>
    `the lock file ${lock} is ${kind}, not a file synth writes; remove it if no synth is running; nothing was changed`;

  test('a socket', async () => {
    const { out, lock } = fresh();
    const server = createServer();
    await new Promise<void>((res) => server.listen(lock, res));
    try {
      expect(run(out, 0)).toEqual({ error: refused(lock, 'a socket'), waits: [] });
      expect(lstatSync(lock).isSocket()).toBe(true);
      expect(existsSync(out)).toBe(false);
    } finally {
      await new Promise((res) => server.close(res));
    }
  });

  test(
    'a device',
    () => {
      if (!isRoot) throw new Error('making a device needs root (mknod); run the tests as root');
      const { out, lock } = fresh();
      sh('mknod', [lock, 'c', '1', '3']);
      expect(run(out, 0)).toEqual({ error: refused(lock, 'a device'), waits: [] });
      expect(lstatSync(lock).isCharacterDevice()).toBe(true);
      expect(existsSync(out)).toBe(false);
    },
    PROCESS_BUDGET_MS,
  );
});

describe('a lock path that changes while it is read', () => {
  /** Runs `swap` once, just before the run opens the lock file to read it. */
  function beforeReading(lock: string, swap: (open: () => number) => number): void {
    const open = fs.openSync as (...args: any[]) => number;
    let done = false;
    jest.spyOn(fs, 'openSync').mockImplementation(((path: string, ...rest: any[]) => {
      if (path !== lock || typeof rest[0] !== 'number' || done) return open(path, ...rest);
      done = true;
      return swap(() => open(path, ...rest));
    }) as typeof fs.openSync);
  }
  const elsewhere = (host: string) => JSON.stringify({ pid: 1, host });

  test('gone between its lstat and its open: looked at again', () => {
    const { out, lock } = fresh();
    writeFileSync(lock, '');
    makeOld(lock);
    beforeReading(lock, () => {
      throw Object.assign(new Error('gone'), { code: 'ENOENT' });
    });
    expect(run(out, 0)).toEqual({ changed: true, waits: [] });
  });

  test('unreadable: refused, named', () => {
    const { out, lock } = fresh();
    writeFileSync(lock, '');
    beforeReading(lock, () => {
      throw Object.assign(new Error('no'), { code: 'EACCES' });
    });
    expect(run(out, 0)).toEqual({
      error: `cannot read the lock file ${lock}: permission denied (EACCES); nothing was changed`,
      waits: [],
    });
  });

  test(
    'replaced by a FIFO: judged again, so refused as a FIFO',
    () => {
      const { out, lock } = fresh();
      writeFileSync(lock, '');
      beforeReading(lock, (open) => {
        unlinkSync(lock);
        sh('mkfifo', [lock]);
        return open();
      });
      expect(run(out, 0)).toEqual({
        error: `the lock file ${lock} is a FIFO, not a file synth writes; remove it if no synth is running; nothing was changed`,
        waits: [],
      });
    },
    PROCESS_BUDGET_MS,
  );

  test('replaced twice: judged by what it holds after the second', () => {
    const { out, lock } = fresh();
    writeFileSync(lock, elsewhere('a.example'));
    // Moved aside rather than deleted, so that no inode is reused.
    beforeReading(lock, (open) => {
      renameSync(lock, `${lock}.a`);
      writeFileSync(lock, elsewhere('b.example'));
      const fd = open();
      renameSync(lock, `${lock}.b`);
      writeFileSync(lock, elsewhere('c.example'));
      return fd;
    });
    const who = 'pid 1 on c.example';
    expect(run(out, 0)).toEqual({ error: timedOut(who, out, lock), waits: [waiting(who, out, lock)] });
  });
});

describe('a lock a run cannot prove dead is waited for, and left as it was', () => {
  const cases: [string, () => string, string][] = [
    ['a pid that is not a number', () => JSON.stringify({ pid: '12', host: HOST }), 'a run that is starting'],
    ['no host', () => JSON.stringify({ pid: NO_SUCH_PID }), 'a run that is starting'],
    ['no object', () => 'null', 'a run that is starting'],
    [
      'a dead pid on another machine',
      () => JSON.stringify({ pid: NO_SUCH_PID, host: 'elsewhere.example' }),
      `pid ${NO_SUCH_PID} on elsewhere.example`,
    ],
  ];
  test.each(cases)('%s (judged by its age: fresh)', (_name, content, who) => {
    const { out, lock } = fresh();
    writeFileSync(lock, content());
    expect(run(out, 0)).toEqual({ error: timedOut(who, out, lock), waits: [waiting(who, out, lock)] });
    expect(readFileSync(lock, 'utf8')).toBe(content());
    expect(existsSync(out)).toBe(false);
  });

  test('a live process that this one may not signal (EPERM)', () => {
    const { out, lock } = fresh();
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: HOST }));
    const kill = process.kill.bind(process);
    jest.spyOn(process, 'kill').mockImplementation((pid, signal) => {
      if (pid === process.pid && signal === 0) throw Object.assign(new Error('x'), { code: 'EPERM' });
      return kill(pid, signal);
    });
    const who = `pid ${process.pid} on ${HOST}`;
    expect(run(out, 0)).toEqual({ error: timedOut(who, out, lock), waits: [waiting(who, out, lock)] });
  });

  test('a live process whose start time cannot be read (no /proc)', () => {
    const { out, lock } = fresh();
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: HOST, start: '1' }));
    const read = fs.readFileSync;
    jest.spyOn(fs, 'readFileSync').mockImplementation(((path: string, ...rest: []) => {
      if (path === `/proc/${process.pid}/stat`) throw Object.assign(new Error('x'), { code: 'ENOENT' });
      return read(path, ...rest);
    }) as typeof fs.readFileSync);
    const who = `pid ${process.pid} on ${HOST}`;
    expect(run(out, 0)).toEqual({ error: timedOut(who, out, lock), waits: [waiting(who, out, lock)] });
  });
});

describe('a dead lock is taken over at once: no wait told, no sleep', () => {
  const cases: [string, (lock: string) => void][] = [
    ['pid 0', (lock) => writeFileSync(lock, JSON.stringify({ pid: 0, host: HOST }))],
    ['a negative pid', (lock) => writeFileSync(lock, JSON.stringify({ pid: -1, host: HOST }))],
    ['a pid no process has', (lock) => writeFileSync(lock, JSON.stringify({ pid: NO_SUCH_PID, host: HOST }))],
    [
      'a half-written lock a minute old',
      (lock) => {
        writeFileSync(lock, '{"pid": 1');
        makeOld(lock);
      },
    ],
  ];
  // With a timeout of 0: a run that breaks a dead lock, or finds it gone, tries again before it looks at the clock.
  test.each(cases)('%s', (_name, make) => {
    const { out, lock } = fresh();
    make(lock);
    expect(run(out, 0)).toEqual({ changed: true, waits: [] });
    expect(listTree(out)).toEqual(written);
    expect(existsSync(lock)).toBe(false);
    expect(sleeps).not.toHaveBeenCalled();
  });

  test('found only after the deadline, it is still taken over: breaking it is no wait', () => {
    const { out, lock } = fresh();
    writeFileSync(lock, JSON.stringify({ pid: NO_SUCH_PID, host: HOST }));
    // Every look at the clock is a second later than the one before.
    let clock = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => (clock += 1000));
    expect(run(out, 0)).toEqual({ changed: true, waits: [] });
    expect(existsSync(lock)).toBe(false);
  });

  test('no file descriptor is left open by reading, taking and releasing the lock', () => {
    const { out, lock } = fresh();
    writeFileSync(lock, JSON.stringify({ pid: NO_SUCH_PID, host: HOST }));
    writeTreeAtomically(out, new Map([['a.yaml', 'a']]));
    writeFileSync(lock, JSON.stringify({ pid: NO_SUCH_PID, host: HOST }));
    const open = readdirSync('/proc/self/fd').length;
    // Hashing the file that changed reads it too.
    expect(run(out, 0)).toEqual({ changed: true, waits: [] });
    expect(readdirSync('/proc/self/fd').length).toBe(open);
  });
});

describe('the .break file, held by the one run that breaks a dead lock', () => {
  const deadLock = (lock: string) => writeFileSync(lock, JSON.stringify({ pid: NO_SUCH_PID, host: HOST }));
  const dead = `pid ${NO_SUCH_PID} on ${HOST}`;

  test('fresh: another run is breaking the lock, so this one waits', () => {
    const { out, lock, breaker } = fresh();
    deadLock(lock);
    writeFileSync(breaker, '');
    expect(run(out, 0)).toEqual({ error: timedOut(dead, out, lock), waits: [waiting(dead, out, lock)] });
    expect([existsSync(lock), existsSync(breaker)]).toEqual([true, true]);
  });

  test('a minute old: left by a run killed while breaking; removed, and the lock broken on the next look', () => {
    const { out, lock, breaker } = fresh();
    deadLock(lock);
    writeFileSync(breaker, '');
    makeOld(breaker);
    expect(run(out, 10_000)).toEqual({ changed: true, waits: [waiting(dead, out, lock, 10)] });
    expect(readdirSync(join(out, '..'))).toEqual(['out']);
  });

  test('gone by itself before the run removes it: no error', () => {
    const { out, lock, breaker } = fresh();
    deadLock(lock);
    writeFileSync(breaker, '');
    makeOld(breaker);
    const lstat = fs.lstatSync;
    let gone = false;
    jest.spyOn(fs, 'lstatSync').mockImplementation(((path: string, ...rest: []) => {
      const st = lstat(path, ...rest);
      if (path === breaker && !gone) {
        gone = true;
        unlinkSync(breaker);
      }
      return st;
    }) as typeof fs.lstatSync);
    expect(run(out, 10_000)).toEqual({ changed: true, waits: [waiting(dead, out, lock, 10)] });
  });

  test('removed by someone else while the run breaks the lock: no error', () => {
    const { out, lock, breaker } = fresh();
    deadLock(lock);
    const unlink = fs.unlinkSync;
    jest.spyOn(fs, 'unlinkSync').mockImplementation((path) => {
      unlink(path);
      if (path === lock) unlink(breaker);
    });
    expect(run(out, 0)).toEqual({ changed: true, waits: [] });
    expect(readdirSync(join(out, '..'))).toEqual(['out']);
  });

  test('that cannot be made: the error stops the run', () => {
    const { out, lock, breaker } = fresh();
    deadLock(lock);
    const failure = Object.assign(new Error('no room'), { code: 'ENOSPC' });
    const open = fs.openSync as (...args: any[]) => number;
    jest.spyOn(fs, 'openSync').mockImplementation(((path: string, ...rest: any[]) => {
      if (path === breaker) throw failure;
      return open(path, ...rest);
    }) as typeof fs.openSync);
    expect(() => run(out, 0)).toThrow(failure);
    expect(existsSync(lock)).toBe(true);
  });

  /** Replaces the lock by `replace` just before the run makes its `.break` file, once. */
  function replacedBeforeBreaking(breaker: string, replace: () => void): void {
    const open = fs.openSync as (...args: any[]) => number;
    let done = false;
    jest.spyOn(fs, 'openSync').mockImplementation(((path: string, ...rest: any[]) => {
      if (path === breaker && !done) {
        done = true;
        replace();
      }
      return open(path, ...rest);
    }) as typeof fs.openSync);
  }

  test('a lock replaced by an identical one (another inode) since it was read is not broken on that look', () => {
    const { out, lock, breaker } = fresh();
    deadLock(lock);
    // Moved aside rather than deleted, so that the new lock cannot reuse the freed inode.
    replacedBeforeBreaking(breaker, () => {
      renameSync(lock, `${lock}.aside`);
      deadLock(lock);
    });
    expect(run(out, 10_000)).toEqual({ changed: true, waits: [waiting(dead, out, lock, 10)] });
  });

  test('a lock rewritten in place since it was read is not broken', () => {
    const { out, lock, breaker } = fresh();
    // Both name this process: the first started at another time (a reused pid), the second is this run.
    const reused = JSON.stringify({ pid: process.pid, host: HOST, start: '1' });
    const live = JSON.stringify({ pid: process.pid, host: HOST });
    writeFileSync(lock, reused);
    const ino = lstatSync(lock).ino;
    replacedBeforeBreaking(breaker, () => writeFileSync(lock, live));
    const who = `pid ${process.pid} on ${HOST}`;
    expect(run(out, 0)).toEqual({ error: timedOut(who, out, lock), waits: [waiting(who, out, lock)] });
    expect([readFileSync(lock, 'utf8'), lstatSync(lock).ino]).toEqual([live, ino]);
  });
});

describe('the lock a run holds', () => {
  test('names this process, its host and start time, with a nonce; it is removed at the end', () => {
    const { out, lock } = fresh();
    const held: unknown[] = [];
    writeTreeAtomically(out, TREE, { isPrivatePath: () => !held.push(JSON.parse(readFileSync(lock, 'utf8'))) });
    expect(held[0]).toEqual({
      pid: process.pid,
      host: HOST,
      start: expect.stringMatching(/^\d+$/),
      nonce: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
    });
    expect(existsSync(lock)).toBe(false);
  });

  test('replaced by someone else during the run, is theirs: left in place', () => {
    const { out, lock } = fresh();
    writeTreeAtomically(out, TREE, {
      isPrivatePath: () => {
        writeFileSync(lock, 'theirs');
        return false;
      },
    });
    expect(readFileSync(lock, 'utf8')).toBe('theirs');
    expect(listTree(out)).toEqual(written);
  });

  test('a run that looks exactly at its deadline looks again: the holder gone meanwhile, it goes on', () => {
    const { out, lock } = fresh();
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: HOST }));
    const now = Date.now();
    // The deadline, the lock's age, the check of the deadline: all at one instant.
    jest.spyOn(Date, 'now').mockReturnValueOnce(now).mockReturnValueOnce(now).mockReturnValueOnce(now);
    sleeps.mockImplementation(() => {
      unlinkSync(lock);
      return 'timed-out';
    });
    const who = `pid ${process.pid} on ${HOST}`;
    expect(run(out, 0)).toEqual({ changed: true, waits: [waiting(who, out, lock)] });
    expect(sleeps).toHaveBeenCalledTimes(1);
  });
});

describe('a lock is stale only when older than 5 s', () => {
  /** The clock at `ageMs` after a whole second `S`, that `path` is made to have as its mtime, until `calls` reads. */
  function clockAt(path: string, ageMs: number, calls: number): void {
    const S = Math.floor(Date.now() / 1000) - 60;
    utimesSync(path, S, S);
    const now = jest.spyOn(Date, 'now');
    for (let i = 0; i < calls; i++) now.mockReturnValueOnce(S * 1000 + ageMs);
    now.mockReturnValue(S * 1000 + ageMs + 1000);
  }

  test('a half-written lock exactly 5 s old is waited for', () => {
    const { out, lock } = fresh();
    writeFileSync(lock, '');
    // The deadline and the lock's age.
    clockAt(lock, 5000, 2);
    const who = 'a run that is starting';
    expect(run(out, 0)).toEqual({ error: timedOut(who, out, lock), waits: [waiting(who, out, lock)] });
    expect(existsSync(lock)).toBe(true);
  });

  test('a .break file exactly 5 s old is left to the run that made it', () => {
    const { out, lock, breaker } = fresh();
    writeFileSync(lock, JSON.stringify({ pid: NO_SUCH_PID, host: HOST }));
    writeFileSync(breaker, '');
    // The deadline, the lock's age, the .break file's age.
    clockAt(breaker, 5000, 3);
    const who = `pid ${NO_SUCH_PID} on ${HOST}`;
    expect(run(out, 0)).toEqual({ error: timedOut(who, out, lock), waits: [waiting(who, out, lock)] });
    expect([existsSync(lock), existsSync(breaker)]).toEqual([true, true]);
  });
});
