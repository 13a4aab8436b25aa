import type { z } from 'zod';
import { formatFieldPath } from '../model/redact';
import { TopologyError, issueMessage, valueAt } from '../model/validate';

/**
 * Validates the props of a construct used on its own, with the rules and messages of the topology file, and returns
 * them with defaults applied.
 * @throws TopologyError naming each invalid prop, its value and what is valid.
 */
export function validateProps<S extends z.ZodType>(construct: string, schema: S, props: unknown): z.output<S> {
  const result = schema.safeParse(props);
  if (result.success) return result.data;
  throw new TopologyError(
    result.error.issues.flatMap((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      return keys.map((key) => {
        const path = key === undefined ? issue.path : [...issue.path, key];
        const value = valueAt(props, path);
        const message = key === undefined ? issueMessage(issue, value, schema) : 'is not a prop of this construct';
        return { path: formatFieldPath(path), value, message };
      });
    }),
    `${construct} props`,
  );
}
