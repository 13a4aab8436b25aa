import { z } from 'zod';

/**
 * A duration as Go's `time.ParseDuration` reads it (and so `metav1.Duration`, in the controller's config and in an
 * ExternalSecret's `refreshInterval`): numbers with an optional fraction, each with its unit, e.g. `30s`, `1.5h`,
 * `1h30m`, or `0`. Go would also take a sign; a negative interval means nothing to either reader, so it is refused.
 */
export const goDurationSchema = z
  .string()
  .regex(
    /^(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/,
    'must be a Go duration such as 30s, 1.5h or 1h30m',
  );
