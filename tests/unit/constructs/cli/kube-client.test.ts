import { PROCESS_BUDGET_MS } from '../../support/budgets';
import nodeChildProcess, { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import nodeFs from 'node:fs';
import { Server, createServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { connectWithKubeconfigText, kubeRequest } from '../../../../constructs/cli/kube-client';
import { CLI, cli, exampleInput } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { localhostCertificate } from '../../support/tls';

jest.setTimeout(60_000);

const work = fs.mkdtempSync(join(tmpdir(), 'amc-kube-client-'));
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.secret-token-value-0123456789';
const KEY = Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIEsecretkeymaterial\n-----END PRIVATE KEY-----\n').toString(
  'base64',
);

/** A profile kubeconfig whose user is `user`, as a hostile Secret in the cluster would carry it. */
function profileText(
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = { server: 'https://127.0.0.1:1', 'certificate-authority-data': 'Q0E=' },
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'c',
  });
}

describe('kubeconfigs read from a cluster are used with their inline data only', () => {
  const marker = join(work, 'exec-ran');
  // Reading this file would be a leak: every way of reading or opening it, and every way of starting a process, is
  // watched while the profile is parsed and used.
  const secretFile = join(work, 'local-secret');
  fs.writeFileSync(secretFile, 'local file content');
  const hostile: [string, Record<string, unknown>, Record<string, unknown> | undefined, string][] = [
    ['tokenFile', { tokenFile: secretFile }, undefined, 'users[0].user.tokenFile is a file reference'],
    [
      'client-certificate',
      { 'client-certificate': secretFile, 'client-key-data': KEY },
      undefined,
      'users[0].user.client-certificate is a file reference',
    ],
    [
      'client-key',
      { 'client-certificate-data': 'Q0VSVA==', 'client-key': secretFile },
      undefined,
      'users[0].user.client-key is a file reference',
    ],
    [
      'certificate-authority',
      { token: TOKEN },
      { server: 'https://127.0.0.1:1', 'certificate-authority': secretFile },
      'clusters[0].cluster.certificate-authority is a file reference',
    ],
    [
      'exec',
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', `touch ${marker}`] } },
      undefined,
      'users[0].user.exec is an exec plugin',
    ],
    [
      'auth-provider',
      { 'auth-provider': { name: 'oidc', config: { 'id-token': TOKEN } } },
      undefined,
      'users[0].user.auth-provider is an auth provider',
    ],
    ['impersonation', { token: TOKEN, as: 'system:admin' }, undefined, 'users[0].user.as is not supported'],
    [
      'two at once',
      { token: TOKEN, tokenFile: secretFile },
      { server: 'https://127.0.0.1:1', proxy: 'http://p' },
      'clusters[0].cluster.proxy is not supported; users[0].user.tokenFile is a file reference',
    ],
  ];

  // The modules themselves, not the copies `import * as` makes, are what the client calls into.
  const realFs = nodeFs as unknown as Record<string, unknown> & { promises: Record<string, unknown> };
  const realChildProcess = nodeChildProcess as unknown as Record<string, unknown>;
  let watched: [string, jest.SpyInstance][] = [];
  const watch = (label: string, target: Record<string, unknown>, names: string[]) =>
    names.map((n): [string, jest.SpyInstance] => [`${label}.${n}`, jest.spyOn(target as any, n)]);
  beforeEach(() => {
    watched = [
      ...watch('fs', realFs, [
        'readFileSync',
        'readFile',
        'openSync',
        'open',
        'createReadStream',
        'statSync',
        'existsSync',
        'accessSync',
      ]),
      ...watch('fs.promises', realFs.promises, ['readFile', 'open']),
      ...watch('child_process', realChildProcess, [
        'spawn',
        'spawnSync',
        'exec',
        'execSync',
        'execFile',
        'execFileSync',
        'fork',
      ]),
    ];
  });
  afterEach(() => watched.forEach(([, s]) => s.mockRestore()));
  const calls = () =>
    watched
      .filter(([, s]) => s.mock.calls.length > 0)
      .map(([label, s]) => `${label}(${JSON.stringify(s.mock.calls[0])})`);

  test.each(hostile)(
    '%s is refused, naming the profile and the field, and nothing is read or started',
    (_name, user, cluster, problems) => {
      let message = '';
      try {
        connectWithKubeconfigText(profileText(user, cluster), 'profile argo/argo.rogue');
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe(
        `profile argo/argo.rogue: ${problems}. A kubeconfig read from a cluster is used with its inline data only ` +
          '(server, certificate-authority-data, insecure-skip-tls-verify, tls-server-name, token, client-certificate-data, client-key-data): ' +
          'files it names are never read and plugins never run',
      );
      expect(calls()).toEqual([]);
      expect(fs.existsSync(marker)).toBe(false);
    },
  );

  test(
    'an inline profile is used as written: its token and CA reach the server',
    async () => {
      const { key, cert } = localhostCertificate();
      let seen: string | undefined;
      const server = createServer({ key, cert }, (req, res) => {
        seen = req.headers.authorization;
        res.setHeader('content-type', 'application/json');
        res.end('{"kind":"Status","ok":true}');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as AddressInfo).port;
        const conn = connectWithKubeconfigText(
          profileText(
            { token: TOKEN },
            { server: `https://127.0.0.1:${port}/`, 'certificate-authority-data': cert.toString('base64') },
          ),
          'profile p',
        );
        watched.forEach(([, s]) => s.mockClear());
        expect(conn.server).toBe(`https://127.0.0.1:${port}`);
        expect(await kubeRequest(conn, 'GET', '/version')).toEqual({ kind: 'Status', ok: true });
        expect(seen).toBe(`Bearer ${TOKEN}`);
        expect(calls()).toEqual([]);
      } finally {
        server.close();
      }
    },
    PROCESS_BUDGET_MS,
  );
});

describe('a kubeconfig that fails to parse never shows its credentials', () => {
  // The line that breaks the YAML holds the token; the key is on the line before it.
  const broken = `apiVersion: v1\nusers:\n- name: u\n  user:\n    client-key-data: ${KEY}\n    token: ${TOKEN}: [\n`;

  test('a profile read from a cluster', () => {
    let message = '';
    try {
      connectWithKubeconfigText(broken, 'profile argo/argo.c');
    } catch (e) {
      message = (e as Error).message;
    }
    // The position of the token, without the token, the key on the line before it, or any part of them.
    expect(message).toBe(
      'profile argo/argo.c is not valid YAML (BLOCK_AS_IMPLICIT_KEY at line 6, column 12); its text is not shown because it may hold credentials',
    );
  });

  // The library's reader is an ES module, which only the CLI as a process loads.
  test(
    "YAML the library's reader refuses (a key given twice) is reported by position only",
    () => {
      const file = join(work, 'duplicate-key-kubeconfig');
      fs.writeFileSync(file, `users:\n- name: u\n  user:\n    token: ${TOKEN}\n    token: ${TOKEN}x\n`);
      expect(cli(['verify', '--context', 'c', '--kubeconfig', file])).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: kubeconfig ${file} is not valid YAML (at line 5, column 5); its text is not shown because it may hold credentials\n`,
      });
    },
    PROCESS_BUDGET_MS,
  );

  test('the user kubeconfig of profile, verify and plain-mode synth', async () => {
    const file = join(work, 'broken-kubeconfig');
    fs.writeFileSync(file, broken);
    const topology = join(work, 'plain.yaml');
    fs.writeFileSync(topology, stringify({ ...exampleInput(), secrets: { mode: 'plain' } }));
    const notValid = `error: kubeconfig ${file} is not valid YAML (BLOCK_AS_IMPLICIT_KEY at line 6, column 12); its text is not shown because it may hold credentials\n`;
    // A library's console output would bypass the CLI's streams and reach the terminal all the same.
    const direct = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => jest.spyOn(console, m));
    try {
      for (const [args, stderr] of [
        [['profile', '--remote', 'cluster-1', '--kubeconfig', file], notValid],
        [['verify', '--context', 'c', '--kubeconfig', file], notValid],
        [
          ['synth', '-f', topology, '-o', join(work, 'out'), '--kubeconfig', file],
          `warning: secrets.mode "plain" writes the remote bearer tokens into the output in clear; never commit it unencrypted\n${notValid}`,
        ],
      ] as const) {
        expect([args[0], await runCli([...args])]).toEqual([args[0], { code: 1, stdout: '', stderr }]);
      }
      expect(direct.filter((spy) => spy.mock.calls.length > 0)).toEqual([]);
    } finally {
      direct.forEach((spy) => spy.mockRestore());
    }
  });
});

describe('the user kubeconfig goes through @kubernetes/client-node (loaded as the ES module it is)', () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];
  const accepts = new Map<string, string>();
  let ca = '';

  beforeAll(async () => {
    const { key, cert } = localhostCertificate();
    ca = cert.toString('base64');
    // Answers like an API server without any profile Secret, recording the credentials each request carried.
    server = createServer({ key, cert }, (req, res) => {
      seen.push(String(req.headers.authorization));
      accepts.set(String(req.url), String(req.headers.accept));
      res.setHeader('content-type', 'application/json');
      res.end('{"kind":"SecretList","items":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());
  beforeEach(() => (seen.length = 0));

  const NO_PROFILES = {
    code: 1,
    stdout: 'no profile Secrets (label workflows.argoproj.io/cluster) in namespace argo\n',
    stderr: '',
  };

  /** Runs the CLI without blocking this process, which serves its requests. */
  const cliAsync = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
  const kubeconfigWith = (dir: string, user: Record<string, unknown>) => {
    fs.mkdirSync(dir, { recursive: true });
    const file = join(dir, 'config');
    fs.writeFileSync(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': ca } }],
        users: [
          { name: 'u', user },
          { name: 'unused', user: { tokenFile: 'never-read' } },
        ],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
    );
    return file;
  };

  test(
    'an exec plugin runs and the token of its ExecCredential is sent',
    async () => {
      const dir = join(work, 'exec');
      const log = join(work, 'exec-log');
      const plugin = join(work, 'plugin.sh');
      fs.writeFileSync(
        plugin,
        `#!/bin/sh\necho "$PLUGIN_ARG" >> "${log}"\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-exec"}}'\n`,
        { mode: 0o755 },
      );
      const file = kubeconfigWith(dir, {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: plugin,
          env: [{ name: 'PLUGIN_ARG', value: 'called' }],
        },
      });
      expect(await cliAsync(['verify', '--context', 'c', '--kubeconfig', file])).toEqual(NO_PROFILES);
      // The audit's search and the list of profiles.
      expect(seen).toEqual(['Bearer from-exec', 'Bearer from-exec']);
      // The cluster-wide search for labelled Secrets asks for their metadata only, never their data.
      expect(accepts.get('/api/v1/secrets?labelSelector=workflows.argoproj.io%2Fcluster')).toBe(
        'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json',
      );
      // Once per request: a credential without an expiry is not cached.
      expect(fs.readFileSync(log, 'utf8')).toBe('called\n'.repeat(seen.length));
    },
    PROCESS_BUDGET_MS,
  );

  test(
    "the tokenFile of the context's user is read relative to the kubeconfig, as kubectl does; other users' are not",
    async () => {
      const dir = join(work, 'token-file');
      const file = kubeconfigWith(dir, { tokenFile: 'token' });
      fs.writeFileSync(join(dir, 'token'), 'from-file\n');
      expect(await cliAsync(['verify', '--context', 'c', '--kubeconfig', file])).toEqual(NO_PROFILES);
      expect(seen).toEqual(['Bearer from-file', 'Bearer from-file']);
      const token = join(dir, 'token');
      fs.rmSync(token);
      expect(await cliAsync(['verify', '--context', 'c', '--kubeconfig', file])).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: kubeconfig user "u": cannot read its tokenFile ${token}: ENOENT: no such file or directory, open '${token}'\n`,
      });
      expect(await cliAsync(['verify', '--context', 'nope', '--kubeconfig', file])).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: kube context "nope" is not in ${file} (known: c)\n`,
      });
    },
    PROCESS_BUDGET_MS,
  );
});
