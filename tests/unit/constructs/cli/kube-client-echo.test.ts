import { PROCESS_BUDGET_MS } from '../../support/budgets';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { Server, createServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CLI, exampleInput } from '../../support/helpers';
import { localhostCertificate } from '../../support/tls';

/**
 * A server may echo the request's Authorization header in its error body (a proxy's debug page, a hostile API server).
 * Redaction knows the credentials of the kubeconfig in use, whatever their shape, so profile, verify and rotate never
 * print them: a static token and a password look like any word, which no pattern can tell from the rest.
 */
jest.setTimeout(60_000);

const work = fs.mkdtempSync(join(tmpdir(), 'amc-echo-'));
let server: Server;
let port = 0;
let ca = '';
const seen: string[] = [];

beforeAll(async () => {
  const { key, cert } = localhostCertificate();
  ca = cert.toString('base64');
  server = createServer({ key, cert }, (req, res) => {
    seen.push(String(req.headers.authorization));
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ kind: 'Status', message: `denied: you sent Authorization: ${req.headers.authorization}` }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());
beforeEach(() => (seen.length = 0));

/** Runs the built CLI without blocking this process, which serves its requests. */
const cliAsync = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });

function kubeconfigWith(name: string, user: Record<string, unknown>): string {
  const file = join(work, `${name}.kubeconfig`);
  const cluster = { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': ca };
  fs.writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
      contexts: ['cluster-0', 'cluster-1'].map((n) => ({ name: n, context: { cluster: 'c', user: 'u' } })),
      'current-context': 'cluster-0',
    }),
  );
  return file;
}

const topology = join(work, 'topology.yaml');
beforeAll(() => {
  const input = exampleInput();
  input.remotes[0].tokenGeneration = 1;
  fs.writeFileSync(topology, stringify(input));
});

const TOKEN = 'static-token-of-the-admin-4242';
const PASSWORD = 'correct-horse-battery';
const BASIC = Buffer.from(`admin:${PASSWORD}`).toString('base64');
const hidden = (s: string) => `(${s.length} characters hidden: a credential of the kubeconfig in use)`;

// Each: the kubeconfig user, what the server echoes as it is shown, and the strings that must not appear anywhere.
const USERS: [string, Record<string, unknown>, string, string[]][] = [
  ['a static token', { token: TOKEN }, hidden(`Bearer ${TOKEN}`), [TOKEN]],
  ['a user name and password', { username: 'admin', password: PASSWORD }, `Basic ${hidden(BASIC)}`, [PASSWORD, BASIC]],
];
// Each: the command and the request its first answer (the echo) is the reply to.
const COMMANDS: [string, string[], string][] = [
  [
    'profile',
    ['profile', '-f', topology, '--remote', 'cluster-1'],
    'GET /api/v1/namespaces/default/secrets/argo.cluster-0.service-account-token.1 on cluster-1',
  ],
  [
    'verify',
    ['verify', '--context', 'cluster-0'],
    'GET /api/v1/namespaces/argo/secrets?labelSelector=workflows.argoproj.io%2Fcluster on cluster-0',
  ],
  [
    'rotate',
    ['rotate', '-f', topology, '--remote', 'cluster-1', '--no-wait'],
    'GET /api/v1/namespaces/argo/secrets/argo.cluster-1 on cluster-0',
  ],
];

describe.each(USERS)('a server echoing the Authorization header of %s', (name, user, shown, forbidden) => {
  test.each(COMMANDS)(
    '%s prints it hidden',
    async (_command, args, request) => {
      const file = kubeconfigWith(name.replace(/ /g, '-'), user);
      const before = fs.readdirSync(work).sort();
      const result = await cliAsync([...args, '--kubeconfig', file]);
      expect(seen.length).toBeGreaterThan(0); // verify asks twice at once, the others stop at the first answer
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: ${request}: 403 denied: you sent Authorization: ${shown}\n`,
      });
      for (const secret of forbidden) expect(result.stderr).not.toContain(secret);
      expect(fs.readdirSync(work).sort()).toEqual(before);
    },
    PROCESS_BUDGET_MS,
  );
});
