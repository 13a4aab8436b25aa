import fs, { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT_MARKER, withOutputMarker, writeTreeAtomically } from '../../../../constructs/render/output-folder';
import { listTree, outputFolders } from '../../support/output-helpers';

/**
 * What killed runs left beside the folder (`.<name>.amc-<pid>-XXXXXX`, `.old`, `.probe`) is undone by the next run,
 * under its lock: an old tree whose replacement never arrived is put back, everything else is removed. What names a
 * process that still runs, this one included, is left alone.
 */
const fresh = outputFolders('amc-of-recovery-');

/** Above Linux's PID_MAX_LIMIT (2^22): no process has it, nor the next one. */
const DEAD = 2 ** 22 + 1;
/** init: always running. */
const LIVE = 1;

const tree = (files: Record<string, string>) => new Map(Object.entries(files));
const listing = (files: Record<string, string>) => ({
  [OUTPUT_MARKER]: withOutputMarker(tree(files)).get(OUTPUT_MARKER),
  c: '/',
  ...files,
});
const A = { 'c/a.yaml': 'a' };
const B = { 'c/b.yaml': 'b' };

/** A folder as a run writes it for `files`, at `path`. */
function writtenAt(path: string, files: Record<string, string>): void {
  writeTreeAtomically(path, tree(files));
}

afterEach(() => jest.restoreAllMocks());

function run(out: string, files: Record<string, string>) {
  const warnings: string[] = [];
  const changed = writeTreeAtomically(out, tree(files), { onWarning: (m) => warnings.push(m) });
  return { changed, warnings };
}

describe('a run killed between its two renames', () => {
  test('left the old tree aside and no folder: it is put back, and the new tree compared with it', () => {
    const { parent, out } = fresh();
    writtenAt(join(parent, 'a'), A);
    renameSync(join(parent, 'a'), join(parent, `.out.amc-${DEAD}-abcdef.old`));
    mkdirSync(join(parent, `.out.amc-${DEAD}-abcdef`));
    writeFileSync(join(parent, `.out.amc-${DEAD}-abcdef`, 'half.yaml'), 'x');
    expect(run(out, A)).toEqual({ changed: false, warnings: [] });
    expect(listTree(out)).toEqual(listing(A));
    expect(readdirSync(parent)).toEqual(['out']);
  });

  test('of two old trees, the first by name is put back and the other removed, in whatever order the folder lists them', () => {
    const { parent, out } = fresh();
    writtenAt(join(parent, 'a'), A);
    writtenAt(join(parent, 'b'), B);
    renameSync(join(parent, 'a'), join(parent, `.out.amc-${DEAD}-aaaaaa.old`));
    renameSync(join(parent, 'b'), join(parent, `.out.amc-${DEAD + 1}-bbbbbb.old`));
    for (const order of [(names: string[]) => names.sort(), (names: string[]) => names.sort().reverse()]) {
      const readdir = fs.readdirSync;
      jest
        .spyOn(fs, 'readdirSync')
        .mockImplementation(((path: string, ...rest: []) =>
          path === parent && rest.length === 0 ? order(readdir(path) as string[]) : readdir(path, ...rest)) as any);
      expect(run(out, A)).toEqual({ changed: false, warnings: [] });
      jest.restoreAllMocks();
      expect(readdirSync(parent)).toEqual(['out']);
      // The same leftovers again, for the other order.
      renameSync(out, join(parent, `.out.amc-${DEAD}-aaaaaa.old`));
      writtenAt(join(parent, 'b'), B);
      renameSync(join(parent, 'b'), join(parent, `.out.amc-${DEAD + 1}-bbbbbb.old`));
    }
  });

  test('after the new tree arrived: the old one is removed', () => {
    const { parent, out } = fresh();
    writtenAt(out, A);
    writtenAt(join(parent, 'b'), B);
    renameSync(join(parent, 'b'), join(parent, `.out.amc-${DEAD}-abcdef.old`));
    expect(run(out, A)).toEqual({ changed: false, warnings: [] });
    expect(listTree(out)).toEqual(listing(A));
    expect(readdirSync(parent)).toEqual(['out']);
  });
});

