import { z } from 'zod';
import { TopologyError } from '../../../../constructs';
import { validateProps } from '../../../../constructs/objects/props';

// Constructs used on their own take their props from the user's code, not from a validated topology: the same field
// rules and messages apply, so a bad value fails at construction, naming the prop, not later at the API server. Each
// construct's own cases are in its test file; these are the rules every construct shares.
const schema = z.strictObject({
  name: z.string().regex(/^[a-z]+$/, 'must be lower-case letters'),
  replicas: z.number().int().default(1),
  nested: z.strictObject({ port: z.number() }).optional(),
});

/** What `validateProps` throws for `props`. */
function refusal(props: unknown): { message: string; issues: unknown[] } {
  try {
    validateProps('Thing', schema, props);
  } catch (e) {
    if (e instanceof TopologyError) return { message: e.message, issues: [...e.issues] };
    throw e;
  }
  throw new Error('the props were accepted');
}

describe('validateProps', () => {
  test('returns the props with their defaults applied', () => {
    expect(validateProps('Thing', schema, { name: 'a' })).toEqual({ name: 'a', replicas: 1 });
  });

  test('names each bad prop, its value and what is valid, in one error about the construct', () => {
    expect(refusal({ name: 'A', replicas: 'two', nested: { port: 1, host: 'h' }, colour: 'red' })).toEqual({
      message: [
        'Thing props is invalid:',
        '  - name: "A" must be lower-case letters',
        '  - replicas: "two" has the wrong type: expected number',
        '  - nested.host: "h" is not a prop of this construct',
        '  - colour: "red" is not a prop of this construct',
      ].join('\n'),
      issues: [
        { path: 'name', value: 'A', message: 'must be lower-case letters' },
        { path: 'replicas', value: 'two', message: 'has the wrong type: expected number' },
        { path: 'nested.host', value: 'h', message: 'is not a prop of this construct' },
        { path: 'colour', value: 'red', message: 'is not a prop of this construct' },
      ],
    });
  });

  test('a missing prop is required, with its type', () => {
    expect(refusal({ nested: {} }).issues).toEqual([
      { path: 'name', value: undefined, message: 'is required (string)' },
      { path: 'nested.port', value: undefined, message: 'is required (number)' },
    ]);
  });

  test('props that are not an object at all are refused at the top level', () => {
    expect(refusal('name').message).toBe(
      'Thing props is invalid:\n  - (top level): "name" has the wrong type: expected object',
    );
  });
});
