import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '../../../../constructs/cli/main';
import { exampleInput } from '../../support/helpers';

/**
 * Credentials pasted into any field of a topology (or under a field of their own) never come back in an error: the
 * output of a failed `validate` or `synth` lands in CI logs.
 */

const work = mkdtempSync(join(tmpdir(), 'amc-secrets-'));

// Each: a credential as users paste it, and the part of it that must never be printed.
const SECRETS: [string, string, string][] = [
  [
    'a ServiceAccount token (JWT)',
    'eyJhbGciOiJSUzI1NiIsImtpZCI6IkFCQyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXJnbzphcmdvIn0.U2lnbmF0dXJlT2ZUaGVUb2tlbg',
    'eyJhbGciOiJSUzI1NiIsImtpZCI6IkFCQyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXJnbzphcmdvIn0.U2lnbmF0dXJlT2ZUaGVUb2tlbg',
  ],
  [
    'a PEM private key',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAqSecretKeyMaterial0123456789\n-----END RSA PRIVATE KEY-----\n',
    'MIIEowIBAAKCAQEAqSecretKeyMaterial0123456789',
  ],
  [
    'base64 client key data',
    'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND',
    'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND',
  ],
  ['a password in a URL', 'https://admin:Hunter2Passw0rd@cluster-1.example.com:6443', 'Hunter2Passw0rd'],
  ['a password in a URL with a space', 'https://admin:Hunter2 Passw0rd@cluster 1', 'Hunter2 Passw0rd'],
  ['a bootstrap token', 'abcdef.0123456789abcdef', 'abcdef.0123456789abcdef'],
];

/** Whether `text` holds any 10 characters in a row of `secret`. */
function leaks(text: string, secret: string): boolean {
  const lines = secret.split('\n').filter((l) => l.length > 0);
  return lines.some((line) => {
    for (let i = 0; i + 10 <= line.length; i++) if (text.includes(line.slice(i, i + 10))) return true;
    return line.length < 10 && text.includes(line);
  });
}

/** A topology with every field set, so that every field can carry the credential. */
function full(): any {
  const t: any = exampleInput();
  t.local.createNamespace = true;
  t.local.controller.imagePullPolicy = 'IfNotPresent';
  t.local.controller.namespaced = false;
  t.local.controller.config.instanceID = 'mc';
  t.local.controller.config.podGCDeleteDelayDuration = '5s';
  t.local.controller.config.executor = { imagePullPolicy: 'IfNotPresent' };
  t.remotes[0].insecureSkipTLSVerify = false;
  t.remotes[0].createNamespaces = true;
  t.remotes[0].secretStore = { name: 'store', kind: 'SecretStore', key: 'argo-{remote}', refreshInterval: '1h' };
  t.secrets = {
    mode: 'external',
    store: { name: 'vault', kind: 'ClusterSecretStore', key: 'argo/{remote}', refreshInterval: '1h' },
  };
  return t;
}

/** The path of every field of `value`, containers included. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [...(prefix.length ? [prefix] : []), ...keys.flatMap((k) => paths((value as any)[k], [...prefix, k]))];
}

function set(root: any, path: (string | number)[], value: unknown): void {
  let cur = root;
  for (const k of path.slice(0, -1)) cur = cur[k];
  cur[path[path.length - 1]] = value;
}

async function both(file: string): Promise<{ codes: number[]; output: string }> {
  let output = '';
  const sink = { write: (s: string) => (output += s) };
  const codes = [
    await run(['validate', '-f', file], sink, sink),
    await run(['synth', '-f', file, '-o', join(work, 'out')], sink, sink),
  ];
  return { codes, output };
}

const FIELDS = paths(full());

describe.each(SECRETS)('%s', (_name, secret, needle) => {
  test(`in each of the ${FIELDS.length} fields, as a key and under a field of its own: never in an error`, async () => {
    let refusedSomewhere = 0;
    for (const path of FIELDS) {
      const t = full();
      set(t, path, secret);
      const file = join(work, 'topology.yaml');
      writeFileSync(file, stringify(t));
      const { codes, output } = await both(file);
      if (codes[0] === 2) refusedSomewhere++;
      expect([path.join('.'), leaks(output, needle)]).toEqual([path.join('.'), false]);
    }
    // The credential is refused in most fields: the test saw the error messages it is about.
    expect(refusedSomewhere).toBeGreaterThan(FIELDS.length / 2);

    for (const put of [
      (t: any) => (t.remotes[0][secret] = 1),
      (t: any) => (t.local.controller[secret] = { a: 1 }),
      (t: any) => (t.remotes[0].token = secret),
      (t: any) => (t.remotes[0].kubeconfig = { users: [{ user: { token: secret } }] }),
      (t: any) => (t.local.controller.resources = { limits: { cpu: secret } }),
    ]) {
      const t = full();
      put(t);
      const file = join(work, 'topology.yaml');
      writeFileSync(file, stringify(t));
      const { codes, output } = await both(file);
      expect(codes).toEqual([2, 2]);
      expect([put.toString(), leaks(output, needle)]).toEqual([put.toString(), false]);
    }
  });

  test('on the line of a YAML syntax error', async () => {
    const file = join(work, 'broken.yaml');
    writeFileSync(file, `local:\n  name: ${JSON.stringify(secret)}: [\n  token: ${JSON.stringify(secret)}\n`);
    const { codes, output } = await both(file);
    expect(codes).toEqual([2, 2]);
    expect(leaks(output, needle)).toBe(false);
  });
});

test('a credential that does not look like one is hidden under a field named like one', async () => {
  for (const field of ['token', 'password', 'client-key-data', 'clientSecret', 'bearerToken', 'kubeconfig', 'apiKey']) {
    const t = full();
    t.remotes[0][field] = 'plain words 42';
    const file = join(work, 'named.yaml');
    writeFileSync(file, stringify(t));
    const { codes, output } = await both(file);
    expect(codes).toEqual([2, 2]);
    expect(output).toMatch(new RegExp(`remotes\\[0\\]\\.${field}: "\\(14 characters hidden`));
    expect(output).not.toContain('plain words 42');
  }
});
