// Synthesis benchmark: times the real CLI as a whole process against two references (bare Node, bare cdk8s) for
// fleets of growing size, plus the Pulumi component under mocks, and checks the results against the targets.
// It reports; it is not a test: it exits 0 when a target is missed and non-zero only when a run itself fails.
//
// Usage: npm run bench [-- --runs N --sizes 1,10,100,1000 --pulumi N|0 --out-root DIR --profile]; see HELP.
// With --fleet LIST it measures `fleet up` on real control planes instead (bench/fleet.ts).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { Profiler } from 'node:inspector';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildCharts, clusterManifests, exampleTopologyPath, loadTopologyFile } from '../constructs';
import { benchFleet, fleetMarkdown } from './fleet';
import { benchStartup, startupMarkdown } from './startup';
import { loadAverage, Machine, machine } from './machine';
import { BENCH, CLI, compiledScript, ROOT, WORK } from './paths';
import type { PulumiMocksResult } from './pulumi-mocks';
import { RunError } from './run-error';

const PROBE = compiledScript('rss-probe');
const EXAMPLE = 'example';

// Targets. A target missed is printed, never turned into a failing exit code: timings on a shared machine are noisy,
// and a red build for noise teaches people to ignore it.
const TARGETS = {
  exampleSeconds: 0.5,
  largeSeconds: 2,
  largeMiB: 250,
  linearity: 11,
  pulumiSeconds: 3,
};

const HELP = `Usage: node lib/bench/run.js [--runs N] [--sizes LIST] [--pulumi N] [--bare-layout L] [--out-root DIR] [--profile]
       node lib/bench/run.js --fleet LIST [--fleet-parallel N]

  --runs N         runs per measurement, median reported (default 5)
  --sizes LIST     remote-cluster counts, comma-separated (default 1,10,100,1000); the built-in example always runs
  --pulumi N       remote clusters for the Pulumi mock run, 0 to skip (default 100)
  --bare-layout L  cdk8s output layout of the bare reference: folder-per-chart (default) or file-per-resource
  --out-root DIR   where the CLI and bare cdk8s write (default bench/work); a tmpfs such as /dev/shm takes the
                   disk out of the timings, to tell CPU cost from I/O cost
  --profile        only CPU-profile one CLI run of the largest size and print the top self-time functions
  --fleet LIST     only the fleet benchmark: peak memory (process tree) of \`fleet up\` for each remote count, on
                   real control planes (toolchain of npm run toolchain; about 450 MB per cluster), then the
                   largest count with every remote at once as the unbounded reference
  --fleet-parallel N  remote stacks at once in the fleet benchmark (default 2)
  --startup N      only the start-up benchmark: seconds \`pulumi up\` spends before its first resource and in all, N
                   runs each, for the pulumi CLI on Pulumi.yaml (type-checked, and not) and the Automation API, on
                   two real control planes (toolchain of npm run toolchain)
Needs a build first (npm run bench does it). Writes bench/results.json and bench/results.md, or with --fleet
bench/fleet-results.json and bench/fleet-results.md, or with --startup bench/startup-results.{json,md}.`;

interface Options {
  help: boolean;
  runs: number;
  sizes: number[];
  pulumi: number;
  bareLayout: string;
  outRoot: string;
  profile: boolean;
  fleet: number[];
  fleetParallel: number;
  startup: number;
}

