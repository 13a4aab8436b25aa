import { LineCounter, Node, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import { formatFieldPath } from './redact';
import type { TopologyIssue } from './validate';

/**
 * Turns the bytes of a topology file into a plain value, or into problems that each name where they are. The `yaml`
 * library's own conversion crashes or hangs on hostile input (an alias that contains itself, aliases that expand
 * exponentially, tags it cannot resolve), so the document is walked here, with a budget.
 */

/** Deeper nesting than any topology has; the walk stops there rather than exhaust the stack. */
export const MAX_DEPTH = 64;
/** V8's messages for a stack that ran out: in JavaScript, and in its regular-expression compiler. */
const STACK_OVERFLOW = /call stack|stack overflow/i;
/** Values a topology may expand to through aliases: far above any real topology, far below an alias bomb's. */
export const MAX_VALUES = 200_000;

const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

type PathKey = string | number;

/** The byte offset of the first byte that is not UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i];
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > bytes.length) return i;
    try {
      decoder.decode(bytes.subarray(i, i + n));
    } catch {
      return i;
    }
    i += n;
  }
  return -1;
}

/** The text of a file, or the problem that it is not UTF-8 (named by line, column and byte, never by content). */
export function decodeTopology(bytes: Uint8Array): { text: string } | { issue: TopologyIssue } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    const before = Buffer.from(bytes.subarray(0, at)).toString('utf8');
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return {
      issue: {
        path: '(file)',
        value: undefined,
        noValue: true,
        message: `is not UTF-8: byte ${at} (0x${bytes[at].toString(16).padStart(2, '0')}, line ${line}, column ${column}) is not part of a UTF-8 character; save the file as UTF-8`,
      },
    };
  }
}

/** The field path of the deepest node of `doc` that holds `offset`, so that a syntax error names a field too. */
function pathAt(doc: Document.Parsed, offset: number): string {
  const path: PathKey[] = [];
  let node: unknown = doc.contents;
  const holds = (n: unknown) =>
    isNode(n) && n.range !== undefined && n.range !== null && n.range[0] <= offset && offset <= n.range[2];
  for (let depth = 0; depth < MAX_DEPTH && node; depth++) {
    let next: unknown;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key !== undefined && (holds(pair.key) || holds(pair.value))) {
          path.push(key);
          next = pair.value;
          break;
        }
      }
    } else if (isSeq(node)) {
      const i = node.items.findIndex(holds);
      if (i >= 0) {
        path.push(i);
        next = node.items[i];
      }
    }
    node = next;
  }
  return path.length ? formatFieldPath(path) : '(yaml)';
}

function isNode(n: unknown): n is Node {
  return isScalar(n) || isMap(n) || isSeq(n) || isAlias(n);
}

/**
 * Parses topology YAML into a plain value.
 * @returns the value, and every problem found (empty when the value can be validated)
 */
