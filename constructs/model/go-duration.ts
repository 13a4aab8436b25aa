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

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3600_000,
};

/**
 * A duration in milliseconds: whole seconds (`300`) or what {@link goDurationSchema} takes (`90s`, `1h30m`);
 * undefined for anything else.
 */
export function durationMs(text: string): number | undefined {
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  if (!goDurationSchema.safeParse(text).success) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    ms += Number(n) * UNIT_MS[unit];
  return ms;
}