function options(): Options {
  const { values } = parseArgs({
    strict: true,
    options: {
      runs: { type: 'string', default: '5' },
      sizes: { type: 'string', default: '1,10,100,1000' },
      pulumi: { type: 'string', default: '100' },
      // Not FILE_PER_RESOURCE by default: it writes every chart into one folder named by kind and name only, so the
      // clusters overwrite each other (20 files left of 15,009 objects at 1,000 clusters), and it calls chart.toJson()
      // per chart, which prepares the whole app each time: quadratic, so it measures cdk8s's trap, not a reference.
      'bare-layout': { type: 'string', default: 'folder-per-chart' },
      'out-root': { type: 'string', default: WORK },
      profile: { type: 'boolean', default: false },
      fleet: { type: 'string', default: '' },
      'fleet-parallel': { type: 'string', default: '2' },
      startup: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}, got "${v}"`);
    return n;
  };
  const sizes = [
    ...new Set(
      values.sizes
        .split(',')
        .filter(Boolean)
        .map((s) => int('sizes', s.trim(), 1)),
    ),
  ].sort((a, b) => a - b);
  if (!sizes.length) throw new Error('--sizes: expected at least one size');
  if (!['folder-per-chart', 'file-per-resource'].includes(values['bare-layout'])) {
    throw new Error(`--bare-layout: expected folder-per-chart or file-per-resource, got "${values['bare-layout']}"`);
  }
  return {
    help: values.help,
    runs: int('runs', values.runs, 1),
    sizes,
    pulumi: int('pulumi', values.pulumi, 0),
    bareLayout: values['bare-layout'],
    outRoot: path.resolve(values['out-root']),
    profile: values.profile,
    fleet: [
      ...new Set(
        values.fleet
          .split(',')
          .filter(Boolean)
          .map((s) => int('fleet', s.trim(), 1)),
      ),
    ].sort((a, b) => a - b),
    fleetParallel: int('fleet-parallel', values['fleet-parallel'], 1),
    startup: int('startup', values.startup, 0),
  };
}

// ---- inputs -------------------------------------------------------------------------------------------------------

/**
 * A fleet of `n` remotes, 2 namespaces each: the shape the package is sized for. The remotes differ only in name and
 * server, so their objects are byte-identical: a cache keyed on content would look better here than on a fleet
 * whose remotes list different namespaces. Keep that in mind before crediting such a cache with a win.
 */
function topologyYaml(n: number): string {
  const lines = [
    '# Generated by bench/run.ts; do not edit.',
    'local: { name: hub, controller: { image: "ghcr.io/me/wc:v1", executorImage: "ghcr.io/me/ex:v1" } }',
    'remotes:',
  ];
  for (let i = 0; i < n; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    lines.push(`  - { name: r-${i}, server: "https://${ip}:6443", namespaces: [a, b] }`);
  }
  return `${lines.join('\n')}\n`;
}

/** The built-in example, or a generated fleet of that many remotes. */
type Size = typeof EXAMPLE | number;

function caseLabel(size: Size): string {
  return size === EXAMPLE ? EXAMPLE : String(size);
}

/** One topology to measure, with its inputs written to disk. */
interface Case {
  label: string;
  size: Size;
  remotes: number;
  topologyFile: string;
  objectsFile: string;
  objects: number;
}

/**
 * Writes the topology and, once and untimed, the objects the library builds from it, so the bare cdk8s reference
 * writes exactly the objects the CLI writes without paying for this package's constructs.
 */
function prepareCase(size: Size): Case {
  const label = caseLabel(size);
  let topologyFile;
  if (size === EXAMPLE) {
    topologyFile = exampleTopologyPath();
  } else {
    topologyFile = path.join(WORK, `topology-${label}.yaml`);
    fs.writeFileSync(topologyFile, topologyYaml(size));
  }
  const topology = loadTopologyFile(topologyFile);
  const clusters = [...clusterManifests(buildCharts(topology))].map(([name, objects]) => ({ name, objects }));
  const objectsFile = path.join(WORK, `${label}.objects.json`);
  fs.writeFileSync(objectsFile, JSON.stringify({ clusters }));
  return {
    label,
    size,
    remotes: topology.remotes.length,
    topologyFile,
    objectsFile,
    objects: clusters.reduce((n, c) => n + c.objects.length, 0),
  };
}

// ---- measuring ----------------------------------------------------------------------------------------------------

/** One child process run: wall time, peak RSS and its output. */
interface Measurement {
  seconds: number;
  mib: number;
  stdout: string;
}

/**
 * Runs `node ARGS` to completion and returns its wall time (spawn to exit, as a user or CI sees it) and peak RSS.
 * spawnSync keeps the parent idle while the child runs, so the parent's own work cannot skew the timing.
 */
function measure(what: string, nodeArgs: string[]): Measurement {
  const rssFile = path.join(WORK, 'rss.txt');
  fs.rmSync(rssFile, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', PROBE, ...nodeArgs], {
    cwd: ROOT,
    env: { ...process.env, BENCH_RSS_FILE: rssFile },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit code ${r.status}`;
    throw new RunError(`${what} failed (${why}): node ${nodeArgs.join(' ')}\n${r.stderr || ''}${r.stdout || ''}`);
  }
  const kib = Number(fs.readFileSync(rssFile, 'utf8'));
  return { seconds, mib: kib / 1024, stdout: r.stdout };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true }))
    n += e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1;
  return n;
}

