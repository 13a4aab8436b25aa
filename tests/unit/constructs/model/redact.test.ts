import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '../../../../constructs/cli/main';
import {
  forgetCredentials,
  formatFieldPath,
  looksSecret,
  redactText,
  rememberCredentials,
  shownValue,
} from '../../../../constructs/model/redact';
import { exampleInput } from '../../support/helpers';

/**
 * Credentials pasted into any field of a topology (or under a field of their own) never come back in an error: the
 * output of a failed `validate` or `synth` lands in CI logs.
 */

const work = mkdtempSync(join(tmpdir(), 'amc-secrets-'));

// Fields that take free text: a credential pasted there is valid, so there is no error to show it in.
const FREE_TEXT = [
  'local.context',
  'local.controller.config.instanceID',
  'remotes.0.context',
  'remotes.0.secretStore.key',
  'secrets.store.key',
];

// Each: a credential as users paste it, the part of it that must never be printed, and the fields that accept it.
const SECRETS: [string, string, string, string[]][] = [
  [
    'a ServiceAccount token (JWT)',
    'eyJhbGciOiJSUzI1NiIsImtpZCI6IkFCQyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXJnbzphcmdvIn0.U2lnbmF0dXJlT2ZUaGVUb2tlbg',
    'eyJhbGciOiJSUzI1NiIsImtpZCI6IkFCQyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXJnbzphcmdvIn0.U2lnbmF0dXJlT2ZUaGVUb2tlbg',
    FREE_TEXT,
  ],
  [
    'a PEM private key',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAqSecretKeyMaterial0123456789\n-----END RSA PRIVATE KEY-----\n',
    'MIIEowIBAAKCAQEAqSecretKeyMaterial0123456789',
    // instanceID is a plain value, which must be one line.
    FREE_TEXT.filter((f) => f !== 'local.controller.config.instanceID'),
  ],
  [
    'base64 client key data',
    'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND',
    'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND',
    FREE_TEXT,
  ],
  ['a password in a URL', 'https://admin:Hunter2Passw0rd@cluster-1.example.com:6443', 'Hunter2Passw0rd', FREE_TEXT],
  ['a password in a URL with a space', 'https://admin:Hunter2 Passw0rd@cluster 1', 'Hunter2 Passw0rd', FREE_TEXT],
  [
    'a bootstrap token',
    'abcdef.0123456789abcdef',
    'abcdef.0123456789abcdef',
    // It is also a DNS-1123 subdomain, which names a ServiceAccount or a store.
    [...FREE_TEXT, 'remotes.0.executorServiceAccount', 'remotes.0.secretStore.name', 'secrets.store.name'],
  ],
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

describe.each(SECRETS)('%s', (_name, secret, needle, accepting) => {
  test(`in each of the ${FIELDS.length} fields, as a key and under a field of its own: never in an error`, async () => {
    const accepted: string[] = [];
    for (const path of FIELDS) {
      const t = full();
      set(t, path, secret);
      const file = join(work, 'topology.yaml');
      writeFileSync(file, stringify(t));
      const { codes, output } = await both(file);
      if (codes[0] !== 2) accepted.push(path.join('.'));
      expect([path.join('.'), leaks(output, needle)]).toEqual([path.join('.'), false]);
    }
    // Refused everywhere else: the test saw the error messages it is about.
    expect(accepted.sort()).toEqual([...accepting].sort());

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

const UNKNOWN_REMOTE_FIELD =
  'is not a known field; valid fields here: name, context, server, namespaces, workflowNamespace, executorServiceAccount, executorImagePullSecrets, executorServiceAccountAnnotations, access, insecureSkipTLSVerify, createNamespaces, tokenGeneration, secretStore, artifactSecrets, artifactConfigMaps, manageSharedObjects, profilePerNamespace';

test('a credential that does not look like one is hidden under a field named like one', async () => {
  for (const field of ['token', 'password', 'client-key-data', 'clientSecret', 'bearerToken', 'kubeconfig', 'apiKey']) {
    const t = full();
    t.remotes[0][field] = 'plain words 42';
    const file = join(work, 'named.yaml');
    writeFileSync(file, stringify(t));
    const { codes, output } = await both(file);
    const error = `error: ${file} is invalid:\n  - remotes[0].${field}: "(14 characters hidden: this looks like a credential)" ${UNKNOWN_REMOTE_FIELD}\n`;
    expect({ codes, output }).toEqual({ codes: [2, 2], output: error + error });
  }
});

describe('what an error may show', () => {
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
  const HIDDEN_JWT = '(41 characters hidden: this looks like a credential)';

  test('a value: as JSON, credentials hidden by their shape or by the name of their field', () => {
    expect([
      shownValue('abc'),
      shownValue(JWT),
      shownValue('x', 'token'),
      shownValue({ password: 's', name: 'n' }),
      shownValue({ token: { a: 1 } }),
      shownValue({ auth: null, n: 1 }),
      shownValue('https://u:p@h'),
      shownValue(undefined),
      shownValue(NaN),
      shownValue(Infinity),
      shownValue(-Infinity),
    ]).toEqual([
      '"abc"',
      `"${HIDDEN_JWT}"`,
      '"(1 characters hidden: this looks like a credential)"',
      '{"password":"(1 characters hidden: this looks like a credential)","name":"n"}',
      '{"token":"(hidden: this looks like a credential)"}',
      '{"auth":null,"n":1}',
      '"https://(credentials hidden)@h"',
      'undefined',
      '.nan',
      '.inf',
      '-.inf',
    ]);
  });

  test("our own fields named like credentials, and a caller's placeholder, are shown as they are", () => {
    expect([
      shownValue(3, 'tokenGeneration'),
      shownValue('x', 'argo-multicluster:tokenGenerations'),
      shownValue(['s3-creds'], 'artifactSecrets'),
      shownValue('(secret)', 'token'),
    ]).toEqual(['3', '"x"', '["s3-creds"]', '"(secret)"']);
  });

  test.each([
    // Names of Secrets and stores under fields named like credentials: shown.
    [[{ name: 'regcred' }], 'executorImagePullSecrets', '[{"name":"regcred"}]'],
    [[{ name: 'ghcr-pull' }], 'imagePullSecrets', '[{"name":"ghcr-pull"}]'],
    [{ name: 'vault', kind: 'ClusterSecretStore' }, 'secretStore', '{"name":"vault","kind":"ClusterSecretStore"}'],
    [{ name: 'sso', key: 'client-secret' }, 'secretKeyRef', '{"name":"sso","key":"client-secret"}'],
    [{ name: 'sso', key: 'client-secret' }, 'clientSecret', '{"name":"sso","key":"client-secret"}'],
    ['deploy-key', 'secretName', '"deploy-key"'],
    ['Deploy_Key', '--flux-secret', '"Deploy_Key"'],
    [{ mode: 'none' }, 'secrets', '{"mode":"none"}'],
    // Only the topology's own `secrets` block: another field ending in lowercase "secrets" is a credential.
    ['hunter22', 'dbsecrets', '"(8 characters hidden: this looks like a credential)"'],
    // Secret material under such fields, or shaped like one anywhere: hidden.
    ['plain words', 'clientSecret', '"(11 characters hidden: this looks like a credential)"'],
    [{ value: 'abc' }, 'token', '"(hidden: this looks like a credential)"'],
    [{ name: 'x', key: 'y', data: 'z' }, 'clientSecret', '"(hidden: this looks like a credential)"'],
    [{ name: 'x', key: 'hunter22' }, 'password', '{"name":"x","key":"hunter22"}'],
    [{ name: 'sso', key: 'k', optional: true }, 'clientSecret', '{"name":"sso","key":"k","optional":true}'],
    // Not a selector: no name, a key that is not a name, another field.
    [{ key: 'hunter22' }, 'clientSecret', '"(hidden: this looks like a credential)"'],
    [{ name: 'sso', key: 5 }, 'clientSecret', '"(hidden: this looks like a credential)"'],
    [{ name: 'sso', optional: true, value: 'x' }, 'clientSecret', '"(hidden: this looks like a credential)"'],
    [['hunter22'], 'password', '"(hidden: this looks like a credential)"'],
    // A placeholder is a whole value in parentheses, nothing around it.
    ['(x) hunter22', 'token', '"(12 characters hidden: this looks like a credential)"'],
    ['hunter22 (x)', 'token', '"(12 characters hidden: this looks like a credential)"'],
    [{ name: 'x', password: 'hunter22' }, 'auth', '"(hidden: this looks like a credential)"'],
    [
      [{ name: 'regcred', password: 'p4ss' }],
      'imagePullSecrets',
      '[{"name":"regcred","password":"(4 characters hidden: this looks like a credential)"}]',
    ],
    ['https://u:p@h', 'secretName', '"https://(credentials hidden)@h"'],
    [
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      '--flux-secret',
      '"(41 characters hidden: this looks like a credential)"',
    ],
  ])('%j under %s shows %s: names are shown, secret material is not', (value, field, shown) => {
    expect(shownValue(value, field)).toBe(shown);
  });

  // Each name is caught by one alternative of the rule alone, so that losing any alternative shows here.
  test.each([
    ['accessToken', true],
    ['passwd', true],
    ['clientSecret', true],
    ['awsCredential', true],
    ['privateData', true],
    ['basicAuth', true],
    ['bearerValue', true],
    ['apikeyValue', true],
    ['x-api-key-header', true],
    ['client-key-data', true],
    ['kubeconfigData', true],
    ['key', true],
    ['ssh-key', true],
    ['sshKEY', true],
    ['clientCert', true],
    ['TOKEN', true],
    // Named like a credential, but the name of a Secret, store or count: shown.
    ['artifactSecrets', false],
    ['tlsSecretName', false],
    ['secretNames', false],
    ['secretRef', false],
    ['secretKeyRef', false],
    ['secretStore', false],
    ['tokenGeneration', false],
    ['tokenGenerations', false],
    ['secrets', false],
    // A reference word not at the end, or the last part of a config key, decides.
    ['secretStoreData', true],
    ['secretsData', true],
    ['argo-multicluster:tokenGenerations', false],
    ['tokenGenerations:token', true],
    ['accessToken.', true],
    [':::', false],
    // Not credentials.
    ['keyName', false],
    ['server', false],
    ['monkeys', false],
  ])('a value under %s is hidden: %s', (field, hidden) => {
    expect(shownValue('plain', field)).toBe(
      hidden ? '"(5 characters hidden: this looks like a credential)"' : '"plain"',
    );
  });

  test('a field path: names joined by dots, indexes in brackets, other keys quoted, credentials hidden', () => {
    expect([
      formatFieldPath(['remotes', 0, 'server']),
      formatFieldPath(['local', 'a b']),
      formatFieldPath(['x', JWT]),
      formatFieldPath(['x', 'https://u:p@h']),
      formatFieldPath([0, 'a']),
      formatFieldPath(['<x>', '$y']),
      formatFieldPath([]),
    ]).toEqual([
      'remotes[0].server',
      'local["a b"]',
      `x[${HIDDEN_JWT}]`,
      'x["https://(credentials hidden)@h"]',
      '[0].a',
      '<x>.$y',
      '',
    ]);
  });

  test('free text: every part shaped like a credential is hidden, and the user information of a URL', () => {
    expect(redactText(`cannot reach https://admin:pw@h:6443 with ${JWT}`)).toBe(
      `cannot reach https://(credentials hidden)@h:6443 with ${HIDDEN_JWT}`,
    );
  });

  test('a multi-line PEM block is hidden whole, its short last line and END line included', () => {
    // As openssl writes a key: 64 characters a line, the last line shorter than any shape of its own.
    const pem = [
      '-----BEGIN PRIVATE KEY-----',
      'MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC7VJTUt9Us8cKj',
      'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
      'q8vDvzE=',
      '-----END PRIVATE KEY-----',
    ].join('\n');
    const text = `cannot load client key:\n${pem}\nfrom the kubeconfig`;
    expect(redactText(text)).toBe(
      `cannot load client key:\n(${pem.length} characters hidden: this looks like a credential)\nfrom the kubeconfig`,
    );
  });

  test('the shapes of credentials, and what only looks long: an image digest, a long field name', () => {
    expect([
      looksSecret(JWT),
      looksSecret('-----BEGIN CERTIFICATE-----'),
      looksSecret('abcdef.0123456789abcdef'),
      looksSecret('ghp_abcdefghijkl'),
      looksSecret('0123456789abcdef0123456789abcdef'),
      looksSecret(`sha256:${'a'.repeat(64)}`),
      looksSecret('requiredDuringSchedulingIgnoredDuringExecution'),
    ]).toEqual([true, true, true, true, true, false, false]);
  });
});

describe('each shape of a credential, at its edges', () => {
  // Z: not a hex digit, which a shape of its own catches.
  const b40 = 'Z'.repeat(39) + '1';
  test.each([
    ['a PEM header', '-----BEGIN RSA PRIVATE KEY-----', true],
    ['four dashes are no PEM header', '----BEGIN RSA PRIVATE KEY-----', false],
    ['a JWT of three parts', 'eyJhbGci.eyJzdWIi.c2ln', true],
    ['a JWT of two parts of four characters', 'eyJabcd.efgh', true],
    ['a JWT part of three characters', 'eyJabc.efgh', false],
    ['eyJ inside a word', 'xeyJabcd.efgh', false],
    ['a bootstrap token', 'abcdef.0123456789abcdef', true],
    ['a bootstrap token id of five', 'abcde.0123456789abcdef', false],
    ['a bootstrap token secret of fifteen', 'abcdef.0123456789abcde', false],
    ['upper case is no bootstrap token', 'ABCDEF.0123456789ABCDEF', false],
    ['40 base64 characters with a digit', b40, true],
    ['40 with a + instead', 'Z'.repeat(39) + '+', true],
    ['40 with a / instead', 'Z'.repeat(39) + '/', true],
    ['39 base64 characters', b40.slice(1), false],
    ['40 letters without a digit', 'Z'.repeat(40), false],
    ['40 after a colon (a digest)', `:${b40}`, false],
    ['32 hex digits', 'deadbeef'.repeat(4), true],
    ['31 hex digits', 'deadbeef'.repeat(4).slice(1), false],
    ['32 hex digits then a letter', `${'deadbeef'.repeat(4)}g`, false],
    ['32 hex digits after a colon', `sha1:${'deadbeef'.repeat(4)}`, false],
    ['a GitHub token', 'ghp_abcdefghij', true],
    ['a GitHub OAuth token', 'gho_abcdefghij', true],
    ['a GitHub server token', 'ghs_abcdefghij', true],
    ['a GitLab token', 'glpat-abcdefghij', true],
    ['a Slack token', 'xoxb-abcdefghij', true],
    ['an API key', 'sk-abcdefghij', true],
    ['a prefixed key of nine characters', 'ghp_abcdefghi', false],
    ['a prefix inside a word', 'xghp_abcdefghij', false],
  ])('%s: %s', (_what, text, secret) => {
    expect(looksSecret(text)).toBe(secret);
    expect(redactText(`a ${text} b`)).toBe(
      secret ? `a (${text.length} characters hidden: this looks like a credential) b` : `a ${text} b`,
    );
  });

  test('many PEM headers without an end are each hidden, and the text between them kept', () => {
    const header = '-----BEGIN CERTIFICATE-----';
    expect(redactText(`${header} one ${header} two`)).toBe(
      `(${header.length} characters hidden: this looks like a credential) one (${header.length} characters hidden: this looks like a credential) two`,
    );
  });

  test('the user information of every URL is hidden, whatever the scheme, and a URL without one is kept', () => {
    expect(redactText('git+ssh://git:pw@h/r and https://h/p?x=a@b and s3://k@bucket')).toBe(
      'git+ssh://(credentials hidden)@h/r and https://h/p?x=a@b and s3://(credentials hidden)@bucket',
    );
  });
});

describe('credentials of the kubeconfig in use are hidden whatever their shape', () => {
  afterEach(() => forgetCredentials());
  const hidden = (n: number) => `(${n} characters hidden: a credential of the kubeconfig in use)`;

  test.each<[string, string[], string, string]>([
    ['a static token', ['plain-word-token'], 'echo: Bearer plain-word-token.', `echo: Bearer ${hidden(16)}.`],
    ['the header before the token in it', ['tok-1234', 'Bearer tok-1234'], 'got Bearer tok-1234', `got ${hidden(15)}`],
    ['regex characters literally', ['a.b*c(d)'], 'x a.b*c(d) axbbc(d)', `x ${hidden(8)} axbbc(d)`],
    ['nothing shorter than 4 characters', ['abc'], 'abc abcd', 'abc abcd'],
    ['4 characters', ['abcd'], 'abc abcd', `abc ${hidden(4)}`],
    ['the longest of two that start alike, whole', ['abcd', 'abcdefgh', 'abcdef'], 'x abcdefgh', `x ${hidden(8)}`],
    ['no replacement searched again', ['hidden', 'credential'], 'a hidden b', `a ${hidden(6)} b`],
    ['every time it appears', ['tok-1234'], 'tok-1234 then tok-1234', `${hidden(8)} then ${hidden(8)}`],
  ])('%s', (_what, secrets, text, shown) => {
    rememberCredentials(secrets);
    expect(redactText(text)).toBe(shown);
  });

  test('forgotten at the start of each command', async () => {
    rememberCredentials(['plain-word-token']);
    await run(
      ['validate', '-f', '/nonexistent/plain-word-token.yaml'],
      { write: () => undefined },
      { write: () => undefined },
    );
    expect(redactText('plain-word-token')).toBe('plain-word-token');
  });

  test('what was forgotten stays forgotten when another credential is remembered', () => {
    rememberCredentials(['first-token']);
    forgetCredentials();
    rememberCredentials(['second-token']);
    expect(redactText('first-token second-token')).toBe(`first-token ${hidden(12)}`);
  });
});
