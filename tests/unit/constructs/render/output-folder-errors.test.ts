import { PROCESS_BUDGET_MS } from '../../support/budgets';
import crypto from 'node:crypto';
import fs, { mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  OUTPUT_MARKER,
  OutputFolderError,
  withOutputMarker,
  writeTreeAtomically,
} from '../../../../constructs/render/output-folder';
import { isRoot, listTree, outputFolders, sh, thrown } from '../../support/output-helpers';

/**
 * Each way a run can fail leaves the folder as it was, with nothing beside it, and says why in words (the errno's
 * meaning, then its code). The failures the machine will not produce on demand (a full disk, a busy mount, a folder
 * on another file system) are made by failing one call of `fs` for one path.
 */
const fresh = outputFolders('amc-of-errors-');

const BEFORE = { 'c/a.yaml': 'a', 'c/b.yaml': 'b' };
const AFTER = { 'c/a.yaml': 'A' };
const tree = (files: Record<string, string>) => new Map(Object.entries(files));
const listing = (files: Record<string, string>) => ({
  [OUTPUT_MARKER]: withOutputMarker(tree(files)).get(OUTPUT_MARKER),
  c: '/',
  ...files,
});

/** A folder written with BEFORE. */
function written(): { parent: string; out: string } {
  const dirs = fresh();
  writeTreeAtomically(dirs.out, tree(BEFORE));
  return dirs;
}

const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

type FsFunction = 'renameSync' | 'mkdirSync' | 'writeFileSync' | 'linkSync' | 'unlinkSync' | 'accessSync' | 'rmSync';
/** Makes `fs[name]` throw `error` for the calls `matches` picks (at most `times`); every other call goes through. */
function fail(name: FsFunction, matches: (...args: any[]) => boolean, error: Error, times = Infinity): void {
  const real = fs[name] as (...args: any[]) => unknown;
  let left = times;
  jest.spyOn(fs, name).mockImplementation(((...args: any[]) => {
    if (left > 0 && matches(...args)) {
      left--;
      throw error;
    }
    return real(...args);
  }) as any);
}

afterEach(() => jest.restoreAllMocks());

/** Runs AFTER over a folder written with BEFORE with one failure made; the folder must be left exactly as it was. */
function refused(make: (parent: string, out: string) => void): { message: string; parent: string; out: string } {
  const { parent, out } = written();
  const before = listTree(out);
  make(parent, out);
  const e = thrown(() => writeTreeAtomically(out, tree(AFTER)));
  jest.restoreAllMocks();
  expect(e).toBeInstanceOf(OutputFolderError);
  expect(listTree(out)).toEqual(before);
  expect(readdirSync(parent)).toEqual(['out']);
  return { message: e.message, parent, out };
}

const isStaging = (path: unknown) => /\/\.out\.amc-\d+-[A-Za-z0-9]{6}$/.test(String(path));

describe('a failure while the new tree is made or swapped in leaves the folder as it was', () => {
  test('the folder cannot be moved aside (a mount point or in use)', () => {
    const { message, out } = refused((_p, out) => fail('renameSync', (from) => from === out, errno('EBUSY')));
    expect(message).toBe(`cannot replace ${out}: it is a mount point or in use (EBUSY); nothing was changed`);
  });

  test('the new tree cannot be moved in (another file system): the old one is put back', () => {
    const { message, out } = refused((_p, out) =>
      fail('renameSync', (from, to) => isStaging(from) && to === out, errno('EXDEV')),
    );
    expect(message).toBe(`cannot replace ${out}: it spans file systems (a mount point) (EXDEV); nothing was changed`);
  });

  test('a new folder cannot be moved in: nothing is left', () => {
    const { parent, out } = fresh();
    fail('renameSync', (from, to) => isStaging(from) && to === out, errno('EXDEV'));
    expect(thrown(() => writeTreeAtomically(out, tree(AFTER))).message).toBe(
      `cannot replace ${out}: it spans file systems (a mount point) (EXDEV); nothing was changed`,
    );
    expect(readdirSync(parent)).toEqual([]);
  });

  test('a file cannot be written (the disk is full)', () => {
    const { message, out } = refused(() =>
      fail('writeFileSync', (path) => String(path).endsWith('/c/a.yaml'), errno('ENOSPC')),
    );
    expect(message).toBe(`cannot write the new tree beside ${out}: the disk is full (ENOSPC); nothing was changed`);
  });

  test('the new folder cannot be made (the quota is exceeded)', () => {
    const { message, parent, out } = refused(() => fail('mkdirSync', isStaging, errno('EDQUOT')));
    expect(message).toBe(
      `cannot write in ${parent}, where ${out} is replaced: the disk quota is exceeded (EDQUOT); nothing was changed`,
    );
  });

  test('a file the run deletes cannot be linked (immutable): an error with no code is told by its message', () => {
    const { message, out } = refused(() =>
      fail('linkSync', (_from, to) => String(to).endsWith('.probe'), new Error('cannot link that')),
    );
    expect(message).toBe(`cannot write the new tree beside ${out}: cannot link that; nothing was changed`);
  });

  test('the link made to probe a file cannot be removed: it is removed with the new tree', () => {
    const { message, out } = refused(() =>
      fail('unlinkSync', (path) => String(path).endsWith('.probe'), errno('EPERM'), 1),
    );
    expect(message).toBe(
      `cannot write the new tree beside ${out}: the operation is not permitted (an immutable or append-only attribute, or permissions) (EPERM); nothing was changed`,
    );
  });

  test('a folder of the old tree the run may not change is refused before anything is made', () => {
    const { message, out } = refused((_p, out) =>
      fail('accessSync', (path) => path === join(out, 'c'), errno('EACCES')),
    );
    expect(message).toBe(`cannot change ${join(out, 'c')}: permission denied (EACCES); nothing was changed`);
  });
});

