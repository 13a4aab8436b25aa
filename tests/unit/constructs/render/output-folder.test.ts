import { PROCESS_BUDGET_MS } from '../../support/budgets';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCharts, gitopsTree, loadTopologyFile, writeTreeAtomically } from '../../../../constructs';
import { CLI, example } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { isRoot, listTree, sh, startCli, topologyFile } from '../../support/output-helpers';

const work = mkdtempSync(join(tmpdir(), 'amc-out-'));
const extra = topologyFile(work, 'extra', (t) => (t.remotes[0].namespaces = ['default', 'extra']));
/** What synth writes for the example, and for `extra`. */
const exampleTree = gitopsTree(example(), buildCharts(example()));
const extraTree = gitopsTree(loadTopologyFile(extra), buildCharts(loadTopologyFile(extra)));
const EXTRA_NAMESPACE = 'cluster-1/namespace_extra.yaml';

/** A synthesized folder of the example, in a parent folder of its own. */
async function synthesized(name: string): Promise<{ parent: string; out: string }> {
  const parent = join(work, name);
  mkdirSync(parent);
  const out = join(parent, 'out');
  expect((await runCli(['synth', '--example', '-o', out])).code).toBe(0);
  return { parent, out };
}

/** A pid that no process has any more. */
function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout,
  );
}

/** Entries beside the output that a run made for itself. */
const leftovers = (parent: string) => readdirSync(parent).filter((e) => e.startsWith('.out.'));