/** The four processes timed per case: the CLI re-synthesizing, the CLI on a fresh folder, bare cdk8s, bare Node. */
type Command = 'cli' | 'fresh' | 'bare' | 'floor';

/** One case's row of bench/results. */
interface CaseResult {
  case: string;
  remotes: number;
  objects: number;
  files: number;
  cliSeconds: number;
  cliMinSeconds: number;
  cliMaxSeconds: number;
  cliPeakMiB: number;
  freshSeconds: number;
  freshPeakMiB: number;
  floorSeconds: number;
  floorPeakMiB: number;
  bareSeconds: number;
  barePeakMiB: number;
  bareFiles: number;
  cliOverBare: number;
  cliOverFloor: number;
}

function benchCase(c: Case, opts: Options): CaseResult {
  const cliOut = path.join(opts.outRoot, 'out', c.label);
  const bareOut = path.join(opts.outRoot, 'bare', c.label);
  const commands: Record<Command, string[]> = {
    cli: [CLI, 'synth', '-f', c.topologyFile, '-o', cliOut],
    fresh: [CLI, 'synth', '-f', c.topologyFile, '-o', `${cliOut}-fresh`],
    bare: [compiledScript('bare-cdk8s'), c.objectsFile, bareOut, opts.bareLayout],
    floor: ['-e', ''],
  };
  const entries = Object.entries(commands) as [Command, string[]][];
  // One untimed run of each first: it fails fast on a broken build, warms the page cache for node_modules and, for
  // the CLI, leaves a previous tree in place so that every timed run pays for replacing it, as CI does.
  for (const [name, args] of entries) measure(`${c.label}: ${name} (warm-up)`, args);
  const samples: Record<Command, Measurement[]> = { cli: [], fresh: [], bare: [], floor: [] };
  // Interleaved rather than batched, so a burst of load from elsewhere on the machine hits all alike.
  for (let i = 0; i < opts.runs; i++) {
    for (const [name, args] of entries) {
      // "fresh" is a first synth (a new checkout, or a topology change that touches every file): no tree to reuse.
      if (name === 'fresh') fs.rmSync(`${cliOut}-fresh`, { recursive: true, force: true });
      samples[name].push(measure(`${c.label}: ${name} run ${i + 1}`, args));
    }
    process.stderr.write('.');
  }
  const secs = (name: Command) => samples[name].map((s) => s.seconds);
  const cli = median(secs('cli'));
  const bare = median(secs('bare'));
  const floor = median(secs('floor'));
  return {
    case: c.label,
    remotes: c.remotes,
    objects: c.objects,
    files: countFiles(cliOut),
    cliSeconds: cli,
    cliMinSeconds: Math.min(...secs('cli')),
    cliMaxSeconds: Math.max(...secs('cli')),
    // The largest peak of the runs: memory limits are hit by the worst run, not the typical one.
    cliPeakMiB: Math.max(...samples.cli.map((s) => s.mib)),
    freshSeconds: median(secs('fresh')),
    freshPeakMiB: Math.max(...samples.fresh.map((s) => s.mib)),
    floorSeconds: floor,
    floorPeakMiB: Math.max(...samples.floor.map((s) => s.mib)),
    bareSeconds: bare,
    barePeakMiB: Math.max(...samples.bare.map((s) => s.mib)),
    // Fewer than the CLI's: cdk8s names a file by kind and name only, so same-named objects in two namespaces collide.
    bareFiles: countFiles(bareOut),
    cliOverBare: cli / bare,
    cliOverFloor: cli / floor,
  };
}

