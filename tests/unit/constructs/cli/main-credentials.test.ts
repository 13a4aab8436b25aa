import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../support/in-process-cli';
import { topologyFile } from '../../support/output-helpers';

/**
 * No credential in anything written: a repository URL with user information, a value another tool's template would
 * expand (`{{`), and an artifact Secret that is the controller's own token are refused with exit 2 and a message
 * naming the field, the value (redacted) and what is valid; nothing is written.
 */
const work = mkdtempSync(join(tmpdir(), 'amc-credentials-'));
const GITOPS = 'error: GitOps options is invalid:\n';
const CREDENTIALS =
  "holds credentials (the user information before @), which would be written into argocd/ and flux/; give the URL without them and the credentials to the tools' own Secrets (an Argo CD repository Secret, Flux's GitRepository spec.secretRef)";
const BRACES =
  'holds "{{" or "}}", which the ApplicationSet template would expand; no git URL, path or revision needs them';
const TOKEN_SECRET =
  "is a controller identity's token Secret, which this package writes (argo.cluster-0.service-account-token and its generations): every workflow pod would get the controller's token; name an artifact repository Secret of your own";

const synth =
  (...flags: string[]) =>
  (out: string) => ['synth', '--example', '-o', out, '--repo-path', 'dist', ...flags];
const file = (name: string, patch: (t: any) => void) => topologyFile(work, name, patch);

const cases: [string, (out: string) => string[], number, string][] = [
  [
    'https://user:token@ in --repo',
    synth('--flux', '--repo', 'https://me:ghp_abcdefghijklmnop1234@github.com/me/fleet.git'),
    2,
    `${GITOPS}  - --repo: "(59 characters hidden: this looks like a credential)" ${CREDENTIALS}\n`,
  ],
  [
    'https://token@ in --repo',
    synth('--argocd', 'applications', '--repo', 'https://x-access-token@github.com/me/fleet.git'),
    2,
    `${GITOPS}  - --repo: "https://(credentials hidden)@github.com/me/fleet.git" ${CREDENTIALS}\n`,
  ],
  [
    'ssh://user:password@ in --repo',
    synth('--flux', '--repo', 'ssh://git:hunter2@github.com/me/fleet.git'),
    2,
    `${GITOPS}  - --repo: "ssh://(credentials hidden)@github.com/me/fleet.git" ${CREDENTIALS}\n`,
  ],
  [
    '{{ in --repo',
    synth('--argocd', 'applicationset', '--repo', 'https://github.com/{{.cluster}}/fleet.git'),
    2,
    `${GITOPS}  - --repo: "https://github.com/{{.cluster}}/fleet.git" ${BRACES}\n`,
  ],
  [
    '{{ in --revision',
    synth('--argocd', 'applicationset', '--repo', 'https://github.com/me/fleet.git', '--revision', 'main{{x}}'),
    2,
    `${GITOPS}  - --revision: "main{{x}}" ${BRACES}\n`,
  ],
  [
    '{{ in --overlay',
    synth(
      '--argocd',
      'applicationset',
      '--repo',
      'https://github.com/me/fleet.git',
      '--overlay',
      'cluster-0=o/{{.path}}',
    ),
    2,
    `${GITOPS}  - --overlay: "cluster-0=o/{{.path}}" ${BRACES}\n`,
  ],
  [
    '{{ in a server URL (the ExternalSecret template of external mode)',
    () => [
      'validate',
      '-f',
      file('external-braces', (t) => {
        t.remotes[0].server = 'https://10.0.1.10:6443/{{.token}}';
        t.secrets = { mode: 'external', store: { name: 'vault', kind: 'ClusterSecretStore' } };
      }),
    ],
    2,
    `error: ${join(work, 'external-braces.yaml')} is invalid:\n  - remotes[0].server: "https://10.0.1.10:6443/{{.token}}" holds "{{" or "}}", which the ExternalSecret template would expand; write a brace in a path as %7B or %7D\n`,
  ],
  [
    "artifactSecrets naming the controller identity's token Secrets",
    () => [
      'validate',
      '-f',
      file(
        'artifact-token',
        (t) =>
          (t.remotes[0].artifactSecrets = [
            'argo.cluster-0.service-account-token',
            'argo.other.service-account-token.3',
            's3',
          ]),
      ),
    ],
    2,
    `error: ${join(work, 'artifact-token.yaml')} is invalid:\n  - remotes[0].artifactSecrets[0]: "argo.cluster-0.service-account-token" ${TOKEN_SECRET}\n  - remotes[0].artifactSecrets[1]: "argo.other.service-account-token.3" ${TOKEN_SECRET}\n`,
  ],
  [
    // The CLI's own refusals quote the flag value as given; only the last guard before printing hides it.
    'a token given as --remote is not printed back',
    () => ['profile', '--remote', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig'],
    2,
    'error: profile: --remote "(40 characters hidden: this looks like a credential)" is not in the topology; valid values: cluster-1\n',
  ],
  [
    'a token given as --argocd is not printed back',
    synth('--argocd', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig', '--repo', 'https://github.com/me/fleet.git'),
    2,
    'error: synth: --argocd "(40 characters hidden: this looks like a credential)" is not valid; valid values: applications, applicationset\n',
  ],
  [
    'a token given to fleet is not printed back',
    () => ['fleet', 'preview', '--stack', 'dev', '--parallel', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig'],
    2,
    'error: fleet preview: --parallel: "(40 characters hidden: this looks like a credential)" must be an integer from 1 to 1024\n',
  ],
];

describe('refused, with nothing written', () => {
  test.each(cases)('%s', async (_name, args, code, stderr) => {
    const out = join(work, `out-${_name.replace(/\W+/g, '-')}`);
    expect(existsSync(out)).toBe(false);
    expect(await runCli(args(out))).toEqual({ code, stdout: '', stderr });
    expect(existsSync(out)).toBe(false);
  });
});

describe('accepted', () => {
  test('ssh://git@ names a user, not a credential; the scp form is written for Flux as ssh://', async () => {
    const out = join(work, 'ssh');
    const r = await runCli(synth('--flux', '--argocd', 'applicationset', '--repo', 'git@github.com:me/fleet.git')(out));
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(readFileSync(join(out, 'flux', 'cluster-0', 'sync.yaml'), 'utf8')).toContain(
      '  url: ssh://git@github.com/me/fleet.git\n',
    );
    expect(readFileSync(join(out, 'argocd', 'applicationset.yaml'), 'utf8')).toContain(
      'repoURL: git@github.com:me/fleet.git',
    );
    expect(
      (await runCli(synth('--flux', '--repo', 'ssh://git@github.com/me/fleet.git')(join(work, 'ssh2')))).code,
    ).toBe(0);
  });

  test('git:// with --flux is refused: Flux takes http, https and ssh', async () => {
    expect(await runCli(synth('--flux', '--repo', 'git://github.com/me/fleet.git')(join(work, 'git')))).toEqual({
      code: 2,
      stdout: '',
      stderr: `${GITOPS}  - --repo: "git://github.com/me/fleet.git" is a git:// URL, which Flux's GitRepository refuses; give https:// or ssh://\n`,
    });
  });
});
