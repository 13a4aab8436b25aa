import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, topologyFile } from '../../support/helpers';

describe('rotate on the command line', () => {
  const work = mkdtempSync(join(tmpdir(), 'amc-rotate-'));
  const file = (name: string, patch: (t: any) => void) => topologyFile(work, name, patch);

  test('--remote is required and must be a remote of the topology (exit 2)', () => {
    expect(cli(['rotate'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/rotate: --remote is required; valid values: cluster-1/),
    });
    expect(cli(['rotate', '--remote', 'x'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/rotate: --remote "x" is not in the topology/),
    });
    expect(cli(['rotate', '--remote', 'cluster-1', '--context', 'c'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/rotate: .*--context/),
    });
  });

  test('secrets.mode external is refused before any cluster is contacted (exit 2)', () => {
    const f = file('external', (t) => (t.secrets = { store: { name: 's' } }));
    const r = cli(['rotate', '-f', f, '--remote', 'cluster-1', '--kubeconfig', join(work, 'no-such-kubeconfig')]);
    expect(r.stderr).toMatch(/secrets\.mode "external" renders the profile of cluster-1 through external-secrets\.io/);
    expect(r.code).toBe(2);
  });

  test('is listed in the help', () => {
    expect(cli(['--help']).stdout).toMatch(/rotate {5}move one remote's profile to a new token/);
    expect(cli(['rotate', '--help']).stdout).toMatch(/only then deletes the token Secrets of other generations/);
  });
});
