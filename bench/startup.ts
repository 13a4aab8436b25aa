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
import { PROJECT, configKey } from '../stacks/program/stack-names';
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

/** `pulumi up` in `dir` as a process; the first resource is seen by following its event log as it is written. */
function cliUp(dir: string, env: Record<string, string>, stack: string, log: string): Promise<[number, number]> {
  const start = process.hrtime.bigint();
  const secs = () => Number(process.hrtime.bigint() - start) / 1e9;
  let first: number | undefined;
  const child = spawn(
    'pulumi',
    ['up', '--yes', '--skip-preview', '--non-interactive', '--stack', stack, '--event-log', log],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const poll = setInterval(() => {
    if (first !== undefined || !fs.existsSync(log)) return;
    const lines = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    if (lines.some((l) => isFirstResource(JSON.parse(l)))) first = secs();
  }, 20);
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0 || first === undefined) reject(new RunError(`pulumi up exited ${code}:\n${output}`));
      else resolve([first, secs()]);
    }),
  );
}

function pulumiCommand(args: string[], dir: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('pulumi', args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new RunError(`pulumi ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

/** Measures each way `runs` times; `log` reports progress. */
export async function benchStartup(opts: {
  runs: number;
  work: string;
  log: (s: string) => void;
}): Promise<StartupRow[]> {
  const world: typeof World = await import('../tests/integration/harness/world');
  const cli: typeof PulumiCli = await import('../tests/integration/harness/pulumiCli');
  fs.mkdirSync(opts.work, { recursive: true });
  const w = await world.startWorld('startup');
  try {
    const dir = cli.cloneProject(w.dir);
    const config: [string, string, boolean][] = [
      [configKey('topology'), w.topologyFile, false],
      [configKey('skipAwait'), 'true', false],
      [configKey('kubeconfigs.cluster-0'), w.planes.kubeconfigPath, true],
      [configKey('kubeconfigs.cluster-1'), w.planes.kubeconfigPath, true],
    ];
    const rows: StartupRow[] = [];
    const ways: [string, Record<string, string> | undefined][] = [
      ['`pulumi up` on Pulumi.yaml (ts-node, type-checked: as shipped)', w.env],
      [
        '`pulumi up` on Pulumi.yaml, PULUMI_NODEJS_TRANSPILE_ONLY=true (no type check)',
        {
          ...w.env,
          PULUMI_NODEJS_TRANSPILE_ONLY: 'true',
        },
      ],
      ['Automation API, program inline (as `fleet`)', undefined],
    ];
    let n = 0;
    for (const [label, env] of ways) {
      const first: number[] = [];
      const total: number[] = [];
      for (let i = 0; i < opts.runs; i++) {
        const stack = `s${++n}`;
        opts.log(`${label} run ${i + 1}\n`);
        if (env) {
          await pulumiCommand(['stack', 'init', stack, '--non-interactive'], dir, env);
          for (const [k, v, secret] of config)
            await pulumiCommand(
              ['config', 'set', '--path', secret ? '--secret' : '--plaintext', k, v, '--stack', stack],
              dir,
              env,
            );
          const [f, t] = await cliUp(dir, env, stack, path.join(w.dir, `${stack}.jsonl`));
          first.push(f);
          total.push(t);
          await pulumiCommand(['destroy', '--yes', '--skip-preview', '--stack', stack], dir, env);
        } else {
          const s = await LocalWorkspace.createOrSelectStack(
            { stackName: stack, projectName: PROJECT, program: argoMultiClusterProgram },
            {
              workDir: fs.mkdtempSync(path.join(w.dir, 'ws-')),
              pulumiCommand: await PulumiCommand.get({ root: path.dirname(w.binDir) }),
              envVars: w.env,
              projectSettings: { name: PROJECT, runtime: 'nodejs', backend: { url: w.env.PULUMI_BACKEND_URL } },
            },
          );
          for (const [k, v, secret] of config) await s.setConfig(k, { value: v, secret }, true);
          const start = process.hrtime.bigint();
          const secs = () => Number(process.hrtime.bigint() - start) / 1e9;
          let f: number | undefined;
          await s.up({ onEvent: (e) => f === undefined && isFirstResource(e) && (f = secs()) });
          total.push(secs());
          if (f === undefined) throw new RunError('the inline up reported no resource');
          first.push(f);
          await s.destroy();
        }
      }
      rows.push({ path: label, firstResourceSeconds: median(first), upSeconds: median(total), runs: opts.runs });
    }
    return rows;
  } finally {
    await w.planes.stopAll();
  }
}

/** The table of bench/startup-results.md. */
export function startupMarkdown(rows: StartupRow[], machine: { cpu: string; cores: number; node: string }): string {
  return [
    '# `pulumi up` start-up',
    '',
    `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; built-in example on two real control planes; medians of ${rows[0]?.runs} runs, seconds.`,
    '',
    '| how the program runs | first resource | whole `up` |',
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.path} | ${r.firstResourceSeconds.toFixed(2)} | ${r.upSeconds.toFixed(2)} |`),
    '',
  ].join('\n');
}
