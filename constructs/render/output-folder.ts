import {
  Dirent,
  Stats,
  accessSync,
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Marks a folder as written by `synth` and lists the files it wrote there: those are the only files a later run may
 * replace or delete, so that a `.git` folder or a sealed profile the user put beside them survives.
 */
export const OUTPUT_MARKER = '.argo-multicluster';

/** The GitOps tree: relative path to file content, one folder per cluster. */
export type FileTree = Map<string, string>;

const MARKER_HEADER =
  'Written by argo-multicluster synth. A run replaces or deletes a file listed below only while it still holds what synth wrote there (its SHA-256); it keeps every other file in this folder.\nfiles:\n';

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

/**
 * A copy of `tree` whose marker lists every file of it with the SHA-256 of its content (as `sha256sum` prints them),
 * so that the next run replaces or deletes only what it can prove it wrote.
 */
export function withOutputMarker(tree: FileTree): FileTree {
  const out: FileTree = new Map([...tree].filter(([p]) => p !== OUTPUT_MARKER));
  // The paths of a Map are unique: no two compare equal.
  const lines = [...out].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, c]) => `${sha256(c)}  ${p}\n`);
  out.set(OUTPUT_MARKER, `${MARKER_HEADER}${lines.join('')}`);
  return out;
}

/**
 * The paths any synth may write, whatever its topology: no part starts with a dot (a `.git` folder is never its
 * own). {@link WriteOptions.isOwnPath} narrows this to the writer's naming scheme.
 */
function outsideDotFolders(path: string): boolean {
  return !path.split('/').some((part) => part.startsWith('.'));
}

/** A failure to write the output folder that left it as it was; the message says why and what to do. */
export class OutputFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputFolderError';
  }
}

/** Options of {@link writeTreeAtomically}. */
export interface WriteOptions {
  /** How long to wait for another run writing the same folder to finish (default 60 s). */
  readonly lockTimeoutMs?: number;
  /** Told about leftovers that could not be cleaned up, and about listed files kept; they never stop a run. */
  readonly onWarning?: (message: string) => void;
  /**
   * Whether the writer could have written `path` (its naming scheme): a file the marker lists at any other path is
   * kept, as the marker is committed with the folder and anyone may edit it. Paths under a dot-folder are never its own.
   */
  readonly isOwnPath?: (path: string) => boolean;
  /**
   * Whether the file at `path` holds credentials: written readable by its owner only (`0600`), and rewritten when an
   * earlier run left it readable by others. Every other file gets the umask's mode.
   */
  readonly isPrivatePath?: (path: string) => boolean;
  /** Told once when the run finds the lock held by another live run and starts to wait for it. */
  readonly onWait?: (message: string) => void;
}

/** Group and other permission bits: a private file has none. */
const SHARED_BITS = 0o077;

const REASONS: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted (an immutable or append-only attribute, or permissions)',
  EBUSY: 'it is a mount point or in use',
  EXDEV: 'it spans file systems (a mount point)',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  ENOTDIR: 'a part of the path is not a folder',
};

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return `${REASONS[code] ?? (e as Error).message}${code ? ` (${code})` : ''}`;
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The folder that `outDir` names once symlinks are followed, with a canonical parent: the tree is swapped in there, so
 * a symlink given as `-o` keeps pointing at the new tree, and every path to one folder shares one lock.
 */
function resolveOutput(outDir: string): string {
  let path = resolve(outDir);
  for (let hops = 0; lstatOrUndefined(path)?.isSymbolicLink(); hops++) {
    if (hops === 40) throw new OutputFolderError(`${outDir}: too many levels of symbolic links`);
    path = resolve(dirname(path), readlinkSync(path));
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new OutputFolderError(`cannot create ${dirname(path)} for ${outDir}: ${reason(e)}; nothing was changed`);
  }
  return join(realpathSync(dirname(path)), basename(path));
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(sleeper, 0, 0, ms);

/** The kernel's start time of a process, which tells a reused pid from the one that took a lock; undefined off Linux. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `pid` and `start` still runs on this machine. */
function isRunning(pid: number, start: string | undefined): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (code(e) !== 'EPERM') return false;
  }
  const now = startTime(pid);
  return start === undefined || now === undefined || now === start;
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly start?: string;
}

