import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FleetOptions, parseFleetArgs } from '../../../../constructs/cli/fleet';
import { automationBackend } from '../../../../constructs/cli/fleet-pulumi';
import { runCli } from '../../support/in-process-cli';

// The program runs only once a stack does, which these tests never reach; loading it (and @pulumi/kubernetes) takes
// seconds.
jest.mock('../../../../stacks/program/program', () => ({ argoMultiClusterProgram: () => undefined }));

const work = mkdtempSync(join(tmpdir(), 'amc-fleet-pulumi-'));
const INSTALL =
  'install the Pulumi CLI (https://www.pulumi.com/docs/install/) or give --pulumi-root: fleet never downloads it';

const backend = (...flags: string[]) =>
  automationBackend(parseFleetArgs(['up', '--stack', 'p', '--work-dir', work, ...flags]) as FleetOptions);

/** A Pulumi install in `root` whose `pulumi` runs `script`. */
function pulumiRoot(name: string, script: string): string {
  const root = join(work, name);
  mkdirSync(join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'bin', 'pulumi'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(root, 'bin', 'pulumi'), 0o755);
  return root;
}

describe("the user's own Pulumi CLI, never downloaded", () => {
  test('none on PATH: the user is told where it was looked for (exit 1)', async () => {
    const path = process.env.PATH;
    // Node.js alone: no pulumi there.
    process.env.PATH = dirname(process.execPath);
    try {
      expect(await runCli(['fleet', 'up', '--stack', 'p', '--work-dir', work])).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: fleet: pulumi on PATH: not found; ${INSTALL}\n`,
      });
    } finally {
      process.env.PATH = path;
    }
  });

  test('none in --pulumi-root: the path looked at is named', async () => {
    const root = join(work, 'empty-root');
    await expect(backend('--pulumi-root', root)).rejects.toThrow(
      new Error(`fleet: ${join(root, 'bin', 'pulumi')} (--pulumi-root): not found; ${INSTALL}`),
    );
  });

  test("one too old: the Automation API's reason is passed on", async () => {
    const root = pulumiRoot('old', 'echo v3.0.0');
    await expect(backend('--pulumi-root', root)).rejects.toThrow(
      new Error(
        `fleet: ${join(root, 'bin', 'pulumi')} (--pulumi-root): Minimum version requirement failed. The minimum CLI version ` +
          `requirement is 3.2.0-alpha, your current CLI version is v3.0.0. Please update the Pulumi CLI.; ${INSTALL}`,
      ),
    );
  });
});
