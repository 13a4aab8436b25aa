// Start-up benchmark: the seconds `pulumi up` spends before its first resource, and in all, on the built-in example
// against two real control planes, for the ways the program can be run: the `pulumi` CLI on Pulumi.yaml as shipped
// (ts-node type-checks the TypeScript), the same with type checking off (what the check costs), and the Automation
// API with the program inline (what `fleet` does). Each run is a fresh stack's `up`, then its `destroy`.
import { LocalWorkspace, PulumiCommand } from '@pulumi/pulumi/automation';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as World from '../tests/integration/harness/world';
import type * as PulumiCli from '../tests/integration/harness/pulumiCli';
import { argoMultiClusterProgram } from '../stacks/program/program';
import { PROJECT } from '../stacks/program/stack-names';
import type { Machine } from './machine';
import { RunError } from './run-error';

/** One way of running the program, measured. */
export interface StartupRow {
  readonly path: string;
  /** Medians over the runs, seconds. */
  readonly firstResourceSeconds: number;
  readonly upSeconds: number;
  readonly runs: number;
}

/** A resource event of the engine other than the stack's own: the program has begun registering resources. */
const isFirstResource = (e: { resourcePreEvent?: { metadata: { type: string } } }) =>
  e.resourcePreEvent !== undefined && e.resourcePreEvent.metadata.type !== 'pulumi:pulumi:Stack';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `pulumi up` in `dir` as a process; the first resource is its first such event on stdout (`--json`), as printed. */
function cliUp(dir: string, env: Record<string, string>, stack: string): Promise<[number, number]> {
  const start = process.hrtime.bigint();
  const secs = () => Number(process.hrtime.bigint() - start) / 1e9;
  let first: number | undefined;
  const child = spawn('pulumi', ['up', '--yes', '--skip-preview', '--non-interactive', '--json', '--stack', stack], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let pending = '';
  child.stdout.on('data', (d) => {
    output += d;
    pending += d;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    if (first === undefined && lines.some((l) => l.startsWith('{') && isFirstResource(JSON.parse(l)))) first = secs();
  });
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0 || first === undefined) reject(new RunError(`pulumi up exited ${code}:\n${output}`));
      else resolve([first, secs()]);
    }),
  );
}

/** Measures each way `runs` times; `log` reports progress. */
export async function benchStartup(opts: { runs: number; log: (s: string) => void }): Promise<StartupRow[]> {
  const harness: typeof World & typeof PulumiCli = {
    ...(await import('../tests/integration/harness/world')),
    ...(await import('../tests/integration/harness/pulumiCli')),
  };
  const world = await harness.startWorld('startup');
  try {
    const dir = harness.cloneProject(world.dir);
    const ways: [string, Record<string, string> | undefined][] = [
      ['`pulumi up` on Pulumi.yaml (ts-node, type-checked: as shipped)', world.env],
      [
        '`pulumi up` on Pulumi.yaml, PULUMI_NODEJS_TRANSPILE_ONLY=true (no type check)',
        {
          ...world.env,
          PULUMI_NODEJS_TRANSPILE_ONLY: 'true',
        },
      ],
      ['Automation API, program inline (as `fleet`)', undefined],
    ];
    // The ways take turns within each round, so that a change in the machine's load falls on all of them alike.
    const first: number[][] = ways.map(() => []);
    const total: number[][] = ways.map(() => []);
    let n = 0;
    for (let i = 0; i < opts.runs; i++) {
      for (const [w, [label, env]] of ways.entries()) {
        const stack = `s${++n}`;
        opts.log(`${label} run ${i + 1}\n`);
        if (env) {
          const cli = await harness.projectStack({ ...world, env }, stack, dir);
          const [f, t] = await cliUp(dir, env, stack);
          first[w].push(f);
          total[w].push(t);
          await cli.destroy();
        } else {
          const s = await LocalWorkspace.createOrSelectStack(
            { stackName: stack, projectName: PROJECT, program: argoMultiClusterProgram },
            {
              workDir: fs.mkdtempSync(path.join(world.dir, 'ws-')),
              pulumiCommand: await PulumiCommand.get({ root: path.dirname(world.binDir) }),
              envVars: world.env,
              projectSettings: { name: PROJECT, runtime: 'nodejs', backend: { url: world.env.PULUMI_BACKEND_URL } },
            },
          );
          for (const { key, value, secret } of harness.worldSettings(world))
            await s.setConfig(key, { value, secret }, true);
          const start = process.hrtime.bigint();
          const secs = () => Number(process.hrtime.bigint() - start) / 1e9;
          let f: number | undefined;
          await s.up({ onEvent: (e) => f === undefined && isFirstResource(e) && (f = secs()) });
          total[w].push(secs());
          if (f === undefined) throw new RunError('the inline up reported no resource');
          first[w].push(f);
          await s.destroy();
        }
      }
    }
    return ways.map(([label], w) => ({
      path: label,
      firstResourceSeconds: median(first[w]),
      upSeconds: median(total[w]),
      runs: opts.runs,
    }));
  } finally {
    await world.planes.stopAll();
  }
}

/** The table of bench/startup-results.md. */
export function startupMarkdown(rows: StartupRow[], machine: Machine): string {
  return [
    '# `pulumi up` start-up',
    '',
    `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverage.join(' / ')} at the start, ${machine.date.slice(0, 10)}; the built-in example on two real control planes; medians of ${rows[0]?.runs} runs (the ways taking turns), seconds. "First resource" is from the command's start to the engine's first resource event; for the Automation API the program is already loaded in the calling process, and its clock starts at \`up()\`.`,
    '',
    '| how the program runs | first resource | whole `up` |',
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.path} | ${r.firstResourceSeconds.toFixed(2)} | ${r.upSeconds.toFixed(2)} |`),
    '',
  ].join('\n');
}