/** A lock file as found: its exact bytes and inode, so that breaking it never removes a newer lock. */
interface Found {
  readonly text: string;
  readonly ino: number;
  readonly ageMs: number;
  readonly holder?: Holder;
}

/** What a lock path holds when it is not a regular file, for the message. */
function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symlink';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a device';
}

/** Written by this module: a pid, a host, a start time and a nonce. Anything longer is not a lock of ours. */
const MAX_LOCK_BYTES = 4096;

/**
 * Reads a lock file. Only a regular file is ever opened: a symlink would be followed (or, dangling, look absent for
 * ever), a FIFO would block the run, a folder cannot be read; each is refused by path, as no run of synth makes one.
 */
function readLock(path: string): Found | undefined {
  const st = lstatOrUndefined(path);
  if (!st) return undefined;
  if (!st.isFile())
    throw new OutputFolderError(
      `the lock file ${path} is ${kindOf(st)}, not a file synth writes; remove it if no synth is running; nothing was changed`,
    );
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw new OutputFolderError(`cannot read the lock file ${path}: ${reason(e)}; nothing was changed`);
  }
  try {
    const now = fstatSync(fd);
    // Replaced since the lstat: judged again on the next look.
    if (!now.isFile() || now.ino !== st.ino) return readLock(path);
    const bytes = Buffer.alloc(MAX_LOCK_BYTES);
    const text = bytes.subarray(0, readSync(fd, bytes)).toString('utf8');
    let holder: Holder | undefined;
    try {
      const parsed = JSON.parse(text);
      if (Number.isSafeInteger(parsed?.pid) && typeof parsed.host === 'string') holder = parsed;
    } catch {
      // A lock is created empty and then filled: an unreadable one is judged by its age alone.
    }
    return { text, ino: now.ino, ageMs: Date.now() - now.mtimeMs, holder };
  } finally {
    closeSync(fd);
  }
}

// Longer than any live run needs between creating a file and filling it, far shorter than a user's patience.
const HALF_WRITTEN_MS = 5000;

function isStale(found: Found): boolean {
  if (!found.holder) return found.ageMs > HALF_WRITTEN_MS;
  // A run on another machine (a shared network folder) cannot be asked whether it still runs.
  if (found.holder.host !== hostname()) return false;
  return !isRunning(found.holder.pid, found.holder.start);
}

/**
 * Removes a dead run's lock. Two runs may find the same dead lock at once; a short-lived second lock lets only one of
 * them re-read and remove it, so neither can remove the lock the other has just taken.
 * @returns whether it was removed
 */
function breakLock(path: string, dead: Found): boolean {
  const breaker = `${path}.break`;
  try {
    closeSync(openSync(breaker, 'wx'));
  } catch (e) {
    if (code(e) !== 'EEXIST') throw e;
    // Held only for a re-read and an unlink: an old one is from a run killed in between.
    const st = lstatOrUndefined(breaker);
    if (st && Date.now() - st.mtimeMs > HALF_WRITTEN_MS) rmSync(breaker, { force: true });
    return false;
  }
  try {
    const again = readLock(path);
    if (!again || again.ino !== dead.ino || again.text !== dead.text) return false;
    unlinkSync(path);
    return true;
  } finally {
    rmSync(breaker, { force: true });
  }
}

/**
 * Takes the lock beside `target` (`.<name>.amc-lock`), waiting for a live holder and taking over from a dead one.
 * Liveness is asked of the process itself (pid and start time), not read from the lock's age: a run writing a large
 * tree synchronously cannot refresh a timestamp, and a killed run's lock is taken over at once.
 * @returns a function that releases it
 */
