import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unifiedDiff } from '../../../../constructs/render/unified-diff';

const work = mkdtempSync(join(tmpdir(), 'amc-diff-'));

/** What GNU diff -u prints for the same two texts, labelled as unifiedDiff labels them. */
function gnuDiff(before: string | undefined, after: string | undefined): string {
  const a = join(work, 'a');
  const b = join(work, 'b');
  writeFileSync(a, before ?? '');
  writeFileSync(b, after ?? '');
  const label = (text: string | undefined) => (text === undefined ? '/dev/null' : 'f');
  const r = spawnSync('diff', ['-u', '--label', label(before), '--label', label(after), a, b], { encoding: 'utf8' });
  return r.stdout;
}

const lines = (n: number, f: (i: number) => string = (i) => `line ${i}`) =>
  Array.from({ length: n }, (_, i) => `${f(i)}\n`).join('');

/** A reproducible pseudo-random edit of a text: lines changed, removed and added. */
function edited(text: string, seed: number): string {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return text
    .split('\n')
    .flatMap((l) => {
      const r = next();
      return r < 0.1 ? [] : r < 0.2 ? [`${l} changed`] : r < 0.25 ? [l, 'added'] : [l];
    })
    .join('\n');
}

const CASES: [string, string | undefined, string | undefined][] = [
  ['equal texts', lines(5), lines(5)],
  ['one changed line', lines(20), lines(20).replace('line 7\n', 'LINE 7\n')],
  ['changes far apart: two hunks', lines(30), lines(30).replace('line 2\n', '').replace('line 25\n', 'x\n')],
  ['changes close together: one hunk', lines(30), lines(30).replace('line 10\n', '').replace('line 15\n', 'x\n')],
  ['a new file', undefined, lines(3)],
  ['a deleted file', lines(3), undefined],
  ['an empty file', '', lines(2)],
  ['a last line without a newline', 'a\nb', 'a\nb\n'],
  ['everything replaced', lines(4), lines(4, (i) => `other ${i}`)],
  ...[1, 2, 3, 4, 5, 6, 7, 8].map(
    (seed) => [`random edits ${seed}`, lines(60), edited(lines(60), seed)] as [string, string, string],
  ),
];

test.each(CASES)('%s: the same hunks as diff -u', (_name, before, after) => {
  expect(unifiedDiff('f', before, 'f', after)).toBe(gnuDiff(before, after));
});
