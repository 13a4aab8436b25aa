import { Document, stringify, visit } from 'yaml';
import { byCodePoint } from './order';

/**
 * Block-style YAML for Kubernetes objects, byte-identical to {@link libraryYaml} at a tenth of its cost: the library
 * builds a document tree per object, which made YAML the largest CPU cost of a fleet's synthesis. The structure is
 * written here; each distinct scalar is still rendered by the library (once, then remembered), so quoting rules stay
 * the library's. Anything outside the shapes written here (multi-line strings, nested sequences) is handed to the
 * library whole. The unit tests compare both on every object we write.
 */

/** apiVersion, kind and metadata first, as people read them; every other key by code point, not locale. */
const FIRST_KEYS = ['apiVersion', 'kind', 'metadata'];

function rank(key: string): number {
  const i = FIRST_KEYS.indexOf(key);
  return i < 0 ? FIRST_KEYS.length : i;
}

/** The key order of every map in the output. */
function compareKeys(a: string, b: string): number {
  return rank(a) - rank(b) || byCodePoint(a, b);
}

/** The library options the writer reproduces. */
const LIBRARY_OPTIONS = {
  lineWidth: 0,
  aliasDuplicateObjects: false,
  sortMapEntries: (a: { key: unknown }, b: { key: unknown }) => compareKeys(keyText(a.key), keyText(b.key)),
} as const;

function keyText(key: unknown): string {
  return String((key as { value?: unknown })?.value ?? key);
}

const quoteDecisions = new Map<string, boolean>();
const YAML11_KEYS = new Set(['=', '<<']);

/**
 * Whether a string must be quoted for some reader to take it as a string. kubectl and the controller read YAML 1.1
 * (`yes`, `on`, `y` are booleans there, `=` and `<<` keys of their own), Argo CD and kustomize YAML 1.2 (`0o14` is a
 * number there): quote for both.
 */
export function quotedForSomeReader(value: string): boolean {
  let quoted = quoteDecisions.get(value);
  if (quoted === undefined) {
    // YAML 1.1 gives `=` (the value key) and `<<` (the merge key) types of their own, which the library writes plain.
    quoted =
      YAML11_KEYS.has(value) ||
      [stringify(value), stringify(value, { version: '1.1' })].some(
        (text) => text.startsWith('"') || text.startsWith("'"),
      );
    quoteDecisions.set(value, quoted);
  }
  return quoted;
}

/** The `yaml` library's block YAML of a value, with strings double-quoted wherever a YAML 1.1 or 1.2 reader needs it. */
export function libraryYaml(value: unknown): string {
  const doc = new Document(value, LIBRARY_OPTIONS);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && !node.value.includes('\n') && quotedForSomeReader(node.value))
        node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString(LIBRARY_OPTIONS);
}

/** A single-line string as YAML text any reader takes as that string (quoted only where needed). */
export function scalarText(value: string): string {
  if (value.includes('\n')) throw new Error(`scalarText: ${JSON.stringify(value)} spans lines`);
  return scalar(value);
}

class NotWritable extends Error {}

const scalars = new Map<unknown, string>();
const keys = new Map<string, string>();

function scalar(value: unknown): string {
  let text = scalars.get(value);
  if (text === undefined) {
    if (typeof value === 'string' && value.includes('\n')) throw new NotWritable();
    text = libraryYaml(value).slice(0, -1);
    scalars.set(value, text);
  }
  return text;
}

function key(name: string): string {
  let text = keys.get(name);
  if (text === undefined) {
    // As a value and as a key the library renders a single-line string alike; a key it would write otherwise is
    // left to the library.
    text = libraryYaml({ [name]: 0 }).slice(0, -4);
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

/** YAML text of one object, as {@link libraryYaml} writes it. */
export function objectYaml(object: Record<string, unknown>): string {
  const out: string[] = [];
  try {
    writeMap(object, '', out);
  } catch (e) {
    if (e instanceof NotWritable) return libraryYaml(object);
    throw e;
  }
  return `${out.join('\n')}\n`;
}
