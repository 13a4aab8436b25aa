import { byCodePoint } from '../../../../constructs/render/order';

describe('byCodePoint', () => {
  test('orders by character code, whatever the locale: upper case first, punctuation by its code, accents last', () => {
    expect(['b', 'ä', 'a_b', 'B', 'ab', 'a', '', 'Z', 'a-b', 'A', 'a0'].sort(byCodePoint)).toEqual([
      '',
      'A',
      'B',
      'Z',
      'a',
      'a-b',
      'a0',
      'a_b',
      'ab',
      'b',
      'ä',
    ]);
  });

  test('is -1, 0 or 1, and 0 only for equal strings', () => {
    expect([byCodePoint('a', 'b'), byCodePoint('b', 'a'), byCodePoint('a', 'a'), byCodePoint('a', 'A')]).toEqual([
      -1, 1, 0, 1,
    ]);
  });
});
