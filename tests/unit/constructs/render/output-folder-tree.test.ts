import { PROCESS_BUDGET_MS } from '../../support/budgets';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  FileTree,
  OUTPUT_MARKER,
  OutputFolderError,
  withOutputMarker,
  writeTreeAtomically,
} from '../../../../constructs/render/output-folder';
import { listTree, sh, thrown } from '../../support/output-helpers';

/**
 * `writeTreeAtomically` on small hand-made trees: what a run writes, keeps, deletes and refuses, and what it returns.
 * Each case starts from a folder planted by hand, so that the marker's every form (hashes, no hashes, no list) is met.
 */
const work = mkdtempSync(join(tmpdir(), 'amc-of-tree-'));
let n = 0;
/** An absent output folder, alone in its parent. */
function fresh(): string {
  const parent = join(work, String(n++));
  mkdirSync(parent);
  return join(parent, 'out');
}

/** Writes `files` under `dir` as a user or an earlier release would, folders included. */
function plant(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const markerOf = (tree: Record<string, string>) => withOutputMarker(new Map(Object.entries(tree))).get(OUTPUT_MARKER)!;
const HEADER =
  'Written by argo-multicluster synth. A run replaces or deletes a file listed below only while it still holds what synth wrote there (its SHA-256); it keeps every other file in this folder.\nfiles:\n';

/** A run that collects its warnings. */
function write(out: string, tree: Record<string, string>, options: Parameters<typeof writeTreeAtomically>[2] = {}) {
  const warnings: string[] = [];
  const changed = writeTreeAtomically(out, new Map(Object.entries(tree)), {
    onWarning: (m) => warnings.push(m),
    ...options,
  });
  return { changed, warnings };
}

const mode = (path: string) => lstatSync(path).mode & 0o7777;
/** The mode the umask gives a new file and a new folder, as this process creates them. */
function umaskModes(): { file: number; dir: number } {
  const dir = mkdtempSync(join(work, 'umask-'));
  writeFileSync(join(dir, 'f'), '');
  mkdirSync(join(dir, 'd'));
  return { file: mode(join(dir, 'f')), dir: mode(join(dir, 'd')) };
}

describe('the marker', () => {
  test('lists every file in path order, whatever the order of the tree, with its SHA-256; one given is replaced', () => {
    const tree: FileTree = new Map([
      ['d.yaml', '4'],
      ['b/x.yaml', '2'],
      [OUTPUT_MARKER, 'given'],
      ['a.yaml', '1'],
      ['c.yaml', '3'],
      ['b.yaml', '5'],
    ]);
    expect([...withOutputMarker(tree)]).toEqual([
      ['d.yaml', '4'],
      ['b/x.yaml', '2'],
      ['a.yaml', '1'],
      ['c.yaml', '3'],
      ['b.yaml', '5'],
      [
        OUTPUT_MARKER,
        `${HEADER}${sha256('1')}  a.yaml\n${sha256('5')}  b.yaml\n${sha256('2')}  b/x.yaml\n${sha256('3')}  c.yaml\n${sha256('4')}  d.yaml\n`,
      ],
    ]);
    expect(tree.get(OUTPUT_MARKER)).toBe('given');
  });
});

describe('OutputFolderError', () => {
  test('is an Error named for its class', () => {
    const e = new OutputFolderError('why');
    expect([e instanceof Error, e.name, e.message]).toEqual([true, 'OutputFolderError', 'why']);
    const out = fresh();
    writeFileSync(out, 'x');
    const refused = thrown(() => write(out, {}));
    expect([refused instanceof OutputFolderError, refused.name, refused.message]).toEqual([
      true,
      'OutputFolderError',
      `${out} is not a folder`,
    ]);
  });
});

describe('a tree path', () => {
  test.each(['a//b.yaml', 'a/', '/a.yaml', 'a/./b.yaml', '.', 'a\\b.yaml', 'a\nb.yaml'])(
    '%j is refused before anything is made',
    (path) => {
      const out = fresh();
      expect(thrown(() => write(out, { [path]: 'x' })).message).toBe(
        `tree path ${JSON.stringify(path)} must be relative, with no empty, "." or ".." part and no NUL, newline or backslash`,
      );
      expect(readdirSync(dirname(out))).toEqual([]);
    },
  );
});

describe('what a run returns and writes', () => {
  test('a new folder is written with the umask modes; the same tree again changes nothing and returns false', () => {
    const out = fresh();
    const tree = { 'c1/a.yaml': 'a', 'c1/sub/b.yaml': 'b', 'top.yaml': 't' };
    expect(writeTreeAtomically(out, new Map(Object.entries(tree)))).toBe(true);
    expect(listTree(out)).toEqual({
      [OUTPUT_MARKER]: markerOf(tree),
      c1: '/',
      'c1/a.yaml': 'a',
      'c1/sub': '/',
      'c1/sub/b.yaml': 'b',
      'top.yaml': 't',
    });
    const umask = umaskModes();
    expect([mode(out), mode(join(out, 'c1')), mode(join(out, 'c1/a.yaml')), mode(join(out, OUTPUT_MARKER))]).toEqual([
      umask.dir,
      umask.dir,
      umask.file,
      umask.file,
    ]);
    const inode = statSync(join(out, 'c1/a.yaml')).ino;
    expect(writeTreeAtomically(out, new Map(Object.entries(tree)))).toBe(false);
    expect(statSync(join(out, 'c1/a.yaml')).ino).toBe(inode);
    expect(readdirSync(dirname(out))).toEqual(['out']);
  });

  test('a file that holds what the run writes is linked into the new tree, not written again', () => {
    const out = fresh();
    write(out, { 'a.yaml': 'a', 'b.yaml': 'b' });
    const inode = statSync(join(out, 'a.yaml')).ino;
    expect(write(out, { 'a.yaml': 'a', 'b.yaml': 'B' })).toEqual({ changed: true, warnings: [] });
    expect(statSync(join(out, 'a.yaml')).ino).toBe(inode);
    expect(listTree(out)).toEqual({
      [OUTPUT_MARKER]: markerOf({ 'a.yaml': 'a', 'b.yaml': 'B' }),
      'a.yaml': 'a',
      'b.yaml': 'B',
    });
  });

  test('without options, what the last run wrote and this one does not is deleted, and every file is shared', () => {
    const out = fresh();
    writeTreeAtomically(
      out,
      new Map([
        ['c1/a.yaml', 'a'],
        ['c2/b.yaml', 'b'],
      ]),
    );
    expect(writeTreeAtomically(out, new Map([['c1/a.yaml', 'A']]))).toBe(true);
    expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf({ 'c1/a.yaml': 'A' }), c1: '/', 'c1/a.yaml': 'A' });
    expect(mode(join(out, 'c1/a.yaml'))).toBe(umaskModes().file);
  });

  test('a cluster folder goes with its last file, however deep; a folder holding a file of the user stays', () => {
    const out = fresh();
    write(out, { 'c1/a.yaml': 'a', 'c2/sub/deep/b.yaml': 'b', 'c3/sub/c.yaml': 'c' });
    plant(out, { 'c3/sub/deeper/mine.txt': 'mine' });
    expect(write(out, { 'c1/a.yaml': 'a' })).toEqual({ changed: true, warnings: [] });
    expect(listTree(out)).toEqual({
      [OUTPUT_MARKER]: markerOf({ 'c1/a.yaml': 'a' }),
      c1: '/',
      'c1/a.yaml': 'a',
      c3: '/',
      'c3/sub': '/',
      'c3/sub/deeper': '/',
      'c3/sub/deeper/mine.txt': 'mine',
    });
  });

  test('an empty folder of the user is kept, alone in a cluster folder the run drops or in one it writes', () => {
    const out = fresh();
    write(out, { 'c1/a.yaml': 'a', 'c2/b.yaml': 'b' });
    mkdirSync(join(out, 'c1/empty'));
    mkdirSync(join(out, 'c2/empty/emptier'), { recursive: true });
    expect(write(out, { 'c1/a.yaml': 'A' })).toEqual({ changed: true, warnings: [] });
    expect(listTree(out)).toEqual({
      [OUTPUT_MARKER]: markerOf({ 'c1/a.yaml': 'A' }),
      c1: '/',
      'c1/a.yaml': 'A',
      'c1/empty': '/',
      c2: '/',
      'c2/empty': '/',
      'c2/empty/emptier': '/',
    });
  });

  test('the folder keeps its mode, a folder of the user keeps its own, and a kept symlink changes no mode', () => {
    const out = fresh();
    write(out, { 'c1/a.yaml': 'a' });
    // Deeper than one level: every folder above a kept file keeps its mode.
    plant(out, { 'notes/sub/n.txt': 'n' });
    chmodSync(join(out, 'notes'), 0o750);
    chmodSync(out, 0o700);
    symlinkSync('c1', join(out, 'to-c1'));
    symlinkSync('nowhere', join(out, 'dangling'));
    expect(write(out, { 'c1/a.yaml': 'A' })).toEqual({ changed: true, warnings: [] });
    expect([mode(out), mode(join(out, 'notes')), mode(join(out, 'c1'))]).toEqual([0o700, 0o750, umaskModes().dir]);
    expect(listTree(out)).toEqual({
      [OUTPUT_MARKER]: markerOf({ 'c1/a.yaml': 'A' }),
      c1: '/',
      'c1/a.yaml': 'A',
      dangling: '-> nowhere',
      notes: '/',
      'notes/sub': '/',
      'notes/sub/n.txt': 'n',
      'to-c1': '-> c1',
    });
  });

  test('a file of the user at the top of the folder is carried into the new tree', () => {
    const out = fresh();
    write(out, { 'a.yaml': 'a' });
    plant(out, { 'notes.txt': 'mine' });
    const inode = statSync(join(out, 'notes.txt')).ino;
    expect(write(out, { 'b.yaml': 'b' })).toEqual({ changed: true, warnings: [] });
    expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf({ 'b.yaml': 'b' }), 'b.yaml': 'b', 'notes.txt': 'mine' });
    expect(statSync(join(out, 'notes.txt')).ino).toBe(inode);
  });
});

