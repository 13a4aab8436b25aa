/**
 * An offline Pulumi setup for the integration tests: the CLI and Kubernetes
 * provider built by `tools/build.sh`, a private PULUMI_HOME and a local file
 * backend, so no run touches the network, the Pulumi Cloud or the user's own
 * `~/.pulumi`.
 *
 * @packageDocumentation
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * The provider version the plugin is installed as. It must equal the `pulumi.version`
 * in `@pulumi/kubernetes`'s package.json, because the SDK asks the engine for exactly
 * that version and automatic plugin download is off.
 */
export const KUBERNETES_PROVIDER_VERSION = '4.25.0';

/** Options of {@link preparePulumiEnv}. */
export interface PulumiEnvOptions {
  /** Folder holding `pulumi` and `pulumi-resource-kubernetes` (the last line of `tools/build.sh`). */
  binDir: string;
  /** Folder to use as PULUMI_HOME (plugins, workspace settings); created if missing. */
  homeDir: string;
  /** Folder of the file backend (stack state); created if missing. Default `<homeDir>/backend`. */
  backendDir?: string;
  /**
   * Whether the install holds the Node.js language host, which only `pulumi` on a Pulumi.yaml needs (an inline
   * program of the Automation API runs in its own process). Default true.
   */
  languageHost?: boolean;
}

/**
 * Prepares `homeDir` as an offline PULUMI_HOME, installs the locally built Kubernetes
 * provider into it as version {@link KUBERNETES_PROVIDER_VERSION}, and returns the
 * environment variables to run Pulumi with.
 *
 * The result is a complete environment (it starts from `process.env`) with a Pulumi install
 * first on PATH laid out as a real one is: `<homeDir>/bin` holding `pulumi` and its Node.js
 * language host (hard links to the built ones), and the provider as a plugin only. (With the
 * whole toolchain folder on PATH, pulumi would warn on every run that it takes the provider
 * from $PATH.) Pass it as
 * `envVars` of a `LocalWorkspace`; `PulumiCommand.get({ root: path.dirname(binDir) })`
 * also finds the same CLI.
 *
 * @example
 * ```ts
 * const env = await preparePulumiEnv({ binDir, homeDir: path.join(workDir, "pulumi-home") });
 * const stack = await LocalWorkspace.createOrSelectStack(
 *   { stackName: "test", projectName: "argo-mc", program },
 *   { envVars: env, projectSettings: { name: "argo-mc", runtime: "nodejs", backend: { url: env.PULUMI_BACKEND_URL } } },
 * );
 * ```
 */
export async function preparePulumiEnv(opts: PulumiEnvOptions): Promise<Record<string, string>> {
  const binDir = path.resolve(opts.binDir);
  const homeDir = path.resolve(opts.homeDir);
  const backendDir = path.resolve(opts.backendDir ?? path.join(homeDir, 'backend'));
  const pulumi = path.join(binDir, 'pulumi');
  const languageHost = path.join(binDir, 'pulumi-language-nodejs');
  const providerBinary = path.join(binDir, 'pulumi-resource-kubernetes');
  for (const file of [pulumi, languageHost, providerBinary]) {
    try {
      await fs.access(file, fsConstants.X_OK);
    } catch {
      throw new Error(`preparePulumiEnv: ${file} is missing or not executable; run tools/build.sh`);
    }
  }
  await fs.mkdir(homeDir, { recursive: true });
  await fs.mkdir(backendDir, { recursive: true });
  const installDir = path.join(homeDir, 'bin');
  await fs.mkdir(installDir, { recursive: true });
  for (const file of opts.languageHost === false ? [pulumi] : [pulumi, languageHost]) {
    const to = path.join(installDir, path.basename(file));
    await fs.rm(to, { force: true });
    // pulumi finds its language hosts beside the file it runs from, so a symlink (resolved) would not do.
    await fs.link(file, to).catch(() => fs.copyFile(file, to));
  }

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // A caller's own Pulumi settings (a cloud token, another backend, a
    // passphrase file) must not leak into an offline test run.
    if (v !== undefined && !k.startsWith('PULUMI_')) env[k] = v;
  }
  Object.assign(env, {
    PATH: [installDir, process.env['PATH']].filter(Boolean).join(path.delimiter),
    PULUMI_HOME: homeDir,
    PULUMI_BACKEND_URL: pathToFileURL(backendDir).href,
    // The file backend encrypts secrets with a passphrase; an empty one is allowed.
    PULUMI_CONFIG_PASSPHRASE: '',
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    // A missing plugin is then an immediate error instead of a download attempt.
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
  });

  try {
    await execFileAsync(
      pulumi,
      ['plugin', 'install', 'resource', 'kubernetes', KUBERNETES_PROVIDER_VERSION, '--file', providerBinary],
      { env, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `preparePulumiEnv: installing the kubernetes provider plugin failed: ${e.stderr || e.stdout || e.message}`,
    );
  }
  return env;
}