/** The Pulumi row of bench/results. */
interface PulumiResult {
  remotes: number;
  resources: number;
  constructSeconds: number;
  wallSeconds: number;
  peakMiB: number;
}

function benchPulumi(n: number, runs: number): PulumiResult {
  const topologyFile = path.join(WORK, `topology-${n}.yaml`);
  if (!fs.existsSync(topologyFile)) fs.writeFileSync(topologyFile, topologyYaml(n));
  const resultFile = path.join(WORK, 'pulumi-result.json');
  const args = [compiledScript('pulumi-mocks'), topologyFile, resultFile];
  measure(`pulumi ${n} (warm-up)`, args);
  const samples: (Measurement & PulumiMocksResult)[] = [];
  for (let i = 0; i < runs; i++) {
    fs.rmSync(resultFile, { force: true });
    const m = measure(`pulumi ${n} run ${i + 1}`, args);
    const result: PulumiMocksResult = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    samples.push({ ...m, ...result });
    process.stderr.write('.');
  }
  return {
    remotes: n,
    resources: samples[0].resources,
    constructSeconds: median(samples.map((s) => s.constructMs / 1000)),
    wallSeconds: median(samples.map((s) => s.seconds)),
    peakMiB: Math.max(...samples.map((s) => s.mib)),
  };
}