describe('an OutputFolderError thrown while the new tree is written', () => {
  test('is passed on as it is, and the folder left as it was', () => {
    const { parent, out } = written();
    const before = listTree(out);
    const mine = new OutputFolderError('mine');
    const isPrivatePath = () => {
      throw mine;
    };
    expect(thrown(() => writeTreeAtomically(out, tree(AFTER), { isPrivatePath }))).toBe(mine);
    expect(listTree(out)).toEqual(before);
    expect(readdirSync(parent)).toEqual(['out']);
  });
});

describe('the old tree, once replaced', () => {
  test('is removed, and nothing is left beside the folder', () => {
    const { parent, out } = written();
    expect(writeTreeAtomically(out, tree(AFTER))).toBe(true);
    expect(listTree(out)).toEqual(listing(AFTER));
    expect(readdirSync(parent)).toEqual(['out']);
  });

  test('removed by someone else first: no warning', () => {
    const { parent, out } = written();
    const rename = fs.renameSync;
    jest.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      rename(from, to);
      if (isStaging(from)) rmSync(`${String(from)}.old`, { recursive: true });
    });
    const warnings: string[] = [];
    expect(writeTreeAtomically(out, tree(AFTER), { onWarning: (m) => warnings.push(m) })).toBe(true);
    expect(warnings).toEqual([]);
    expect(listTree(out)).toEqual(listing(AFTER));
    expect(readdirSync(parent)).toEqual(['out']);
  });

  test('that cannot be removed is told of, under the name a killed run would leave; the new tree stands', () => {
    const { parent, out } = written();
    // Base64url of these bytes is "ab-_cdef": the name keeps six letters or digits, "-" and "_" made "x".
    jest.spyOn(crypto, 'randomBytes').mockImplementation((() => Buffer.from('ab-_cdef', 'base64url')) as any);
    fail('rmSync', (path) => String(path).endsWith('.old'), errno('EBUSY'));
    const old = join(parent, `.out.amc-${process.pid}-abxxcd.old`);
    const warnings: string[] = [];
    expect(writeTreeAtomically(out, tree(AFTER), { onWarning: (m) => warnings.push(m) })).toBe(true);
    expect(warnings).toEqual([
      `the new tree is in place, but the old one could not be removed from ${old}: it is a mount point or in use (EBUSY)`,
    ]);
    expect(listTree(out)).toEqual(listing(AFTER));
    expect(listTree(old)).toEqual(listing(BEFORE));
    jest.restoreAllMocks();
    rmSync(old, { recursive: true });
  });
});

