import { run } from '../../../constructs/cli/main';

/**
 * Runs the CLI in this process and collects what it writes: faster than a process per case, for tests that call it
 * hundreds of times. Commands that load ES modules (a kubeconfig login) need the built CLI as a process instead.
 */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { write: (t: string) => (stdout += t) }, { write: (t: string) => (stderr += t) });
  return { code, stdout, stderr };
}