/** The output folder's filesystem: small-file creation costs 10-50x more on some disks than on tmpfs. */
function filesystem(dir: string): string {
  const MAGIC: Record<number, string> = {
    0xef53: 'ext2/3/4',
    0x01021994: 'tmpfs',
    0x58465342: 'xfs',
    0x9123683e: 'btrfs',
    0x794c7630: 'overlayfs',
    0x6969: 'nfs',
    0x65735546: 'fuse',
  };
  try {
    fs.mkdirSync(dir, { recursive: true });
    const { type } = fs.statfsSync(dir);
    return MAGIC[type] ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

// ---- reporting ----------------------------------------------------------------------------------------------------

/** bench/results.json. */
interface Results {
  machine: Machine;
  loadAverageAtEnd: number[];
  runs: number;
  bareLayout: string;
  outRoot: string;
  outFilesystem: string;
  cases: CaseResult[];
  linearity: number | undefined;
  linearityAboveFloor: number | undefined;
  pulumi: PulumiResult | undefined;
  targets: typeof TARGETS;
  checks: Check[];
}

/** A target, the measured value, and whether it was met. */
interface Check {
  target: string;
  value: string;
  ok: boolean;
}

const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);

function checks(results: Omit<Results, 'checks'>): Check[] {
  const out: Check[] = [];
  const byCase = new Map(results.cases.map((r) => [r.case, r]));
  const ex = byCase.get(EXAMPLE);
  if (ex)
    out.push({
      target: `example <= ${TARGETS.exampleSeconds} s`,
      value: `${f3(ex.cliSeconds)} s`,
      ok: ex.cliSeconds <= TARGETS.exampleSeconds,
    });
  const large = byCase.get('1000');
  if (large) {
    out.push({
      target: `1000 clusters <= ${TARGETS.largeSeconds} s (re-synth)`,
      value: `${f3(large.cliSeconds)} s`,
      ok: large.cliSeconds <= TARGETS.largeSeconds,
    });
    out.push({
      target: `1000 clusters <= ${TARGETS.largeSeconds} s (fresh output)`,
      value: `${f3(large.freshSeconds)} s`,
      ok: large.freshSeconds <= TARGETS.largeSeconds,
    });
    const peak = Math.max(large.cliPeakMiB, large.freshPeakMiB);
    out.push({
      target: `1000 clusters <= ${TARGETS.largeMiB} MiB`,
      value: `${peak.toFixed(0)} MiB`,
      ok: peak <= TARGETS.largeMiB,
    });
  }
  if (results.linearity !== undefined) {
    out.push({
      target: `1000-case <= ${TARGETS.linearity}x the 100-case`,
      value: `${f2(results.linearity)}x`,
      ok: results.linearity <= TARGETS.linearity,
    });
  }
  const p = results.pulumi;
  if (p && p.remotes === 100) {
    out.push({
      target: `Pulumi 100 clusters <= ${TARGETS.pulumiSeconds} s (construction to all urns)`,
      value: `${f3(p.constructSeconds)} s (process ${f3(p.wallSeconds)} s)`,
      ok: p.constructSeconds <= TARGETS.pulumiSeconds,
    });
  }
  return out;
}

function markdown(results: Results): string {
  const m = results.machine;
  const lines = [
    '# Synthesis benchmark',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`,
    `Date: ${m.date}; load average at start ${m.loadAverage.join(' / ')} (1/5/15 min), at end ${results.loadAverageAtEnd.join(' / ')}`,
    `Commit: ${m.commit ?? 'unknown'}${m.dirty ? ' (with uncommitted changes)' : ''}; ${results.runs} runs per measurement, medians; bare cdk8s layout: ${results.bareLayout}`,
    `Output written under ${results.outRoot} (${results.outFilesystem})`,
    '',
    '| case | remotes | objects | files | CLI re-synth median s | CLI min-max s | CLI peak MiB | CLI fresh median s | floor s | bare cdk8s s | bare files | CLI/bare | CLI/floor |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results.cases) {
    lines.push(
      `| ${r.case} | ${r.remotes} | ${r.objects} | ${r.files} | ${f3(r.cliSeconds)} | ${f2(r.cliMinSeconds)}-${f2(r.cliMaxSeconds)} | ${r.cliPeakMiB.toFixed(0)} | ${f3(r.freshSeconds)} | ${f3(r.floorSeconds)} | ${f3(r.bareSeconds)} | ${r.bareFiles} | ${f2(r.cliOverBare)} | ${f2(r.cliOverFloor)} |`,
    );
  }
  lines.push('');
  if (results.linearity !== undefined && results.linearityAboveFloor !== undefined) {
    lines.push(
      `Linearity: CLI 1000 / 100 = ${f2(results.linearity)}x (above the floor: ${f2(results.linearityAboveFloor)}x)`,
    );
  }
  const p = results.pulumi;
  if (p) {
    lines.push(
      `Pulumi component under mocks, ${p.remotes} remotes, ${p.resources} resources: construction to all urns ${f3(p.constructSeconds)} s, whole process ${f3(p.wallSeconds)} s, peak ${p.peakMiB.toFixed(0)} MiB`,
    );
  }
  lines.push(
    '',
    'Notes: times are whole child processes, spawn to exit. "re-synth": every run writes into the same output folder, as',
    'CI does on every commit (the topology unchanged: synth compares and leaves the tree alone). "fresh": the output',
    'folder is removed (untimed) before each run, as on a new checkout: every file is created. floor = `node -e ""`. bare cdk8s = the same objects as plain cdk8s ApiObjects, one chart per',
    `cluster, \`app.synth()\` (${results.bareLayout}) after emptying its folder as \`cdk8s synth\` does; it writes fewer`,
    'files, as cdk8s names them by kind and name only. Peak RSS = getrusage maxrss of the child.',
    '',
    '## Targets',
    '',
  );
  for (const c of results.checks) lines.push(`- ${c.ok ? 'met' : 'MISSED'}: ${c.target}: ${c.value}`);
  return `${lines.join('\n')}\n`;
}

// ---- profile ------------------------------------------------------------------------------------------------------

/** Microseconds per key, largest first. */
type Ranking = [string, number][];

/**
 * Self time per function from a V8 .cpuprofile. Sample i lasts until sample i+1 (timeDeltas[i+1]), as DevTools counts
 * it; the last one until endTime.
 */
function selfTimes(profile: Profiler.Profile): {
  total: number;
  functions: Ranking;
  modules: Ranking;
  phases: Ranking;
} {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const perNode = new Map<number, number>();
  const { samples = [], timeDeltas = [] } = profile;
  let t = profile.startTime;
  const stamps = timeDeltas.map((d) => (t += d));
  for (let i = 0; i < samples.length; i++) {
    const dur = (i + 1 < stamps.length ? stamps[i + 1] : profile.endTime) - stamps[i];
    perNode.set(samples[i], (perNode.get(samples[i]) ?? 0) + Math.max(0, dur));
  }
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  for (const [id, us] of perNode) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'}\t${url}\t${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const mod = moduleOf(url, functionName);
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
    total += us;
  }
  // Inclusive time of this package's own functions (and of require), which self time scatters over yaml and cdk8s
  // internals: that is what says which phase (load, validate, construct, resolve, stringify, write) costs what.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byPhase = new Map<string, number>();
  for (const [id, us] of perNode) {
    const keys = new Set<string>();
    let loads = 0;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = nodes.get(at)!.callFrame;
      if (functionName === 'Module._load') loads++;
      const ours = url.includes(ROOT) && url.includes(`${path.sep}lib${path.sep}`) && !url.includes('node_modules');
      if (ours) keys.add(`${functionName || '(anonymous)'}\t${url}\t${lineNumber + 1}`);
    }
    // The outermost Module._load is the entry script itself, i.e. the whole run: only a nested one is a require.
    if (loads >= 2) keys.add('require (module loading)\t\t');
    for (const key of keys) byPhase.set(key, (byPhase.get(key) ?? 0) + us);
  }
  const sorted = (m: Map<string, number>): Ranking => [...m].sort((a, b) => b[1] - a[1]);
  return { total, functions: sorted(byFunction), modules: sorted(byModule), phases: sorted(byPhase) };
}

