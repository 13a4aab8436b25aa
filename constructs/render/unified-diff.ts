/** Lines of context around each change, as `diff -u` and `git diff` print by default. */
const CONTEXT = 3;

type Edit = readonly [op: ' ' | '-' | '+', line: string];

/**
 * The shortest edit script from `a` to `b` (Myers' O((N+M)·D) algorithm), as kept, removed and added lines. A file
 * synth rewrites differs in a few lines, so D stays small.
 */
function edits(a: readonly string[], b: readonly string[]): Edit[] {
  const max = a.length + b.length;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < a.length && y < b.length && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= a.length && y >= b.length) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace back from the end: each step is one removal or addition after a run of kept lines.
  const script: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const t = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && t[offset + k - 1] < t[offset + k + 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : t[offset + prevK];
    const prevY = prevX - prevK;
    for (; x > prevX && y > prevY; y--) script.push([' ', a[--x]]);
    if (d > 0) script.push(down ? ['+', b[--y]] : ['-', a[--x]]);
  }
  return script.reverse();
}

/** A last line without a newline carries diff's marker, so that it differs from the same line with one. */
function lines(text: string): string[] {
  if (text === '') return [];
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  else all[all.length - 1] += '\n\\ No newline at end of file';
  return all;
}

/** `start,count` of a hunk header; an empty side starts one line before (`-0,0` for a new file). */
const range = (start: number, count: number) => `${count === 0 ? start - 1 : start},${count}`;

/**
 * A unified diff of one file, as `diff -u` prints it: `--- old`, `+++ new`, then hunks with three lines of context.
 * `undefined` content is a file that does not exist (`/dev/null`). Empty when both are equal.
 */
export function unifiedDiff(
  oldName: string,
  oldText: string | undefined,
  newName: string,
  newText: string | undefined,
): string {
  if (oldText === newText) return '';
  const script = edits(lines(oldText ?? ''), lines(newText ?? ''));
  const out = [
    `--- ${oldText === undefined ? '/dev/null' : oldName}`,
    `+++ ${newText === undefined ? '/dev/null' : newName}`,
  ];
  const changed = script.map(([op], i) => (op === ' ' ? -1 : i)).filter((i) => i >= 0);
  let [i, done, oldLine, newLine] = [0, 0, 0, 0];
  while (i < changed.length) {
    // A hunk spans changes whose context overlaps.
    let j = i;
    while (j + 1 < changed.length && changed[j + 1] - changed[j] <= 2 * CONTEXT + 1) j++;
    const from = Math.max(0, changed[i] - CONTEXT);
    const to = Math.min(script.length, changed[j] + CONTEXT + 1);
    for (; done < from; done++) {
      if (script[done][0] !== '+') oldLine++;
      if (script[done][0] !== '-') newLine++;
    }
    const [oldStart, newStart] = [oldLine + 1, newLine + 1];
    const hunk = script.slice(from, to);
    const oldCount = hunk.filter(([op]) => op !== '+').length;
    const newCount = hunk.filter(([op]) => op !== '-').length;
    out.push(
      `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`,
      ...hunk.map(([op, l]) => `${op}${l}`),
    );
    i = j + 1;
  }
  return `${out.join('\n')}\n`;
}