describe('private files', () => {
  const isPrivatePath = (p: string) => p.endsWith('.key');

  test('are written readable by their owner only; an earlier run left readable by others is rewritten', () => {
    const out = fresh();
    const tree = { 'c1/a.key': 'secret', 'c1/b.yaml': 'b' };
    write(out, tree);
    const umask = umaskModes();
    expect(mode(join(out, 'c1/a.key'))).toBe(umask.file);
    expect(write(out, tree, { isPrivatePath })).toEqual({ changed: true, warnings: [] });
    expect([mode(join(out, 'c1/a.key')), mode(join(out, 'c1/b.yaml'))]).toEqual([0o600, umask.file]);
    expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf(tree), c1: '/', 'c1/a.key': 'secret', 'c1/b.yaml': 'b' });
    expect(write(out, tree, { isPrivatePath })).toEqual({ changed: false, warnings: [] });
  });
});

describe('the files a marker lists', () => {
  const foreign = (out: string, path: string) =>
    `kept ${join(out, path)}: it is listed in ${OUTPUT_MARKER}, but synth never writes that path`;
  const EDITED = 'its content is not what synth wrote there (changed since, or listed by hand)';

  test('a file under a dot-folder is never synth’s, even listed with its true hash', () => {
    const out = fresh();
    write(out, { 'a.yaml': 'a' });
    plant(out, { '.git/config': 'git', 'c1/.hidden/x.yaml': 'x', 'c1.d/y.yaml': 'y' });
    writeFileSync(
      join(out, OUTPUT_MARKER),
      `${HEADER}${sha256('git')}  .git/config\n${sha256('a')}  a.yaml\n${sha256('x')}  c1/.hidden/x.yaml\n${sha256('y')}  c1.d/y.yaml\n`,
    );
    expect(write(out, { 'b.yaml': 'b' })).toEqual({
      changed: true,
      warnings: [foreign(out, '.git/config'), foreign(out, 'c1/.hidden/x.yaml')],
    });
    expect(listTree(out)).toEqual({
      '.git': '/',
      '.git/config': 'git',
      [OUTPUT_MARKER]: markerOf({ 'b.yaml': 'b' }),
      'b.yaml': 'b',
      c1: '/',
      'c1/.hidden': '/',
      'c1/.hidden/x.yaml': 'x',
    });
  });

  test('a path outside the naming scheme is kept', () => {
    const out = fresh();
    write(out, { 'a.yaml': 'a', 'b.yaml': 'b' });
    expect(write(out, {}, { isOwnPath: (p) => p !== 'b.yaml' })).toEqual({
      changed: true,
      warnings: [foreign(out, 'b.yaml')],
    });
    expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf({}), 'b.yaml': 'b' });
  });

  test('the marker listing itself is no file to prove', () => {
    const out = fresh();
    write(out, { 'a.yaml': 'a' });
    writeFileSync(join(out, OUTPUT_MARKER), `${HEADER}${sha256('a')}  a.yaml\n${sha256('x')}  ${OUTPUT_MARKER}\n`);
    expect(write(out, { 'a.yaml': 'a' })).toEqual({ changed: true, warnings: [] });
    expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf({ 'a.yaml': 'a' }), 'a.yaml': 'a' });
  });

  test('a file that changed since it was listed is replaced when its listed hash proves it was synth’s', () => {
    const out = fresh();
    write(out, { 'a.yaml': 'old', 'b.yaml': 'b' });
    expect(write(out, { 'a.yaml': 'new' })).toEqual({ changed: true, warnings: [] });
    expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf({ 'a.yaml': 'new' }), 'a.yaml': 'new' });
  });

  test('a file edited into what the run writes is still not proven synth’s: refused', () => {
    const out = fresh();
    write(out, { 'a.yaml': 'old' });
    writeFileSync(join(out, 'a.yaml'), 'new');
    const before = listTree(out);
    expect(thrown(() => write(out, { 'a.yaml': 'new' })).message).toBe(
      `${out} holds files listed in ${OUTPUT_MARKER} where synth must write its own, but ${EDITED}: a.yaml; move them away; nothing was changed`,
    );
    expect(listTree(out)).toEqual(before);
    expect(readdirSync(dirname(out))).toEqual(['out']);
  });

  test('a list that starts the marker is read', () => {
    const out = fresh();
    plant(out, { [OUTPUT_MARKER]: `\nfiles:\n${sha256('a')}  a.yaml\n`, 'a.yaml': 'a' });
    expect(write(out, { 'b.yaml': 'b' })).toEqual({ changed: true, warnings: [] });
    expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf({ 'b.yaml': 'b' }), 'b.yaml': 'b' });
  });

  test('only the lines after "files:" list files', () => {
    const out = fresh();
    plant(out, { [OUTPUT_MARKER]: 'abcd.yml\nfiles:\n', 'abcd.yml': 'x' });
    const before = listTree(out);
    expect(thrown(() => write(out, { 'abcd.yml': 'x' })).message).toBe(
      `${out} holds files that synth did not write where it must write its own: abcd.yml; move them away; nothing was changed`,
    );
    expect(listTree(out)).toEqual(before);
  });

  test('a line that is not a whole hashed path lists no file: a prefix, a carriage return', () => {
    const out = fresh();
    plant(out, {
      [OUTPUT_MARKER]: `${HEADER}junk${sha256('a')}  a.yaml\n${sha256('b')}  b.yaml\r\n\n`,
      'a.yaml': 'a',
      'b.yaml': 'b',
    });
    expect(write(out, {})).toEqual({ changed: true, warnings: [] });
    expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf({}), 'a.yaml': 'a', 'b.yaml': 'b' });
  });

  test(
    'a listed file swapped for a FIFO while the folder is read is kept, not hashed',
    () => {
      const out = fresh();
      write(out, { 'a.yaml': '', 'b.yaml': 'b' });
      const swap = (p: string) => {
        if (p === 'a.yaml' && !lstatSync(join(out, p)).isFIFO()) {
          unlinkSync(join(out, p));
          sh('mkfifo', [join(out, p)]);
        }
        return true;
      };
      expect(write(out, { 'b.yaml': 'b' }, { isOwnPath: swap }).warnings).toEqual([
        `kept ${join(out, 'a.yaml')}: it is listed in ${OUTPUT_MARKER}, but ${EDITED}`,
      ]);
      expect(lstatSync(join(out, 'a.yaml')).isFIFO()).toBe(true);
      unlinkSync(join(out, 'a.yaml'));
      expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf({ 'b.yaml': 'b' }), 'b.yaml': 'b' });
    },
    PROCESS_BUDGET_MS,
  );

  describe('of an earlier release', () => {
    const NO_HASH = 'it is listed without a hash (an earlier release) and differs from what synth writes now';

    test('without hashes: a listed file is synth’s only while it holds what the run writes', () => {
      const out = fresh();
      plant(out, { [OUTPUT_MARKER]: 'Written by argo-multicluster synth.\nfiles:\na.yaml\nb.yaml\n', 'a.yaml': 'a' });
      plant(out, { 'b.yaml': 'b' });
      expect(write(out, { 'a.yaml': 'a' })).toEqual({
        changed: true,
        warnings: [`kept ${join(out, 'b.yaml')}: it is listed in ${OUTPUT_MARKER}, but ${NO_HASH}`],
      });
      expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf({ 'a.yaml': 'a' }), 'a.yaml': 'a', 'b.yaml': 'b' });
    });

    test('without a list: each cluster’s kustomization.yaml, the files it lists and PROFILES.md are taken as listed', () => {
      const out = fresh();
      const kustomization = 'resources:\n  - a.yaml\n    - deep.yaml\n';
      plant(out, {
        [OUTPUT_MARKER]: 'Written by argo-multicluster synth: this folder is replaced as a whole.\n',
        'c/kustomization.yaml': kustomization,
        'c/a.yaml': 'a',
        'c/deep.yaml': 'deep',
        'c/PROFILES.md': 'p',
        'c/other.yaml': 'o',
        'c/kustomization.yaml.bak': '  - other.yaml\n',
        'x/y/kustomization.yaml': '  - z.yaml\n',
        'x/z.yaml': 'z',
        'e/kustomization.yaml': 'resources: []\n',
      });
      mkdirSync(join(out, 'd/kustomization.yaml'), { recursive: true });
      const before = listTree(out);
      const tree = {
        'c/kustomization.yaml': kustomization,
        'c/a.yaml': 'a',
        'e/kustomization.yaml': 'resources: []\n',
        'e/b.yaml': 'b',
      };
      expect(write(out, tree)).toEqual({
        changed: true,
        warnings: [`kept ${join(out, 'c/PROFILES.md')}: it is listed in ${OUTPUT_MARKER}, but ${NO_HASH}`],
      });
      expect(listTree(out)).toEqual({ ...before, [OUTPUT_MARKER]: markerOf(tree), 'e/b.yaml': 'b' });
    });
  });
});