function lock(target: string, timeoutMs: number, onWait: (message: string) => void): () => void {
  const path = join(dirname(target), `.${basename(target)}.amc-lock`);
  let waiting = false;
  const me = JSON.stringify({ pid: process.pid, host: hostname(), start: startTime(process.pid), nonce: randomUUID() });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if (code(e) !== 'EEXIST')
        throw new OutputFolderError(
          `cannot write in ${dirname(target)}, where ${target} is replaced: ${reason(e)}; nothing was changed`,
        );
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, me);
      } finally {
        closeSync(fd);
      }
      return () => {
        try {
          if (readLock(path)?.text === me) rmSync(path, { force: true });
        } catch {
          // Someone replaced our lock with something else: theirs to remove, and the run's outcome stands.
        }
      };
    }
    const found = readLock(path);
    // A lock gone since, or a dead run's just removed, is tried again at once, even past the deadline: no wait there.
    if (!found || (isStale(found) && breakLock(path, found))) continue;
    const who = found.holder ? `pid ${found.holder.pid} on ${found.holder.host}` : 'a run that is starting';
    if (!waiting) {
      waiting = true;
      onWait(
        `another argo-multicluster synth (${who}) is writing ${target}; waiting up to ${timeoutMs / 1000} s for the lock file ${path}`,
      );
    }
    if (Date.now() > deadline) {
      throw new OutputFolderError(
        `another argo-multicluster synth (${who}) is writing ${target}; waited ${timeoutMs / 1000} s for the lock file ${path}. ` +
          `If that run is gone (another machine), remove ${path}`,
      );
    }
    sleep(50);
  }
}