describe('a folder synth did not write', () => {
  test('is not replaced when it holds anything', async () => {
    const mine = join(work, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    expect(await runCli(['synth', '--example', '-o', mine])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: refusing to replace ${mine}: it is not empty and was not written by argo-multicluster synth (no .argo-multicluster)\n`,
    });
    expect(listTree(mine)).toEqual({ 'notes.txt': 'keep me' });
  });

  test('is written when empty', async () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    expect((await runCli(['synth', '--example', '-o', empty])).code).toBe(0);
    expect(listTree(empty)['.argo-multicluster']).toBe(exampleTree.get('.argo-multicluster'));
  });

  test('-o naming a file is refused', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    expect(await runCli(['synth', '--example', '-o', file])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: ${file} is not a folder\n`,
    });
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('the tree written', () => {
  test('a path that climbs out of the folder is refused before anything is written', () => {
    const parent = join(work, 'climb');
    const out = join(parent, 'out');
    mkdirSync(parent);
    for (const path of ['../escape.yaml', 'a/../../escape.yaml', 'a/..', '/etc/escape.yaml'])
      expect(() => writeTreeAtomically(out, new Map([[path, 'x']]))).toThrow(
        `tree path ${JSON.stringify(path)} must be relative, with no empty, "." or ".." part`,
      );
    expect(readdirSync(parent)).toEqual([]);
  });

  test("the folder keeps its mode: a private folder (plain mode's tokens) stays private", async () => {
    const { out } = await synthesized('private');
    chmodSync(out, 0o700);
    expect((await runCli(['synth', '-f', extra, '-o', out])).stdout).toBe(
      `wrote ${extraTree.size} files for 2 clusters in ${out}\n`,
    );
    expect(statSync(out).mode & 0o7777).toBe(0o700);
  });
});

describe('files synth did not write', () => {
  test('are kept: .git, a sealed profile, a symlink and an empty folder survive; dropped files and folders of synth go', async () => {
    const { parent, out } = await synthesized('keep');
    mkdirSync(join(out, '.git', 'objects', 'ab'), { recursive: true });
    writeFileSync(join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(out, '.git', 'objects', 'ab', 'cdef'), 'blob');
    chmodSync(join(out, '.git', 'objects', 'ab', 'cdef'), 0o444);
    writeFileSync(join(out, 'cluster-0', 'argo.cluster-1.sealed.yaml'), 'kind: SealedSecret\n');
    symlinkSync('cluster-0', join(out, 'local'));
    mkdirSync(join(out, 'notes'));
    const mine = [
      '.git',
      '.git/HEAD',
      '.git/objects',
      '.git/objects/ab',
      '.git/objects/ab/cdef',
      'cluster-0/argo.cluster-1.sealed.yaml',
      'local',
      'notes',
    ];
    const before = listTree(out);

    expect(await runCli(['synth', '-f', extra, '-o', out])).toEqual({
      code: 0,
      stdout: `wrote ${extraTree.size} files for 2 clusters in ${out}\n`,
      stderr: '',
    });
    const after = listTree(out);
    for (const p of mine) expect([p, after[p]]).toEqual([p, before[p]]);
    expect(after[EXTRA_NAMESPACE]).toBe(extraTree.get(EXTRA_NAMESPACE));

    // Back to one namespace: the files synth wrote for "extra" go, the user's stay.
    expect((await runCli(['synth', '--example', '-o', out])).code).toBe(0);
    const back = listTree(out);
    expect(back).toEqual(before);
    expect(leftovers(parent)).toEqual([]);
  });

  test('a file of the user where synth must write its own is refused by name, and nothing changes', async () => {
    const { parent, out } = await synthesized('clash');
    writeFileSync(join(out, 'cluster-1', 'namespace_extra.yaml'), 'mine\n');
    const before = listTree(out);
    expect(await runCli(['synth', '-f', extra, '-o', out])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: ${out} holds files that synth did not write where it must write its own: ${EXTRA_NAMESPACE}; move them away; nothing was changed\n`,
    });
    expect(listTree(out)).toEqual(before);
    expect(leftovers(parent)).toEqual([]);
  });
});

describe('a symlink given as -o', () => {
  test('is written through: the target gets the new tree, the symlink stays', async () => {
    const { parent, out } = await synthesized('link');
    const link = join(parent, 'link');
    symlinkSync('out', link);
    expect((await runCli(['synth', '-f', extra, '-o', link])).code).toBe(0);
    expect(readlinkSync(link)).toBe('out');
    expect(listTree(out)[EXTRA_NAMESPACE]).toBe(extraTree.get(EXTRA_NAMESPACE));
  });

  test('dangling: the folder it names is created', async () => {
    const parent = join(work, 'dangling');
    mkdirSync(parent);
    symlinkSync(join(parent, 'real'), join(parent, 'link'));
    expect((await runCli(['synth', '--example', '-o', join(parent, 'link')])).code).toBe(0);
    expect(readFileSync(join(parent, 'real', 'cluster-0', 'kustomization.yaml'), 'utf8')).toBe(
      exampleTree.get('cluster-0/kustomization.yaml'),
    );
  });
});

describe('recovery and the lock', () => {
  test(
    "a run killed between the two renames is put back by the next one; a live run's folders are left alone",
    async () => {
      const { parent, out } = await synthesized('recover');
      const before = listTree(out);
      const dead = deadPid();
      renameSync(out, join(parent, `.out.amc-${dead}-abcdef.old`));
      mkdirSync(join(parent, `.out.amc-${dead}-abcdef`));
      const live = spawn('sleep', ['30']);
      try {
        mkdirSync(join(parent, `.out.amc-${live.pid}-ghijkl`));
        // A folder of another output whose name starts like ours.
        mkdirSync(join(parent, `.out.amc-${dead}-abcdef.amc-${dead}-mnopqr`));
        expect((await runCli(['synth', '--example', '-o', out])).stdout).toBe(
          `unchanged: ${exampleTree.size} files for 2 clusters in ${out}\n`,
        );
        expect(listTree(out)).toEqual(before);
        expect(leftovers(parent).sort()).toEqual([
          `.out.amc-${dead}-abcdef.amc-${dead}-mnopqr`,
          `.out.amc-${live.pid}-ghijkl`,
        ]);
      } finally {
        live.kill('SIGKILL');
      }
    },
    PROCESS_BUDGET_MS,
  );

  // The waiting run is a process of its own: it waits synchronously, which would stop this one.
  test(
    'a run waits while a live run holds the lock, and goes on once that run is gone',
    async () => {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm test", which builds the CLI first`);
      const { parent, out } = await synthesized('locked');
      const before = listTree(out);
      const holder = spawn('sleep', ['60']);
      const stat = readFileSync(`/proc/${holder.pid}/stat`, 'utf8');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      writeFileSync(
        join(parent, '.out.amc-lock'),
        JSON.stringify({ pid: holder.pid, host: hostname(), start, nonce: 'x' }),
      );
      const lock = readFileSync(join(parent, '.out.amc-lock'), 'utf8');
      const run = startCli(['synth', '-f', extra, '-o', out]);
      const waiting = `another argo-multicluster synth (pid ${holder.pid} on ${hostname()}) is writing ${out}; waiting up to 60 s for the lock file ${join(parent, '.out.amc-lock')}\n`;
      try {
        // The run says when it found the live lock; by then, and until the holder ends, it must have changed nothing.
        await run.stderrHas(waiting);
        expect(listTree(out)).toEqual(before);
        expect(readFileSync(join(parent, '.out.amc-lock'), 'utf8')).toBe(lock);
        expect(run.child.exitCode).toBeNull();
      } finally {
        holder.kill('SIGKILL');
      }
      expect(await run.done).toEqual({
        code: 0,
        signal: null,
        stdout: `wrote ${extraTree.size} files for 2 clusters in ${out}\n`,
        stderr: waiting,
      });
      expect(listTree(out)[EXTRA_NAMESPACE]).toBe(extraTree.get(EXTRA_NAMESPACE));
      expect(existsSync(join(parent, '.out.amc-lock'))).toBe(false);
    },
    PROCESS_BUDGET_MS,
  );

  test(
    'the lock of a killed run, or of a reused pid, is taken over',
    async () => {
      const { parent, out } = await synthesized('stale');
      writeFileSync(
        join(parent, '.out.amc-lock'),
        JSON.stringify({ pid: deadPid(), host: hostname(), start: '1', nonce: 'x' }),
      );
      expect((await runCli(['synth', '-f', extra, '-o', out])).code).toBe(0);
      // This test's own pid runs, but started at another time than the lock says.
      writeFileSync(
        join(parent, '.out.amc-lock'),
        JSON.stringify({ pid: process.pid, host: hostname(), start: '1', nonce: 'x' }),
      );
      expect((await runCli(['synth', '--example', '-o', out])).code).toBe(0);
      expect(readdirSync(parent)).toEqual(['out']);
    },
    PROCESS_BUDGET_MS,
  );
});

/**
 * Makes `dir` one that the run may not change, by the means that binds the user running the tests: root ignores
 * permissions, so as root a read-only bind mount or the immutable attribute; otherwise permissions.
 * @returns the undo
 */
function readOnlyMount(dir: string): () => void {
  if (!isRoot) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  sh('mount', ['--bind', dir, dir]);
  try {
    sh('mount', ['-o', 'remount,bind,ro', dir]);
  } catch (e) {
    sh('umount', [dir]);
    throw e;
  }
  return () => sh('umount', [dir]);
}

function immutable(path: string): () => void {
  if (!isRoot) {
    chmodSync(path, 0o555);
    return () => chmodSync(path, 0o755);
  }
  sh('chattr', ['+i', path]);
  return () => sh('chattr', ['-i', path]);
}

describe('a folder the run may not change: a clear error, no change, and the next run is not stuck', () => {
  const cases: [string, (parent: string, out: string) => () => void, RegExp][] = [
    [
      'the output on a read-only file system',
      (parent) => readOnlyMount(parent),
      isRoot ? /read-only \(EROFS\)/ : /permission denied \(EACCES\)/,
    ],
    [
      'an immutable output folder',
      (_p, out) => immutable(out),
      isRoot
        ? /cannot change .*out: the operation is not permitted.*\(EPERM\)/
        : /cannot change .*out: permission denied/,
    ],
    [
      'an immutable file that the run would replace',
      (_p, out) => immutable(isRoot ? join(out, 'cluster-1', 'kustomization.yaml') : join(out, 'cluster-1')),
      isRoot ? /cannot write the new tree beside .*EPERM/ : /cannot change .*cluster-1: permission denied/,
    ],
  ];
  test.each(cases)(
    '%s',
    async (name, protect, message) => {
      const { parent, out } = await synthesized(name.replace(/\W+/g, '-'));
      const before = listTree(out);
      const undo = protect(parent, out);
      let r: Awaited<ReturnType<typeof runCli>>;
      try {
        r = await runCli(['synth', '-f', extra, '-o', out]);
        expect(listTree(out)).toEqual(before);
        expect(leftovers(parent)).toEqual([]);
      } finally {
        undo();
      }
      expect([r.code, r.stdout]).toEqual([1, '']);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/nothing was changed\n$/);
      expect(await runCli(['synth', '-f', extra, '-o', out])).toEqual({
        code: 0,
        stdout: `wrote ${extraTree.size} files for 2 clusters in ${out}\n`,
        stderr: '',
      });
      expect(readdirSync(parent)).toEqual(['out']);
    },
    PROCESS_BUDGET_MS,
  );

  // The mount table names the folder by its canonical path; a symlink among the parents must not hide it.
  test.each([
    ['a mount point', (_parent: string, out: string) => out],
    [
      'a mount point reached through a symlinked parent',
      (parent: string) => {
        symlinkSync('.', join(parent, 'via'));
        return join(parent, 'via', 'out');
      },
    ],
  ])(
    '%s',
    async (name, given) => {
      if (!isRoot) throw new Error('making a mount point needs root (mount --bind); run the tests as root');
      const { parent, out } = await synthesized(name.replace(/\W+/g, '-'));
      const dir = given(parent, out);
      const before = listTree(out);
      sh('mount', ['--bind', out, out]);
      let r: Awaited<ReturnType<typeof runCli>>;
      try {
        r = await runCli(['synth', '-f', extra, '-o', dir]);
        expect(listTree(out)).toEqual(before);
      } finally {
        sh('umount', [out]);
      }
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: ${dir} is a mount point: synth replaces the folder as a whole by renaming, which a mount point cannot be; use a folder inside it; nothing was changed\n`,
      });
      expect(leftovers(parent)).toEqual([]);
      expect((await runCli(['synth', '-f', extra, '-o', dir])).code).toBe(0);
    },
    PROCESS_BUDGET_MS,
  );
});