describe('files of the user where the run must write', () => {
  test(
    'are refused by name, grouped by why, with the entries synth cannot keep; nothing changes',
    () => {
      const out = fresh();
      write(out, { 'c/a.yaml': 'a' });
      plant(out, { 'c/a.yaml': 'edited', 'c/b.yaml': 'mine', 'c/d.yaml': 'mine' });
      const before = listTree(out);
      sh('mkfifo', [join(out, 'c/pipe')]);
      const plain = readdirSync(join(out, 'c')).filter((e) => e === 'b.yaml' || e === 'd.yaml');
      expect(thrown(() => write(out, { 'c/a.yaml': 'A', 'c/b.yaml': 'b', 'c/d.yaml': 'd' })).message).toBe(
        `${out} holds files that synth did not write where it must write its own: c/${plain[0]}, c/${plain[1]}; move them away; ` +
          `${out} holds files listed in ${OUTPUT_MARKER} where synth must write its own, but its content is not what synth wrote there (changed since, or listed by hand): c/a.yaml; move them away; ` +
          `${out} holds entries that are neither files, folders nor symlinks, which synth cannot keep: c/pipe; nothing was changed`,
      );
      unlinkSync(join(out, 'c/pipe'));
      expect(listTree(out)).toEqual(before);
      expect(readdirSync(dirname(out))).toEqual(['out']);
    },
    PROCESS_BUDGET_MS,
  );

  test('a file where the run needs a folder is refused', () => {
    const out = fresh();
    write(out, { 'c/a.yaml': 'a' });
    plant(out, { e: 'mine' });
    const before = listTree(out);
    expect(thrown(() => write(out, { 'c/a.yaml': 'a', 'e/f.yaml': 'f' })).message).toBe(
      `${out} holds files that synth did not write where it must write its own: e; move them away; nothing was changed`,
    );
    expect(listTree(out)).toEqual(before);
  });

  test(
    'a FIFO alone is refused, though the run would write nothing near it',
    () => {
      const out = fresh();
      write(out, { 'c/a.yaml': 'a' });
      sh('mkfifo', [join(out, 'pipe')]);
      expect(thrown(() => write(out, { 'c/a.yaml': 'A' })).message).toBe(
        `${out} holds entries that are neither files, folders nor symlinks, which synth cannot keep: pipe; nothing was changed`,
      );
      unlinkSync(join(out, 'pipe'));
      expect(listTree(out)).toEqual({ [OUTPUT_MARKER]: markerOf({ 'c/a.yaml': 'a' }), c: '/', 'c/a.yaml': 'a' });
      expect(existsSync(join(dirname(out), '.out.amc-lock'))).toBe(false);
      expect(readFileSync(join(out, 'c/a.yaml'), 'utf8')).toBe('a');
    },
    PROCESS_BUDGET_MS,
  );
});
