import { nearest } from '../../../../constructs/model/nearest';

test('nearest() guesses only within two edits, fewer for short words', () => {
  expect(nearest('fiel', ['file', 'out'])).toBe('file');
  expect(nearest('x', ['file', 'out'])).toBeUndefined();
  expect(nearest('o', ['file', 'out'])).toBeUndefined();
  expect(nearest('kubeconfg', ['kubeconfig', 'context'])).toBe('kubeconfig');
  expect(nearest('namespaces', ['namespace'])).toBe('namespace');
  // Two edits for a word of four letters or more, one below: "ot" is one edit from "out", "oxt" two.
  expect([nearest('ot', ['out']), nearest('ouxx', ['out']), nearest('oxx', ['out'])]).toEqual([
    'out',
    'out',
    undefined,
  ]);
  // Case does not count; the nearest of several wins, the first of equals.
  expect([nearest('FILE', ['file']), nearest('rmote', ['remote', 'rotate']), nearest('fle', ['file', 'fla'])]).toEqual([
    'file',
    'remote',
    'file',
  ]);
});

test.each([
  ['--verison', ['--version', '--help'], '--version'],
  ['upp', ['up', 'preview', 'destroy'], 'up'],
  ['qpss', ['qps', 'burst'], 'qps'],
  ['workflow-worker', ['workflow-workers', 'workflow-ttl-workers'], 'workflow-workers'],
  ['deploy', ['synth', 'validate', 'destroy'], undefined],
])('nearest(%j) among %j is %j', (word, candidates, near) => {
  expect(nearest(word, candidates)).toBe(near);
});
