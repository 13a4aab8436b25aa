import { z } from 'zod';
import { TopologyError, issueMessage, validateTopology, valueAt } from '../../../../constructs/model/validate';
import { exampleInput } from '../../support/helpers';
import { thrown } from '../../support/output-helpers';

/**
 * The words of a problem, for any schema: the topology's and a construct's props share them, and the props have
 * fields the topology has not (a fraction, a union of a text and a list).
 */
describe('what is wrong and what would be valid, for any schema', () => {
  const schema = z.object({
    ratio: z.number().min(0).max(1),
    share: z.number().max(100),
    pick: z.union([z.string(), z.array(z.string())]),
    checked: z.string().refine(() => false),
    named: z.string().refine(() => false, 'must name a team'),
  });
  const input = { ratio: 2, share: 101, pick: 5, checked: 'x', named: 'y' };
  const messages = () =>
    Object.fromEntries(
      schema
        .safeParse(input)
        .error!.issues.map((issue) => [issue.path.join('.'), issueMessage(issue, valueAt(input, issue.path), schema)]),
    );

  test('a fraction out of range (both bounds, an upper one alone), each alternative of a union, and the message of a check of its own', () => {
    expect(messages()).toEqual({
      ratio: 'is out of range; valid: a finite number from 0 to 1',
      share: 'is out of range; valid: a finite number of at most 100',
      pick: 'is not valid; valid: a string, or an array',
      // zod's default for a check without words is its own: only a union's is replaced, by its alternatives.
      checked: 'Invalid input',
      named: 'must name a team',
    });
  });

  test('a fraction where an integer is expected, behind a schema whose range cannot be read: any integer', () => {
    const piped = z.object({ n: z.number().pipe(z.int().min(1)) });
    const [issue] = piped.safeParse({ n: 1.5 }).error!.issues;
    expect(issueMessage(issue, 1.5, piped)).toBe('is not an integer; valid: an integer');
  });

  test("an integer beyond the safe range is out of the field's range, said once", () => {
    const raw: any = exampleInput();
    raw.local.controller.replicas = 1e20;
    expect(() => validateTopology(raw)).toThrow(
      new TopologyError([
        { path: 'local.controller.replicas', value: 1e20, message: 'is out of range; valid: an integer from 1 to 10' },
      ]),
    );
  });

  test('a number where a text is expected has the wrong type, and is no integer problem', () => {
    const raw: any = exampleInput();
    raw.local.name = 5;
    expect(() => validateTopology(raw)).toThrow(
      'topology is invalid:\n  - local.name: 5 has the wrong type: expected string',
    );
  });
});

describe('the value at a path', () => {
  test('is undefined where the path leaves the objects: through null, a text, a missing key', () => {
    const root = { a: null, s: 'text', list: [{ b: 1 }] };
    expect([
      valueAt(root, ['a', 'b']),
      valueAt(root, ['s', 'length']),
      valueAt(root, ['missing', 'b']),
      valueAt(root, ['list', 0, 'b']),
      valueAt(root, []),
    ]).toEqual([undefined, undefined, undefined, 1, root]);
  });
});

describe('a problem in the message', () => {
  test('one that is not about a value, of the whole file, says "(top level)"', () => {
    expect(new TopologyError([{ path: '', value: undefined, noValue: true, message: 'm' }]).message).toBe(
      'topology is invalid:\n  - (top level): m',
    );
  });

  test('the same problem reported twice at one path is listed once; another at that path is kept', () => {
    const issue = { path: 'a', value: 1, message: 'm' };
    const error = new TopologyError([issue, { ...issue }, { ...issue, message: 'n' }]);
    expect(error.issues).toEqual([issue, { ...issue, message: 'n' }]);
    expect(error.message).toBe('topology is invalid:\n  - a: 1 m\n  - a: 1 n');
  });

  test('a value under a field named like a credential is hidden, wherever the field is in the path', () => {
    const raw: any = exampleInput();
    raw.remotes[0].password = 'hunter22';
    raw.local.controller.clientSecret = ['hunter23'];
    const { message } = thrown(() => validateTopology(raw));
    expect(message).toContain('  - remotes[0].password: "(8 characters hidden: this looks like a credential)" is not');
    expect(message).toContain('  - local.controller.clientSecret: "(hidden: this looks like a credential)" is not');
    expect(message).not.toMatch(/hunter/);
  });
});