/** Where a function lives, coarse enough to read as "yaml", "cdk8s", "node:fs", "this package". */
function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName || '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return url.split('/')[0];
  const rel = url.replace(/^file:\/\//, '');
  if (rel.startsWith(path.join(ROOT, 'lib'))) return `lib/${path.relative(path.join(ROOT, 'lib'), rel)}`;
  return rel;
}

function runProfile(opts: Options): void {
  const size = opts.sizes[opts.sizes.length - 1];
  const c = prepareCase(size);
  const out = path.join(opts.outRoot, 'out', c.label);
  const dir = path.join(WORK, 'prof');
  fs.rmSync(dir, { recursive: true, force: true });
  // Unprofiled first, so the profiled run replaces an existing tree like the timed ones.
  measure(`${c.label}: cli (warm-up)`, [CLI, 'synth', '-f', c.topologyFile, '-o', out]);
  const m = measure(`${c.label}: cli (profiled)`, [
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    CLI,
    'synth',
    '-f',
    c.topologyFile,
    '-o',
    out,
  ]);
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new RunError(`no .cpuprofile written to ${dir}`);
  const { total, functions, modules, phases } = selfTimes(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  const ms = (us: number) => (us / 1000).toFixed(1).padStart(8);
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const short = (url: string) => (url.startsWith('file://') ? path.relative(ROOT, url.slice(7)) : url);
  const lines = [
    `CPU profile of the CLI, ${c.label} remotes, ${c.objects} objects, output on ${filesystem(opts.outRoot)} (wall ${f3(m.seconds)} s with profiling on, profiled ${(total / 1e6).toFixed(3)} s): ${path.relative(ROOT, path.join(dir, file))}`,
    '',
    'Top 20 functions by self time:',
    `${'ms'.padStart(8)} ${'%'.padStart(6)}  function  location`,
  ];
  for (const [key, us] of functions.slice(0, 20)) {
    const [fn, url, line] = key.split('\t');
    lines.push(`${ms(us)} ${pct(us)}  ${fn}  ${url ? `${short(url)}:${line}` : ''}`);
  }
  lines.push('', 'Self time by module:');
  for (const [mod, us] of modules.slice(0, 15)) lines.push(`${ms(us)} ${pct(us)}  ${mod}`);
  lines.push('', "Inclusive time of this package's functions (nested ones overlap):");
  for (const [key, us] of phases.slice(0, 20)) {
    const [fn, url, line] = key.split('\t');
    lines.push(`${ms(us)} ${pct(us)}  ${fn}  ${url ? `${short(url)}:${line}` : ''}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---- main ---------------------------------------------------------------------------------------------------------

function main(): number | Promise<number> {
  let opts;
  try {
    opts = options();
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  fs.mkdirSync(WORK, { recursive: true });
  try {
    if (opts.profile) {
      runProfile(opts);
      return 0;
    }
    if (opts.fleet.length)
      return runSideBench('fleet-results', async (log, info) => {
        const rows = await benchFleet({ sizes: opts.fleet, parallel: opts.fleetParallel, work: WORK, log });
        return { rows, md: fleetMarkdown(rows, info) };
      });
    if (opts.startup)
      return runSideBench('startup-results', async (log, info) => {
        const rows = await benchStartup({ runs: opts.startup, log });
        return { rows, md: startupMarkdown(rows, info) };
      });
    const info = machine();
    process.stderr.write(`load average ${info.loadAverage.join(' / ')}; ${opts.runs} runs each\n`);
    const cases = [];
    const sizes: Size[] = [EXAMPLE, ...opts.sizes];
    for (const size of sizes) {
      const c = prepareCase(size);
      process.stderr.write(`${c.label} (${c.objects} objects) `);
      cases.push(benchCase(c, opts));
      process.stderr.write('\n');
    }
    let pulumi;
    if (opts.pulumi > 0) {
      process.stderr.write(`pulumi ${opts.pulumi} `);
      pulumi = benchPulumi(opts.pulumi, opts.runs);
      process.stderr.write('\n');
    }
    const byCase = new Map(cases.map((r) => [r.case, r]));
    const [big, small] = [byCase.get('1000'), byCase.get('100')];
    const measured = {
      machine: info,
      loadAverageAtEnd: loadAverage(),
      runs: opts.runs,
      bareLayout: opts.bareLayout,
      outRoot: opts.outRoot.startsWith(ROOT + path.sep) ? path.relative(ROOT, opts.outRoot) : opts.outRoot,
      outFilesystem: filesystem(opts.outRoot),
      cases,
      linearity: big && small ? big.cliSeconds / small.cliSeconds : undefined,
      // Start-up is a constant in both, so this one isolates how the work itself grows.
      linearityAboveFloor:
        big && small ? (big.cliSeconds - big.floorSeconds) / (small.cliSeconds - small.floorSeconds) : undefined,
      pulumi,
      targets: TARGETS,
    };
    const results: Results = { ...measured, checks: checks(measured) };
    const md = markdown(results);
    fs.writeFileSync(path.join(BENCH, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(path.join(BENCH, 'results.md'), md);
    process.stdout.write(md);
    return 0;
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    process.stderr.write(`\nerror: ${e.message}\n`);
    return 1;
  }
}

/** A benchmark of its own (fleet, start-up): its rows and table written to bench/NAME.json and bench/NAME.md. */
async function runSideBench(
  name: string,
  bench: (log: (s: string) => void, info: Machine) => Promise<{ rows: unknown; md: string }>,
): Promise<number> {
  const info = machine();
  try {
    const { rows, md } = await bench((s) => process.stderr.write(s), info);
    fs.writeFileSync(
      path.join(BENCH, `${name}.json`),
      `${JSON.stringify({ machine: info, loadAverageAtEnd: loadAverage(), rows }, null, 2)}\n`,
    );
    fs.writeFileSync(path.join(BENCH, `${name}.md`), md);
    process.stdout.write(`\n${md}`);
    return 0;
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    process.stderr.write(`\nerror: ${e.message}\n`);
    return 1;
  }
}

Promise.resolve(main()).then((code) => {
  process.exitCode = code;
});
