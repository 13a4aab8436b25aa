import { PROCESS_BUDGET_MS } from '../../support/budgets';
import { existsSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  ConfigValue,
  FLEET_HELP,
  FleetAction,
  FleetUsageError,
  FleetBackend,
  FleetOptions,
  fleet,
  loadPulumiBackend,
  parseFleetArgs,
  runFleet,
  summarize,
} from '../../../../constructs/cli/fleet';
import { spawnSync } from 'node:child_process';
import { exampleTopologyPath, loadTopologyFile } from '../../../../constructs';
import { CLI, exampleInput } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';

const dir = mkdtempSync(join(tmpdir(), 'amc-fleet-'));
/** A topology file with remotes r-0 .. r-(n-1). */
function topologyFile(n: number): string {
  const raw: any = exampleInput();
  raw.remotes = Array.from({ length: n }, (_, i) => ({
    name: `r-${i}`,
    server: `https://10.0.0.${i + 1}:6443`,
    namespaces: ['default'],
  }));
  const file = join(dir, `topology-${n}.yaml`);
  writeFileSync(file, stringify(raw));
  return file;
}

/** Stacks in memory; each run takes a few ticks, so that overlapping runs can be counted. */
class FakeBackend implements FleetBackend {
  readonly config = new Map<string, Record<string, ConfigValue>>();
  /** Each stack's outputs after its last up, as the program makes them. */
  readonly stackOutputs = new Map<string, Record<string, unknown>>();
  readonly calls: string[] = [];
  running = 0;
  peak = 0;
  /** What each run reports it changed. */
  changes: Readonly<Record<string, number>> = { create: 3, same: 1 };
  constructor(private readonly failing = new Set<string>()) {}
  async prepare(stack: string, config: Readonly<Record<string, ConfigValue>>) {
    this.config.set(stack, { ...(this.config.get(stack) ?? {}), ...config });
  }
  async run(stack: string, action: FleetAction, progress: (line: string) => void) {
    this.calls.push(`${action} ${stack}`);
    this.peak = Math.max(this.peak, ++this.running);
    await new Promise((r) => setTimeout(r, 5));
    this.running--;
    if (this.failing.has(stack)) throw new Error('configured Kubernetes cluster is unreachable');
    progress('create something');
    const missing = [...this.failing].map((s) => s.replace(/^it-/, ''));
    const part = this.config.get(stack)?.['argo-multicluster:part']?.value ?? '';
    const outputs =
      part === 'local'
        ? { localCluster: 'cluster-0', profiles: {}, missingProfiles: missing }
        : { localCluster: 'cluster-0', cluster: part.replace(/^remote:/, ''), token: '[secret]' };
    if (action === 'up') this.stackOutputs.set(stack, outputs);
    if (action === 'destroy') this.stackOutputs.delete(stack);
    return { changes: this.changes, outputs };
  }
  /** Names without the organization, as Pulumi lists them. */
  async list() {
    return [...this.config.keys()].map((stack) => stack.replace(/^[^/]*\//, ''));
  }
  async part(stack: string) {
    return this.config.get(stack)?.['argo-multicluster:part']?.value;
  }
  /** Fails for a stack that does not exist, as selecting it does. */
  async outputs(stack: string) {
    if (!this.config.has(stack)) throw new Error(`no stack named '${stack}' found`);
    return this.stackOutputs.get(stack) ?? {};
  }
  async remove(stack: string) {
    this.calls.push(`remove ${stack}`);
    this.config.delete(stack);
    this.stackOutputs.delete(stack);
  }
}

const options = (args: string[]) => parseFleetArgs(args) as FleetOptions;
/** `text` with each stack's run time, which varies, as `T`. */
const untimed = (text: string) => text.replace(/ in \d+\.\d s/g, ' in T s');

describe('fleet and the optional Pulumi peer dependencies', () => {
  // Both are about what a fresh Node.js process loads, which only a process of its own shows.
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm test", which builds the CLI first`);
  });

  test(
    'the other commands never load Pulumi',
    () => {
      const script = `const m = require(${JSON.stringify(CLI)}); m.run(['validate', '--example'], { write() {} }, { write() {} }).then((code) => {
      const loaded = Object.keys(require.cache).filter((f) => f.includes('@pulumi'));
      process.stdout.write(JSON.stringify({ code, loaded: loaded.length }));
    });`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(JSON.parse(r.stdout)).toEqual({ code: 0, loaded: 0 });
    },
    PROCESS_BUDGET_MS,
  );

  test(
    'without them, fleet says what to install (exit 1)',
    () => {
      // As if @pulumi/* were not installed: module resolution refuses them.
      const hide = join(dir, 'hide-pulumi.js');
      writeFileSync(
        hide,
        `const M = require('node:module'); const r = M._resolveFilename; M._resolveFilename = function (req, ...a) { if (req.startsWith('@pulumi/')) { const e = new Error('Cannot find module ' + req); e.code = 'MODULE_NOT_FOUND'; throw e; } return r.call(this, req, ...a); };`,
      );
      const absent = spawnSync(process.execPath, ['-r', hide, CLI, 'fleet', 'up', '--stack', 'p'], {
        encoding: 'utf8',
      });
      expect({ code: absent.status, stdout: absent.stdout, stderr: absent.stderr }).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'error: fleet needs the optional peer dependencies @pulumi/pulumi and @pulumi/kubernetes, and @pulumi/pulumi/automation is not installed: ' +
          'npm install @pulumi/pulumi@^3.142.0 @pulumi/kubernetes@^4.24.0 (synth, validate, profile and verify do not need them)\n',
      });
    },
    PROCESS_BUDGET_MS,
  );
});