describe('the folder named', () => {
  test('through a chain of symlinks, relative and absolute, is the one written; the symlinks stay', () => {
    const { parent } = fresh();
    mkdirSync(join(parent, 'real'));
    symlinkSync(join(parent, 'real'), join(parent, 'second'));
    symlinkSync('second', join(parent, 'first'));
    writeTreeAtomically(join(parent, 'first'), tree(AFTER));
    expect(listTree(join(parent, 'real'))).toEqual(listing(AFTER));
    expect([readlinkSync(join(parent, 'first')), readlinkSync(join(parent, 'second'))]).toEqual([
      'second',
      join(parent, 'real'),
    ]);
  });

  test('through 40 symlinks is followed; through 41, or a loop, is refused', () => {
    const { parent } = fresh();
    for (let i = 0; i < 41; i++) symlinkSync(i === 0 ? 'real' : `link-${i - 1}`, join(parent, `link-${i}`));
    writeTreeAtomically(join(parent, 'link-39'), tree(AFTER));
    expect(listTree(join(parent, 'real'))).toEqual(listing(AFTER));
    expect(thrown(() => writeTreeAtomically(join(parent, 'link-40'), tree(AFTER))).message).toBe(
      `${join(parent, 'link-40')}: too many levels of symbolic links`,
    );
    symlinkSync('loop-b', join(parent, 'loop-a'));
    symlinkSync('loop-a', join(parent, 'loop-b'));
    const e = thrown(() => writeTreeAtomically(join(parent, 'loop-a'), tree(AFTER)));
    expect([e instanceof OutputFolderError, e.message]).toEqual([
      true,
      `${join(parent, 'loop-a')}: too many levels of symbolic links`,
    ]);
  });

  test('in folders that do not exist yet: they are made', () => {
    const { parent } = fresh();
    writeTreeAtomically(join(parent, 'a', 'b', 'out'), tree(AFTER));
    expect(listTree(join(parent, 'a'))).toEqual({ b: '/', 'b/out': '/', ...prefixed('b/out/', listing(AFTER)) });
  });

  test('in folders that cannot be made: refused, nothing made', () => {
    const { parent } = fresh();
    const out = join(parent, 'a', 'out');
    fail('mkdirSync', (path) => path === join(parent, 'a'), errno('EACCES'));
    expect(thrown(() => writeTreeAtomically(out, tree(AFTER))).message).toBe(
      `cannot create ${join(parent, 'a')} for ${out}: permission denied (EACCES); nothing was changed`,
    );
    expect(readdirSync(parent)).toEqual([]);
  });

  test('under a file: the system error, unchanged', () => {
    const { parent } = fresh();
    writeFileSync(join(parent, 'file'), 'x');
    const e = thrown(() => writeTreeAtomically(join(parent, 'file', 'out'), tree(AFTER))) as NodeJS.ErrnoException;
    expect([e instanceof OutputFolderError, e.code, e.syscall, e.path]).toEqual([
      false,
      'ENOTDIR',
      'lstat',
      join(parent, 'file', 'out'),
    ]);
    expect(readdirSync(parent)).toEqual(['file']);
  });
});

function prefixed(prefix: string, listed: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(listed).map(([p, v]) => [`${prefix}${p}`, v]));
}

describe('a mount point', () => {
  const mountPoint = (out: string) =>
    `${out} is a mount point: synth replaces the folder as a whole by renaming, which a mount point cannot be; use a folder inside it; nothing was changed`;
  const noMountTable = () => {
    const read = fs.readFileSync;
    jest.spyOn(fs, 'readFileSync').mockImplementation(((path: string, ...rest: []) => {
      if (path === '/proc/self/mountinfo') throw errno('ENOENT');
      return read(path, ...rest);
    }) as typeof fs.readFileSync);
  };

  beforeAll(() => {
    if (!isRoot) throw new Error('making a mount point needs root (mount); run the tests as root');
  });

  test(
    'of another file system is known by its device, without the mount table',
    () => {
      const { out } = fresh();
      mkdirSync(out);
      sh('mount', ['-t', 'tmpfs', 'tmpfs', out]);
      try {
        noMountTable();
        expect(thrown(() => writeTreeAtomically(out, tree(AFTER))).message).toBe(mountPoint(out));
        expect(readdirSync(out)).toEqual([]);
      } finally {
        jest.restoreAllMocks();
        sh('umount', [out]);
      }
    },
    PROCESS_BUDGET_MS,
  );

  test(
    'of the same file system (a bind mount) named with a space is found in the mount table',
    () => {
      const { parent } = fresh();
      const out = join(parent, 'out dir');
      writeTreeAtomically(out, tree(BEFORE));
      const before = listTree(out);
      sh('mount', ['--bind', out, out]);
      try {
        expect(thrown(() => writeTreeAtomically(out, tree(AFTER))).message).toBe(mountPoint(out));
        expect(listTree(out)).toEqual(before);
      } finally {
        sh('umount', [out]);
      }
      expect(readdirSync(parent)).toEqual(['out dir']);
    },
    PROCESS_BUDGET_MS,
  );

  test('is not made up when the mount table cannot be read: an ordinary folder is written', () => {
    const { out } = written();
    noMountTable();
    expect(writeTreeAtomically(out, tree(AFTER))).toBe(true);
    expect(listTree(out)).toEqual(listing(AFTER));
  });
});