export function parseTopologyText(text: string): { value: unknown; issues: TopologyIssue[] } {
  const lines = new LineCounter();
  const issues: TopologyIssue[] = [];
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `line ${line}, column ${col}`;
  };
  const docs = parseAllDocuments(text, { uniqueKeys: false, lineCounter: lines, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length > 1) {
    issues.push({
      path: '(yaml)',
      value: undefined,
      noValue: true,
      message: `holds ${list.length} YAML documents (the second starts at ${at(list[1].range[0])}); a topology file holds one`,
    });
    return { value: undefined, issues };
  }
  const doc = list[0];
  if (!doc) return { value: null, issues };
  if (doc.errors.length) {
    // The first line of the library's message: the lines after it quote the file, which may hold a credential.
    const firstLine = (e: { message: string }) => e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    // Where the parser runs out of stack (in its own recursion, or compiling a regular expression) depends on how
    // much stack is left, so the column and what follows vary from run to run: one problem, at its line.
    const overflow = doc.errors.find((e) => STACK_OVERFLOW.test(firstLine(e)));
    if (overflow) {
      issues.push({
        path: pathAt(doc, overflow.pos[0]),
        value: undefined,
        noValue: true,
        message: `is not valid YAML at line ${lines.linePos(overflow.pos[0]).line}: nested deeper than the YAML parser can follow`,
      });
      return { value: undefined, issues };
    }
    // Only the first: after a syntax error (most often indentation) the parser's later problems and the fields it
    // guessed follow from that one, and name paths that are not in the file.
    const first = doc.errors.reduce((a, b) => (b.pos[0] < a.pos[0] ? b : a));
    issues.push({
      path: '(yaml)',
      value: undefined,
      noValue: true,
      message: `is not valid YAML at ${at(first.pos[0])}: ${firstLine(first)}${doc.errors.length > 1 ? ' (the first problem; fix it and run again)' : ''}`,
    });
    return { value: undefined, issues };
  }

  let budget = MAX_VALUES;
  const open = new Set<unknown>();
  const problem = (path: readonly PathKey[], message: string) => {
    issues.push({
      path: path.length ? formatFieldPath(path) : '(top level)',
      value: undefined,
      noValue: true,
      message,
    });
  };
  const badTag = (node: { tag?: string }, path: readonly PathKey[]) => {
    if (node.tag === undefined || CORE_TAGS.has(node.tag)) return false;
    problem(
      path,
      `has the YAML tag ${JSON.stringify(node.tag)}, which a topology does not use; write a plain value without a tag`,
    );
    return true;
  };

  const convert = (node: unknown, path: PathKey[]): unknown => {
    if (budget <= 0) return undefined;
    if (--budget === 0) {
      problem(
        path,
        `makes the file expand to more than ${MAX_VALUES} values through aliases (*name); a topology needs far fewer`,
      );
      return undefined;
    }
    if (node === null || node === undefined) return null;
    if (path.length > MAX_DEPTH) {
      problem(path, `is nested deeper than ${MAX_DEPTH} levels`);
      budget = 0;
      return undefined;
    }
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        problem(path, `is the alias *${node.source}, which names no anchor (&${node.source}) before it`);
        return undefined;
      }
      if (open.has(target)) {
        problem(path, `is the alias *${node.source}, which refers to a value that contains it (a cycle)`);
        return undefined;
      }
      return convert(target, path);
    }
    if (isScalar(node)) {
      if (badTag(node, path)) return undefined;
      const v = node.value;
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      problem(path, 'is not a string, number, boolean or null');
      return undefined;
    }
    if (isMap(node) || isSeq(node)) {
      if (badTag(node, path)) return undefined;
      open.add(node);
      try {
        if (isSeq(node)) return node.items.map((item, i) => convert(item, [...path, i]));
        const out: Record<string, unknown> = {};
        const seenAt = new Map<string, string>();
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          let key: unknown = pair.key;
          if (isAlias(key)) key = key.resolve(doc);
          if (key !== null && !isScalar(key)) {
            problem(
              path,
              `has a key at ${at((pair.key as Node).range?.[0] ?? 0)} that is a list or mapping; keys are plain names`,
            );
            continue;
          }
          const name = String(key === null ? null : key.value);
          const where = at(isScalar(key) && key.range ? key.range[0] : (node.range?.[0] ?? 0));
          const first = seenAt.get(name);
          if (first !== undefined) {
            problem([...path, name], `is given twice (${first} and ${where}); give each key once`);
            continue;
          }
          seenAt.set(name, where);
          // Assigned as an own property, so that a key named __proto__ stays a key (refused as unknown) and is never a prototype.
          Object.defineProperty(out, name, {
            value: convert(pair.value, [...path, name]),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      } finally {
        open.delete(node);
      }
    }
    problem(path, 'is not a YAML value a topology can hold');
    return undefined;
  };
  const value = convert(doc.contents, []);
  return { value, issues };
}