describe('loadPulumiBackend', () => {
  const hiding = (hidden: string) => (id: string) => {
    if (id === hidden) throw new Error(`Cannot find module '${id}'`);
    return require.resolve(id);
  };

  test.each(['@pulumi/pulumi/automation', '@pulumi/kubernetes'])('without %s it says what to install', (dep) => {
    expect(() => loadPulumiBackend(hiding(dep))).toThrow(
      new Error(
        `fleet needs the optional peer dependencies @pulumi/pulumi and @pulumi/kubernetes, and ${dep} is not installed: ` +
          'npm install @pulumi/pulumi@^3.142.0 @pulumi/kubernetes@^4.24.0 (synth, validate, profile and verify do not need them)',
      ),
    );
  });

  test('with both it loads the Automation API side', () => {
    const resolved: string[] = [];
    const backend = loadPulumiBackend((id) => (resolved.push(id), require.resolve(id)));
    expect(resolved).toEqual(['@pulumi/pulumi/automation', '@pulumi/kubernetes']);
    expect(typeof backend.automationBackend).toBe('function');
  });
});

describe('fleet flags', () => {
  test.each([[['fleet', '--help']], [['fleet', '-h']], [['fleet', 'up', '--help']], [['fleet', 'destroy', '-h']]])(
    '%j prints the usage and exits 0',
    async (args) => {
      expect(await runCli(args)).toEqual({ code: 0, stdout: `${FLEET_HELP}\n`, stderr: '' });
    },
  );

  test('the usage names the command, its actions and every flag', () => {
    expect(FLEET_HELP).toMatch(/^Usage: argo-multicluster fleet up\|preview\|destroy --stack NAME /);
    const flags = ['--stack NAME', '-f, --file TOPOLOGY', '--parallel N', '--kubeconfig PATH', '--skip-await'];
    for (const flag of [...flags, '--work-dir DIR', '--pulumi-root DIR']) expect(FLEET_HELP).toContain(`\n  ${flag} `);
  });

  test.each([
    [['up', '--stack', 'p', '--parallel', '0'], 'fleet up: --parallel: "0" must be an integer from 1 to 1024'],
    [['up', '--stack', 'p', '--parallel', '2.5'], 'fleet up: --parallel: "2.5" must be an integer from 1 to 1024'],
    [['up', '--stack', 'p', '--parallel', '1025'], 'fleet up: --parallel: "1025" must be an integer from 1 to 1024'],
    [
      ['up'],
      "fleet up: --stack is required: the local cluster's stack, e.g. --stack prod (remote stacks are prod-<remote>)",
    ],
    [
      ['up', '--stack', 'a b'],
      'fleet up: --stack: "a b" must be a stack name, [org/]name of letters, digits, "-", "_" and "."',
    ],
    [['up', '--stack', 'p', '--work-dir', ''], 'fleet up: --work-dir: "" must be a path'],
    [['launch', '--stack', 'p'], `fleet: unknown action "launch"; valid: up, preview, destroy\n\n${FLEET_HELP}`],
    [[], `fleet: an action is required; valid: up, preview, destroy\n\n${FLEET_HELP}`],
    [
      ['upp', '--stack', 'p'],
      `fleet: unknown action "upp" (did you mean "up"?); valid: up, preview, destroy\n\n${FLEET_HELP}`,
    ],
    [['up', '--stack'], `fleet up: Option '--stack <value>' argument missing\n\n${FLEET_HELP}`],
    [
      // Dots: a run of 40 letters would read as base64 and be hidden.
      ['up', '--stack', `ab/${'x.'.repeat(45)}x`],
      `fleet up: --stack: "ab/${'x.'.repeat(45)}x" makes the stack name "ab/${'x.'.repeat(45)}x-cluster-1", longer than Pulumi's 100 characters; choose a shorter one`,
    ],
    [
      // No other command of the CLI takes it either: nothing to point to.
      ['up', '--stack', 'p', '--dry-run'],
      'fleet up: unknown flag "--dry-run"; valid flags: -f/--file, --stack, --parallel, ' +
        `--kubeconfig, --skip-await, --work-dir, --pulumi-root, -h/--help\n\n${FLEET_HELP}`,
    ],
    [
      ['up', '--stack', 'p', '--paralel', '2'],
      'fleet up: unknown flag "--paralel" (did you mean --parallel?); valid flags: -f/--file, --stack, --parallel, ' +
        `--kubeconfig, --skip-await, --work-dir, --pulumi-root, -h/--help\n\n${FLEET_HELP}`,
    ],
    [
      ['up', '--stack', 'x'.repeat(95)],
      `fleet up: --stack: "${'x'.repeat(95)}" makes the stack name "${'x'.repeat(95)}-cluster-1", longer than Pulumi's 100 characters; choose a shorter one`,
    ],
  ])('%p is refused with exit 2', async (args, message) => {
    expect(await runCli(['fleet', ...args])).toEqual({ code: 2, stdout: '', stderr: `error: ${message}\n` });
  });

  test('an invalid topology is refused with exit 2, naming the field', async () => {
    const file = join(dir, 'bad.yaml');
    const raw: any = exampleInput();
    raw.remotes[0].server = 'http://nope';
    writeFileSync(file, stringify(raw));
    expect(await runCli(['fleet', 'up', '--stack', 'p', '-f', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${file} is invalid:\n  - remotes[0].server: "http://nope" must use https:// (the token is a bearer credential)\n`,
    });
  });

  // Pulumi counts a stack's name without its organization: 90 characters make the remote's stack exactly 100.
  test.each([
    [['--stack', 'x'.repeat(90)], 'stack', 'x'.repeat(90)],
    [['--stack', 'ab/' + 'x'.repeat(90)], 'stack', 'ab/' + 'x'.repeat(90)],
    [['--stack', 'p', '--parallel', '10'], 'parallel', 10],
    [['--stack', 'p', '--parallel', '1024'], 'parallel', 1024],
  ])('%j is taken: %s %j', (args, field, value) => {
    expect(options(['up', ...args])[field as keyof FleetOptions]).toEqual(value);
  });

  test('paths are made absolute, so the stack config holds a path valid from anywhere', () => {
    const file = topologyFile(1);
    const o = options([
      'preview',
      '--stack',
      'org/p',
      '-f',
      file,
      '--kubeconfig',
      'k.yaml',
      '--parallel',
      '3',
      '--work-dir',
      'w',
      '--pulumi-root',
      'p',
      '--skip-await',
    ]);
    expect(o).toEqual({
      action: 'preview',
      topologyFile: file,
      topology: loadTopologyFile(file),
      stack: 'org/p',
      parallel: 3,
      kubeconfig: join(process.cwd(), 'k.yaml'),
      skipAwait: true,
      workDir: join(process.cwd(), 'w'),
      pulumiRoot: join(process.cwd(), 'p'),
    });
    expect(options(['up', '--stack', 'p'])).toEqual({
      action: 'up',
      topologyFile: exampleTopologyPath(),
      topology: loadTopologyFile(exampleTopologyPath()),
      stack: 'p',
      parallel: 4,
      kubeconfig: undefined,
      skipAwait: false,
      workDir: process.cwd(),
      pulumiRoot: undefined,
    });
  });
});

describe('runFleet', () => {
  test('never runs more remote stacks at once than --parallel, whatever the fleet size; the local stack runs last', async () => {
    for (const [n, parallel] of [
      [8, 2],
      [8, 3],
      [3, 8],
    ]) {
      const backend = new FakeBackend();
      const outcomes = await runFleet(
        options(['up', '--stack', 'it', '-f', topologyFile(n), '--parallel', String(parallel)]),
        backend,
        () => undefined,
      );
      expect(backend.peak).toBe(Math.min(n, parallel));
      expect(backend.calls[backend.calls.length - 1]).toBe('up it');
      expect(outcomes.map((o) => o.stack).sort()).toEqual(
        ['it', ...Array.from({ length: n }, (_, i) => `it-r-${i}`)].sort(),
      );
      expect(backend.config.get('it-r-1')!['argo-multicluster:part'].value).toBe('remote:r-1');
      expect(backend.config.get('it')!['argo-multicluster:part'].value).toBe('local');
    }
  });

  test('a failing remote is reported while the others and the local stack are applied; the summary names it, exit 1', async () => {
    const backend = new FakeBackend(new Set(['it-r-1']));
    const lines: string[] = [];
    const outcomes = await runFleet(
      options(['up', '--stack', 'it', '-f', topologyFile(3), '--parallel', '1']),
      backend,
      (l) => lines.push(l),
    );
    expect(backend.calls).toEqual(['up it-r-0', 'up it-r-1', 'up it-r-2', 'up it']);
    expect(lines.map(untimed)).toEqual([
      'fleet up: local cluster-0 (stack it), 3 remote(s), 1 at a time',
      '[r-0] up it-r-0: started',
      '[r-0] create something',
      '[r-0] up it-r-0: succeeded, 3 create, 1 same in T s',
      '[r-1] up it-r-1: started',
      '[r-1] up it-r-1: FAILED: configured Kubernetes cluster is unreachable',
      '[r-2] up it-r-2: started',
      '[r-2] create something',
      '[r-2] up it-r-2: succeeded, 3 create, 1 same in T s',
      '[cluster-0] up it: started',
      '[cluster-0] create something',
      '[cluster-0] up it: succeeded, 3 create, 1 same in T s; no profile for r-1 (no token in their stacks yet)',
    ]);
    const { text, code } = summarize('up', outcomes);
    expect(code).toBe(1);
    expect(untimed(text)).toBe(
      [
        'summary:',
        '  r-0        it-r-0  remote  ok      3 create, 1 same in T s',
        '  r-1        it-r-1  remote  FAILED  configured Kubernetes cluster is unreachable',
        '  r-2        it-r-2  remote  ok      3 create, 1 same in T s',
        '  cluster-0  it      local   ok      3 create, 1 same in T s; no profile for r-1 (no token in their stacks yet)',
        'fleet up: 1 of 4 stack(s) failed: r-1 (it-r-1)',
        '',
      ].join('\n'),
    );
  });

  test("a stack's detail counts the changes first, then what stayed the same; reads and zeros are left out", async () => {
    for (const [changes, detail] of [
      [{ read: 2, same: 5, update: 1, create: 0, delete: 2 }, '2 delete, 1 update, 5 same'],
      [{ same: 1, update: 2 }, '2 update, 1 same'],
      [{ update: 2, same: 1 }, '2 update, 1 same'],
      [{ same: 1, update: 1, delete: 1, create: 1 }, '1 create, 1 delete, 1 update, 1 same'],
      [{ same: 3 }, '3 same'],
      [{ read: 1 }, 'no resources'],
      [{}, 'no resources'],
    ] as const) {
      const backend = new FakeBackend();
      backend.changes = changes;
      const outcomes = await runFleet(
        options(['preview', '--stack', 'it', '-f', topologyFile(1)]),
        backend,
        () => undefined,
      );
      expect(outcomes.map((o) => untimed(o.detail))).toEqual([`${detail} in T s`, `${detail} in T s`]);
    }
  });

  test('a stack takes the seconds between its start and its end, to a tenth', async () => {
    const now = jest.spyOn(Date, 'now');
    for (const t of [1_000, 3_500, 10_000, 10_040]) now.mockReturnValueOnce(t);
    try {
      const outcomes = await runFleet(
        options(['up', '--stack', 'it', '-f', topologyFile(1)]),
        new FakeBackend(),
        () => undefined,
      );
      expect(outcomes.map((o) => o.detail)).toEqual(['3 create, 1 same in 2.5 s', '3 create, 1 same in 0.0 s']);
    } finally {
      now.mockRestore();
    }
  });

  test('a failed stack is summed up by the last line of what Pulumi said, without blanks around it', async () => {
    const backend = new FakeBackend();
    backend.run = async () => {
      throw new Error('  diagnostics:\n    kubernetes:core/v1:Secret (x):\n  the cluster refused it  \n');
    };
    const outcomes = await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    expect(outcomes.map((o) => o.detail)).toEqual(['the cluster refused it', 'the cluster refused it']);
  });

  test("every remote without a token is named in the local stack's detail", async () => {
    const outcomes = await runFleet(
      options(['up', '--stack', 'it', '-f', topologyFile(3)]),
      new FakeBackend(new Set(['it-r-0', 'it-r-2'])),
      () => undefined,
    );
    expect(untimed(outcomes.find((o) => o.role === 'local')!.detail)).toBe(
      '3 create, 1 same in T s; no profile for r-0, r-2 (no token in their stacks yet)',
    );
  });

  test('every failed stack is named in the verdict', () => {
    const failed = (cluster: string) => ({
      cluster,
      stack: `p-${cluster}`,
      role: 'remote' as const,
      ok: false,
      detail: 'x',
    });
    expect(
      summarize('up', [failed('a'), failed('b')])
        .text.split('\n')
        .at(-2),
    ).toBe('fleet up: 2 of 2 stack(s) failed: a (p-a), b (p-b)');
  });

  test('a removed remote whose destroy fails keeps its stack, to be destroyed by the next up', async () => {
    const backend = new FakeBackend();
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(2)]), backend, () => undefined);
    backend.run = async (stack, action) => {
      backend.calls.push(`${action} ${stack}`);
      if (action === 'destroy') throw new Error('the cluster is unreachable');
      return { changes: {}, outputs: { localCluster: 'cluster-0', profiles: {}, missingProfiles: [] } };
    };
    const outcomes = await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    expect(outcomes.at(-1)).toEqual({
      cluster: 'r-1',
      stack: 'it-r-1',
      role: 'removed remote',
      ok: false,
      detail: 'the cluster is unreachable',
    });
    expect(backend.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    expect(await backend.list()).toContain('it-r-1');
  });

  test("a stack named like a removed remote's but configured for another remote, with no outputs, is left alone", async () => {
    const backend = new FakeBackend();
    await backend.prepare('it-r-9', { 'argo-multicluster:part': { value: 'remote:r-8' } });
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    expect(backend.calls).toEqual(['up it-r-0', 'up it']);
  });

  test('destroy sets no stack config: it destroys what each stack holds', async () => {
    const backend = new FakeBackend();
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    const prepare = jest.spyOn(backend, 'prepare');
    await runFleet(options(['destroy', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    expect(prepare).not.toHaveBeenCalled();
    expect(backend.calls.slice(-2)).toEqual(['destroy it', 'destroy it-r-0']);
  });

  test('the summary of a fleet where every stack succeeded: exit 0', () => {
    const outcome = (cluster: string, stack: string, role: 'remote' | 'local') => ({
      cluster,
      stack,
      role,
      ok: true,
      detail: 'no resources in 0.1 s',
    });
    expect(
      summarize('destroy', [outcome('cluster-0', 'org/prod', 'local'), outcome('a', 'org/prod-a', 'remote')]),
    ).toEqual({
      text: [
        'summary:',
        '  cluster-0  org/prod    local   ok      no resources in 0.1 s',
        '  a          org/prod-a  remote  ok      no resources in 0.1 s',
        'fleet destroy: all 2 stack(s) succeeded',
        '',
      ].join('\n'),
      code: 0,
    });
  });

  test('the stack of a remote removed from the topology is destroyed and removed after the local stack; others are left alone', async () => {
    const backend = new FakeBackend();
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(3)]), backend, () => undefined);
    // Not of this fleet: another fleet's local stack "it-r", and a stack that merely shares the prefix.
    await backend.prepare('it-r', { 'argo-multicluster:part': { value: 'local' } });
    await backend.prepare('it-other', {});
    backend.calls.length = 0;
    const outcomes = await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    expect(backend.calls.slice(0, 2)).toEqual(['up it-r-0', 'up it']);
    expect(backend.calls.slice(2).sort()).toEqual(
      ['destroy it-r-1', 'destroy it-r-2', 'remove it-r-1', 'remove it-r-2'].sort(),
    );
    expect(
      outcomes
        .filter((o) => o.role === 'removed remote')
        .map((o) => o.cluster)
        .sort(),
    ).toEqual(['r-1', 'r-2']);
    expect([...backend.config.keys()].sort()).toEqual(['it', 'it-other', 'it-r', 'it-r-0']);
  });

  test("another fleet's remote stack that shares the prefix and the part is left alone: its outputs name another local cluster", async () => {
    const backend = new FakeBackend();
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    // Applied remote:r-5 for the local cluster cluster-9 (that fleet names its remote stacks with remoteStacks), and
    // its config is not in this work dir: only its outputs tell whose it is.
    backend.config.set('it-r-5', {});
    backend.stackOutputs.set('it-r-5', { localCluster: 'cluster-9', cluster: 'r-5', token: '[secret]' });
    backend.calls.length = 0;
    const outcomes = await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    expect(backend.calls).toEqual(['up it-r-0', 'up it']);
    expect(outcomes.map((o) => o.stack)).toEqual(['it-r-0', 'it']);
    expect(backend.stackOutputs.get('it-r-5')).toEqual({
      localCluster: 'cluster-9',
      cluster: 'r-5',
      token: '[secret]',
    });
  });

  test('a removed remote is kept while the local stack fails, since its profile may still be in use', async () => {
    const backend = new FakeBackend();
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(2)]), backend, () => undefined);
    const failing = new FakeBackend(new Set(['it']));
    for (const [k, v] of backend.config) await failing.prepare(k, v);
    const outcomes = await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), failing, () => undefined);
    expect(failing.calls).toEqual(['up it-r-0', 'up it']);
    expect(outcomes.find((o) => o.cluster === 'r-1')).toEqual({
      cluster: 'r-1',
      stack: 'it-r-1',
      role: 'removed remote',
      ok: false,
      detail: 'not destroyed: the local stack failed, so its profile may still be in use',
    });
  });

  test('destroy takes the local stack first, then the remotes; preview only reports a removed remote', async () => {
    const backend = new FakeBackend();
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(2)]), backend, () => undefined);
    backend.calls.length = 0;
    const lines: string[] = [];
    await runFleet(options(['preview', '--stack', 'it', '-f', topologyFile(1)]), backend, (l) => lines.push(l));
    expect(backend.calls).toEqual(['preview it-r-0', 'preview it']);
    expect(lines.slice(-1)).toEqual([
      '[r-1] it-r-1: not in the topology any more; up will destroy and remove this stack',
    ]);
    backend.calls.length = 0;
    await runFleet(
      options(['destroy', '--stack', 'it', '-f', topologyFile(2), '--parallel', '1']),
      backend,
      () => undefined,
    );
    expect(backend.calls).toEqual(['destroy it', 'destroy it-r-0', 'destroy it-r-1']);
  });

  test("--kubeconfig and --skip-await reach the stack config, the kubeconfig as a secret of the stack's own cluster", async () => {
    const backend = new FakeBackend();
    await runFleet(
      options(['up', '--stack', 'it', '-f', topologyFile(1), '--kubeconfig', '/k', '--skip-await']),
      backend,
      () => undefined,
    );
    expect(backend.config.get('it-r-0')).toEqual({
      'argo-multicluster:topology': { value: topologyFile(1) },
      'argo-multicluster:part': { value: 'remote:r-0' },
      'argo-multicluster:kubeconfigs.r-0': { value: '/k', secret: true },
    });
    expect(backend.config.get('it')).toEqual({
      'argo-multicluster:topology': { value: topologyFile(1) },
      'argo-multicluster:part': { value: 'local' },
      'argo-multicluster:kubeconfigs.cluster-0': { value: '/k', secret: true },
      'argo-multicluster:skipAwait': { value: 'true' },
    });
  });

  test('a local stack that applied the whole fleet is never taken over: exit 2 before any stack runs', async () => {
    const file = topologyFile(2);
    const cases: [(b: FakeBackend) => Promise<void>, RegExp][] = [
      [
        async (b) => b.prepare('it', { 'argo-multicluster:part': { value: 'all' } }),
        /stack "it" applies part "all", not "local"/,
      ],
      [
        // Its config is not in this work dir (a fresh CI checkout): its outputs tell.
        async (b) => {
          await b.prepare('it', {});
          b.stackOutputs.set('it', { localCluster: 'cluster-0', profiles: {} });
        },
        /stack "it" applies part "all", not "local"/,
      ],
      [
        async (b) => {
          await b.prepare('it', {});
          b.stackOutputs.set('it', { localCluster: 'cluster-0', cluster: 'r-0' });
        },
        /stack "it" applies part "remote:r-0", not "local"/,
      ],
    ];
    for (const [setUp, message] of cases) {
      const backend = new FakeBackend();
      await setUp(backend);
      const attempt = runFleet(options(['up', '--stack', 'it', '-f', file]), backend, () => undefined);
      await expect(attempt).rejects.toThrow(FleetUsageError);
      await expect(attempt).rejects.toThrow(message);
      expect(backend.calls).toEqual([]);
    }
  });

  test('a fleet of an organization: its removed remote is found by the bare name Pulumi lists, and destroyed by its full name', async () => {
    const backend = new FakeBackend();
    await runFleet(options(['up', '--stack', 'acme/it', '-f', topologyFile(2)]), backend, () => undefined);
    backend.calls.length = 0;
    await runFleet(options(['up', '--stack', 'acme/it', '-f', topologyFile(1)]), backend, () => undefined);
    expect(backend.calls).toEqual(['up acme/it-r-0', 'up acme/it', 'destroy acme/it-r-1', 'remove acme/it-r-1']);
  });

  test("a stack named like a removed remote's whose outputs name another remote is left alone", async () => {
    const backend = new FakeBackend();
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    backend.config.set('it-r-7', {});
    backend.stackOutputs.set('it-r-7', { localCluster: 'cluster-0', cluster: 'r-9', token: '[secret]' });
    backend.calls.length = 0;
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    expect(backend.calls).toEqual(['up it-r-0', 'up it']);
  });

  test('a removed remote is found by its stack outputs when its config is not in this work dir (a fresh CI checkout)', async () => {
    const backend = new FakeBackend();
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(2)]), backend, () => undefined);
    backend.config.delete('it-r-1');
    backend.config.set('it-r-1', {});
    backend.calls.length = 0;
    await runFleet(options(['up', '--stack', 'it', '-f', topologyFile(1)]), backend, () => undefined);
    expect(backend.calls).toEqual(['up it-r-0', 'up it', 'destroy it-r-1', 'remove it-r-1']);
  });
});

