import { stringify } from 'yaml';

/**
 * Block-style YAML for Kubernetes objects, byte-identical to the `yaml` library's `stringify` with the options below,
 * at a tenth of its cost: the library builds a document tree per object, which made YAML the largest CPU cost of a
 * fleet's synthesis. The structure is written here; each distinct scalar is still rendered by the library (once,
 * then remembered), so quoting rules stay the library's. Anything outside the shapes written here (multi-line
 * strings, nested sequences) is handed to the library whole. The unit tests compare both on every object we write.
 */

/** apiVersion, kind and metadata first, as people read them; every other key by code point, not locale. */
const FIRST_KEYS = ['apiVersion', 'kind', 'metadata'];

function rank(key: string): number {
  const i = FIRST_KEYS.indexOf(key);
  return i < 0 ? FIRST_KEYS.length : i;
}

/** The key order of every map in the output. */
export function compareKeys(a: string, b: string): number {
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The library's options that the writer reproduces. */
export const LIBRARY_OPTIONS = {
  lineWidth: 0,
  aliasDuplicateObjects: false,
  sortMapEntries: (a: { key: unknown }, b: { key: unknown }) => compareKeys(keyText(a.key), keyText(b.key)),
} as const;

function keyText(key: unknown): string {
  return String((key as { value?: unknown })?.value ?? key);
}

class NotWritable extends Error {}

const scalars = new Map<unknown, string>();
const keys = new Map<string, string>();

function scalar(value: unknown): string {
  let text = scalars.get(value);
  if (text === undefined) {
    if (typeof value === 'string' && value.includes('\n')) throw new NotWritable();
    text = stringify(value, LIBRARY_OPTIONS).slice(0, -1);
    scalars.set(value, text);
  }
  return text;
}

function key(name: string): string {
  let text = keys.get(name);
  if (text === undefined) {
    // As a value and as a key the library renders a single-line string alike; a key it would write otherwise is
    // left to the library.
    text = stringify({ [name]: 0 }, LIBRARY_OPTIONS).slice(0, -4);
    if (text !== scalar(name)) throw new NotWritable();
    keys.set(name, text);
  }
  return text;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function writeMap(map: Record<string, unknown>, indent: string, out: string[]): void {
  const names = Object.keys(map)
    .filter((k) => map[k] !== undefined)
    .sort(compareKeys);
  for (const name of names) writeEntry(`${indent}${key(name)}:`, map[name], indent, out);
}

function writeEntry(head: string, value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    if (!value.length) out.push(`${head} []`);
    else {
      out.push(head);
      writeSeq(value, `${indent}  `, out);
    }
  } else if (isMap(value)) {
    if (!Object.values(value).some((v) => v !== undefined)) out.push(`${head} {}`);
    else {
      out.push(head);
      writeMap(value, `${indent}  `, out);
    }
  } else out.push(`${head} ${scalar(value)}`);
}

function writeSeq(items: unknown[], indent: string, out: string[]): void {
  for (const item of items) {
    if (Array.isArray(item)) throw new NotWritable();
    if (isMap(item) && Object.values(item).some((v) => v !== undefined)) {
      // The item's first entry shares the line with "- "; the rest align under it.
      const first = out.length;
      writeMap(item, `${indent}  `, out);
      out[first] = `${indent}- ${out[first].slice(indent.length + 2)}`;
    } else if (isMap(item)) out.push(`${indent}- {}`);
    else out.push(`${indent}- ${scalar(item)}`);
  }
}

/** YAML text of one object, as the `yaml` library writes it with {@link LIBRARY_OPTIONS}. */
export function objectYaml(object: Record<string, unknown>): string {
  const out: string[] = [];
  try {
    writeMap(object, '', out);
  } catch (e) {
    if (e instanceof NotWritable) return stringify(object, LIBRARY_OPTIONS);
    throw e;
  }
  return `${out.join('\n')}\n`;
}
