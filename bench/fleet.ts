// Fleet benchmark: peak memory of `argo-multicluster fleet up` on real control planes against the number of remotes.
// Memory is the sum of RSS over the CLI's whole process tree (the CLI with its inline programs, one Pulumi engine and
// one Kubernetes provider per running stack), sampled, because a provider process is where a fleet's memory goes.
// The control planes are the test harness's (tests/integration/harness), started once for the largest size; the
// toolchain comes from `npm run toolchain`. Each size gets its own stacks, then `fleet destroy`.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ControlPlane from '../tests/integration/harness/controlPlane';
import type * as PulumiEnv from '../tests/integration/harness/pulumiEnv';
import type * as Toolchain from '../tests/integration/harness/toolchain';
import type { Machine } from './machine';
import { CLI } from './paths';
import { RunError } from './run-error';

const SAMPLE_MS = 200;

type Harness = typeof ControlPlane & typeof PulumiEnv & typeof Toolchain;

/**
 * The test harness, so that the benchmark starts clusters exactly as the integration tests do; loaded only for a
 * fleet run.
 */
async function loadHarness(): Promise<Harness> {
  const controlPlane = await import('../tests/integration/harness/controlPlane');
  const pulumiEnv = await import('../tests/integration/harness/pulumiEnv');
  const toolchain = await import('../tests/integration/harness/toolchain');
  return { ...controlPlane, ...pulumiEnv, ...toolchain };
}

/** One process, as /proc/PID/stat describes it. */
interface ProcessInfo {
  ppid: number;
  comm: string;
  rssBytes: number;
}

/** pid -> { ppid, comm, rssBytes } for every process, from /proc. */
function processes(pageSize: number): Map<number, ProcessInfo> {
  const all = new Map<number, ProcessInfo>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone between readdir and read
    }
    // comm is in parentheses and may hold spaces or parentheses itself: the fields start after the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    all.set(Number(entry), { ppid: Number(fields[1]), comm, rssBytes: Number(fields[21]) * pageSize });
  }
  return all;
}

/** A process tree's summed RSS, its size, and how many of its processes are providers and engines. */
export interface TreeSample {
  rssBytes: number;
  count: number;
  providers: number;
  engines: number;
}

/** RSS summed over `root` and all its descendants, and how many of them are engines and providers. */
export function treeSample(root: number, pageSize: number): TreeSample {
  const all = processes(pageSize);
  const children = new Map<number, number[]>();
  for (const [pid, p] of all) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid)!.push(pid);
  }
  let rssBytes = 0;
  let count = 0;
  let providers = 0;
  let engines = 0;
  for (const queue = [root]; queue.length;) {
    const pid = queue.pop()!;
    const p = all.get(pid);
    if (!p) continue;
    rssBytes += p.rssBytes;
    count++;
    // The kernel cuts comm to 15 characters: "pulumi-resource-kubernetes" reads "pulumi-resource".
    if (p.comm.startsWith('pulumi-resource')) providers++;
    else if (p.comm === 'pulumi') engines++;
    queue.push(...(children.get(pid) ?? []));
  }
  return { rssBytes, count, providers, engines };
}