describe('what fleet prints', () => {
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig';
  const HIDDEN = `(${JWT.length} characters hidden: this looks like a credential)`;

  test('a credential in what Pulumi or a cluster says is hidden on stdout and stderr', async () => {
    const backend = new FakeBackend();
    // A provider echoing the request's Authorization header in its progress, and a stack failing with it.
    backend.run = async (_stack, _action, progress) => {
      progress(`GET /api/v1/pods: Authorization: Bearer ${JWT}`);
      throw new Error(`unauthorized: Bearer ${JWT}`);
    };
    let stdout = '';
    let stderr = '';
    const code = await fleet(
      ['up', '--stack', 'it', '-f', topologyFile(1)],
      { write: (t) => (stdout += t) },
      { write: (t) => (stderr += t) },
      async () => backend,
    );
    expect(code).toBe(1);
    expect(`${stdout}${stderr}`).not.toContain(JWT.slice(0, 10));
    expect(stdout).toContain(`GET /api/v1/pods: Authorization: Bearer ${HIDDEN}`);
    expect(stdout).toContain(`unauthorized: Bearer ${HIDDEN}`);
  });

  test('the progress, then the summary, on stdout', async () => {
    let stdout = '';
    const code = await fleet(
      ['up', '--stack', 'it', '-f', topologyFile(1)],
      { write: (t) => (stdout += t) },
      { write: () => undefined },
      async () => new FakeBackend(),
    );
    expect(code).toBe(0);
    expect(untimed(stdout).split('\n').slice(-5)).toEqual([
      'summary:',
      '  r-0        it-r-0  remote  ok      3 create, 1 same in T s',
      '  cluster-0  it      local   ok      3 create, 1 same in T s',
      'fleet up: all 2 stack(s) succeeded',
      '',
    ]);
  });

  test('a credential in a setup failure (exit 1) is hidden', async () => {
    let stderr = '';
    const code = await fleet(
      ['up', '--stack', 'it', '-f', topologyFile(1)],
      { write: () => undefined },
      { write: (t) => (stderr += t) },
      async () => {
        throw new Error(`pulumi login: token ${JWT} rejected`);
      },
    );
    expect({ code, stderr }).toEqual({ code: 1, stderr: `error: pulumi login: token ${HIDDEN} rejected\n` });
  });
});