describe('what else killed runs left', () => {
  test('a half-made new tree and a probe link are removed; those of running processes are left', () => {
    const { parent, out } = fresh();
    writtenAt(out, A);
    const leftovers = {
      [`.out.amc-${DEAD}-abcdef`]: 'dir',
      [`.out.amc-0-abcdef`]: 'dir',
      [`.out.amc-99999999999999999999-abcdef`]: 'dir',
      [`.out.amc-${DEAD}-abcdef.probe`]: 'file',
      [`.out.amc-${LIVE}-abcdef`]: 'dir',
      [`.out.amc-${LIVE}-abcdef.old`]: 'dir',
      [`.out.amc-${process.pid}-abcdef`]: 'dir',
      // Not the name of a run's folder: kept whoever made it.
      [`.out.amc-${DEAD}-abcdefg`]: 'dir',
      [`.out.amc-${DEAD}-abc-ef`]: 'dir',
      [`.out.amc-${DEAD}-abcdef.older`]: 'dir',
      [`.other.amc-${DEAD}-abcdef`]: 'dir',
      [`x.out.amc-${DEAD}-abcdef`]: 'dir',
    };
    for (const [name, kind] of Object.entries(leftovers)) {
      if (kind === 'dir') {
        mkdirSync(join(parent, name));
        writeFileSync(join(parent, name, 'half.yaml'), 'x');
      } else writeFileSync(join(parent, name), 'x');
    }
    expect(run(out, A)).toEqual({ changed: false, warnings: [] });
    expect(readdirSync(parent).sort()).toEqual(
      [
        'out',
        `.out.amc-${LIVE}-abcdef`,
        `.out.amc-${LIVE}-abcdef.old`,
        `.out.amc-${process.pid}-abcdef`,
        `.out.amc-${DEAD}-abcdefg`,
        `.out.amc-${DEAD}-abc-ef`,
        `.out.amc-${DEAD}-abcdef.older`,
        `.other.amc-${DEAD}-abcdef`,
        `x.out.amc-${DEAD}-abcdef`,
      ].sort(),
    );
  });

  test('beside a folder whose name holds regular expression characters', () => {
    const { parent, out } = fresh('out.v1+x');
    writtenAt(out, A);
    mkdirSync(join(parent, `.out.v1+x.amc-${DEAD}-abcdef`));
    mkdirSync(join(parent, `.outxv1x.amc-${DEAD}-abcdef`));
    expect(run(out, A)).toEqual({ changed: false, warnings: [] });
    expect(readdirSync(parent).sort()).toEqual([`.outxv1x.amc-${DEAD}-abcdef`, 'out.v1+x']);
  });

  test('removed by someone else before the run removes it: no warning', () => {
    const { parent, out } = fresh();
    writtenAt(out, A);
    const left = join(parent, `.out.amc-${DEAD}-abcdef`);
    mkdirSync(left);
    const kill = process.kill.bind(process);
    // Asked whether its run still runs, just before it is removed.
    jest.spyOn(process, 'kill').mockImplementation((pid, signal) => {
      if (pid === DEAD) fs.rmSync(left, { recursive: true, force: true });
      return kill(pid, signal);
    });
    expect(run(out, A)).toEqual({ changed: false, warnings: [] });
    expect(readdirSync(parent)).toEqual(['out']);
  });

  test('that cannot be removed is told of, and the run goes on', () => {
    const { parent, out } = fresh();
    writtenAt(out, A);
    const left = join(parent, `.out.amc-${DEAD}-abcdef`);
    mkdirSync(left);
    const rm = fs.rmSync;
    jest.spyOn(fs, 'rmSync').mockImplementation((path, options) => {
      if (path === left) throw Object.assign(new Error('busy'), { code: 'EBUSY' });
      return rm(path, options);
    });
    expect(run(out, B)).toEqual({
      changed: true,
      warnings: [`could not remove ${left}, left by a run that was killed: it is a mount point or in use (EBUSY)`],
    });
    expect(listTree(out)).toEqual(listing(B));
    expect(readdirSync(parent).sort()).toEqual([`.out.amc-${DEAD}-abcdef`, 'out']);
  });
});
