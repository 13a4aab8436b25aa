import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder of the built tools: `$ARGO_MC_TOOLCHAIN_BIN`, else what `tools/build.sh` prints (seconds when cached,
 * a cold build otherwise). A missing toolchain fails the tests loudly: they are never skipped.
 */
export function toolchainBinDir(): string {
  if (process.env.ARGO_MC_TOOLCHAIN_BIN) return process.env.ARGO_MC_TOOLCHAIN_BIN;
  const script = buildScript();
  try {
    return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .pop()!;
  } catch (e) {
    throw new Error(
      `the integration tests need the toolchain of tools/build.sh, and it failed: ${(e as Error).message}`,
    );
  }
}

/** kubectl is on the machine image; its absence is a setup error the tests report, not a reason to skip. */
export function kubectl(kubeconfig: string, context: string, args: string[], input?: string): string {
  return execFileSync('kubectl', ['--kubeconfig', kubeconfig, '--context', context, ...args], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** `kubectl auth can-i ARGS` in a cluster: `yes` or `no` (which kubectl answers with exit status 1). */
export function kubectlCanI(kubeconfig: string, context: string, args: string[]): string {
  try {
    return kubectl(kubeconfig, context, ['auth', 'can-i', ...args]).trim();
  } catch (e: any) {
    if (e.status === 1 && String(e.stdout).trim() === 'no') return 'no';
    throw e;
  }
}

/** `tools/build.sh`, found upwards: the harness also runs compiled into lib/ (for the fleet benchmark). */
function buildScript(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const script = join(dir, 'tools', 'build.sh');
    if (existsSync(script)) return script;
    if (dirname(dir) === dir) throw new Error(`tools/build.sh is not in ${__dirname} or any folder above it`);
  }
}
