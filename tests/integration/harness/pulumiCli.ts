/**
 * The `pulumi` CLI as users type it: a process in a project folder (a copy of this repository as a fresh clone has it,
 * or a user's own project), with the language host from the toolchain, an offline backend and nothing else. What a
 * test reads back (changes, steps, outputs) comes from the CLI's own `--json` output and `stack output --json`.
 *
 * @packageDocumentation
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../../unit/support/helpers';

/** What one `pulumi` command printed, and how it ended. */
export interface PulumiRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What an engine event says of one step: the resource, and its inputs after the step. */
interface StepMetadata {
  readonly op: string;
  readonly urn: string;
  readonly type: string;
  readonly new?: { inputs?: Record<string, unknown> };
}

/** An engine event, one JSON line of `pulumi up --json` or `destroy --json`, as far as the tests read it. */
interface EngineEvent {
  readonly resOutputsEvent?: { metadata: StepMetadata };
  readonly resourcePreEvent?: { metadata: StepMetadata };
  readonly summaryEvent?: { resourceChanges: Record<string, number> };
  readonly diagnosticEvent?: { severity: string; message: string };
}

/** The JSON document of `pulumi preview --json`, as far as the tests read it. */
interface PreviewDocument {
  readonly steps?: { op: string; urn: string; newState?: { type: string; inputs?: Record<string, unknown> } }[];
  readonly changeSummary?: Record<string, number>;
  readonly diagnostics?: { severity: string; message: string }[];
}

/** What an `up`, `preview` or `destroy` did, read from its `--json` output. */
export interface PulumiUpdate extends PulumiRun {
  /** The summary's counts per operation (`same`, `create`, `update`, ...). */
  readonly changes: Record<string, number>;
  /** Each finished step other than `same` and `read`, in order: `<op> <resource name>`. */
  readonly steps: string[];
  /** The types of the resources each step touched, in the same order. */
  readonly stepTypes: string[];
  /** Every warning the engine or the program reported. */
  readonly warnings: string[];
  /** Every error the engine or the program reported. */
  readonly errors: string[];
  /** Each resource's inputs as planned (a preview) or applied, by resource name. */
  readonly inputs: Record<string, Record<string, unknown>>;
}

/**
 * A copy of this repository's project as a fresh clone has it (every file git tracks or would track, as it is in the
 * work tree, without lib/ or any build output), with node_modules linked from the repository as `npm ci` would have
 * filled it. The program in it runs exactly as checked in, and its stack files never land in the repository.
 */
