import { CommandError, EngineEvent, LocalWorkspace, PulumiCommand, Stack } from '@pulumi/pulumi/automation';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { argoMultiClusterProgram } from '../../stacks/program/program';
import { PROJECT } from '../../stacks/program/stack-names';
import type { ConfigValue, FleetAction, FleetBackend, FleetOptions, StackRunResult } from './fleet';

/** The project name a fleet's stacks get when the work dir has no Pulumi.yaml: that of this package's own. */

/** The user's own Pulumi CLI: from `root`, else from PATH. Never installed or downloaded here. */
async function pulumiCommand(root: string | undefined): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get(root ? { root } : undefined);
  } catch (e) {
    const where = root ? `${join(root, 'bin', 'pulumi')} (--pulumi-root)` : 'pulumi on PATH';
    // The Automation API reports a missing executable as exit code -2 (ENOENT).
    const first = (e as Error).message.split('\n')[0];
    const why = /^code: -2\b/.test(first) ? 'not found' : first;
    throw new Error(
      `fleet: ${where}: ${why}; install the Pulumi CLI (https://www.pulumi.com/docs/install/) or give --pulumi-root: fleet never downloads it`,
    );
  }
}

/** The stack name without organization and project, as `pulumi stack ls` may qualify it. */
const bare = (name: string) => name.replace(/^.*\//, '');

/** One line per resource change and per warning or error, as the engine reports them. */
function progressOf(action: FleetAction, progress: (line: string) => void, errors: string[]): (e: EngineEvent) => void {
  return (e) => {
    const step = action === 'preview' ? e.resourcePreEvent?.metadata : e.resOutputsEvent?.metadata;
    if (step && step.op !== 'same' && step.op !== 'read' && !step.type.startsWith('pulumi:'))
      progress(`${step.op} ${step.urn.split('::').pop()}`);
    const d = e.diagnosticEvent;
    if (d && (d.severity === 'error' || d.severity === 'warning')) {
      const message = d.message.trim();
      progress(`${d.severity}: ${message}`);
      if (d.severity === 'error') errors.push(message.split('\n')[0]);
    }
  };
}

/** The fleet's stacks through the Automation API, with the package's program inline. */
export async function automationBackend(opts: FleetOptions): Promise<FleetBackend> {
  const hasProject = ['Pulumi.yaml', 'Pulumi.yml', 'Pulumi.json'].some((f) => existsSync(join(opts.workDir, f)));
  const ws = await LocalWorkspace.create({
    workDir: opts.workDir,
    pulumiCommand: await pulumiCommand(opts.pulumiRoot),
    program: argoMultiClusterProgram,
    // A Pulumi.yaml the user has is kept as it is; the program is inline either way.
    ...(hasProject ? {} : { projectSettings: { name: PROJECT, runtime: 'nodejs' as const } }),
  });
  const exists = async (stack: string) => (await ws.listStacks()).some((s) => bare(s.name) === bare(stack));
  // Selecting a stack writes the workspace's current-stack file; one at a time keeps concurrent runs from racing on it.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const result = queue.then(f);
    queue = result.catch(() => undefined);
    return result;
  };
  return {
    prepare: (stack, config: Readonly<Record<string, ConfigValue>>) =>
      serial(async () => {
        const s = await Stack.createOrSelect(stack, ws);
        await s.setAllConfig(
          Object.fromEntries(
            Object.entries(config).map(([k, v]) => [k, { value: v.value, secret: v.secret ?? false }]),
          ),
          true,
        );
      }),
    async run(stack, action, progress): Promise<StackRunResult> {
      if (action === 'destroy' && !(await exists(stack))) return { changes: {} };
      const s = await serial(() => Stack.select(stack, ws));
      const errors: string[] = [];
      const onEvent = progressOf(action, progress, errors);
      try {
        if (action === 'preview') return { changes: (await s.preview({ onEvent, color: 'never' })).changeSummary };
        if (action === 'destroy')
          return { changes: (await s.destroy({ onEvent, color: 'never' })).summary.resourceChanges ?? {} };
        const result = await s.up({ onEvent, color: 'never' });
        // Secret outputs stay hidden: only the summary reads outputs, and it prints them.
        const outputs = Object.fromEntries(
          Object.entries(result.outputs).map(([k, o]) => [k, o.secret ? '[secret]' : o.value]),
        );
        return { changes: result.summary.resourceChanges ?? {}, outputs };
      } catch (e) {
        const first = e instanceof CommandError ? undefined : (e as Error).message.split('\n')[0];
        throw new Error(
          [...new Set(errors.filter((m) => !/^update failed$|^preview failed$|^destroy failed$/.test(m)))].join(
            ' | ',
          ) ||
            first ||
            `${action} failed`,
        );
      }
    },
    list: async () => (await ws.listStacks()).map((s) => bare(s.name)),
    async part(stack) {
      try {
        return (await ws.getConfig(stack, 'argo-multicluster:part')).value;
      } catch {
        return undefined;
      }
    },
    async outputs(stack) {
      const outputs = await (await serial(() => Stack.select(stack, ws))).outputs();
      return Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret ? '[secret]' : o.value]));
    },
    remove: (stack) => serial(() => ws.removeStack(stack)),
  };
}
