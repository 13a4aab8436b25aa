import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, cli } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { listTree, startCli, topologyFile } from '../../support/output-helpers';

/**
 * Real `synth` processes race for one folder and are killed with SIGKILL at random moments. After every round the
 * folder must be exactly one run's complete tree with the user's files beside it, and a following run must succeed.
 */

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm test", which builds the CLI first`);
});

const ROUNDS = 12;
const RUNS_PER_ROUND = 3;

// Fixed seeds: every run of the suite plays the same choices of runs and kill moments, and a failure names the seed
// to replay. More seeds: AMC_RACE_SEEDS=1,2,3 npx jest --selectProjects unit --runTestsByPath <this file>.
const SEEDS = (process.env.AMC_RACE_SEEDS ?? '20261203').split(',').map(Number);

/** A seeded generator (an LCG: the same numbers on every machine and Node version). */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** What a run that finished prints on stderr besides the lines telling that it waited for another run's lock. */
const unexpectedStderr = (stderr: string) =>
  stderr
    .split('\n')
    .filter(
      (l) =>
        l !== '' &&
        !/^another argo-multicluster synth \(pid \d+ on .*\) is writing .*; waiting up to 60 s for the lock file /.test(
          l,
        ),
    );

const work = mkdtempSync(join(tmpdir(), 'amc-race-'));
const remotes = (ns: string[]) => (t: any) => {
  for (let i = 2; i < 30; i++)
    t.remotes.push({ name: `cluster-${i}`, server: `https://10.0.0.${i}:6443`, namespaces: ns });
};
const topologies = [
  topologyFile(work, 'a', remotes(['a', 'b'])),
  topologyFile(work, 'b', remotes(['a', 'c'])),
  topologyFile(work, 'c', () => undefined),
];

const USER_FILES: Record<string, string> = {
  '.git/HEAD': 'ref: refs/heads/main\n',
  '.git/objects/ab/cdef': 'blob',
  'cluster-0/argo.cluster-1.sealed.yaml': 'kind: SealedSecret\n',
};

function addUserFiles(out: string): void {
  for (const [path, content] of Object.entries(USER_FILES)) {
    mkdirSync(join(out, path, '..'), { recursive: true });
    writeFileSync(join(out, path), content);
  }
  chmodSync(join(out, '.git/objects/ab/cdef'), 0o444);
  symlinkSync('cluster-0', join(out, 'local'));
}

/** Each topology's complete tree with the user's files, as a sequential run into a fresh folder writes it. */
const expected: Record<string, string>[] = [];
beforeAll(async () => {
  for (const [i, file] of topologies.entries()) {
    const out = join(work, `expected-${i}`);
    const r = await runCli(['synth', '-f', file, '-o', out]);
    if (r.code !== 0) throw new Error(r.stderr);
    addUserFiles(out);
    expected.push(listTree(out));
  }
});

/** Which topology's tree `dir` holds, or a description of what is wrong with it. */
function whichTree(dir: string): number | string {
  const found = listTree(dir);
  const i = expected.findIndex(
    (e) => JSON.stringify(Object.entries(e).sort()) === JSON.stringify(Object.entries(found).sort()),
  );
  if (i >= 0) return i;
  const close = expected.map((e) =>
    Object.keys(e)
      .filter((k) => e[k] !== found[k])
      .concat(Object.keys(found).filter((k) => !(k in e))),
  );
  const best = close.reduce((a, b) => (b.length < a.length ? b : a));
  return `not any run's tree; nearest differs in ${best.length} entries: ${best.slice(0, 5).join(', ')}`;
}

test.each(SEEDS)(
  `seed %i: ${ROUNDS} rounds of ${RUNS_PER_ROUND} racing runs, most killed at chosen moments`,
  async (seed) => {
    const random = generator(seed);
    const parent = join(work, `race-${seed}`);
    mkdirSync(parent);
    const out = join(parent, 'out');
    expect((await runCli(['synth', '-f', topologies[0], '-o', out])).code).toBe(0);
    addUserFiles(out);
    // How long one run takes here, as a process: kills are spread over it, so that some land while it writes.
    const t0 = Date.now();
    expect(cli(['synth', '-f', topologies[1], '-o', out]).code).toBe(0);
    const runMs = Date.now() - t0;

    let killedWhileWriting = 0;
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const runs = Array.from({ length: RUNS_PER_ROUND }, () => {
        const topology = Math.floor(random() * topologies.length);
        const run = startCli(['synth', '-f', topologies[topology], '-o', out]);
        const how = random();
        let killAt: string | undefined;
        let timer: NodeJS.Timeout | undefined;
        if (how < 0.35) {
          // Anywhere in the run's life.
          const ms = Math.floor(random() * runMs * 1.5);
          killAt = `${ms} ms`;
          timer = setTimeout(() => run.child.kill('SIGKILL'), ms);
        } else if (how < 0.85) {
          // While it writes: once its staging folder appears, after a random few milliseconds. Writing is a small part
          // of a run, which a kill at a random moment of its life would rarely hit.
          const ms = Math.floor(random() * 40);
          killAt = `${ms} ms into writing`;
          const own = new RegExp(`^\\.out\\.amc-${run.child.pid}-`);
          timer = setInterval(() => {
            if (readdirSync(parent).some((e) => own.test(e))) {
              clearInterval(timer);
              timer = setTimeout(() => run.child.kill('SIGKILL'), ms);
            }
          }, 1);
        }
        return run.done.then((r) => {
          clearInterval(timer);
          clearTimeout(timer);
          return { ...r, killAt };
        });
      });
      const results = await Promise.all(runs);
      const context = `seed ${seed}, round ${round}, runs ${JSON.stringify(results.map((r) => ({ code: r.code, signal: r.signal, killAt: r.killAt, stderr: r.stderr })))}`;
      for (const r of results) {
        if (r.signal === null) expect([context, r.code, unexpectedStderr(r.stderr)]).toEqual([context, 0, []]);
      }
      // A killed run leaves either the old tree, its own complete tree, or (killed between the two renames) no folder
      // and the old tree beside it, which the next run puts back.
      const beside = readdirSync(parent).filter((e) => /^\.out\.amc-\d+-\w{6}\.old$/.test(e));
      if (existsSync(out)) {
        expect([context, whichTree(out)]).toEqual([context, expect.any(Number)]);
        outcomes.push(`tree ${whichTree(out)}`);
      } else {
        expect([context, beside.length]).toEqual([context, 1]);
        expect([context, whichTree(join(parent, beside[0]))]).toEqual([context, expect.any(Number)]);
        outcomes.push('between renames');
      }
      if (readdirSync(parent).some((e) => e !== 'out' && e.startsWith('.out.'))) killedWhileWriting++;
    }

    const last = await runCli(['synth', '-f', topologies[2], '-o', out]);
    expect([`seed ${seed}`, last.code, unexpectedStderr(last.stderr)]).toEqual([`seed ${seed}`, 0, []]);
    expect(whichTree(out)).toBe(2);
    expect(readdirSync(parent)).toEqual(['out']);
    // The kills must have hit runs at work, or the test proved nothing about them.
    expect([`seed ${seed}, outcomes ${outcomes.join('; ')}`, killedWhileWriting > 0]).toEqual([
      `seed ${seed}, outcomes ${outcomes.join('; ')}`,
      true,
    ]);
  },
  300_000,
);
