import { PROCESS_BUDGET_MS } from '../support/budgets';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/helpers';

// tools/build.sh before it builds the language host: the archive is checked first, and a bad one stops the toolchain
// with the reason and leaves no binary. The binaries built before it stand in a cache of their own as stubs, so
// nothing here compiles.
const SCRIPT = join(ROOT, 'tools', 'build.sh');

/** A toolchain cache whose earlier binaries are present; returns the cache root and its bin folder. */
function cacheWithStubs(): { root: string; bin: string } {
  const root = mkdtempSync(join(tmpdir(), 'amc-toolchain-'));
  const key =
    /readonly K8S_VERSION=(\S+)[\s\S]*readonly PULUMI_VERSION=(\S+)[\s\S]*readonly PROVIDER_VERSION=(\S+)/.exec(
      readFileSync(SCRIPT, 'utf8'),
    )!;
  const bin = join(root, `k8s-${key[1]}_pulumi-${key[2]}_provider-${key[3]}`, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'pulumi', 'pulumi-resource-kubernetes']) {
    writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, name), 0o755);
  }
  return { root, bin };
}

function build(env: Record<string, string>) {
  const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stderr: r.stderr };
}

describe('tools/build.sh and the language host archive', () => {
  test(
    'a missing archive stops it, naming the path',
    () => {
      const { root, bin } = cacheWithStubs();
      const archive = join(root, 'missing.tar.gz');
      const r = build({ ARGO_MC_TOOLCHAIN_CACHE: root, ARGO_MC_LANGUAGE_HOST_ARCHIVE: archive });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `toolchain: ERROR: the Pulumi Node.js language host source archive is missing: ${archive}\n`,
      );
      expect(existsSync(join(bin, 'pulumi-language-nodejs'))).toBe(false);
    },
    PROCESS_BUDGET_MS,
  );

  test(
    'an archive with another checksum stops it before anything is unpacked or built',
    () => {
      const { root, bin } = cacheWithStubs();
      const archive = join(root, 'planted.tar.gz');
      const planted = 'not the language host\n';
      writeFileSync(archive, planted);
      const r = build({ ARGO_MC_TOOLCHAIN_CACHE: root, ARGO_MC_LANGUAGE_HOST_ARCHIVE: archive });
      expect(r.code).toBe(1);
      const sum = createHash('sha256').update(planted).digest('hex');
      expect(r.stderr).toContain(
        `toolchain: ERROR: ${archive} has sha256 ${sum}, expected 6c9817c943511e2faae96486b8eeb54a5a1fded0323a6a1f2cff9242ec2009e3\n`,
      );
      expect(readdirSync(bin).sort()).toEqual([
        'etcd',
        'kube-apiserver',
        'kube-controller-manager',
        'pulumi',
        'pulumi-resource-kubernetes',
      ]);
    },
    PROCESS_BUDGET_MS,
  );
});