/** A finished CLI run with the peaks of its process tree. */
interface SampledRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  peak: TreeSample;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args`, sampling its process tree; resolves with wall time, peaks and output. */
function sampled(args: string[], env: NodeJS.ProcessEnv, pageSize: number): Promise<SampledRun> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const peak: TreeSample = { rssBytes: 0, count: 0, providers: 0, engines: 0 };
    const timer = setInterval(() => {
      const s = treeSample(child.pid!, pageSize);
      for (const k of Object.keys(peak) as (keyof TreeSample)[]) peak[k] = Math.max(peak[k], s[k]);
    }, SAMPLE_MS);
    child.on('close', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, seconds: Number(process.hrtime.bigint() - t0) / 1e9, peak, stdout, stderr });
    });
  });
}

/** A topology of the local cluster-0 and remotes cluster-1 .. cluster-n at their real servers. */
function topologyYaml(planes: ControlPlane.ControlPlanes, n: number): string {
  const lines = [
    '# Generated by bench/fleet.ts; do not edit.',
    'local: { name: cluster-0, context: cluster-0, controller: { image: "ghcr.io/me/wc:v1", executorImage: "ghcr.io/me/ex:v1" } }',
    'remotes:',
  ];
  for (let i = 1; i <= n; i++)
    lines.push(
      `  - { name: cluster-${i}, context: cluster-${i}, server: "${planes.clusters[`cluster-${i}`].server}", namespaces: [a, b] }`,
    );
  return `${lines.join('\n')}\n`;
}

/** Options of {@link benchFleet}. */
export interface FleetOptions {
  /** Remote counts to measure. */
  sizes: number[];
  /** Remote stacks at once (`fleet up --parallel`). */
  parallel: number;
  /** Scratch folder; the benchmark's files go to `<work>/fleet`. */
  work: string;
  /** Progress output. */
  log: (s: string) => void;
}

/** One `fleet up` and the `fleet destroy` after it: one row of bench/fleet-results. */
export interface FleetRow {
  remotes: number;
  parallel: number;
  upSeconds: number;
  peakMiB: number;
  peakProcesses: number;
  peakProviders: number;
  peakEngines: number;
  destroySeconds: number;
  destroyPeakMiB: number;
}

/**
 * Measures `fleet up` for each size at `parallel` stacks at once, and the largest size once more with every remote
 * at once (`--parallel n`), the unbounded reference. Each run must succeed; `destroy` clears the clusters after it.
 */
export async function benchFleet({ sizes, parallel, work, log }: FleetOptions): Promise<FleetRow[]> {
  const h = await loadHarness();
  const binDir = h.toolchainBinDir();
  const dir = path.join(work, 'fleet');
  fs.rmSync(dir, { recursive: true, force: true });
  const largest = Math.max(...sizes);
  const names = Array.from({ length: largest + 1 }, (_, i) => `cluster-${i}`);
  log(`starting ${names.length} control planes `);
  const planes = await h.startControlPlanes({ names, binDir, workDir: path.join(dir, 'clusters') });
  const pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());
  const rows: FleetRow[] = [];
  try {
    const env = {
      ...(await h.preparePulumiEnv({ binDir, homeDir: path.join(dir, 'pulumi-home') })),
      PULUMI_CONFIG_PASSPHRASE: 'argo-multicluster-bench',
    };
    const runs = [
      ...sizes.map((n) => ({ n, parallel: Math.min(parallel, n) })),
      ...(parallel < largest ? [{ n: largest, parallel: largest }] : []),
    ];
    for (const { n, parallel: p } of runs) {
      const workDir = path.join(dir, `n${n}-p${p}`);
      fs.mkdirSync(workDir, { recursive: true });
      const topology = path.join(workDir, 'topology.yaml');
      fs.writeFileSync(topology, topologyYaml(planes, n));
      const common = [
        '--stack',
        'bench',
        '-f',
        topology,
        '--kubeconfig',
        planes.kubeconfigPath,
        '--skip-await',
        '--work-dir',
        workDir,
        '--parallel',
        String(p),
      ];
      log(`\nfleet up, ${n} remotes, --parallel ${p} `);
      const up = await sampled(['fleet', 'up', ...common], env, pageSize);
      if (up.code !== 0)
        throw new RunError(
          `fleet up (${n} remotes, --parallel ${p}) failed (exit ${up.code ?? up.signal}):\n${up.stdout}${up.stderr}`,
        );
      log('destroy ');
      const down = await sampled(['fleet', 'destroy', ...common], env, pageSize);
      if (down.code !== 0)
        throw new RunError(
          `fleet destroy (${n} remotes) failed (exit ${down.code ?? down.signal}):\n${down.stdout}${down.stderr}`,
        );
      rows.push({
        remotes: n,
        parallel: p,
        upSeconds: up.seconds,
        peakMiB: up.peak.rssBytes / 2 ** 20,
        peakProcesses: up.peak.count,
        peakProviders: up.peak.providers,
        peakEngines: up.peak.engines,
        destroySeconds: down.seconds,
        destroyPeakMiB: down.peak.rssBytes / 2 ** 20,
      });
    }
  } finally {
    await planes.stopAll();
  }
  return rows;
}

/** bench/fleet-results.md: the machine, one table row per run, and how to read it. */
export function fleetMarkdown(rows: FleetRow[], machine: Machine, sampleMs = SAMPLE_MS): string {
  const lines = [
    '# Fleet benchmark: `argo-multicluster fleet up` on real control planes',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`,
    `Date: ${machine.date}; load average at start ${machine.loadAverage.join(' / ')}; commit ${machine.commit ?? 'unknown'}${machine.dirty ? ' (with uncommitted changes)' : ''}`,
    '',
    '| remotes | --parallel | up s | peak MiB (process tree) | peak processes | peak providers | peak engines | destroy s | destroy peak MiB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.remotes} | ${r.parallel} | ${r.upSeconds.toFixed(1)} | ${r.peakMiB.toFixed(0)} | ${r.peakProcesses} | ${r.peakProviders} | ${r.peakEngines} | ${r.destroySeconds.toFixed(1)} | ${r.destroyPeakMiB.toFixed(0)} |`,
    );
  }
  lines.push(
    '',
    `Peak MiB: the largest sum of RSS over the CLI and all its descendants (Pulumi engines, Kubernetes provider`,
    `processes), sampled every ${sampleMs} ms from /proc; the control planes are not in the tree. "engines" counts every`,
    '`pulumi` process, short CLI calls (stack select, config) included. One run per row, the',
    'clusters emptied by `fleet destroy` between rows. The last row, --parallel equal to the fleet size, is the',
    'unbounded reference: every remote stack at once, as many providers as one stack for the whole fleet holds.',
  );
  return `${lines.join('\n')}\n`;
}
