/**
 * Orders strings by code point. `localeCompare` depends on the machine's locale and ICU data, which would make the
 * output's order, and so its bytes, differ between machines.
 */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