export function cloneProject(parent: string): string {
  const dir = mkdtempSync(join(parent, 'clone-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      copyFileSync(join(ROOT, file), join(dir, file));
    } catch (e) {
      // A tracked file deleted in the work tree is not part of the clone being tested.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Runs FILE ARGS in `cwd` with exactly `env`, and collects what it printed. */
function exec(file: string, args: readonly string[], cwd: string, env: Record<string, string>): Promise<PulumiRun> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Runs `pulumi ARGS` in `cwd`, the CLI and language host found on the environment's PATH, as a shell would. */
export function pulumi(cwd: string, env: Record<string, string>, args: readonly string[]): Promise<PulumiRun> {
  return exec('pulumi', args, cwd, env);
}

/** Runs a shell script in `cwd` as a user's terminal would (bash, stopping at the first failing command). */
export function bash(cwd: string, env: Record<string, string>, script: string): Promise<PulumiRun> {
  return exec('bash', ['-euo', 'pipefail', '-c', script], cwd, env);
}

/** The message of a failed command: its whole output, since the engine's reason may be on either stream. */
export function failure(what: string, run: PulumiRun): Error {
  return new Error(`${what} exited ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
}

/** One stack of a project folder, driven through the CLI. */
export class CliStack {
  constructor(
    readonly dir: string,
    readonly name: string,
    readonly env: Record<string, string>,
  ) {}

  /** `pulumi ARGS --stack NAME`; fails the test on a non-zero exit unless `allowFailure`. */
  async run(args: readonly string[], allowFailure = false): Promise<PulumiRun> {
    const r = await pulumi(this.dir, this.env, [...args, '--stack', this.name]);
    if (r.code !== 0 && !allowFailure) throw failure(`pulumi ${args.join(' ')}`, r);
    return r;
  }

  /** `pulumi stack init NAME`. */
  async init(): Promise<void> {
    const r = await pulumi(this.dir, this.env, ['stack', 'init', this.name, '--non-interactive']);
    if (r.code !== 0) throw failure(`pulumi stack init ${this.name}`, r);
  }

  /** `pulumi config set [--path] [--secret] KEY VALUE`. */
  async config(key: string, value: string, opts: { path?: boolean; secret?: boolean } = {}): Promise<void> {
    await this.run([
      'config',
      'set',
      ...(opts.path ? ['--path'] : []),
      ...(opts.secret ? ['--secret'] : ['--plaintext']),
      key,
      value,
    ]);
  }

  /** `pulumi up --yes` (with `extra` flags), its steps read from its `--json` events. */
  up(extra: readonly string[] = [], allowFailure = false): Promise<PulumiUpdate> {
    return this.update(['up', '--yes', '--skip-preview', ...extra], allowFailure);
  }

  /** `pulumi preview` (with `extra` flags, e.g. `--expect-no-changes`). */
  preview(extra: readonly string[] = [], allowFailure = false): Promise<PulumiUpdate> {
    return this.update(['preview', ...extra], allowFailure);
  }

  /** `pulumi destroy --yes`. */
  destroy(): Promise<PulumiUpdate> {
    return this.update(['destroy', '--yes', '--skip-preview'], false);
  }

  /** `pulumi stack output --json`, secrets shown only with `showSecrets`. */
  async outputs(showSecrets = false): Promise<Record<string, unknown>> {
    const r = await this.run(['stack', 'output', '--json', ...(showSecrets ? ['--show-secrets'] : [])]);
    return JSON.parse(r.stdout);
  }

  private async update(args: readonly string[], allowFailure: boolean): Promise<PulumiUpdate> {
    const r = await this.run([...args, '--json', '--non-interactive'], allowFailure);
    const steps: string[] = [];
    const stepTypes: string[] = [];
    const inputs: Record<string, Record<string, unknown>> = {};
    const step = (op: string, urn: string, stepInputs: Record<string, unknown> | undefined) => {
      const name = urn.split('::').pop()!;
      if (stepInputs) inputs[name] = stepInputs;
      if (op === 'same' || op === 'read') return;
      steps.push(`${op} ${name}`);
      // The type is the last of the parent chain in the URN: `...::<parent type>$<type>::<name>`.
      stepTypes.push(urn.split('::')[2].split('$').pop()!);
    };
    if (args[0] === 'preview') {
      // A preview prints one document; one that failed before the engine ran prints none.
      let doc: PreviewDocument = {};
      try {
        doc = JSON.parse(r.stdout);
      } catch (e) {
        if (r.code === 0) throw e;
      }
      for (const s of doc.steps ?? []) step(s.op, s.urn, s.newState?.inputs);
      return {
        ...r,
        changes: doc.changeSummary ?? {},
        steps,
        stepTypes,
        warnings: (doc.diagnostics ?? []).filter((d) => d.severity === 'warning').map((d) => d.message.trim()),
        errors: (doc.diagnostics ?? []).filter((d) => d.severity === 'error').map((d) => d.message.trim()),
        inputs,
      };
    }
    // up and destroy print an engine event per line.
    const events: EngineEvent[] = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    for (const e of events) {
      const m = e.resOutputsEvent?.metadata;
      if (m) step(m.op, m.urn, m.new?.inputs);
    }
    const diagnostics = (severity: string) =>
      events.filter((e) => e.diagnosticEvent?.severity === severity).map((e) => e.diagnosticEvent!.message.trim());
    return {
      ...r,
      changes: events.find((e) => e.summaryEvent)?.summaryEvent?.resourceChanges ?? {},
      steps,
      stepTypes,
      warnings: diagnostics('warning'),
      errors: diagnostics('error'),
      inputs,
    };
  }
}