/** Names of a run's own folders beside the target: `.<name>.amc-<pid>-XXXXXX`, plus `.old` (the replaced tree) or `.probe`. */
function leftoverPattern(target: string): RegExp {
  const name = basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${name}\\.amc-(\\d+)-[A-Za-z0-9]{6}(\\.old|\\.probe)?$`);
}

/**
 * Undoes what killed runs left beside `target`: a staging folder is dropped; an old tree whose replacement never
 * arrived is put back. Called with the lock held; whatever names a process that still runs is left alone all the same.
 */
function recoverLeftovers(target: string, warn: (m: string) => void): void {
  const parent = dirname(target);
  const pattern = leftoverPattern(target);
  for (const entry of readdirSync(parent).sort()) {
    const m = pattern.exec(entry);
    if (!m || Number(m[1]) === process.pid || isRunning(Number(m[1]), undefined)) continue;
    const path = join(parent, entry);
    try {
      if (m[2] === '.old' && !lstatOrUndefined(target)) renameSync(path, target);
      else rmSync(path, { recursive: true, force: true });
    } catch (e) {
      warn(`could not remove ${path}, left by a run that was killed: ${reason(e)}`);
    }
  }
}

type Kind = 'file' | 'dir' | 'symlink' | 'other';

/** Every entry under `dir` (not following symlinks), by POSIX path relative to it. */
function walk(dir: string): Map<string, Kind> {
  const found = new Map<string, Kind>();
  const visit = (rel: string) => {
    for (const e of readdirSync(rel ? join(dir, rel) : dir, { withFileTypes: true }) as Dirent[]) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      found.set(path, e.isFile() ? 'file' : e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'symlink' : 'other');
      if (e.isDirectory()) visit(path);
    }
  };
  visit('');
  return found;
}

/** A file the marker lists that the run keeps, and why it is not provably synth's. */
type Unproven = readonly [path: string, why: string];

/** The SHA-256 of a regular file, read in pieces; never blocks on a FIFO swapped in since the folder was read. */
function sha256OfFile(path: string): string | undefined {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(1 << 16);
    for (let n; (n = readSync(fd, chunk)) > 0;) hash.update(chunk.subarray(0, n));
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}

/**
 * The files of the folder that a previous run provably wrote: listed in its marker, at a path of the naming scheme,
 * and still holding the content whose hash the marker records. A marker of an earlier release has no hashes (or no
 * list: then each cluster's `kustomization.yaml`, the files it lists and `PROFILES.md` are taken as listed); such a
 * file is synth's only while it holds exactly what this run writes there. Every other listed file is kept, with why.
 */
function writtenBefore(
  target: string,
  entries: Map<string, Kind>,
  files: FileTree,
  isOwnPath: (path: string) => boolean,
): { written: Set<string>; unchanged: Set<string>; unproven: Unproven[] } {
  const text = readFileSync(join(target, OUTPUT_MARKER), 'utf8');
  const at = text.indexOf('\nfiles:\n');
  const listed = new Map<string, string | undefined>();
  if (at >= 0) {
    for (const line of text.slice(at + 8).split('\n')) {
      const hashed = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
      if (hashed) listed.set(hashed[2], hashed[1]);
      else if (line) listed.set(line, undefined);
    }
  } else {
    for (const [path, kind] of entries) {
      if (kind !== 'file' || !/^[^/]+\/kustomization\.yaml$/.test(path)) continue;
      const cluster = path.slice(0, path.indexOf('/'));
      listed.set(path, undefined);
      for (const line of readFileSync(join(target, path), 'utf8').match(/^ {2}- (.+)$/gm) ?? [])
        listed.set(`${cluster}/${line.slice(4)}`, undefined);
      listed.set(`${cluster}/PROFILES.md`, undefined);
    }
  }
  const written = new Set([OUTPUT_MARKER]);
  const unchanged = new Set<string>();
  const unproven: Unproven[] = [];
  for (const [path, hash] of listed) {
    if (path === OUTPUT_MARKER || entries.get(path) !== 'file') continue;
    const now = files.get(path);
    if (!outsideDotFolders(path) || !isOwnPath(path)) unproven.push([path, 'synth never writes that path']);
    // The new content's hash equals the listed one and the file holds the new content: proven without hashing it.
    else if (now !== undefined && (hash === undefined || hash === sha256(now)) && holds(join(target, path), now)) {
      written.add(path);
      unchanged.add(path);
    } else if (hash === undefined)
      unproven.push([path, 'it is listed without a hash (an earlier release) and differs from what synth writes now']);
    else if (sha256OfFile(join(target, path)) === hash) written.add(path);
    else unproven.push([path, 'its content is not what synth wrote there (changed since, or listed by hand)']);
  }
  const marker = files.get(OUTPUT_MARKER);
  if (marker !== undefined && holds(join(target, OUTPUT_MARKER), marker)) unchanged.add(OUTPUT_MARKER);
  return { written, unchanged, unproven };
}

function checkPaths(tree: FileTree): void {
  for (const path of tree.keys()) {
    const parts = path.split('/');
    if (posix.isAbsolute(path) || parts.some((p) => p === '' || p === '.' || p === '..') || /[\0\n\r\\]/.test(path)) {
      throw new Error(
        `tree path ${JSON.stringify(path)} must be relative, with no empty, "." or ".." part and no NUL, newline or backslash`,
      );
    }
  }
}

/** Whether the file at `path` holds exactly `content`. */
function holds(path: string, content: string): boolean {
  const bytes = Buffer.from(content);
  return statSync(path).size === bytes.length && readFileSync(path).equals(bytes);
}

/** Whether `target` is a mount point: its device differs from its parent's, or the mount table lists it (a bind mount). */
function isMountPoint(target: string): boolean {
  if (statSync(target).dev !== statSync(dirname(target)).dev) return true;
  let table: string;
  try {
    table = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return false;
  }
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return table.split('\n').some((line) => unescape(line.split(' ')[4] ?? '') === target);
}

/**
 * Replaces the files `synth` wrote in `outDir` with `tree` so that a reader sees the old tree or the new one, never a
 * mix: the new tree is built beside the folder and swapped in with two renames. Files the previous run did not write
 * (a `.git` folder, a sealed profile) are kept, carried into the new tree as hard links; one that stands where the new
 * tree needs a file is refused by name. A folder that is not empty and holds no marker is refused. One run at a time
 * writes a folder (a lock beside it); what a killed run left is cleaned up by the next one. A symlink given as `outDir`
 * is followed and stays. A folder the run may not change (read-only, immutable, a mount point) is refused before any
 * change. A file the old tree already holds is hard-linked instead of written again (creating files is what a fleet's
 * synthesis spends most on), and a tree that is already there is left alone.
 * @returns whether anything changed
 * @throws OutputFolderError when the folder cannot be written; it is then left as it was.
 */
export function writeTreeAtomically(outDir: string, tree: FileTree, options: WriteOptions = {}): boolean {
  const files = withOutputMarker(tree);
  checkPaths(files);
  const warn = options.onWarning ?? (() => undefined);
  const target = resolveOutput(outDir);
  const release = lock(target, options.lockTimeoutMs ?? 60_000, options.onWait ?? (() => undefined));
  try {
    recoverLeftovers(target, warn);
    return replace(
      outDir,
      target,
      files,
      warn,
      options.isOwnPath ?? (() => true),
      options.isPrivatePath ?? (() => false),
    );
  } finally {
    release();
  }
}

function replace(
  outDir: string,
  target: string,
  files: FileTree,
  warn: (m: string) => void,
  isOwnPath: (path: string) => boolean,
  isPrivatePath: (path: string) => boolean,
): boolean {
  const st = lstatOrUndefined(target);
  if (st && !st.isDirectory()) throw new OutputFolderError(`${outDir} is not a folder`);
  if (st && isMountPoint(target)) {
    throw new OutputFolderError(
      `${outDir} is a mount point: synth replaces the folder as a whole by renaming, which a mount point cannot be; use a folder inside it; nothing was changed`,
    );
  }
  const entries = st ? walk(target) : new Map<string, Kind>();
  if (entries.size > 0 && entries.get(OUTPUT_MARKER) !== 'file') {
    throw new OutputFolderError(
      `refusing to replace ${outDir}: it is not empty and was not written by argo-multicluster synth (no ${OUTPUT_MARKER})`,
    );
  }
  const { written, unchanged, unproven } = entries.size
    ? writtenBefore(target, entries, files, isOwnPath)
    : { written: new Set<string>(), unchanged: new Set<string>(), unproven: [] };
  // Same bytes but readable by others (written by an earlier release): written again, privately.
  for (const path of unchanged)
    if (isPrivatePath(path) && lstatSync(join(target, path)).mode & SHARED_BITS) unchanged.delete(path);
  const why = new Map(unproven);
  // A folder is kept when it holds something kept or was empty (synth never leaves one empty): a cluster's folder goes
  // with its last file.
  const ancestors = (p: string) =>
    p
      .split('/')
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  const holding = new Set(
    [...entries].filter(([p, k]) => k !== 'dir' && !written.has(p)).flatMap(([p]) => ancestors(p)),
  );
  const nonEmpty = new Set([...entries.keys()].flatMap(ancestors));
  const kept = [...entries].filter(([p, k]) => !written.has(p) && (k !== 'dir' || holding.has(p) || !nonEmpty.has(p)));
  const needed = new Set([...files.keys()].flatMap((p) => [...ancestors(p), p]));
  const clashes = kept.filter(([path, kind]) => files.has(path) || (kind !== 'dir' && needed.has(path)));
  const special = kept.filter(([, kind]) => kind === 'other');
  if (clashes.length || special.length) {
    const list = (l: typeof kept) => l.map(([p]) => p).join(', ');
    const plain = clashes.filter(([p]) => !why.has(p));
    const reasons = [...new Set(clashes.flatMap(([p]) => (why.has(p) ? [why.get(p)] : [])))];
    throw new OutputFolderError(
      [
        plain.length
          ? `${outDir} holds files that synth did not write where it must write its own: ${list(plain)}; move them away`
          : '',
        ...reasons.map(
          (because) =>
            `${outDir} holds files listed in ${OUTPUT_MARKER} where synth must write its own, but ${because}: ${list(clashes.filter(([p]) => why.get(p) === because))}; move them away`,
        ),
        special.length
          ? `${outDir} holds entries that are neither files, folders nor symlinks, which synth cannot keep: ${list(special)}`
          : '',
      ]
        .filter(Boolean)
        .join('; ') + '; nothing was changed',
    );
  }
  for (const [path, because] of unproven)
    warn(`kept ${join(outDir, path)}: it is listed in ${OUTPUT_MARKER}, but ${because}`);
  // Every file unchanged, the marker included: it lists this tree, so every file proven written is one of this tree.
  if (unchanged.size === files.size) return false;

  // Every folder of the old tree loses entries when it is removed: one the run may not change is refused up front.
  for (const dir of st ? ['', ...[...entries].filter(([, k]) => k === 'dir').map(([p]) => p)] : []) {
    try {
      accessSync(dir ? join(target, dir) : target, constants.W_OK | constants.X_OK);
    } catch (e) {
      throw new OutputFolderError(
        `cannot change ${dir ? join(outDir, dir) : outDir}: ${reason(e)}; nothing was changed`,
      );
    }
  }
  const parent = dirname(target);
  let staging: string;
  try {
    // Not mkdtemp, which makes the folder private: the new folder gets the old one's mode, or the umask's.
    staging = join(
      parent,
      `.${basename(target)}.amc-${process.pid}-${randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6)}`,
    );
    mkdirSync(staging);
  } catch (e) {
    throw new OutputFolderError(
      `cannot write in ${parent}, where ${outDir} is replaced: ${reason(e)}; nothing was changed`,
    );
  }
  const abandon = (e: unknown, doing: string): never => {
    rmSync(staging, { recursive: true, force: true });
    rmSync(`${staging}.probe`, { force: true });
    if (e instanceof OutputFolderError) throw e;
    throw new OutputFolderError(`cannot ${doing} ${outDir}: ${reason(e)}; nothing was changed`);
  };
  try {
    for (const [path, kind] of kept) {
      const to = join(staging, path);
      if (kind === 'dir') mkdirSync(to, { recursive: true });
      else if (kind === 'symlink') symlinkSync(readlinkSync(join(target, path)), to);
      else linkSync(join(target, path), to);
    }
    for (const dir of new Set([...files.keys()].map((p) => dirname(join(staging, p)))))
      mkdirSync(dir, { recursive: true });
    for (const [path, content] of files) {
      if (unchanged.has(path)) linkSync(join(target, path), join(staging, path));
      else writeFileSync(join(staging, path), content, { flag: 'wx', ...(isPrivatePath(path) ? { mode: 0o600 } : {}) });
    }
    for (const [path, kind] of kept)
      if (kind === 'dir') chmodSync(join(staging, path), lstatSync(join(target, path)).mode & 0o7777);
    if (st) chmodSync(staging, st.mode & 0o7777);
    // A file that cannot be linked (immutable, append-only) cannot be deleted either: find out before the swap.
    for (const path of written) {
      if (unchanged.has(path)) continue;
      linkSync(join(target, path), `${staging}.probe`);
      unlinkSync(`${staging}.probe`);
    }
  } catch (e) {
    abandon(e, 'write the new tree beside');
  }
  const previous = st ? `${staging}.old` : undefined;
  if (previous) {
    try {
      renameSync(target, previous);
    } catch (e) {
      abandon(e, 'replace');
    }
  }
  try {
    renameSync(staging, target);
  } catch (e) {
    if (previous) renameSync(previous, target);
    abandon(e, 'replace');
  }
  if (previous) {
    try {
      rmSync(previous, { recursive: true, force: true });
    } catch (e) {
      warn(`the new tree is in place, but the old one could not be removed from ${previous}: ${reason(e)}`);
    }
  }
  return true;
}

/** A file on which the output folder and a tree disagree; `now` or `next` is undefined where the file is absent. */
export interface FileDifference {
  /** The path relative to the output folder. */
  readonly path: string;
  /** What the folder holds there now. */
  readonly now?: string;
  /** What a run of synth would write there. */
  readonly next?: string;
}

/**
 * What {@link writeTreeAtomically} would change in `outDir`, by file content, in path order: files it would write
 * and files it wrote before that it would delete (its marker included). Reads only: no lock, no recovery, no folder
 * made. File modes are not compared, as git keeps none but the executable bit. Files synth keeps (not listed in the
 * marker, or listed but not provably its own) are not differences.
 * @throws OutputFolderError when synth would refuse the folder (not a folder, or not empty and without a marker)
 */
export function treeDifferences(
  outDir: string,
  tree: FileTree,
  options: Pick<WriteOptions, 'isOwnPath'> = {},
): FileDifference[] {
  const files = withOutputMarker(tree);
  checkPaths(files);
  let st;
  try {
    st = statSync(outDir);
  } catch (e) {
    if (code(e) !== 'ENOENT') throw new OutputFolderError(`cannot read ${outDir}: ${reason(e)}`);
  }
  if (st && !st.isDirectory()) throw new OutputFolderError(`${outDir} is not a folder`);
  const entries = st ? walk(outDir) : new Map<string, Kind>();
  if (entries.size > 0 && entries.get(OUTPUT_MARKER) !== 'file')
    throw new OutputFolderError(
      `${outDir} is not empty and was not written by argo-multicluster synth (no ${OUTPUT_MARKER}): synth would refuse to replace it`,
    );
  const { written } = entries.size
    ? writtenBefore(outDir, entries, files, options.isOwnPath ?? (() => true))
    : { written: new Set<string>() };
  const read = (path: string) => (entries.get(path) === 'file' ? readFileSync(join(outDir, path), 'utf8') : undefined);
  const differences: FileDifference[] = [];
  for (const path of new Set([...files.keys(), ...written])) {
    const now = read(path);
    const next = files.get(path);
    if (now !== next) differences.push({ path, now, next });
  }
  return differences.sort((a, b) => (a.path < b.path ? -1 : 1));
}
