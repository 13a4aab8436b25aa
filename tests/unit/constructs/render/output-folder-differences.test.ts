import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  OUTPUT_MARKER,
  OutputFolderError,
  treeDifferences,
  withOutputMarker,
  writeTreeAtomically,
} from '../../../../constructs/render/output-folder';
import { outputFolders, thrown } from '../../support/output-helpers';

/**
 * `treeDifferences` tells what a run would change, by file, in path order, without touching the folder: the files it
 * would write and the files it proves it wrote before that it would delete. What synth keeps is no difference.
 */
const folders = outputFolders('amc-of-diff-');
const fresh = () => folders().out;

const tree = (files: Record<string, string>) => new Map(Object.entries(files));
const markerOf = (files: Record<string, string>) => withOutputMarker(tree(files)).get(OUTPUT_MARKER)!;

describe('a folder synth may write', () => {
  const next = { 'c.yaml': 'c', 'b/x.yaml': 'x', 'a.yaml': 'a' };
  const everything = [
    { path: OUTPUT_MARKER, now: undefined, next: markerOf(next) },
    { path: 'a.yaml', now: undefined, next: 'a' },
    { path: 'b/x.yaml', now: undefined, next: 'x' },
    { path: 'c.yaml', now: undefined, next: 'c' },
  ];

  test('absent: every file is new, in path order; nothing is made', () => {
    const out = fresh();
    expect(treeDifferences(out, tree(next))).toEqual(everything);
    expect(readdirSync(dirname(out))).toEqual([]);
  });

  test('empty: every file is new', () => {
    const out = fresh();
    mkdirSync(out);
    expect(treeDifferences(out, tree(next))).toEqual(everything);
    expect(readdirSync(dirname(out))).toEqual(['out']);
  });

  test('holding the tree: no difference', () => {
    const out = fresh();
    writeTreeAtomically(out, tree(next));
    expect(treeDifferences(out, tree(next))).toEqual([]);
  });

  test('written before: files changed, added and deleted, the marker among them, in path order', () => {
    const out = fresh();
    const before = { 'e.yaml': 'e', 'd.yaml': 'd', 'c.yaml': 'c', 'b.yaml': 'b' };
    writeTreeAtomically(out, tree(before));
    const after = { 'd.yaml': 'D', 'c.yaml': 'c', 'a.yaml': 'a' };
    expect(treeDifferences(out, tree(after))).toEqual([
      { path: OUTPUT_MARKER, now: markerOf(before), next: markerOf(after) },
      { path: 'a.yaml', now: undefined, next: 'a' },
      { path: 'b.yaml', now: 'b', next: undefined },
      { path: 'd.yaml', now: 'd', next: 'D' },
      { path: 'e.yaml', now: 'e', next: undefined },
    ]);
    expect(readdirSync(dirname(out))).toEqual(['out']);
  });

  test('what synth keeps is no difference: unlisted, edited, foreign; a folder or symlink where a file goes is absent', () => {
    const out = fresh();
    const before = { 'a.yaml': 'a', 'b.yaml': 'b', 'c.yaml': 'c' };
    writeTreeAtomically(out, tree(before));
    writeFileSync(join(out, 'notes.txt'), 'mine');
    writeFileSync(join(out, 'b.yaml'), 'edited');
    mkdirSync(join(out, 'dir.yaml'));
    symlinkSync('a.yaml', join(out, 'link.yaml'));
    const after = { 'a.yaml': 'a', 'dir.yaml': 'd', 'link.yaml': 'l' };
    expect(treeDifferences(out, tree(after), { isOwnPath: (p) => p !== 'c.yaml' })).toEqual([
      { path: OUTPUT_MARKER, now: markerOf(before), next: markerOf(after) },
      { path: 'dir.yaml', now: undefined, next: 'd' },
      { path: 'link.yaml', now: undefined, next: 'l' },
    ]);
    expect(readFileSync(join(out, 'b.yaml'), 'utf8')).toBe('edited');
  });
});

describe('a folder synth would refuse', () => {
  test.each([
    ['a file', (out: string) => writeFileSync(out, 'x'), (out: string) => `${out} is not a folder`],
    [
      'a folder without the marker',
      (out: string) => {
        mkdirSync(out);
        writeFileSync(join(out, 'notes.txt'), 'mine');
      },
      (out: string) =>
        `${out} is not empty and was not written by argo-multicluster synth (no ${OUTPUT_MARKER}): synth would refuse to replace it`,
    ],
    [
      'a folder whose marker is a folder',
      (out: string) => mkdirSync(join(out, OUTPUT_MARKER), { recursive: true }),
      (out: string) =>
        `${out} is not empty and was not written by argo-multicluster synth (no ${OUTPUT_MARKER}): synth would refuse to replace it`,
    ],
  ])('%s', (_name, make, message) => {
    const out = fresh();
    make(out);
    const e = thrown(() => treeDifferences(out, tree({ 'a.yaml': 'a' })));
    expect([e instanceof OutputFolderError, e.message]).toEqual([true, message(out)]);
  });

  test('a path under a file cannot be read', () => {
    const out = fresh();
    writeFileSync(out, 'x');
    const e = thrown(() => treeDifferences(join(out, 'sub'), tree({ 'a.yaml': 'a' })));
    expect([e instanceof OutputFolderError, e.message]).toEqual([
      true,
      `cannot read ${join(out, 'sub')}: a part of the path is not a folder (ENOTDIR)`,
    ]);
  });

  test('a tree path that is not plainly relative is refused', () => {
    expect(thrown(() => treeDifferences(fresh(), tree({ 'a//b.yaml': 'x' }))).message).toBe(
      'tree path "a//b.yaml" must be relative, with no empty, "." or ".." part and no NUL, newline or backslash',
    );
  });
});
